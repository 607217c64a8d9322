"""``medalliance plan partition`` and ``plan check-grid``: districting units into groups (网格化).

``partition`` divides the units of a units file into contiguous groups around lead units
(:func:`medalliance.planning.partition_grid`); ``check-grid`` checks that groups — from a
``group,unit`` file or a registry's urban medical groups — cover every unit exactly once
(:func:`medalliance.planning.check_grid_cover`). The file formats are in
:mod:`medalliance.cli._plan_files`.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import (
    add_as_of,
    add_format_flag,
    output_format,
    path_argument,
    plural,
    print_csv,
    print_json,
    table,
)
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.planning import Partition

_GROUP_HEADER = ("lead", "units", "people", "within_bounds", "mean_cost")
_UNIT_HEADER = ("unit", "lead", "people", "cost")


def add_parsers(subparsers: Subparsers) -> None:
    """Register ``plan partition`` and ``plan check-grid``."""
    pa = subparsers.add_parser(
        "partition", help="divide units into contiguous groups around lead units (网格化)"
    )
    _units_option(pa, "CSV unit,people[,lead]: the units, their people, the lead units")
    pa.add_argument(
        "--adjacency",
        required=True,
        metavar="FILE",
        type=path_argument,
        help="CSV unit,neighbour: the pairs of units that touch",
    )
    leads = pa.add_mutually_exclusive_group()
    leads.add_argument(
        "--leads", metavar="IDS", help="comma-separated lead units (default: lead column)"
    )
    leads.add_argument(
        "--registry",
        metavar="NAME|FILE",
        type=path_argument,
        help="lead units from a registry: the township of each urban medical group's lead",
    )
    add_as_of(pa)
    pa.add_argument("--min-people", type=float, metavar="N", help="fewest people of a group")
    pa.add_argument("--max-people", type=float, metavar="N", help="most people of a group")
    pa.add_argument(
        "--method",
        choices=("greedy", "exact"),
        default="greedy",
        help="greedy growth + repair, or a MILP with flow contiguity (default greedy)",
    )
    pa.add_argument("--time-limit-s", type=float, metavar="S", help="exact: seconds for HiGHS")
    pa.add_argument("--max-moves", type=int, metavar="N", help="greedy: most boundary moves")
    pa.add_argument(
        "--assignment", action="store_true", help="also list every unit's group (csv: only)"
    )
    add_format_flag(pa)
    pa.set_defaults(func=run_partition)

    cg = subparsers.add_parser(
        "check-grid", help="check that groups cover every unit (street) exactly once"
    )
    _units_option(cg, "CSV with a unit column: every unit (street) of the city")
    source = cg.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--groups", metavar="FILE", type=path_argument, help="CSV group,unit: each group's units"
    )
    source.add_argument(
        "--registry",
        metavar="NAME|FILE",
        type=path_argument,
        help="the urban medical groups of a registry (their members' townships)",
    )
    add_as_of(cg)
    add_format_flag(cg)
    cg.set_defaults(func=run_check)


def _units_option(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--units", required=True, metavar="FILE", type=path_argument, help=text)


def value_ok(value: float | None, smallest: float | None) -> bool:
    """``None``, or a finite number above 0 (or equal to ``smallest`` when it is 0)."""
    if value is None:
        return True
    return math.isfinite(value) and (value > 0 or value == smallest)


def _check_partition(args: argparse.Namespace) -> None:
    problems: list[Problem] = []
    for option, value, ok, rule in (
        ("--min-people", args.min_people, value_ok(args.min_people, 0.0), ">= 0"),
        ("--max-people", args.max_people, value_ok(args.max_people, None), "> 0"),
        ("--time-limit-s", args.time_limit_s, value_ok(args.time_limit_s, None), "> 0"),
    ):
        if not ok:
            problems.append(Problem((option,), f"must be a finite number {rule}, got {value:g}"))
    if args.max_moves is not None and args.max_moves < 0:
        problems.append(Problem(("--max-moves",), f"must be >= 0, got {args.max_moves}"))
    for option, value, method in (
        ("--time-limit-s", args.time_limit_s, "exact"),
        ("--max-moves", args.max_moves, "greedy"),
    ):
        if value is not None and args.method != method:
            problems.append(Problem((option,), f"applies to --method {method}"))
    if problems:
        raise MedAllianceError(problems)


def partition(args: argparse.Namespace) -> Partition:
    """Read the files and partition the units."""
    from medalliance.cli._plan_files import ADJACENCY_COLUMNS, read_pairs, read_units
    from medalliance.planning import partition_grid

    _check_partition(args)
    units = read_units(args.units, need_people=True)
    adjacency = read_pairs(args.adjacency, ADJACENCY_COLUMNS, set(units.ids))
    if args.as_of is not None and args.registry is None:
        raise MedAllianceError([Problem(("--as-of",), "applies with --registry only")])
    if args.registry is not None:
        leads = _registry_leads(args.registry, args.as_of, args.units, set(units.ids))
    elif args.leads is not None:
        leads = [t.strip() for t in args.leads.split(",") if t.strip()]
        known = set(units.ids)
        problems = [Problem(("--leads",), f"unit {u!r} is not in {args.units}") for u in leads]
        problems = [p for p, u in zip(problems, leads, strict=True) if u not in known]
        if problems:
            raise MedAllianceError(problems)
    else:
        leads = units.leads
    if not leads:
        msg = "no lead unit: mark them in a lead column of the units file, or give --leads"
        raise MedAllianceError([Problem(("--leads",), msg)])
    return partition_grid(
        units.ids,
        adjacency,
        leads=leads,
        people=units.people,
        min_people=args.min_people,
        max_people=args.max_people,
        method=args.method,
        time_limit_s=args.time_limit_s,
        max_moves=args.max_moves,
    )


def _registry_leads(target: str, as_of: str | None, units: str, known: set[str]) -> list[str]:
    """The township of the (first) lead of every urban medical group, each named problem."""
    from medalliance.cli._load import load_registry
    from medalliance.model.alliance_vocab import AllianceForm

    reg, origin = load_registry(target, as_of)
    problems: list[Problem] = []
    leads: list[str] = []
    for alliance in reg.alliances:
        if alliance.form is not AllianceForm.URBAN_MEDICAL_GROUP:
            continue
        head = alliance.lead[0]
        town = reg.institution(head).region.township
        where = (f"alliances.{alliance.id}",)
        if town is None:
            problems.append(Problem(where, f"its lead {head!r} has no township"))
        elif town not in known:
            problems.append(Problem(where, f"its lead's township {town!r} is not in {units}"))
        elif town not in leads:
            leads.append(town)
    if not problems and not leads:
        problems.append(Problem((), "no urban medical group (城市医疗集团)"))
    if problems:
        raise MedAllianceError(problems, source=origin)
    return leads


def run_partition(args: argparse.Namespace, out: TextIO) -> int:
    """Print one row per group (and with ``--assignment`` one per unit)."""
    fmt = output_format(args)
    part = partition(args)
    if fmt == "json":
        body: dict[str, Any] = {
            "units": args.units,
            "method": part.method,
            "status": part.status,
            "objective": part.objective,
            "bound": part.bound,
            "gap": part.gap,
            "min_people": part.min_people,
            "max_people": part.max_people,
            "message": part.message,
            "groups": part.rows(),
        }
        if args.assignment:
            body["assignment"] = part.assignment_rows()
        print_json(body, out)
        return 0
    if fmt == "csv":
        if args.assignment:
            print_csv(part.assignment_rows(), _UNIT_HEADER, out)
        else:
            print_csv(part.rows(), _GROUP_HEADER, out)
        return 0
    bounds = f"[{_n(part.min_people, '0')}, {_n(part.max_people, '∞')}]"
    print(
        f"{plural(len(part.unit_ids), 'unit')} into {plural(len(part.leads), 'group')}, "
        f"people per group within {bounds}",
        file=out,
    )
    gap = "-" if part.gap is None else f"{part.gap:.2%}"
    print(
        f"{part.method} solution, {part.status}: people-weighted travel to the leads "
        f"{_n(part.objective, '-')}, bound {_n(part.bound, '-')}, gap {gap}",
        file=out,
    )
    if part.message and part.status != "optimal":
        print(part.message, file=out)
    rows = [
        (r["lead"], r["units"], _n(r["people"], "-"), "yes" if r["within_bounds"] else "NO",
         _n(r["mean_cost"], "-"))
        for r in part.rows()
    ]  # fmt: skip
    table(rows, ("lead", "units", "people", "within bounds", "mean cost"), out)
    if args.assignment:
        print(file=out)
        unit_rows = [
            (r["unit"], r["lead"], _n(r["people"], "-"), _n(r["cost"], "-"))
            for r in part.assignment_rows()
        ]
        table(unit_rows, ("unit", "lead", "people", "cost"), out)
    return 0


def _n(value: float | None, none: str) -> str:
    if value is None or not math.isfinite(value):
        return none
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def run_check(args: argparse.Namespace, out: TextIO) -> int:
    """Print every gap, overlap and unknown unit; exit 1 when there is one."""
    from medalliance.cli._plan_files import GROUP_COLUMNS, read_pairs, read_units
    from medalliance.planning import check_grid_cover, groups_from_registry

    fmt = output_format(args)
    if args.as_of is not None and args.registry is None:
        raise MedAllianceError([Problem(("--as-of",), "applies with --registry only")])
    units = read_units(args.units, need_people=False)
    if args.groups is not None:
        groups: dict[str, list[str]] = {}
        for group, unit in read_pairs(args.groups, GROUP_COLUMNS, None):
            groups.setdefault(group, []).append(unit)
        source = args.groups
    else:
        from medalliance.cli._load import load_registry

        reg, source = load_registry(args.registry, args.as_of)
        groups = {k: list(v) for k, v in groups_from_registry(reg).items()}
    cover = check_grid_cover(units.ids, groups)
    if fmt == "json":
        body = {
            "units": args.units,
            "groups": source,
            "ok": cover.ok,
            "group_count": len(groups),
            "findings": cover.rows(),
        }
        print_json(body, out)
    elif fmt == "csv":
        print_csv(cover.rows(), ("finding", "unit", "groups"), out)
    else:
        print(
            f"{plural(len(units.ids), 'unit')} in {args.units}, "
            f"{plural(len(groups), 'group')} from {source}: "
            + ("every unit in exactly one group" if cover.ok else _findings(cover)),
            file=out,
        )
        if not cover.ok:
            rows = [(r["finding"], r["unit"], r["groups"]) for r in cover.rows()]
            table(rows, ("finding", "unit", "groups"), out)
    return 0 if cover.ok else 1


def _findings(cover: Any) -> str:
    return ", ".join(
        [
            plural(len(cover.gaps), "gap"),
            plural(len(cover.overlaps), "overlap"),
            plural(len(cover.unknown), "unknown unit"),
        ]
    )

"""``medalliance plan sites``: site selection on a cost table (MCLP, p-median, LSCP, p-center).

The cost table is read by :func:`medalliance.io.costs.read_cost_table`, the population by
:func:`medalliance.io.read_population`; the models are :mod:`medalliance.planning`'s.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import (
    add_format_flag,
    add_solver_options,
    output_format,
    path_argument,
    plural,
    print_csv,
    print_json,
    table,
)
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.accessibility import CostMatrix, Population
    from medalliance.cli._common import Subparsers
    from medalliance.planning import SiteSelection

MODELS = ("max_coverage", "p_median", "set_cover", "p_center")
_SITE_HEADER = ("site", "fixed", "origins", "people", "mean_cost")
_ASSIGN_HEADER = ("origin", "people", "site", "cost", "served")


def add_parser(subparsers: Subparsers) -> None:
    """Register ``plan sites`` and its options."""
    sp = subparsers.add_parser(
        "sites", help="choose sites on a cost table: max_coverage, p_median, set_cover, p_center"
    )
    sp.add_argument(
        "--costs",
        required=True,
        metavar="FILE",
        type=path_argument,
        help="travel times: CSV origin,site,cost_min",
    )
    sp.add_argument("--model", required=True, choices=MODELS, help="what to optimise")
    sp.add_argument(
        "--population",
        metavar="FILE",
        type=path_argument,
        help="people per origin: CSV id,people (required for max_coverage and p_median; "
        "default for the others: every origin of the cost table counts 1)",
    )
    sp.add_argument("--p", type=int, metavar="N", help="sites to open, fixed ones included")
    sp.add_argument(
        "--cutoff-min", type=float, metavar="M", help="travel-time cutoff in minutes (inclusive)"
    )
    sp.add_argument("--candidates", metavar="IDS", help="comma-separated sites that may open")
    sp.add_argument("--fixed", metavar="IDS", help="comma-separated sites already open")
    sp.add_argument(
        "--capacity",
        metavar="FILE",
        type=path_argument,
        help="CSV site,capacity: people each site can serve (max_coverage, p_median)",
    )
    add_solver_options(sp)
    sp.add_argument(
        "--warm-start",
        metavar="IDS",
        help="comma-separated p sites to start from (a cutoff for the exact solver)",
    )
    sp.add_argument(
        "--backup", action="store_true", help="set_cover: maximise people reached twice too"
    )
    sp.add_argument(
        "--assignment", action="store_true", help="also list every origin's site (csv: only)"
    )
    add_format_flag(sp)
    sp.set_defaults(func=run)


def _ids(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def _check(args: argparse.Namespace) -> None:
    """Every problem of the options at once: what each model needs and what it takes."""
    problems: list[Problem] = []
    model = args.model
    needs_p = model != "set_cover"
    if needs_p and args.p is None:
        problems.append(Problem(("--p",), f"required for {model}"))
    if not needs_p and args.p is not None:
        problems.append(Problem(("--p",), "set_cover finds the fewest sites; it takes no --p"))
    if model in ("max_coverage", "set_cover") and args.cutoff_min is None:
        problems.append(Problem(("--cutoff-min",), f"required for {model}"))
    if model in ("max_coverage", "p_median") and args.population is None:
        problems.append(Problem(("--population",), f"required for {model}"))
    if args.capacity is not None and model not in ("max_coverage", "p_median"):
        problems.append(Problem(("--capacity",), "applies to max_coverage and p_median"))
    if args.warm_start is not None and model == "set_cover":
        problems.append(Problem(("--warm-start",), "set_cover takes no warm start"))
    if args.backup and model != "set_cover":
        problems.append(Problem(("--backup",), "applies to set_cover only"))
    for option, value, rule in (
        ("--cutoff-min", args.cutoff_min, ">= 0"),
        ("--time-limit-s", args.time_limit_s, "> 0"),
    ):
        ok = value is None or (
            math.isfinite(value) and (value >= 0 if rule == ">= 0" else value > 0)
        )
        if not ok:
            problems.append(Problem((option,), f"must be a finite number {rule}, got {value:g}"))
    if problems:
        raise MedAllianceError(problems)


def _costs(args: argparse.Namespace) -> tuple[CostMatrix, Population | None]:
    """The cost structure over the population's points (or the table's origins)."""
    from medalliance.accessibility import costs_from_table
    from medalliance.io import read_population
    from medalliance.io.costs import read_cost_table

    rows = read_cost_table(args.costs)
    population = None if args.population is None else read_population(args.population)
    if population is not None:
        origins = [str(x) for x in population.ids.tolist()]
        known = set(origins)
        problems = [
            Problem((f"row {n}",), f"origin {o!r} is no point of {args.population}")
            for o, n in zip(rows.origin, rows.row, strict=True)
            if o not in known
        ]
        if problems:
            shown = problems[:20]
            if len(problems) > 20:
                shown.append(Problem((), f"... and {len(problems) - 20} more rows like these"))
            raise MedAllianceError(shown, source=args.costs)
    else:
        origins = list(dict.fromkeys(rows.origin))
    sites = list(dict.fromkeys(rows.site))
    try:
        costs = costs_from_table(
            list(rows.origin), list(rows.site), list(rows.cost_min), origin_ids=origins,
            site_ids=sites,
        )  # fmt: skip
    except MedAllianceError as exc:
        raise exc.with_source(args.costs) from None
    return costs, population


def _capacity(args: argparse.Namespace, costs: CostMatrix) -> list[float] | None:
    """Each site's capacity from ``--capacity``; every site needs one, no unknown site."""
    if args.capacity is None:
        return None
    from medalliance.cli._plan_files import read_capacities

    caps = read_capacities(args.capacity)
    sites = [str(s) for s in costs.site_ids.tolist()]
    known = set(sites)
    problems = [
        Problem(("capacity",), f"site {s!r} of the cost table has no capacity row")
        for s in sites
        if s not in caps
    ]
    problems += [
        Problem(("capacity",), f"site {s!r} is not in the cost table")
        for s in caps
        if s not in known
    ]
    if problems:
        raise MedAllianceError(problems[:20], source=args.capacity)
    return [caps[s] for s in sites]


def solve(args: argparse.Namespace) -> tuple[SiteSelection, CostMatrix, Population | None]:
    """Read the files and run the model the options name."""
    from medalliance import planning

    _check(args)
    costs, population = _costs(args)
    capacity = _capacity(args, costs)
    common: dict[str, Any] = {
        "candidates": _ids(args.candidates),
        "fixed": _ids(args.fixed),
        "method": args.method,
        "time_limit_s": args.time_limit_s,
    }
    if args.model == "set_cover":
        res = planning.set_cover(
            costs, population, cutoff_min=args.cutoff_min, backup=args.backup, **common
        )
        return res, costs, population
    common["warm_start"] = _ids(args.warm_start)
    if args.model == "p_center":
        res = planning.p_center(costs, population, p=args.p, cutoff_min=args.cutoff_min, **common)
        return res, costs, population
    assert population is not None  # checked with the options
    model = planning.max_coverage if args.model == "max_coverage" else planning.p_median
    res = model(
        costs, population, p=args.p, cutoff_min=args.cutoff_min, capacity=capacity, **common
    )
    return res, costs, population


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print the selected sites (and with ``--assignment`` every origin's site)."""
    fmt = output_format(args)
    res, costs, _ = solve(args)
    if fmt == "json":
        print_json(_json_body(args, res), out)
        return 0
    if fmt == "csv":
        if args.assignment:
            print_csv(res.assignment_rows(), _ASSIGN_HEADER, out)
        else:
            print_csv(res.rows(), _SITE_HEADER, out)
        return 0
    print(
        f"{args.model} on {args.costs}: {plural(costs.n_origins, 'origin')} "
        f"({res.total_people:g} people) · {plural(costs.n_sites, 'site')}"
        + ("" if res.cutoff_min is None else f" · cutoff {res.cutoff_min:g} min"),
        file=out,
    )
    print(
        f"{res.method} solution, {res.status}: {_what(args.model)} {_num(res.objective)}, "
        f"bound {_num(res.bound)}, gap {'-' if res.gap is None else f'{res.gap:.2%}'}",
        file=out,
    )
    if res.backup_people is not None:
        print(f"people within reach of two selected sites: {res.backup_people:g}", file=out)
    if res.message and res.status in ("unserved", "infeasible"):
        print(res.message, file=out)
    rows: list[tuple[object, ...]] = [
        (r["site"], "yes" if r["fixed"] else "", r["origins"], _num(r["people"]),
         _num(r["mean_cost"]))
        for r in res.rows()
    ]  # fmt: skip
    table(rows, ("site", "fixed", "origins", "people", "mean minutes"), out)
    if args.assignment:
        print(file=out)
        rows = [
            (r["origin"], _num(r["people"]), r["site"], _num(r["cost"]), _num(r["served"]))
            for r in res.assignment_rows()
        ]
        table(rows, ("origin", "people", "site", "minutes", "served"), out)
    return 0


def _what(model: str) -> str:
    return {
        "max_coverage": "people covered",
        "p_median": "person-minutes",
        "set_cover": "sites",
        "p_center": "longest minutes",
    }[model]


def _num(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def _json_body(args: argparse.Namespace, res: SiteSelection) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": args.model,
        "costs": args.costs,
        "population": args.population,
        "method": res.method,
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "p": res.p,
        "cutoff_min": res.cutoff_min,
        "selected": res.selected.tolist(),
        "covered_people": res.covered_people,
        "total_people": res.total_people,
        "backup_people": res.backup_people,
        "message": res.message,
        "sites": res.rows(),
    }
    if args.assignment:
        body["assignment"] = res.assignment_rows()
    return body

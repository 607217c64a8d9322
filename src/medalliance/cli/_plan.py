"""``medalliance plan``: every planning capability, one sub-command each.

- ``plan centre``: where an alliance should put a new shared centre, before and after
  (:func:`medalliance.planning.place_shared_centre`; this module);
- ``plan sites``: site selection on a cost table (:mod:`medalliance.cli._plan_sites`);
- ``plan partition`` and ``plan check-grid``: districting (:mod:`medalliance.cli._plan_grid`);
- ``plan equity``: equity of access values (:mod:`medalliance.cli._plan_equity`).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import (
    add_format_flag,
    add_solver_options,
    add_target,
    output_format,
    path_argument,
    print_csv,
    print_json,
    table,
)
from medalliance.cli._load import load_registry
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.planning import CentrePlan


def add_parser(subparsers: Subparsers) -> None:
    """Register ``plan`` and its sub-commands."""
    from medalliance.cli import _plan_equity, _plan_grid, _plan_sites

    plan = subparsers.add_parser(
        "plan",
        help="planning: a shared centre, sites on a cost table, districts, equity",
        description="Planning: place a shared centre, choose sites, partition units into "
        "groups, check a grid, compare the equity of access.",
    )
    sub = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND", required=True)
    _add_centre(sub)
    _plan_sites.add_parser(sub)
    _plan_grid.add_parsers(sub)
    _plan_equity.add_parser(sub)


def _add_centre(subparsers: Subparsers) -> None:
    """Register ``plan centre`` and its options."""
    pl = subparsers.add_parser(
        "centre", help="propose members to host a new shared centre (maximal covering)"
    )
    add_target(pl)
    pl.add_argument("--alliance", required=True, metavar="ID", help="the alliance")
    pl.add_argument("--service", required=True, metavar="S", help="the service, e.g. ct, 彩超, ecg")
    pl.add_argument(
        "--population",
        required=True,
        metavar="FILE",
        type=path_argument,
        help="population points: CSV id,people,lat,lon",
    )
    pl.add_argument("--p", type=int, default=1, metavar="N", help="new centres (default 1)")
    pl.add_argument(
        "--cutoff-min",
        type=float,
        default=30.0,
        metavar="M",
        help="travel-time cutoff in minutes (default 30)",
    )
    pl.add_argument(
        "--speed-kmh",
        type=float,
        default=30.0,
        metavar="V",
        help="assumed straight-line travel speed (default 30)",
    )
    pl.add_argument(
        "--host-kind",
        action="append",
        metavar="K",
        help="a kind of member that may host (repeatable; default: all but village clinics, "
        "community health stations, clinics and outpatient departments)",
    )
    add_solver_options(pl)
    add_format_flag(pl)
    pl.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    problems = [
        Problem((option,), f"must be a finite number {rule}, got {value:g}")
        for option, value, ok, rule in (
            ("--cutoff-min", args.cutoff_min, args.cutoff_min >= 0, ">= 0"),
            ("--speed-kmh", args.speed_kmh, args.speed_kmh > 0, "> 0"),
        )
        if not (math.isfinite(value) and ok)
    ]
    if args.p < 1:
        problems.append(Problem(("--p",), f"must be >= 1, got {args.p}"))
    if problems:
        raise MedAllianceError(problems)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print the proposed hosts, how good the choice is, and the before/after table."""
    from medalliance.io.records import read_population
    from medalliance.planning import place_shared_centre

    fmt = output_format(args)
    _check(args)
    reg, origin = load_registry(args.target, args.as_of)
    points = read_population(args.population)
    plan = place_shared_centre(
        reg,
        service=args.service,
        alliance=args.alliance,
        population=points,
        p=args.p,
        cutoff_min=args.cutoff_min,
        speed_kmh=args.speed_kmh,
        host_kinds=args.host_kind,
        method=args.method,
        time_limit_s=args.time_limit_s,
    )
    if fmt == "json":
        print_json(_json_body(origin, plan), out)
        return 0
    if fmt == "csv":
        print_csv(plan.rows(), ("measure", "before", "after", "change"), out)
        return 0
    sel = plan.selection
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    print(
        f"New {plan.centres[0].kind.value} centre(s) for {args.service} in {args.alliance}: "
        f"{', '.join(plan.hosts)}",
        file=out,
    )
    print(
        f"Already offering it: {', '.join(plan.providers) or 'none'}; "
        f"{sel.method} solution, {sel.status}, people covered {_num(sel.objective)}, "
        f"bound {_num(sel.bound)}, gap {_pct(sel.gap)}",
        file=out,
    )
    if plan.skipped:
        print(f"Members without coordinates (not candidates): {', '.join(plan.skipped)}", file=out)
    rows = [
        (r["measure"], _num(r["before"]), _num(r["after"]), _num(r["change"])) for r in plan.rows()
    ]
    table(rows, ("measure", "before", "after", "change"), out)
    return 0


def _num(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _json_body(origin: str, plan: CentrePlan) -> dict[str, Any]:
    sel = plan.selection
    return {
        "origin": origin,
        "hosts": list(plan.hosts),
        "centres": [c.model_dump(mode="json", exclude_none=True) for c in plan.centres],
        "providers": list(plan.providers),
        "skipped": list(plan.skipped),
        "selection": {
            "method": sel.method,
            "status": sel.status,
            "objective": sel.objective,
            "bound": sel.bound,
            "gap": sel.gap,
            "selected": sel.selected.tolist(),
        },
        "comparison": plan.rows(),
    }

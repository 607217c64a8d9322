"""``medalliance panel``: measures on a sequence of days, or indicators per period, long table."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import add_json_flag, path_argument, print_json, table
from medalliance.cli._indicators import _CSV_KINDS, _activity
from medalliance.cli._load import load_registry
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers


def add_parser(subparsers: Subparsers) -> None:
    """Register ``panel`` and its options."""
    p = subparsers.add_parser(
        "panel",
        help="measures of every alliance on each day, or indicators per period, as a long table",
    )
    p.add_argument(
        "target",
        metavar="NAME|FILE",
        type=path_argument,
        help="bundled example name or registry file (the days are given with --day/--period)",
    )
    p.add_argument(
        "--day",
        action="append",
        default=[],
        metavar="DATE",
        help="a day to read the registry on (repeat the option for several days)",
    )
    p.add_argument(
        "--period",
        action="append",
        default=[],
        metavar="P=DATE",
        help="a reporting period and the day it is read on, e.g. 2018=2018-12-31 (repeat; "
        "needs activity records)",
    )
    p.add_argument(
        "--measure",
        action="append",
        default=[],
        metavar="M",
        help="a structural measure (in_force, members, members_by_tier, grassroots_members, "
        "agreements_in_force, coverage; repeat)",
    )
    p.add_argument(
        "--activity",
        metavar="FILE",
        type=path_argument,
        help="activity records (JSON or YAML) for the indicators of each --period",
    )
    for kind in _CSV_KINDS:
        p.add_argument(
            f"--{kind}",
            metavar="CSV",
            type=path_argument,
            help=f"{kind} records as a CSV file (instead of --activity)",
        )
    p.add_argument("--county", metavar="NAME", help="limit the indicators to one county")
    p.add_argument("--county-code", metavar="CODE", help="the county's 6-digit division code")
    add_json_flag(p)
    p.set_defaults(func=run, as_of=None)


def _periods(specs: list[str]) -> dict[str, str]:
    """``P=DATE`` options as a mapping (every malformed one reported)."""
    out: dict[str, str] = {}
    problems = []
    for spec in specs:
        label, sep, day = spec.partition("=")
        if not sep or not label.strip() or not day.strip():
            problems.append(Problem(("--period",), f"expected P=DATE, got {spec!r}"))
        elif label in out:
            problems.append(Problem(("--period",), f"period {label!r} given twice"))
        else:
            out[label] = day.strip()
    if problems:
        raise MedAllianceError(problems)
    return out


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print the panel as a table (one row per day × alliance × measure) or as JSON."""
    from medalliance.history import indicator_panel, panel

    reg, origin = load_registry(args.target)
    if bool(args.day) == bool(args.period):
        msg = "give the days with --day DATE, or reporting periods with --period P=DATE"
        raise MedAllianceError([Problem(("--day",), msg)])
    if args.period:
        periods = _periods(args.period)  # the options first, then the files
        result = indicator_panel(
            reg,
            _activity(args),
            periods,
            county=args.county,
            county_code=args.county_code,
            measures=args.measure,
        )
    else:
        options = {f"--{k}": getattr(args, k) for k in ("activity", *_CSV_KINDS)}
        options.update({"--county": args.county, "--county-code": args.county_code})
        msg = "applies only with --period (indicators per period)"
        problems = [Problem((o,), msg) for o, v in options.items() if v is not None]
        if problems:
            raise MedAllianceError(problems)
        measures = args.measure or ["in_force", "members", "agreements_in_force"]
        result = panel(reg, args.day, measures=measures)
    rows = result.rows()
    if args.json:
        print_json({"origin": origin, "rows": [_plain(r) for r in rows]}, out)
        return 0
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    print(repr(result), file=out)
    head = ("date", "period", "alliance", "measure", "value", "status") if args.period else (
        "date", "alliance", "measure", "value"
    )  # fmt: skip
    table([tuple(_cell(r.get(k)) for k in head) for r in rows], head, out)
    return 0


def _cell(value: Any) -> Any:
    """A value as printed: 4 significant digits, ``nan`` as ``-``, ``""`` as ``(area)``."""
    if isinstance(value, float):
        return None if math.isnan(value) else f"{value:.4g}"
    return "(area)" if value == "" else value


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row for JSON: the day as text, ``nan`` as ``null``."""
    out = dict(row)
    out["date"] = row["date"].isoformat()
    if isinstance(row["value"], float) and math.isnan(row["value"]):
        out["value"] = None
    return out

"""``medalliance indicators``: the official alliance indicators from activity records."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import add_json_flag, add_target, path_argument, print_json, table
from medalliance.cli._load import load_registry
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.indicators import Activity, IndicatorReport, IndicatorResult

_CSV_KINDS = ("care", "referrals", "postings", "residents")
"""The record kinds that may come as one CSV file each (``--care FILE.csv`` ...)."""


def add_parser(subparsers: Subparsers) -> None:
    """Register ``indicators`` and its options."""
    ind = subparsers.add_parser(
        "indicators", help="official alliance indicators from activity records, against targets"
    )
    add_target(ind)
    ind.add_argument(
        "--activity",
        metavar="FILE",
        type=path_argument,
        help="activity records: a JSON or YAML file with care, referrals, postings, residents",
    )
    for kind in _CSV_KINDS:
        ind.add_argument(
            f"--{kind}",
            metavar="CSV",
            type=path_argument,
            help=f"{kind} records as a CSV file (instead of --activity)",
        )
    ind.add_argument("--period", required=True, metavar="P", help="the period evaluated")
    ind.add_argument("--previous-period", metavar="P", help="the period growth is measured against")
    ind.add_argument("--county", metavar="NAME", help="limit to one county, by name")
    ind.add_argument(
        "--county-code", metavar="CODE", help="the county's 6-digit division code (行政区划代码)"
    )
    ind.add_argument(
        "--targets",
        metavar="FILE",
        type=path_argument,
        help="targets file, YAML or JSON (default: the built-in official targets)",
    )
    add_json_flag(ind)
    ind.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Evaluate the indicators for ``--period``; print them as a table or as JSON."""
    from medalliance.indicators import evaluate_indicators

    reg, origin = load_registry(args.target, args.as_of)
    activity = _activity(args)
    targets = None
    if args.targets is not None:
        from medalliance.io import read_targets

        targets = read_targets(args.targets)
    report = evaluate_indicators(
        reg,
        activity,
        period=args.period,
        previous_period=args.previous_period,
        county=args.county,
        county_code=args.county_code,
        targets=targets,
    )
    if args.json:
        print_json(_json_body(origin, report), out)
        return 0
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    print(report.describe().splitlines()[0], file=out)
    table(
        [(r.code, _value(r), r.status.value, _target(r)) for r in report.results],
        ("indicator", "value", "status", "target"),
        out,
    )
    print("\nIndicators:", file=out)
    for r in report.results:
        print(f"  {r.code}: {r.name_zh}", file=out)
        for line in (r.reason, r.note):
            if line:
                print(f"    {line}", file=out)
    return 0


def _activity(args: argparse.Namespace) -> Activity:
    """The records of ``--activity`` or of the CSV options (exactly one of the two)."""
    csv_files = {kind: getattr(args, kind) for kind in _CSV_KINDS if getattr(args, kind)}
    if args.activity is not None and csv_files:
        options = ", ".join(f"--{k}" for k in csv_files)
        msg = f"give --activity or {options}, not both"
        raise MedAllianceError([Problem(("--activity",), msg)])
    if args.activity is None and not csv_files:
        msg = "required: --activity FILE (JSON/YAML), or CSV files with --care, --referrals, ..."
        raise MedAllianceError([Problem(("--activity",), msg)])
    if args.activity is not None:
        from medalliance.io import read_activity

        return read_activity(args.activity)
    from medalliance.io import read_activity_csv

    return read_activity_csv(**csv_files)


def _value(r: IndicatorResult) -> str | None:
    """The value as a person reads it: a percentage, yuan, or a number."""
    if r.value is None:
        return None
    if r.unit == "fraction":
        return f"{r.value:.1%}"
    if r.unit == "yuan":
        return f"{r.value:,.2f} yuan"
    return f"{r.value:.4g}"


def _target(r: IndicatorResult) -> str:
    if r.target is None:
        return "no target" if r.official else "none: derived by medalliance"
    return r.target.describe()


def _json_body(origin: str, report: IndicatorReport) -> dict[str, Any]:
    return {
        "origin": origin,
        "period": report.period,
        "previous_period": report.previous_period,
        "county": report.county,
        "county_code": report.county_code,
        "results": report.rows(),
    }

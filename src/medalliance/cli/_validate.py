"""``medalliance validate``: exit 0 for a valid registry file (problems raise, exit 1)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from medalliance.cli._common import add_json_flag, plural, print_json, read_file
from medalliance.report import registry_summary

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers


def add_parser(subparsers: Subparsers) -> None:
    """Register ``validate`` and its options."""
    v = subparsers.add_parser("validate", help="validate a registry file (exit 1 when invalid)")
    v.add_argument("file", metavar="FILE")
    add_json_flag(v)
    v.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Read the file; print its counts and check findings (problems are raised)."""
    reg = read_file(args.file)
    summary = registry_summary(reg)
    if args.json:
        print_json({"valid": True, "summary": summary.model_dump(mode="json")}, out)
    else:
        print(
            f"{args.file}: valid ({plural(summary.institutions, 'institution')}, "
            f"{plural(summary.alliances, 'alliance')}, {plural(summary.agreements, 'agreement')})",
            file=out,
        )
        for f in summary.findings:
            print(f"  {f}", file=out)
    return 0

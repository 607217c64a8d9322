"""``medalliance list``: the bundled examples."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from medalliance import examples
from medalliance.cli._common import add_json_flag, print_json, table

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers


def add_parser(subparsers: Subparsers) -> None:
    """Register ``list`` and its options."""
    li = subparsers.add_parser("list", help="list the bundled examples")
    add_json_flag(li)
    li.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """List the bundled examples: name, sizes, source files and title."""
    rows = []
    for name in examples.names():
        reg = examples.load(name)
        files = ",".join(s.file for s in reg.sources if s.file)
        rows.append((name, len(reg.institutions), len(reg.alliances), files, reg.title))
    if args.json:
        data = [
            dict(
                zip(("name", "institutions", "alliances", "source_files", "title"), r, strict=True)
            )
            for r in rows
        ]
        print_json(data, out)
    else:
        table(rows, ("name", "institutions", "alliances", "source", "title"), out, indent="")
    return 0

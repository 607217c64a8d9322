"""``medalliance schema``: the JSON Schema of the registry file format."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from medalliance.cli._common import print_json
from medalliance.io._files import json_schema

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers


def add_parser(subparsers: Subparsers) -> None:
    """Register ``schema``."""
    s = subparsers.add_parser("schema", help="print the JSON Schema of the registry file format")
    s.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print the JSON Schema."""
    print_json(json_schema(), out)
    return 0

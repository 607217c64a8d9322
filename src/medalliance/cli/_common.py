"""What every command shares: the NAME|FILE argument, tables, widths, counts, JSON, errors."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from medalliance._words import count_noun
from medalliance.errors import MedAllianceError, format_path

if TYPE_CHECKING:
    from typing import TypeAlias

    Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class Command(Protocol):
    """What each command module provides (a module satisfies this protocol)."""

    def add_parser(self, subparsers: Subparsers) -> None:
        """Register the command's sub-parser, with ``func=run`` as its default."""

    def run(self, args: argparse.Namespace, out: TextIO) -> int:
        """Carry the command out, writing to ``out``; return the exit status."""


def add_target(parser: argparse.ArgumentParser) -> None:
    """Add the required ``NAME|FILE`` argument and ``--as-of``."""
    parser.add_argument(
        "target",
        metavar="NAME|FILE",
        type=path_argument,
        help="bundled example name or registry file (.json, .yaml, .yml, .graphml, .xlsx, or a "
        ".csv of a folder of table files; a FHIR Bundle .json too)",
    )
    add_as_of(parser)


def add_as_of(parser: argparse.ArgumentParser) -> None:
    """Add ``--as-of DATE``: read the registry as it stood on that day."""
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        default=None,
        help="use the registry as it stood on this day (e.g. 2018-12-31): records whose dates "
        "exclude the day are left out; default: every record as stored",
    )


def path_argument(text: str) -> str:
    """An argparse ``type=``: a file name, which may not be empty.

    Examples
    --------
    >>> path_argument("out.json")
    'out.json'
    >>> path_argument("")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must not be empty (give a file name)
    """
    if not text:
        msg = "must not be empty (give a file name)"
        raise argparse.ArgumentTypeError(msg)
    return text


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add the ``--json`` flag (and ``--quiet``)."""
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_quiet_flag(parser)


def add_quiet_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``-q``/``--quiet``: no progress bars on standard error."""
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars on standard error"
    )


def print_json(doc: Any, out: TextIO) -> None:
    """Write ``doc`` as indented JSON (non-ASCII kept) and a newline."""
    print(json.dumps(doc, ensure_ascii=False, indent=2), file=out)


def print_error(exc: MedAllianceError, *, as_json: bool, out: TextIO, err: TextIO) -> None:
    """Report every problem of ``exc`` on ``err``, and as a JSON document on ``out`` too."""
    if as_json:
        problems = [{"path": format_path(p.path), "message": p.message} for p in exc.problems]
        print_json({"valid": False, "source": exc.source, "problems": problems}, out)
    print(f"error: {exc}", file=err)


def table(
    rows: Sequence[Sequence[object]], header: Sequence[str], out: TextIO, indent: str = "  "
) -> None:
    """Print ``rows`` under ``header`` in aligned columns (``None`` shown as ``-``)."""
    cells = [[("-" if c is None else str(c)) for c in r] for r in [header, *rows]]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(header))]
    for n, r in enumerate(cells):
        line = "  ".join(c + " " * (widths[i] - display_width(c)) for i, c in enumerate(r)).rstrip()
        print(indent + line, file=out)
        if n == 0:
            print(indent + "  ".join("-" * w for w in widths), file=out)


def display_width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an ``s`` unless the count is one (:func:`count_noun`)."""
    return count_noun(count, noun)


def counts(pairs: Sequence[tuple[str, int]]) -> str:
    """``key count`` pairs joined by `` · `` (``-`` when there are none)."""
    return " · ".join(f"{k} {v}" for k, v in pairs) or "-"


FORMATS = ("table", "json", "csv")
"""What ``--format`` may name: aligned columns, one JSON document, or CSV rows."""


def add_solver_options(parser: argparse.ArgumentParser) -> None:
    """``--method exact|greedy`` and ``--time-limit-s`` of the site-selection commands."""
    parser.add_argument(
        "--method",
        choices=("exact", "greedy"),
        default="exact",
        help="exact MILP (HiGHS) or greedy + swap (default exact)",
    )
    parser.add_argument(
        "--time-limit-s",
        type=float,
        metavar="S",
        help="seconds HiGHS may spend (exact; greedy with capacities: on the full LP bound)",
    )


def add_format_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--format table|json|csv``, ``--json`` (short for ``--format json``) and ``--quiet``."""
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default), json (one document) or csv (the rows only)",
    )
    add_json_flag(parser)


def output_format(args: argparse.Namespace) -> str:
    """The format asked for; with ``json`` errors are written as JSON too (``args.json``)."""
    if getattr(args, "json", False):
        args.format = "json"
    args.json = args.format == "json"
    fmt: str = args.format
    return fmt


def print_csv(rows: Sequence[dict[str, Any]], header: Sequence[str], out: TextIO) -> None:
    """Write ``rows`` as CSV under ``header`` (``None`` as an empty cell).

    Examples
    --------
    >>> import sys
    >>> print_csv([{"a": 1, "b": None}], ("a", "b"), sys.stdout)
    a,b
    1,
    """
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row[h] for h in header])

"""``medalliance validate``: exit 0 for a valid registry (problems raise, exit 1).

The findings of a valid registry are listed one a line, or, when a kind has more than
:data:`SHOWN`, summarised: their counts by kind (the finding's code) and the first
:data:`SHOWN` of each kind. ``--all`` lists every finding,
``--quiet`` prints nothing (the exit status says it all) and ``--json`` prints everything as
JSON.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from medalliance.cli._common import add_as_of, path_argument, plural, print_json
from medalliance.cli._load import load_registry
from medalliance.report import registry_summary

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.model.checks import Finding

SHOWN = 3
"""Findings of each kind listed without ``--all``."""


def add_parser(subparsers: Subparsers) -> None:
    """Register ``validate`` and its options."""
    v = subparsers.add_parser(
        "validate", help="validate a registry file or bundled example (exit 1 when invalid)"
    )
    v.add_argument(
        "target",
        metavar="NAME|FILE",
        type=path_argument,
        help="bundled example name or registry file (.json, .yaml, .yml, .graphml; a FHIR "
        "Bundle .json too)",
    )
    add_as_of(v)
    how = v.add_mutually_exclusive_group()
    how.add_argument(
        "--all", action="store_true", help=f"list every finding (default: {SHOWN} of each kind)"
    )
    how.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing; the exit status tells"
    )
    how.add_argument("--json", action="store_true", help="machine-readable output (everything)")
    v.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Read the target; print its counts and findings (problems are raised)."""
    reg, origin = load_registry(args.target, args.as_of)
    if args.quiet:
        return 0
    summary = registry_summary(reg)
    if args.json:
        doc = {
            "valid": True,
            "source": origin,
            "finding_counts": {code: len(of) for code, of in _by_kind(summary.findings)},
            "summary": summary.model_dump(mode="json"),
        }
        print_json(doc, out)
        return 0
    print(
        f"{origin}: valid ({plural(summary.institutions, 'institution')}, "
        f"{plural(summary.alliances, 'alliance')}, {plural(summary.agreements, 'agreement')})",
        file=out,
    )
    print_findings(summary.findings, out, shown=None if args.all else SHOWN)
    return 0


def _by_kind(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    """The findings of every kind (code), most frequent kind first (then by code)."""
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    return sorted(by_code.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def print_findings(findings: Sequence[Finding], out: TextIO, *, shown: int | None) -> None:
    """Findings, one a line; grouped by kind when some are left out or ``shown`` is ``None``.

    When no kind has more than ``shown`` findings, they are listed one a line as they come.
    Otherwise a line counts them by kind, and each kind lists its first ``shown``; with
    ``shown=None`` (``--all``) every finding is listed under its kind.

    Examples
    --------
    >>> import sys
    >>> from medalliance.model.checks import Finding
    >>> found = [Finding(code="declared_not_itemised", severity="info", subject=f"a{i}",
    ...                  message="declares 9 members but lists 2") for i in range(5)]
    >>> print_findings(found, sys.stdout, shown=2)
    5 findings: declared_not_itemised 5
      declared_not_itemised (5):
        [info] a0: declares 9 members but lists 2
        [info] a1: declares 9 members but lists 2
        ... and 3 more
    (the first 2 of each kind; --all lists every finding)
    >>> print_findings(found[:2], sys.stdout, shown=2)
      [info] a0: declares 9 members but lists 2
      [info] a1: declares 9 members but lists 2
    """
    if not findings:
        return
    kinds = _by_kind(findings)
    if shown is not None and all(len(of) <= shown for _, of in kinds):
        for f in findings:
            print(f"  {f}", file=out)
        return
    print(
        f"{plural(len(findings), 'finding')}: " + " · ".join(f"{c} {len(of)}" for c, of in kinds),
        file=out,
    )
    elided = False
    for code, of_kind in kinds:
        print(f"  {code} ({len(of_kind)}):", file=out)
        for f in of_kind if shown is None else of_kind[:shown]:
            print(f"    {f}", file=out)
        if shown is not None and len(of_kind) > shown:
            print(f"    ... and {len(of_kind) - shown} more", file=out)
            elided = True
    if elided:
        print(f"(the first {shown} of each kind; --all lists every finding)", file=out)

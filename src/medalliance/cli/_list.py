"""``medalliance list``: the bundled examples, and the articles they were built from."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from medalliance import examples
from medalliance.cli._common import add_json_flag, print_json, table

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.model.registry import Source


def add_parser(subparsers: Subparsers) -> None:
    """Register ``list`` and its options."""
    li = subparsers.add_parser("list", help="list the bundled examples and their sources")
    add_json_flag(li)
    li.set_defaults(func=run)


def _source(s: Source) -> dict[str, Any]:
    """What a person needs to find the article: title, date and address."""
    return {
        "title": s.title,
        "published": None if s.published is None else s.published.isoformat(),
        "url": s.url,
    }


def run(args: argparse.Namespace, out: TextIO) -> int:
    """List the bundled examples (name, sizes, title), then each source article once."""
    entries: list[dict[str, Any]] = []
    for name in examples.names():
        reg = examples.load(name)
        entries.append(
            {
                "name": name,
                "institutions": len(reg.institutions),
                "alliances": len(reg.alliances),
                "title": reg.title,
                "sources": [_source(s) for s in reg.sources],
            }
        )
    if args.json:
        print_json(entries, out)
        return 0
    table(
        [(e["name"], e["institutions"], e["alliances"], e["title"]) for e in entries],
        ("name", "institutions", "alliances", "title"),
        out,
        indent="",
    )
    used_by: dict[tuple[Any, ...], list[str]] = {}
    for e in entries:
        for s in e["sources"]:
            used_by.setdefault(tuple(s.values()), []).append(e["name"])
    print("\nSources:", file=out)
    for (title, published, url), names in used_by.items():
        print(f"  {title}", file=out)
        print(
            f"    published: {published or 'not recorded'} · {url or 'no address recorded'}",
            file=out,
        )
        print(f"    examples: {', '.join(names)}", file=out)
    return 0

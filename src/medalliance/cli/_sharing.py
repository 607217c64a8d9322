"""``medalliance sharing``: where institutions get each service, and shared-centre use."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import (
    add_json_flag,
    add_target,
    plural,
    print_json,
    table,
)
from medalliance.cli._load import load_registry

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.model.registry import Registry
    from medalliance.sharing import ServiceAccess, ServiceShare


def add_parser(subparsers: Subparsers) -> None:
    """Register ``sharing`` and its options."""
    sh = subparsers.add_parser(
        "sharing", help="service access by institution and shared-centre use"
    )
    add_target(sh)
    sh.add_argument("--alliance", metavar="ID", help="this alliance's members and centres only")
    add_json_flag(sh)
    sh.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print service access by source and the shared centres' capacity and utilisation."""
    from medalliance.sharing import service_access

    reg, origin = load_registry(args.target, args.as_of)
    access = service_access(reg, alliance=args.alliance)
    shares = [s for s in access.shares() if s.with_access]
    centres = _centres(reg, args.alliance)
    if args.json:
        body = {
            "origin": origin,
            "alliance": args.alliance,
            "institutions": len(access.institutions),
            "access": [
                {
                    "service": s.service.value,
                    "own": s.own,
                    "hosted": s.hosted,
                    "alliance": s.alliance,
                    "agreement": s.agreement,
                    "with_access": s.with_access,
                    "share": s.share,
                }
                for s in shares
            ],
            "centres": centres,
        }
        print_json(body, out)
        return 0
    scope = f" · alliance {args.alliance}" if args.alliance else ""
    print(f"{reg.title or 'Registry'}  ({origin}){scope}", file=out)
    _print_access(access, shares, out)
    _print_centres(centres, out)
    return 0


def _centres(reg: Registry, alliance: str | None) -> list[dict[str, Any]]:
    """One row per shared centre in scope, with its declared volume and utilisation."""
    from medalliance.sharing import inferred_centres, sharing_summary, volumes_from_declared

    summary = sharing_summary(reg, volumes_from_declared(reg, alliance=alliance))
    used = {c.centre: c for c in summary.centres}
    inferred = set(inferred_centres(reg, alliance=alliance))
    alliances = [reg.alliance(alliance)] if alliance else list(reg.alliances)
    centres: list[dict[str, Any]] = []
    for a in alliances:
        for c in a.shared_centres:
            u = used.get(c.id)
            centres.append(
                {
                    "centre": c.id,
                    "alliance": a.id,
                    "kind": c.kind.value,
                    "host": c.host,
                    "inferred": c.id in inferred,
                    "serves": "all" if c.serves == "all" else len(c.serves),
                    "services": [x.value for x in c.effective_services],
                    "capacity_per_day": c.capacity_per_day,
                    "volume": None if u is None else u.volume,
                    "by_service": {} if u is None else {k.value: n for k, n in u.by_service},
                    "utilisation": None if u is None else u.utilisation,
                }
            )
    return centres


def _print_access(access: ServiceAccess, shares: Sequence[ServiceShare], out: TextIO) -> None:
    print(f"\nAccess by service ({plural(len(access.institutions), 'institution')}):", file=out)
    table(
        [
            (
                s.service.value,
                s.service.label_zh,
                s.own,
                s.hosted,
                s.alliance,
                s.agreement,
                s.with_access,
                f"{s.share:.0%}",
            )
            for s in shares
        ],
        (
            "service",
            "服务",
            "own",
            "hosted",
            "via alliance",
            "via agreement",
            "with access",
            "share",
        ),
        out,
    )
    nobody = [s.service.value for s in access.shares() if not s.with_access]
    if nobody:
        print(f"  reached by no institution: {', '.join(nobody)}", file=out)


def _print_centres(centres: Sequence[dict[str, Any]], out: TextIO) -> None:
    print("\nShared centres:", file=out)
    if not centres:
        print("  none", file=out)
        return
    table(
        [
            (
                c["centre"],
                c["kind"],
                c["host"],
                "inferred" if c["inferred"] else "stated",
                c["serves"],
                c["capacity_per_day"],
                " ".join(f"{k} {n}" for k, n in c["by_service"].items()) or None,
                None if c["utilisation"] is None else f"{c['utilisation']:.0%}",
            )
            for c in centres
        ],
        (
            "id",
            "kind",
            "host",
            "hosting",
            "serves",
            "capacity/day",
            "declared volume",
            "utilisation",
        ),
        out,
    )
    if any(c["inferred"] for c in centres):
        print(
            "  hosting inferred: the source does not state which member hosts the centre", file=out
        )

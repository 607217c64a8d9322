"""``medalliance report``: alliances, members, agreements, centres, clinics, postings, findings."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from medalliance import examples
from medalliance.cli._common import (
    add_as_of,
    add_json_flag,
    counts,
    path_argument,
    plural,
    print_json,
    table,
)
from medalliance.cli._load import load_registry
from medalliance.model.registry import Registry
from medalliance.report import AllianceSummary, alliance_summary, registry_summary

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.model.alliance import Alliance


def add_parser(subparsers: Subparsers) -> None:
    """Register ``report`` and its options."""
    r = subparsers.add_parser("report", help="report on a bundled example or a registry file")
    r.add_argument(
        "target",
        nargs="?",
        metavar="NAME|FILE",
        type=path_argument,
        help="bundled example name or registry file (.json, .yaml, .yml, .graphml; a FHIR "
        f"Bundle .json too; default: {examples.DEFAULT})",
    )
    r.add_argument("--alliance", metavar="ID", help="report on this alliance only")
    add_as_of(r)
    add_json_flag(r)
    r.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Report on the target: as text, or as JSON with ``--json``."""
    reg, origin = load_registry(args.target, args.as_of)
    ids = (
        [reg.alliance(args.alliance).id]
        if args.alliance is not None
        else [a.id for a in reg.alliances]
    )
    if args.json:
        print_json(_report_json(reg, origin, ids), out)
    else:
        _print_report(reg, origin, ids, out)
    return 0


def _report_json(reg: Registry, origin: str, alliance_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "origin": origin,
        "summary": registry_summary(reg).model_dump(mode="json"),
        "alliances": [alliance_summary(reg, a).model_dump(mode="json") for a in alliance_ids],
    }


def _print_report(reg: Registry, origin: str, alliance_ids: Sequence[str], out: TextIO) -> None:
    summary = registry_summary(reg)
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    print(
        f"{plural(summary.institutions, 'institution')} · "
        f"{plural(summary.alliances, 'alliance')} · {plural(summary.agreements, 'agreement')} · "
        f"by tier: {counts(summary.by_tier)}",
        file=out,
    )
    if reg.sources:
        print(
            "Sources: "
            + "; ".join(
                f"{s.id} = {s.title}" + (f" [{s.file}]" if s.file else "") for s in reg.sources
            ),
            file=out,
        )
    for aid in alliance_ids:
        _print_alliance(reg, reg.alliance(aid), alliance_summary(reg, aid), out)
    print(file=out)
    if summary.findings:
        print("Findings:", file=out)
        for finding in summary.findings:
            print(f"  {finding}", file=out)
    else:
        print("Findings: none", file=out)


def _print_alliance(reg: Registry, a: Alliance, s: AllianceSummary, out: TextIO) -> None:
    _print_alliance_head(reg, a, s, out)
    print(file=out)
    rows = []
    per_member = any(m.tightness is not None for m in a.memberships)
    for m in a.memberships:
        inst = reg.institution(m.institution)
        row: tuple[object, ...] = (m.role.value, inst.level_zh, inst.kind.label_zh, inst.id)
        tightness = a.tightness_of(m.institution)
        extra = (tightness.value if tightness else None,) if per_member else ()
        rows.append((*row, *extra, inst.name))
    head = ("role", "level", "kind", "id", *(("tightness",) if per_member else ()), "name")
    table(rows, head, out)
    if a.provisions:
        print(
            "\n  alliance-wide provisions: "
            + ", ".join(f"{i.label_zh} ({i.value})" for i in a.provisions),
            file=out,
        )
    _print_agreements(reg, a, out)
    _print_centres_and_clinics(a, s, out)
    _print_figures(s, out)


def _print_alliance_head(reg: Registry, a: Alliance, s: AllianceSummary, out: TextIO) -> None:
    print(file=out)
    print(f"== {a.name} [{a.id}] ==", file=out)
    details = [f"form: {a.form.label_zh} ({a.form.value})", f"tightness: {s.tightness}"]
    if s.unit != "alliance":
        details.append(f"unit: {a.unit.label_zh} ({s.unit})")
    if s.part_of is not None:
        details.append(f"part of: {s.part_of}")
    if a.specialty:
        details.append(f"specialty: {a.specialty.value}")
    if a.founded:
        details.append(f"founded: {a.founded.isoformat()}")
    if a.region.label():
        details.append(f"region: {a.region.label()}")
    print("  " + " · ".join(details), file=out)
    leads = ", ".join(
        f"{reg.institution(x).name} ({x}, {reg.institution(x).level_zh})" for x in a.lead
    )
    print(f"  lead: {leads}", file=out)
    print(
        f"  members: {s.member_count} · by tier: {counts(s.by_tier)} · "
        f"by role: {counts(s.by_role)}",
        file=out,
    )
    if s.beds_known:
        print(
            f"  beds of listed members: {s.beds_known} "
            f"({plural(s.beds_unknown_members, 'member')} without a count)",
            file=out,
        )


def _print_agreements(reg: Registry, a: Alliance, out: TextIO) -> None:
    agreements = reg.agreements_of(a.id)
    if not agreements:
        return
    print("\n  agreements:", file=out)
    table(
        [
            (
                g.id,
                len(g.parties),
                g.signed.isoformat() if g.signed else None,
                ", ".join(i.value for i in g.items),
            )
            for g in agreements
        ],
        ("id", "parties", "signed", "items"),
        out,
        indent="    ",
    )


def _print_centres_and_clinics(a: Alliance, s: AllianceSummary, out: TextIO) -> None:
    if a.shared_centres:
        print("\n  shared centres:", file=out)
        inferred = set(s.inferred_centres)
        table(
            [
                (
                    c.id,
                    c.kind.label_zh,
                    c.host,
                    "inferred" if c.id in inferred else "stated",
                    "all" if c.serves == "all" else len(c.serves),
                    c.capacity_per_day,
                    " ".join(x.value for x in c.effective_services),
                )
                for c in a.shared_centres
            ],
            ("id", "kind", "host", "hosting", "serves", "capacity/day", "services"),
            out,
            indent="    ",
        )
        if inferred:
            print(
                "    hosting inferred: the source does not state which member hosts the centre",
                file=out,
            )
    if a.expert_clinics:
        print("\n  expert clinics:", file=out)
        table(
            [
                (e.id, e.host, e.site, e.department.value, " ".join(w.value for w in e.weekdays))
                for e in a.expert_clinics
            ],
            ("id", "host", "site", "department", "weekdays"),
            out,
            indent="    ",
        )
    if a.staff_postings:
        print("\n  staff postings:", file=out)
        table(
            [
                (
                    p.id,
                    p.host,
                    p.site,
                    p.person or p.count,
                    p.title.label_zh if p.title else None,
                    p.specialty.value if p.specialty else None,
                    " to ".join(d.isoformat() if d else "?" for d in (p.start, p.end))
                    if p.start or p.end
                    else None,
                )
                for p in a.staff_postings
            ],
            ("id", "host", "site", "people", "title", "specialty", "period"),
            out,
            indent="    ",
        )


def _print_figures(s: AllianceSummary, out: TextIO) -> None:
    if not s.figures:
        return
    print("\n  declared vs computed:", file=out)
    figure_rows: list[tuple[object, ...]] = []
    for c in s.figures:
        f = c.figure
        declared = f"{f.value} {f.unit.value}" + (
            "" if f.qualifier.value == "exact" else f" ({f.qualifier.value})"
        )
        about = " ".join(
            x for x in (f.subject, f.service.value if f.service else None, f.period) if x
        )
        difference = "undetermined" if c.undetermined else c.difference
        figure_rows.append((f.metric, about or None, declared, c.computed, difference))
    table(
        figure_rows,
        ("metric", "about", "declared", "computed", "difference"),
        out,
        indent="    ",
    )

"""The ``medalliance`` command line.

Commands:

- ``medalliance report [NAME|FILE] [--alliance ID] [--json]``: report on a bundled example
  (default: :data:`medalliance.examples.DEFAULT`) or a file: alliances, members by tier and
  role, agreements and their items, shared centres, expert clinics, declared vs computed
  figures, and check findings.
- ``medalliance list [--json]``: the bundled examples.
- ``medalliance validate FILE [--json]``: exit 0 when the file is a valid registry, 1 with
  every problem listed when it is not.
- ``medalliance export NAME|FILE --format json|yaml|graphml|fhir [--fhir-version R5|R4B]
  [-o OUT]``: write the registry in another format (to standard output unless ``-o`` is
  given); ``fhir`` writes a FHIR Bundle (:func:`medalliance.io.fhir.to_fhir`, R5 by default).
- ``medalliance schema``: print the JSON Schema of the file format.
- ``medalliance refer NAME|FILE --from ID --criterion CODE [--specialty S] [--service X]
  [--home ID] [--urgency U] [--condition CODE] [--out-of-alliance N] [--paths]
  [--policy FILE] [--json]``: decide where a patient at institution ``ID`` may be referred
  under the referral policy (built in, or ``--policy FILE``), with ranked destinations and
  every reason; optionally qualifying institutions outside every shared alliance and the
  escalation paths up the tiers.
- ``medalliance sharing NAME|FILE [--alliance ID] [--json]``: where institutions get each
  service (their own, a shared centre, an agreement, or nowhere) and the shared centres with
  their capacity, declared volumes and utilisation.
- ``medalliance coverage NAME|FILE [--population FILE] [--within-min M] [--speed-kmh V]
  [--json]``: per alliance, members by tier and role, beds and population computed from the
  members beside the declared figures, townships covered and alliances sharing members; for
  the registry, whether each grassroots member reaches a secondary or higher institution
  through referral channels (hops; members with no path), the institutions whose loss splits
  the referral network, and with ``--population FILE`` (CSV ``id,people,lat,lon``) the people
  within ``M`` minutes (default 15) of a member at an assumed speed ``V`` (default 30 km/h).

Errors in the input are printed (every problem, with its path) and the command exits with
status 1; with ``--json`` the problems are also written to standard output as
``{"valid": false, "source": ..., "problems": [{"path": ..., "message": ...}]}``. Usage errors
exit with status 2. No traceback is shown for bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from medalliance import examples
from medalliance.errors import MedAllianceError, Problem, format_path
from medalliance.io._files import (
    json_schema,
    read_registry,
    registry_to_json,
    registry_to_yaml,
)
from medalliance.model.registry import Registry
from medalliance.report import alliance_summary, registry_summary

__all__ = ["main"]


def _load(target: str | None) -> tuple[Registry, str]:
    if target is None:
        return examples.load(examples.DEFAULT), f"bundled example {examples.DEFAULT!r}"
    if target in examples.names():
        return examples.load(target), f"bundled example {target!r}"
    path = Path(target)
    if not path.exists() and not path.suffix:
        msg = f"{target!r} is neither a bundled example ({', '.join(examples.names())}) nor a file"
        raise MedAllianceError([msg])
    return read_registry(path), str(path)


def _table(
    rows: Sequence[Sequence[object]], header: Sequence[str], out: TextIO, indent: str = "  "
) -> None:
    cells = [[("-" if c is None else str(c)) for c in r] for r in [header, *rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]
    for n, r in enumerate(cells):
        line = "  ".join(c + " " * (widths[i] - _width(c)) for i, c in enumerate(r)).rstrip()
        print(indent + line, file=out)
        if n == 0:
            print(indent + "  ".join("-" * w for w in widths), file=out)


def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _counts(pairs: Sequence[tuple[str, int]]) -> str:
    return " · ".join(f"{k} {v}" for k, v in pairs) or "-"


def _print_report(reg: Registry, origin: str, alliance_ids: Sequence[str], out: TextIO) -> None:
    summary = registry_summary(reg)
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    print(
        f"{_n(summary.institutions, 'institution')} · {_n(summary.alliances, 'alliance')} · "
        f"{_n(summary.agreements, 'agreement')} · by tier: {_counts(summary.by_tier)}",
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
        a = reg.alliance(aid)
        s = alliance_summary(reg, aid)
        print(file=out)
        print(f"== {a.name} [{a.id}] ==", file=out)
        details = [f"form: {a.form.label_zh} ({a.form.value})", f"tightness: {a.tightness.value}"]
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
            f"  members: {s.member_count} · by tier: {_counts(s.by_tier)} · "
            f"by role: {_counts(s.by_role)}",
            file=out,
        )
        if s.beds_known:
            print(
                f"  beds of listed members: {s.beds_known} "
                f"({_n(s.beds_unknown_members, 'member')} without a count)",
                file=out,
            )
        print(file=out)
        rows = []
        for m in a.memberships:
            inst = reg.institution(m.institution)
            rows.append((m.role.value, inst.level_zh, inst.kind.label_zh, inst.id, inst.name))
        _table(rows, ("role", "level", "kind", "id", "name"), out)
        if a.provisions:
            print(
                "\n  alliance-wide provisions: "
                + ", ".join(f"{i.label_zh} ({i.value})" for i in a.provisions),
                file=out,
            )
        agreements = reg.agreements_of(aid)
        if agreements:
            print("\n  agreements:", file=out)
            _table(
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
        if a.shared_centres:
            print("\n  shared centres:", file=out)
            _table(
                [
                    (
                        c.id,
                        c.kind.label_zh,
                        c.host,
                        "all" if c.serves == "all" else len(c.serves),
                        c.capacity_per_day,
                        " ".join(x.value for x in c.effective_services),
                    )
                    for c in a.shared_centres
                ],
                ("id", "kind", "host", "serves", "capacity/day", "services"),
                out,
                indent="    ",
            )
        if a.expert_clinics:
            print("\n  expert clinics:", file=out)
            _table(
                [
                    (
                        e.id,
                        e.host,
                        e.site,
                        e.department.value,
                        " ".join(w.value for w in e.weekdays),
                    )
                    for e in a.expert_clinics
                ],
                ("id", "host", "site", "department", "weekdays"),
                out,
                indent="    ",
            )
        if s.figures:
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
                figure_rows.append((f.metric, about or None, declared, c.computed, c.difference))
            _table(
                figure_rows,
                ("metric", "about", "declared", "computed", "difference"),
                out,
                indent="    ",
            )
    print(file=out)
    if summary.findings:
        print("Findings:", file=out)
        for finding in summary.findings:
            print(f"  {finding}", file=out)
    else:
        print("Findings: none", file=out)


def _report_json(reg: Registry, origin: str, alliance_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "origin": origin,
        "summary": registry_summary(reg).model_dump(mode="json"),
        "alliances": [alliance_summary(reg, a).model_dump(mode="json") for a in alliance_ids],
    }


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    reg, origin = _load(args.target)
    ids = (
        [reg.alliance(args.alliance).id]
        if args.alliance is not None
        else [a.id for a in reg.alliances]
    )
    if args.json:
        print(json.dumps(_report_json(reg, origin, ids), ensure_ascii=False, indent=2), file=out)
    else:
        _print_report(reg, origin, ids, out)
    return 0


def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
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
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
    else:
        _table(rows, ("name", "institutions", "alliances", "source", "title"), out, indent="")
    return 0


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    reg = read_registry(args.file)
    summary = registry_summary(reg)
    if args.json:
        print(
            json.dumps(
                {"valid": True, "summary": summary.model_dump(mode="json")},
                ensure_ascii=False,
                indent=2,
            ),
            file=out,
        )
    else:
        print(
            f"{args.file}: valid ({_n(summary.institutions, 'institution')}, "
            f"{_n(summary.alliances, 'alliance')}, {_n(summary.agreements, 'agreement')})",
            file=out,
        )
        for f in summary.findings:
            print(f"  {f}", file=out)
    return 0


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    if args.fhir_version is not None and args.format != "fhir":
        raise MedAllianceError(["--fhir-version applies to --format fhir only"])
    reg, _ = _load(args.target)
    if args.format == "json":
        text = registry_to_json(reg)
    elif args.format == "fhir":
        from medalliance.io.fhir import to_fhir

        bundle = to_fhir(reg, version=args.fhir_version or "R5")
        text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "yaml":
        text = registry_to_yaml(reg)
    else:
        import networkx as nx

        from medalliance.graph import graph_for_graphml, to_graph

        text = "\n".join(nx.generate_graphml(graph_for_graphml(to_graph(reg)))) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except IsADirectoryError:
            raise MedAllianceError(
                [Problem((), "is a directory, not a file")], source=args.output
            ) from None
        except OSError as exc:
            raise MedAllianceError(
                [Problem((), f"cannot write: {exc.strerror or exc}")], source=args.output
            ) from None
    else:
        out.write(text)
    return 0


def _cmd_refer(args: argparse.Namespace, out: TextIO) -> int:
    from medalliance.io.records import read_policy
    from medalliance.referral import ReferralCase, evaluate, referral_paths
    from medalliance.referral.policy import default_policy

    reg, _ = _load(args.target)
    policy = read_policy(args.policy) if args.policy else default_policy()
    try:
        case = ReferralCase.model_validate(
            {
                "origin": args.origin,
                "criterion": args.criterion,
                "specialty": args.specialty,
                "services": args.service,
                "home": args.home,
                "urgency": args.urgency,
                "condition": args.condition,
            }
        )
    except MedAllianceError as exc:  # name unknown ids and criterion too, not only labels
        problems = list(exc.problems)
        for field, value, find in (
            ("origin", args.origin, reg.institution),
            ("criterion", args.criterion, policy.criterion),
            ("home", args.home, reg.institution),
        ):
            if value is None or any(p.path[:1] == (field,) for p in exc.problems):
                continue
            try:
                find(value)
            except MedAllianceError as unknown:
                problems.extend(unknown.with_prefix((field,)).problems)
        if args.out_of_alliance < 0:
            problems.append(Problem(("out_of_alliance",), "must be >= 0"))
        raise MedAllianceError(problems) from None
    decision = evaluate(reg, case, policy=policy, out_of_alliance=args.out_of_alliance)
    towards = next(iter(case.services), None)  # referral_paths follows one service
    paths = (
        referral_paths(reg, case.origin, specialty=case.specialty, service=towards)
        if args.paths
        else ()
    )
    if args.json:
        doc = decision.model_dump(mode="json")
        if args.paths:
            doc["paths"] = [{**p.model_dump(mode="json"), "hops": p.hops} for p in paths]
        print(json.dumps(doc, ensure_ascii=False, indent=2), file=out)
        return 0
    origin = reg.institution(case.origin)
    criterion = policy.criterion(case.criterion)
    print(
        f"{origin.name} ({origin.id}, {origin.level_zh}) · {criterion.name_zh} ({criterion.code})",
        file=out,
    )
    if decision.eligible and decision.direction is not None:
        print(f"eligible: {decision.direction.label_zh} ({decision.direction.value})", file=out)
        rows = [
            (
                i + 1,
                d.institution,
                reg.institution(d.institution).name,
                d.direction.value,
                " ".join(d.flags) or None,
                d.distance_km,
                ",".join(d.alliances),
            )
            for i, d in enumerate(decision.destinations)
        ]
        _table(rows, ("#", "id", "name", "direction", "priority", "km", "alliance"), out)
    else:
        print("not eligible", file=out)
    for r in decision.reasons:
        print(f"  [{r.code}] {r.en} / {r.zh}", file=out)
    if decision.out_of_alliance:
        print("outside every shared alliance (not eligible channels):", file=out)
        outside = [
            (d.institution, reg.institution(d.institution).name, d.direction.value, d.distance_km)
            for d in decision.out_of_alliance
        ]
        _table(outside, ("id", "name", "direction", "km"), out)
    if args.paths:
        wanted = [
            f"{what} {x.value}"
            for what, x in (("specialty", case.specialty), ("service", towards))
            if x is not None
        ]
        to = f" to an institution with {' and '.join(wanted)}" if wanted else ""
        print(f"escalation paths{to}:", file=out)
        for p in paths:
            print(f"  {p.hops} hop(s): {' → '.join(p.institutions)}", file=out)
        if not paths:
            print("  none", file=out)
    return 0


def _cmd_sharing(args: argparse.Namespace, out: TextIO) -> int:
    from medalliance.sharing import service_access, sharing_summary, volumes_from_declared

    reg, origin = _load(args.target)
    access = service_access(reg, alliance=args.alliance)
    shares = [s for s in access.shares() if s.with_access]
    summary = sharing_summary(reg, volumes_from_declared(reg, alliance=args.alliance))
    used = {c.centre: c for c in summary.centres}
    alliances = [reg.alliance(args.alliance)] if args.alliance else list(reg.alliances)
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
                    "serves": "all" if c.serves == "all" else len(c.serves),
                    "services": [x.value for x in c.effective_services],
                    "capacity_per_day": c.capacity_per_day,
                    "volume": None if u is None else u.volume,
                    "by_service": {} if u is None else {k.value: n for k, n in u.by_service},
                    "utilisation": None if u is None else u.utilisation,
                }
            )
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
        print(json.dumps(body, ensure_ascii=False, indent=2), file=out)
        return 0
    scope = f" · alliance {args.alliance}" if args.alliance else ""
    print(f"{reg.title or 'Registry'}  ({origin}){scope}", file=out)
    print(f"\nAccess by service ({_n(len(access.institutions), 'institution')}):", file=out)
    _table(
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
    print("\nShared centres:", file=out)
    if not centres:
        print("  none", file=out)
    else:
        _table(
            [
                (
                    c["centre"],
                    c["kind"],
                    c["host"],
                    c["serves"],
                    c["capacity_per_day"],
                    " ".join(f"{k} {n}" for k, n in c["by_service"].items()) or None,
                    None if c["utilisation"] is None else f"{c['utilisation']:.0%}",
                )
                for c in centres
            ],
            ("id", "kind", "host", "serves", "capacity/day", "declared volume", "utilisation"),
            out,
        )
    return 0


def _cmd_coverage(args: argparse.Namespace, out: TextIO) -> int:
    from medalliance import coverage as cov

    bad_options = [
        Problem((option,), f"must be a finite number {rule}, got {value:g}")
        for option, value, ok, rule in (
            ("--within-min", args.within_min, args.within_min >= 0, ">= 0"),
            ("--speed-kmh", args.speed_kmh, args.speed_kmh > 0, "> 0"),
        )
        if not (math.isfinite(value) and ok)
    ]
    if bad_options:
        raise MedAllianceError(bad_options)
    reg, origin = _load(args.target)
    structure = cov.registry_coverage(reg)
    target = cov.ReachTarget(min_tier="secondary")
    reach = cov.reachability(reg, target=target, all_specialties=True)
    cuts = cov.articulation_points(reg, all_specialties=True)
    people = None
    if args.population:
        from medalliance.io.records import read_population

        points = read_population(args.population)
        try:
            people = cov.population_coverage(
                reg, points, threshold_min=args.within_min, speed_kmh=args.speed_kmh
            )
        except MedAllianceError as exc:  # the options are checked: a problem of the file
            raise exc.with_source(args.population) from None
    if args.json:
        body = {
            "origin": origin,
            "institutions": structure.institutions,
            "in_alliances": structure.in_alliances,
            "by_tier": dict(structure.by_tier),
            "alliances": [a.model_dump(mode="json") for a in structure.alliances],
            "overlap": {
                "institutions": [x.model_dump() for x in structure.overlap.institutions],
                "pairs": structure.overlap.rows(),
            },
            "reachability": {
                "target": target.describe(),
                "channels": "all referral channels, specialty alliances included",
                "hop_counts": dict(reach.hop_counts()),
                "unreachable": list(reach.unreachable),
                "origins": reach.rows(),
            },
            "articulation_points": cuts.rows(),
            "population": None if people is None else people.model_dump(mode="json"),
        }
        print(json.dumps(body, ensure_ascii=False, indent=2), file=out)
        return 0
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    print(
        f"{_n(structure.institutions, 'institution')} · {structure.in_alliances} in alliances · "
        f"{len(structure.overlap.institutions)} in several · by tier: "
        f"{_counts(structure.by_tier)}",
        file=out,
    )
    for a in structure.alliances:
        print(f"\n== {reg.alliance(a.alliance).name} [{a.alliance}] ==", file=out)
        print(
            f"  members: {a.members} ({a.grassroots} grassroots) · by tier: "
            f"{_counts(a.by_tier)} · by role: {_counts(a.by_role)}",
            file=out,
        )
        for check in (*a.beds, *a.population):
            counted = _n(check.members_counted, "member")
            line = f"  {check.quantity}: {check.computed} from {counted}"
            if check.members_missing:
                line += f" ({len(check.members_missing)} without a figure: a lower bound)"
            if check.declared is not None:
                f = check.declared
                q = "" if f.qualifier.value == "exact" else f" ({f.qualifier.value})"
                line += (
                    f" · declared {f.metric} {f.value}{q} · difference {check.difference}"
                    f" · {check.consistency.value}"
                )
            print(line, file=out)
        if a.areas.areas:
            names = ", ".join(f"{x.area} ({len(x.members)})" for x in a.areas.areas)
            print(f"  {a.areas.level.value}s with members: {names}", file=out)
        if a.areas.members_without_area:
            n_without = len(a.areas.members_without_area)
            print(f"  members without a {a.areas.level.value}: {n_without}", file=out)
        if a.sharing_alliances:
            print(
                f"  {_n(a.members_elsewhere, 'member')} also in other alliances · shares members "
                f"with {_n(a.sharing_alliances, 'alliance')}",
                file=out,
            )
    print(
        f"\nReachability: grassroots members to an institution of {target.describe()} "
        "(all referral channels, specialty alliances included)",
        file=out,
    )
    if len(reach):
        parts = [
            f"{c} with no path" if h == "none" else f"{c} in {h} hop{'' if h == '1' else 's'}"
            for h, c in reach.hop_counts()
        ]
        print(f"  {_n(len(reach), 'origin')}: {', '.join(parts)}", file=out)
        if reach.unreachable:
            print(f"  no path: {', '.join(reach.unreachable)}", file=out)
    else:
        print("  no grassroots members", file=out)
    print("\nInstitutions whose loss splits the referral network:", file=out)
    if len(cuts):
        _table(
            [
                (p.institution, reg.institution(p.institution).name, p.pieces, p.cut_off)
                for p in cuts
            ],
            ("id", "name", "parts left", "cut off"),
            out,
        )
    else:
        print("  none", file=out)
    if people is not None:
        print(
            f"\nPopulation within {people.threshold_min:g} min of a member "
            f"(straight line at an assumed {people.speed_kmh:g} km/h): "
            f"{people.points} points, {people.people:g} people",
            file=out,
        )
        _table(
            [
                (
                    p.alliance or "all alliances",
                    p.sites,
                    len(p.without_coordinates),
                    f"{p.people_within:g}",
                    None if p.share is None else f"{p.share:.1%}",
                )
                for p in (people.overall, *people.alliances)
            ],
            ("alliance", "sites", "no coordinates", "people within", "share"),
            out,
        )
    return 0


def _cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    print(json.dumps(json_schema(), ensure_ascii=False, indent=2), file=out)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="medalliance",
        description="Inspect, validate and convert medical-alliance (医联体) registries.",
    )
    from medalliance._version import __version__

    p.add_argument("--version", action="version", version=f"medalliance {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser("report", help="report on a bundled example or a registry file")
    r.add_argument(
        "target",
        nargs="?",
        metavar="NAME|FILE",
        help=f"bundled example name or .json/.yaml/.graphml file (default: {examples.DEFAULT})",
    )
    r.add_argument("--alliance", metavar="ID", help="report on this alliance only")
    r.add_argument("--json", action="store_true", help="machine-readable output")
    r.set_defaults(func=_cmd_report)
    li = sub.add_parser("list", help="list the bundled examples")
    li.add_argument("--json", action="store_true", help="machine-readable output")
    li.set_defaults(func=_cmd_list)
    v = sub.add_parser("validate", help="validate a registry file (exit 1 when invalid)")
    v.add_argument("file", metavar="FILE")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    v.set_defaults(func=_cmd_validate)
    e = sub.add_parser("export", help="convert a registry to json, yaml, graphml or FHIR")
    e.add_argument("target", metavar="NAME|FILE")
    e.add_argument("--format", required=True, choices=("json", "yaml", "graphml", "fhir"))
    e.add_argument(
        "--fhir-version", choices=("R5", "R4B"), help="FHIR version for --format fhir (default R5)"
    )
    e.add_argument("-o", "--output", metavar="OUT", help="output file (default: standard output)")
    e.set_defaults(func=_cmd_export)
    s = sub.add_parser("schema", help="print the JSON Schema of the registry file format")
    s.set_defaults(func=_cmd_schema)
    rf = sub.add_parser("refer", help="decide where a patient may be referred, and why")
    rf.add_argument("target", metavar="NAME|FILE")
    rf.add_argument("--from", dest="origin", required=True, metavar="ID", help="origin institution")
    rf.add_argument("--criterion", required=True, metavar="CODE", help="referral criterion code")
    rf.add_argument("--specialty", metavar="S", help="specialty needed (label or code)")
    rf.add_argument(
        "--service", action="append", default=[], metavar="X", help="service needed (repeatable)"
    )
    rf.add_argument("--home", metavar="ID", help="patient's home institution")
    rf.add_argument(
        "--urgency",
        default="routine",
        metavar="U",
        help="routine (default), urgent or emergency (常规/紧急/急诊)",
    )
    rf.add_argument("--condition", metavar="CODE", help="condition code (e.g. ICD-10)")
    rf.add_argument(
        "--out-of-alliance",
        type=int,
        default=0,
        metavar="N",
        help="also list up to N qualifying institutions outside every shared alliance",
    )
    rf.add_argument(
        "--paths",
        action="store_true",
        help="also list the escalation paths up the tiers (to the specialty and the first "
        "--service, when given)",
    )
    rf.add_argument("--policy", metavar="FILE", help="referral policy file (default: built in)")
    rf.add_argument("--json", action="store_true", help="machine-readable output")
    rf.set_defaults(func=_cmd_refer)
    sh = sub.add_parser("sharing", help="service access by institution and shared-centre use")
    sh.add_argument("target", metavar="NAME|FILE")
    sh.add_argument("--alliance", metavar="ID", help="this alliance's members and centres only")
    sh.add_argument("--json", action="store_true", help="machine-readable output")
    sh.set_defaults(func=_cmd_sharing)
    cv = sub.add_parser("coverage", help="coverage, referral reachability and weak points")
    cv.add_argument("target", metavar="NAME|FILE")
    cv.add_argument("--population", metavar="FILE", help="population points: CSV id,people,lat,lon")
    cv.add_argument(
        "--within-min",
        type=float,
        default=15.0,
        metavar="M",
        help="travel-time threshold in minutes (default 15: the 15-minute health circle)",
    )
    cv.add_argument(
        "--speed-kmh",
        type=float,
        default=30.0,
        metavar="V",
        help="assumed straight-line travel speed (default 30)",
    )
    cv.add_argument("--json", action="store_true", help="machine-readable output")
    cv.set_defaults(func=_cmd_coverage)
    return p


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; return the exit status (0 ok, 1 invalid input, 2 usage).

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> main(["validate", "missing.yaml"], out=buf, err=buf)
    1
    >>> print(buf.getvalue().strip())
    error: 1 problem in missing.yaml:
      - <root>: file not found
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help, --version and usage errors
        return int(exc.code) if isinstance(exc.code, int) else 2
    if args.command is None:
        args = parser.parse_args(["report", *([] if argv is None else argv)])
    try:
        status: int = args.func(args, out)
    except MedAllianceError as exc:
        if getattr(args, "json", False):
            problems = [{"path": format_path(p.path), "message": p.message} for p in exc.problems]
            body = {"valid": False, "source": exc.source, "problems": problems}
            print(json.dumps(body, ensure_ascii=False, indent=2), file=out)
        print(f"error: {exc}", file=err)
        return 1
    except BrokenPipeError:  # e.g. `medalliance export ... | head`
        return 0
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

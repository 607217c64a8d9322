"""``medalliance coverage``: alliance coverage, referral reachability, weak points, population."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import (
    add_json_flag,
    add_target,
    counts,
    path_argument,
    plural,
    print_json,
    table,
)
from medalliance.cli._load import load_registry
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.coverage import (
        AllianceCoverage,
        CutPoints,
        PopulationCoverage,
        Reachability,
        ReachTarget,
        RegistryCoverage,
    )
    from medalliance.model.registry import Registry


def add_parser(subparsers: Subparsers) -> None:
    """Register ``coverage`` and its options."""
    cv = subparsers.add_parser("coverage", help="coverage, referral reachability and weak points")
    add_target(cv)
    cv.add_argument(
        "--population",
        metavar="FILE",
        type=path_argument,
        help="population points: CSV id,people,lat,lon",
    )
    cv.add_argument(
        "--cutoff-min",
        type=float,
        metavar="M",
        help="with --population: travel-time cutoff in minutes (default 15: the 15-minute "
        "health circle)",
    )
    cv.add_argument(
        "--speed-kmh",
        type=float,
        metavar="V",
        help="with --population: assumed straight-line travel speed (default 30)",
    )
    add_json_flag(cv)
    cv.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print the coverage of the target's alliances and of its referral network."""
    from medalliance import coverage as cov

    _check_options(args)
    reg, origin = load_registry(args.target, args.as_of)
    structure = cov.registry_coverage(reg)
    target = cov.ReachTarget(min_tier="secondary")
    reach = cov.reachability(reg, target=target, all_specialties=True)
    cuts = cov.articulation_points(reg, all_specialties=True)
    people = _population(args, reg)
    if args.json:
        body = _json_body(
            origin, structure=structure, target=target, reach=reach, cuts=cuts, people=people
        )
        print_json(body, out)
        return 0
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    print(
        f"{plural(structure.institutions, 'institution')} · {structure.in_alliances} in "
        f"alliances · {len(structure.overlap.institutions)} in several · by tier: "
        f"{counts(structure.by_tier)}",
        file=out,
    )
    for a in structure.alliances:
        _print_alliance(reg, a, out)
    _print_reachability(target, reach, out)
    _print_cut_points(reg, cuts, out)
    if people is not None:
        _print_population(people, out)
    return 0


def _check_options(args: argparse.Namespace) -> None:
    """Every bad option, named as the user typed it; then the defaults of the travel options.

    The travel options only apply to ``--population``: without it they are an error, not
    silently ignored.
    """
    given = (("--cutoff-min", args.cutoff_min), ("--speed-kmh", args.speed_kmh))
    problems = [
        Problem((option,), "applies only with --population FILE (the people within reach)")
        for option, value in given
        if value is not None and args.population is None
    ]
    args.cutoff_min = 15.0 if args.cutoff_min is None else args.cutoff_min
    args.speed_kmh = 30.0 if args.speed_kmh is None else args.speed_kmh
    problems += [
        Problem((option,), f"must be a finite number {rule}, got {value:g}")
        for option, value, ok, rule in (
            ("--cutoff-min", args.cutoff_min, args.cutoff_min >= 0, ">= 0"),
            ("--speed-kmh", args.speed_kmh, args.speed_kmh > 0, "> 0"),
        )
        if not (math.isfinite(value) and ok)
    ]
    if problems:
        raise MedAllianceError(problems)


def _population(args: argparse.Namespace, reg: Registry) -> PopulationCoverage | None:
    """The people within reach, when ``--population`` is given."""
    if args.population is None:
        return None
    from medalliance import coverage as cov
    from medalliance.io.records import read_population

    points = read_population(args.population)
    try:
        return cov.population_coverage(
            reg, points, cutoff_min=args.cutoff_min, speed_kmh=args.speed_kmh
        )
    except MedAllianceError as exc:  # the options are checked: a problem of the file
        raise exc.with_source(args.population) from None


def _json_body(
    origin: str,
    *,
    structure: RegistryCoverage,
    target: ReachTarget,
    reach: Reachability,
    cuts: CutPoints,
    people: PopulationCoverage | None,
) -> dict[str, Any]:
    return {
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


def _print_alliance(reg: Registry, a: AllianceCoverage, out: TextIO) -> None:
    print(f"\n== {reg.alliance(a.alliance).name} [{a.alliance}] ==", file=out)
    print(
        f"  members: {a.members} ({a.grassroots} grassroots) · by tier: "
        f"{counts(a.by_tier)} · by role: {counts(a.by_role)}",
        file=out,
    )
    for check in (*a.beds, *a.population):
        counted = plural(check.members_counted, "member")
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
            f"  {plural(a.members_elsewhere, 'member')} also in other alliances · shares members "
            f"with {plural(a.sharing_alliances, 'alliance')}",
            file=out,
        )


def _print_reachability(target: ReachTarget, reach: Reachability, out: TextIO) -> None:
    print(
        f"\nReachability: grassroots members to an institution of {target.describe()} "
        "(all referral channels, specialty alliances included)",
        file=out,
    )
    if not len(reach):
        print("  no grassroots members", file=out)
        return
    parts = [
        f"{c} with no path" if h == "none" else f"{c} in {h} hop{'' if h == '1' else 's'}"
        for h, c in reach.hop_counts()
    ]
    print(f"  {plural(len(reach), 'origin')}: {', '.join(parts)}", file=out)
    if reach.unreachable:
        print(f"  no path: {', '.join(reach.unreachable)}", file=out)


def _print_cut_points(reg: Registry, cuts: CutPoints, out: TextIO) -> None:
    print("\nInstitutions whose loss splits the referral network:", file=out)
    if not len(cuts):
        print("  none", file=out)
        return
    table(
        [(p.institution, reg.institution(p.institution).name, p.pieces, p.cut_off) for p in cuts],
        ("id", "name", "parts left", "cut off"),
        out,
    )


def _print_population(people: PopulationCoverage, out: TextIO) -> None:
    print(
        f"\nPopulation within {people.cutoff_min:g} min of a member "
        f"(straight line at an assumed {people.speed_kmh:g} km/h): "
        f"{people.points} points, {people.people:g} people",
        file=out,
    )
    table(
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

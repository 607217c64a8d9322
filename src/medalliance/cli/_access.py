"""``medalliance access``: spatial accessibility of a registry's institutions to a population.

The 2SFCA family (2SFCA, E2SFCA, 3SFCA, gravity), the travel time to the nearest institution,
or the share of people within a travel time, from a population file and either a cost table
(``--costs FILE.csv``) or coordinates (straight line at ``--speed-kmh``). Everything is
computed by :mod:`medalliance.accessibility`; this module reads the options and prints.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from medalliance.cli._common import (
    add_json_flag,
    add_target,
    path_argument,
    plural,
    print_json,
    table,
)
from medalliance.cli._load import load_registry
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.accessibility import (
        AccessibilityResult,
        CostMatrix,
        CoverageResult,
        NearestResult,
        Population,
        Supply,
    )
    from medalliance.accessibility._weights import DecayFunction
    from medalliance.cli._common import Subparsers
    from medalliance.model.registry import Registry

MEASURES = ("2sfca", "e2sfca", "3sfca", "gravity", "nearest", "within")
"""The measures ``--measure`` names."""
_FCA = frozenset({"2sfca", "e2sfca", "3sfca", "gravity"})
_SHOWN = 10


def add_parser(subparsers: Subparsers) -> None:
    """Register ``access`` and its options."""
    ac = subparsers.add_parser(
        "access", help="spatial accessibility: 2SFCA family, nearest, people within a time"
    )
    add_target(ac)
    ac.add_argument(
        "--population",
        required=True,
        metavar="FILE",
        type=path_argument,
        help="population points: CSV id,people[,lat,lon] or a JSON/YAML list",
    )
    ac.add_argument(
        "--measure", choices=MEASURES, default="2sfca", help="what to compute (default 2sfca)"
    )
    ac.add_argument(
        "--costs",
        metavar="FILE",
        type=path_argument,
        help="travel times: CSV origin,site,cost_min (default: from coordinates)",
    )
    ac.add_argument(
        "--speed-kmh", type=float, metavar="V", help="straight-line speed without --costs (30)"
    )
    ac.add_argument(
        "--detour-factor", type=float, metavar="F", help="road / straight distance (default 1)"
    )
    ac.add_argument(
        "--cutoff-min",
        type=float,
        metavar="M",
        help="travel-time limit in minutes (default 15 for within, 30 otherwise)",
    )
    ac.add_argument(
        "--decay",
        metavar="SPEC",
        help="gaussian:SIGMA, power:BETA, exponential:RATE or zones:10=1,20=0.68,30=0.22 "
        "(gravity needs one; 3sfca and e2sfca default to the E2SFCA zones)",
    )
    ac.add_argument(
        "--capacity",
        choices=("beds", "population_served"),
        help="the institutions' capacity (default: beds for the 2SFCA family; for nearest "
        "and within every institution is a site unless given)",
    )
    ac.add_argument("--tier", action="append", metavar="T", help="only this tier (repeatable)")
    ac.add_argument("--kind", action="append", metavar="K", help="only this kind (repeatable)")
    add_json_flag(ac)
    ac.set_defaults(func=run)


class _Inputs(NamedTuple):
    population: Population
    supply: Supply
    costs: CostMatrix
    cutoff_min: float
    left_out: int
    """Rows of the cost table to institutions that are not sites (filtered or skipped)."""


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Compute ``--measure`` and print one row per population point."""
    decay = _check_options(args)
    reg, origin = load_registry(args.target, args.as_of)
    inputs = _inputs(args, reg)
    result = _measure(args.measure, inputs, decay)
    if args.json:
        print_json(_json_body(args, origin, inputs, result), out)
        return 0
    print(f"{reg.title or 'Registry'}  ({origin})", file=out)
    _print_inputs(args, inputs, out)
    _print_result(result, inputs, out)
    return 0


def _check_options(args: argparse.Namespace) -> DecayFunction | None:
    """Every problem of the options at once; the decay function ``--decay`` names."""
    problems: list[Problem] = []
    if args.costs is not None:
        given = (("--speed-kmh", args.speed_kmh), ("--detour-factor", args.detour_factor))
        for option, value in given:
            if value is not None:
                msg = "applies to travel times from coordinates, not with --costs"
                problems.append(Problem((option,), msg))
    if args.cutoff_min is None:
        args.cutoff_min = 15.0 if args.measure == "within" else 30.0
    if args.speed_kmh is None:
        args.speed_kmh = 30.0
    if args.detour_factor is None:
        args.detour_factor = 1.0
    for option, value, ok, rule in (
        ("--cutoff-min", args.cutoff_min, args.cutoff_min >= 0, ">= 0"),
        ("--speed-kmh", args.speed_kmh, args.speed_kmh > 0, "> 0"),
        ("--detour-factor", args.detour_factor, args.detour_factor >= 1, ">= 1"),
    ):
        if not (math.isfinite(value) and ok):
            problems.append(Problem((option,), f"must be a finite number {rule}, got {value:g}"))
    decay = None
    try:
        decay = _decay(args.measure, args.decay)
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    if problems:
        raise MedAllianceError(problems)
    return decay


def _decay(measure: str, spec: str | None) -> DecayFunction | None:
    """The decay function of ``--decay SPEC`` for ``measure`` (``None``: the default)."""
    from medalliance.accessibility import (
        ExponentialDecay,
        GaussianDecay,
        PowerDecay,
        StepWeights,
    )

    if spec is None:
        if measure == "gravity":
            msg = "required for gravity: gaussian:SIGMA, power:BETA or exponential:RATE"
            raise MedAllianceError([Problem(("--decay",), msg)])
        return None
    if measure not in {"gravity", "3sfca", "e2sfca"}:
        msg = f"applies to gravity, 3sfca and e2sfca, not {measure}"
        raise MedAllianceError([Problem(("--decay",), msg)])
    name, _, value = spec.partition(":")
    makers: dict[str, Callable[[str], DecayFunction]] = {
        "gaussian": lambda v: GaussianDecay(sigma=float(v)),
        "power": lambda v: PowerDecay(beta=float(v)),
        "exponential": lambda v: ExponentialDecay(rate=float(v)),
        "zones": lambda v: StepWeights.from_mapping(
            {float(b): float(w) for b, _, w in (z.partition("=") for z in v.split(","))}
        ),
    }
    make = makers.get(name)
    if make is None or (measure == "e2sfca" and name != "zones"):
        kinds = "zones:..." if measure == "e2sfca" else ", ".join(f"{k}:..." for k in makers)
        msg = f"unknown decay {spec!r} for {measure}; use {kinds}"
        raise MedAllianceError([Problem(("--decay",), msg)])
    try:
        return make(value)
    except MedAllianceError as exc:
        detail = "; ".join(p.message for p in exc.problems)
        raise MedAllianceError([Problem(("--decay",), f"{spec!r}: {detail}")]) from None
    except ValueError:
        msg = f"{spec!r}: not a number where one is needed (e.g. gaussian:10, zones:10=1,20=0.5)"
        raise MedAllianceError([Problem(("--decay",), msg)]) from None


def _inputs(args: argparse.Namespace, reg: Registry) -> _Inputs:
    """The population, the sites and the travel costs the options describe."""
    from medalliance.accessibility import (
        costs_from_coordinates,
        costs_from_table,
        supply_from_registry,
    )
    from medalliance.io import read_population

    population = read_population(args.population)
    capacity: str | Callable[[Any], float] = _capacity(args) or (lambda _: 1.0)
    supply = supply_from_registry(
        reg,
        capacity=capacity,
        kinds=args.kind,
        tiers=args.tier,
        coordinates=args.costs is None,
        skip_missing=True,
    )
    if not len(supply.ids):
        needs = " and ".join(
            x for x in (_capacity(args), "coordinates" if args.costs is None else None) if x
        )
        msg = f"no institution is a site: none of those selected has {needs}"
        raise MedAllianceError([Problem((), msg)])
    if args.costs is None:
        costs = costs_from_coordinates(
            population,
            supply,
            speed_kmh=args.speed_kmh,
            cutoff_min=args.cutoff_min,
            detour_factor=args.detour_factor,
        )
        return _Inputs(population, supply, costs, args.cutoff_min, 0)
    origin, site, cost, left_out = _cost_rows(args.costs, reg, population, supply)
    try:
        costs = costs_from_table(
            origin,
            site,
            cost,
            origin_ids=population.ids,
            site_ids=supply.ids,
            cutoff_min=args.cutoff_min,
        )
    except MedAllianceError as exc:
        raise exc.with_source(args.costs) from None
    return _Inputs(population, supply, costs, args.cutoff_min, left_out)


def _capacity(args: argparse.Namespace) -> str | None:
    """The capacity field: ``--capacity``, else beds for the 2SFCA family (none otherwise)."""
    return args.capacity or ("beds" if args.measure in _FCA else None)


def _cost_rows(
    path: str, reg: Registry, population: Population, supply: Supply
) -> tuple[list[str], list[str], list[float], int]:
    """The rows of the cost table between the population's points and the sites.

    An origin that is no point, or a site that is no institution, is a problem of its row;
    rows to institutions that are not sites here (another tier or kind, or no capacity) are
    left out and counted.
    """
    from medalliance.io.costs import read_cost_table

    rows = read_cost_table(path)
    points = {str(x) for x in population.ids.tolist()}
    sites = {str(x) for x in supply.ids.tolist()}
    institutions = {i.id for i in reg.institutions}
    problems: list[Problem] = []
    keep: list[int] = []
    for k, (o, s) in enumerate(zip(rows.origin, rows.site, strict=True)):
        where = (f"row {rows.row[k]}",)
        if o not in points:
            problems.append(Problem(where, f"origin {o!r} is no population point"))
        if s not in institutions:
            problems.append(Problem(where, f"site {s!r} is no institution of the registry"))
        elif s in sites and o in points:
            keep.append(k)
    if len(problems) > _SHOWN:
        more = len(problems) - _SHOWN
        problems = [*problems[:_SHOWN], Problem((), f"... and {more} more rows like these")]
    if problems:
        raise MedAllianceError(problems, source=path)
    left_out = len(rows.origin) - len(keep)
    return (
        [rows.origin[k] for k in keep],
        [rows.site[k] for k in keep],
        [rows.cost_min[k] for k in keep],
        left_out,
    )


def _measure(
    measure: str, inputs: _Inputs, decay: DecayFunction | None
) -> AccessibilityResult | NearestResult | CoverageResult:
    from medalliance import accessibility as acc

    costs, pop, supply = inputs.costs, inputs.population, inputs.supply
    if measure == "2sfca":
        return acc.two_step_fca(costs, pop, supply)
    if measure == "e2sfca":
        zones = decay if isinstance(decay, acc.StepWeights) else acc.E2SFCA_ZONES
        return acc.enhanced_two_step_fca(costs, pop, supply, zones=zones)
    if measure == "3sfca":
        return acc.three_step_fca(costs, pop, supply, decay=decay or acc.E2SFCA_ZONES)
    if measure == "gravity":
        assert decay is not None  # checked with the options
        return acc.gravity(costs, pop, supply, decay=decay)
    if measure == "nearest":
        return acc.nearest_cost(costs, supply=supply)
    return acc.coverage_within(costs, pop, cutoff_min=inputs.cutoff_min, supply=supply)


def _print_inputs(args: argparse.Namespace, inputs: _Inputs, out: TextIO) -> None:
    pop, supply = inputs.population, inputs.supply
    capacity = _capacity(args)
    sites = plural(len(supply.ids), "site")
    if capacity:
        sites += f" ({capacity} {supply.total:g})"
    if args.costs is None:
        how = f"straight line at {args.speed_kmh:g} km/h"
        how += f" × {args.detour_factor:g} detour" if args.detour_factor != 1 else ""
    else:
        how = f"cost table {args.costs}"
    print(
        f"{args.measure}: {plural(len(pop.ids), 'population point')} "
        f"({pop.people.sum():g} people) · {sites} · travel times: {how}, "
        f"up to {inputs.cutoff_min:g} min",
        file=out,
    )
    if supply.skipped:
        shown = ", ".join(supply.skipped[:_SHOWN])
        more = f" and {len(supply.skipped) - _SHOWN} more" if len(supply.skipped) > _SHOWN else ""
        lacking = " or coordinates" if args.costs is None else ""
        print(
            f"left out: {plural(len(supply.skipped), 'institution')} without "
            f"{capacity or 'a site'}{lacking}: {shown}{more}",
            file=out,
        )
    if inputs.left_out:
        print(
            f"left out: {plural(inputs.left_out, 'row')} of the cost table to institutions "
            "that are not sites here",
            file=out,
        )


def _print_result(
    result: AccessibilityResult | NearestResult | CoverageResult, inputs: _Inputs, out: TextIO
) -> None:
    from medalliance.accessibility import AccessibilityResult, NearestResult

    pop = inputs.population
    people = dict(zip(pop.ids.tolist(), pop.people.tolist(), strict=True))
    print(file=out)
    if isinstance(result, AccessibilityResult):
        _print_fca(result, people, out)
        return
    if isinstance(result, NearestResult):
        rows: list[tuple[object, ...]] = [
            (r["origin"], f"{people[r['origin']]:g}", r["site"], _minutes(r["cost"]))
            for r in result.rows()
        ]
        table(rows, ("point", "people", "nearest site", "minutes"), out)
        reached = int(result.reached.sum())
        print(
            f"\n{reached} of {len(result.origin_ids)} points have a site within "
            f"{inputs.cutoff_min:g} min",
            file=out,
        )
        return
    rows = [
        (
            r["origin"],
            f"{r['people']:g}",
            _minutes(r["nearest_cost"]),
            "yes" if r["covered"] else "no",
        )
        for r in result.rows()
    ]
    table(rows, ("point", "people", "nearest minutes", "covered"), out)
    print(
        f"\ncovered: {result.covered_people:g} of {result.total_people:g} people "
        f"({result.share:.1%}) within {result.cutoff_min:g} min",
        file=out,
    )


def _print_fca(result: AccessibilityResult, people: dict[Any, float], out: TextIO) -> None:
    rows = [
        (o, f"{people[o]:g}", f"{v:.4g}", f"{1000 * v:.4g}")
        for o, v in zip(result.origin_ids.tolist(), result.values.tolist(), strict=True)
    ]
    table(rows, ("point", "people", "access", "per 1,000 people"), out)
    total = sum(people.values())
    weighted = sum(
        people[o] * v
        for o, v in zip(result.origin_ids.tolist(), result.values.tolist(), strict=True)
    )
    mean = weighted / total if total > 0 else 0.0
    print(
        f"\npopulation-weighted mean: {mean:.4g} per person ({1000 * mean:.4g} per 1,000 people)",
        file=out,
    )
    if len(result.unserved_sites):
        unserved = ", ".join(str(x) for x in result.unserved_sites.tolist())
        print(f"sites with nobody in reach: {unserved}", file=out)


def _minutes(cost: float | None) -> str | None:
    return None if cost is None else f"{cost:.1f}"


def _json_body(
    args: argparse.Namespace,
    origin: str,
    inputs: _Inputs,
    result: AccessibilityResult | NearestResult | CoverageResult,
) -> dict[str, Any]:
    from medalliance.accessibility import AccessibilityResult, CoverageResult

    body: dict[str, Any] = {
        "origin": origin,
        "measure": args.measure,
        "cutoff_min": inputs.cutoff_min,
        "costs": args.costs,
        "speed_kmh": args.speed_kmh if args.costs is None else None,
        "detour_factor": args.detour_factor if args.costs is None else None,
        "capacity": _capacity(args),
        "sites": inputs.supply.ids.tolist(),
        "left_out_institutions": list(inputs.supply.skipped),
        "left_out_cost_rows": inputs.left_out,
        "rows": result.rows(),
    }
    if isinstance(result, AccessibilityResult):
        body["sites_with_nobody_in_reach"] = result.unserved_sites.tolist()
        body["site_rows"] = result.site_rows()
    if isinstance(result, CoverageResult):
        body["covered_people"] = result.covered_people
        body["total_people"] = result.total_people
        body["share"] = result.share
    return body

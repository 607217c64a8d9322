"""The naive reference implementation of referral decisions (internal).

Written for obviousness, not speed, from the rules as documented (the module docstrings of
:mod:`medalliance.referral._rules` and :mod:`medalliance.referral._rank`), never from the fast
code: it scans the origin's alliances and their agreements for channels, tests every linked
institution one by one and sorts them by the policy's ranking order field by field. The tests
use it as the oracle for :func:`medalliance.referral.evaluate` and
:func:`~medalliance.referral.evaluate_many`, and the benchmark as the baseline.

Examples
--------
>>> from medalliance import examples
>>> from medalliance.referral import ReferralCase, evaluate
>>> reg = examples.load("county_township")
>>> case = ReferralCase(origin="county_hospital", criterion="convalescence")
>>> evaluate_naive(reg, case) == evaluate(reg, case)
True
"""

from __future__ import annotations

from typing import Any

from medalliance._geo import haversine_km
from medalliance._reference.common import naive_channels, naive_offers
from medalliance.model.agreement import CooperationItem
from medalliance.model.alliance import AllianceForm
from medalliance.model.institution import Institution
from medalliance.model.registry import Registry
from medalliance.model.vocab import Specialty
from medalliance.referral._model import (
    FLAG_ITEMS,
    Destination,
    ReferralCase,
    ReferralDecision,
    _eligible_reason,
    _failure_reasons,
    _no_channel_reasons,
)
from medalliance.referral._rules import CaseNeeds, case_point, needs_text, prepare
from medalliance.referral.policy import Direction, ReferralPolicy, default_policy

__all__ = ["evaluate_naive"]


def _direction(origin: Institution, dest: Institution) -> Direction:
    if dest.tier > origin.tier:
        return Direction.UP
    if dest.tier < origin.tier:
        return Direction.DOWN
    return Direction.LATERAL


def _offers(registry: Registry, inst: Institution, needs: CaseNeeds) -> bool:
    """The case's specialty, services and lowest tier; one of the criterion's specialties."""
    if not naive_offers(
        registry,
        inst,
        specialty=needs.specialty,
        services=needs.services,
        min_tier=needs.min_tier,
    ):
        return False
    wanted = needs.criterion.specialties
    return not wanted or any(naive_offers(registry, inst, specialty=s) for s in wanted)


def _channel_specialties(needs: CaseNeeds) -> set[Specialty]:
    """A specialty alliance carries the case's specialty, else the criterion's."""
    if needs.specialty is not None:
        return {needs.specialty}
    return set(needs.criterion.specialties)


def _needs_capability(needs: CaseNeeds) -> bool:
    return (
        needs.criterion.needs_capability
        or needs.specialty is not None
        or bool(needs.services)
        or needs.min_tier is not None
        or bool(needs.criterion.specialties)
    )


def _distance(point: tuple[float, float] | None, dest: Institution) -> float | None:
    if point is None or dest.lat is None or dest.lon is None:
        return None
    return float(haversine_km(point[0], point[1], dest.lat, dest.lon)[()])


_Partners = dict[str, tuple[set[str], set[str], set[CooperationItem]]]


def _partners(registry: Registry, origin: str, specialties: set[Specialty]) -> _Partners:
    """Institutions sharing a referral channel with ``origin``: alliances, agreements, items."""
    partners: _Partners = {}
    item = CooperationItem.TWO_WAY_REFERRAL
    for ch in naive_channels(registry, item, all_specialties=True, of=origin):
        if origin not in ch.members:
            continue
        if ch.specialty is not None and ch.specialty not in specialties:
            continue
        for m in ch.members:
            if m != origin:
                entry = partners.setdefault(m, (set(), set(), set()))
                entry[0].add(ch.alliance)
                if ch.source.startswith("agreement:"):
                    entry[1].add(ch.source.split(":", 1)[1])
                entry[2].update(ch.grants)
    return partners


def _qualifies(
    registry: Registry, origin: Institution, dest: Institution, needs: CaseNeeds
) -> bool | None:
    """``None``: wrong direction or tier; ``False``: not capable; ``True``: a destination."""
    direction = _direction(origin, dest)
    criterion = needs.criterion
    if direction not in criterion.directions:
        return None
    if criterion.target_tiers and dest.tier not in criterion.target_tiers:
        return None
    capability = _needs_capability(needs)
    if capability and not _offers(registry, dest, needs):
        return False
    lateral_ok = capability and not _offers(registry, origin, needs)
    return direction is not Direction.LATERAL or lateral_ok


def _rank(
    registry: Registry,
    case: ReferralCase,
    origin: Institution,
    destinations: list[Destination],
    policy: ReferralPolicy,
) -> None:
    """Sort by the documented fields, in the policy's order for the case's urgency.

    Distances are compared in whole metres; with a band of ``B`` km, as the number of whole
    bands past the nearest destination; unknown distances rank last.
    """
    green = CooperationItem.GREEN_CHANNEL.value
    ranking = policy.ranking
    order = {"routine": ranking.routine, "urgent": ranking.urgent, "emergency": ranking.emergency}[
        case.urgency.value
    ]
    band = round(ranking.distance_band_km * 1000)
    known = [round(d.distance_km * 1000) for d in destinations if d.distance_km is not None]
    nearest = min(known) if known else 0

    def metres(d: Destination) -> float:
        if d.distance_km is None:
            return float("inf")
        m = round(d.distance_km * 1000)
        return (m - nearest) // band if band > 0 else m

    def key(d: Destination) -> tuple[Any, ...]:
        value = {
            "home": d.institution != case.home,
            "green": green not in d.flags,
            "flags": -len(d.flags),
            "distance": metres(d),
            "step": abs(registry.institution(d.institution).tier.rank - origin.tier.rank),
            "id": d.institution,
        }
        return tuple(value[f] for f in order)

    destinations.sort(key=key)


def _outside(
    registry: Registry,
    case: ReferralCase,
    needs: CaseNeeds,
    partners: _Partners,
    k: int,
) -> tuple[Destination, ...]:
    """Up to ``k`` qualifying institutions sharing no channel: nearest, then tier step, id."""
    origin = needs.origin
    point = case_point(case, origin)
    outside: list[tuple[tuple[float, int, str], Destination]] = []
    for inst in registry.institutions:
        if inst.id == origin.id or inst.id in partners:
            continue
        if not _qualifies(registry, origin, inst, needs):
            continue
        dist = _distance(point, inst)
        d = Destination(
            institution=inst.id,
            tier=inst.tier.value,
            direction=_direction(origin, inst),
            alliances=(),
            agreements=(),
            flags=(),
            distance_km=dist,
            alliance_channel=False,
        )
        step = abs(inst.tier.rank - origin.tier.rank)
        outside.append(((dist if dist is not None else float("inf"), step, inst.id), d))
    outside.sort(key=lambda x: x[0])
    return tuple(d for _, d in outside[:k])


def evaluate_naive(
    registry: Registry,
    case: ReferralCase,
    *,
    policy: ReferralPolicy | None = None,
    outside_options: int = 0,
) -> ReferralDecision:
    """Decide ``case`` by scanning the registry (the reference for the fast paths).

    Same parameters, result and errors as :func:`medalliance.referral.evaluate`.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> d = evaluate_naive(reg, ReferralCase(origin="wuliqiao_chc",
    ...                                      criterion="critical_or_difficult"))
    >>> d.destinations[0].institution
    'luwan_dongnan'
    """
    policy = policy if policy is not None else default_policy()
    needs = prepare(registry, case, policy)
    origin = needs.origin
    partners = _partners(registry, origin.id, _channel_specialties(needs))
    point = case_point(case, origin)
    destinations: list[Destination] = []
    wrong_direction = incapable = 0
    for pid, (alliances, agreements, items) in partners.items():
        dest = registry.institution(pid)
        verdict = _qualifies(registry, origin, dest, needs)
        if verdict is None:
            wrong_direction += 1
        elif not verdict:
            incapable += 1
        else:
            destinations.append(
                Destination(
                    institution=pid,
                    tier=dest.tier.value,
                    direction=_direction(origin, dest),
                    alliances=tuple(sorted(alliances)),
                    agreements=tuple(sorted(agreements)),
                    flags=tuple(i.value for i in FLAG_ITEMS if i in items),
                    distance_km=_distance(point, dest),
                )
            )
    _rank(registry, case, origin, destinations, policy)
    if not partners:
        wrong_specialty = [
            a.id
            for a in registry.alliances_of(origin.id)
            if a.form is AllianceForm.SPECIALTY_ALLIANCE
            and a.specialty not in _channel_specialties(needs)
        ]
        reasons = _no_channel_reasons(wrong_specialty)
    elif destinations:
        reasons = [_eligible_reason(needs.criterion)]
    else:
        reasons = _failure_reasons(needs.criterion, wrong_direction, incapable, needs_text(needs))
    return ReferralDecision(
        case=case,
        eligible=bool(destinations),
        direction=destinations[0].direction if destinations else None,
        destinations=tuple(destinations),
        reasons=tuple(reasons),
        outside_options=_outside(registry, case, needs, partners, outside_options)
        if outside_options
        else (),
    )

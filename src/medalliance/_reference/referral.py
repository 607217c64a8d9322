"""The naive reference implementation of referral decisions (internal).

Written for obviousness, not speed: it scans the origin's alliances and their agreements for
channels and tests every linked institution one by one. The tests use it as the oracle for
:func:`medalliance.referral.evaluate` and :func:`~medalliance.referral.evaluate_many`, and the
benchmark as the baseline.

Examples
--------
>>> from medalliance import examples
>>> from medalliance.referral import ReferralCase, evaluate
>>> reg = examples.load("county_township")
>>> case = ReferralCase(origin="county_hospital", criterion="postop_recovery")
>>> evaluate_naive(reg, case) == evaluate(reg, case)
True
"""

from __future__ import annotations

from typing import Any

from medalliance._geo import haversine_km
from medalliance.model.agreement import AgreementStatus, CooperationItem
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
from medalliance.referral._rank import rank_key
from medalliance.referral._rules import CaseNeeds, case_point, prepare
from medalliance.referral.policy import Direction, ReferralPolicy, default_policy

__all__ = ["evaluate_naive"]


def _direction(origin: Institution, dest: Institution) -> Direction:
    if dest.tier > origin.tier:
        return Direction.UP
    if dest.tier < origin.tier:
        return Direction.DOWN
    return Direction.LATERAL


def _offers(inst: Institution, needs: CaseNeeds, leads: set[tuple[str, Specialty]]) -> bool:
    has_specialty = (
        needs.specialty is None
        or needs.specialty in inst.specialties
        or (inst.id, needs.specialty) in leads
    )
    high_enough = needs.min_tier is None or inst.tier >= needs.min_tier
    return has_specialty and needs.services <= set(inst.services) and high_enough


def _distance(point: tuple[float, float] | None, dest: Institution) -> float | None:
    if point is None or dest.lat is None or dest.lon is None:
        return None
    return float(haversine_km(point[0], point[1], dest.lat, dest.lon)[()])


def evaluate_naive(
    registry: Registry,
    case: ReferralCase,
    *,
    policy: ReferralPolicy | None = None,
    out_of_alliance: int = 0,
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
    leads = {(lead, a.specialty) for a in registry.alliances if a.specialty for lead in a.lead}
    # channels: alliance-wide provisions and agreements in force with two-way referral
    partners: dict[str, tuple[set[str], set[str], set[CooperationItem]]] = {}
    wrong_specialty: list[str] = []
    for a in registry.alliances_of(origin.id):
        if a.form is AllianceForm.SPECIALTY_ALLIANCE and a.specialty != needs.specialty:
            wrong_specialty.append(a.id)
            continue
        if CooperationItem.TWO_WAY_REFERRAL in a.provisions:
            for m in a.members:
                if m != origin.id:
                    entry = partners.setdefault(m, (set(), set(), set()))
                    entry[0].add(a.id)
                    entry[2].update(a.provisions)
        for g in registry.agreements_of(a.id):
            if (
                CooperationItem.TWO_WAY_REFERRAL in g.items
                and origin.id in g.parties
                and g.status is AgreementStatus.IN_FORCE
            ):
                for p in g.parties:
                    if p != origin.id:
                        entry = partners.setdefault(p, (set(), set(), set()))
                        entry[0].add(a.id)
                        entry[1].add(g.id)
                        entry[2].update(g.items)
                        entry[2].update(a.provisions)
    criterion = needs.criterion
    point = case_point(case, origin)
    origin_capable = _offers(origin, needs, leads)
    destinations: list[Destination] = []
    wrong_direction = incapable = 0
    for pid, (alliances, agreements, items) in partners.items():
        dest = registry.institution(pid)
        direction = _direction(origin, dest)
        if direction not in criterion.directions:
            wrong_direction += 1
        elif (needs.capability and not _offers(dest, needs, leads)) or (
            direction is Direction.LATERAL and (not needs.capability or origin_capable)
        ):
            incapable += 1
        else:
            destinations.append(
                Destination(
                    institution=pid,
                    tier=dest.tier.value,
                    direction=direction,
                    alliances=tuple(sorted(alliances)),
                    agreements=tuple(sorted(agreements)),
                    flags=tuple(i.value for i in FLAG_ITEMS if i in items),
                    distance_km=_distance(point, dest),
                )
            )
    # the written ranking specification (medalliance.referral._rank), field by field
    green = CooperationItem.GREEN_CHANNEL.value

    def key(d: Destination) -> tuple[Any, ...]:
        step = abs(registry.institution(d.institution).tier.rank - origin.tier.rank)
        values = (
            d.institution != case.home,
            green not in d.flags,
            -len(d.flags),
            d.distance_km if d.distance_km is not None else float("inf"),
            step,
            d.institution,
        )
        return rank_key(values, case.urgency)

    destinations.sort(key=key)
    if not partners:
        reasons = _no_channel_reasons(wrong_specialty)
    elif destinations:
        reasons = [_eligible_reason(criterion)]
    else:
        reasons = _failure_reasons(criterion, wrong_direction, incapable)
    outside: list[tuple[tuple[float, int, str], Destination]] = []
    if out_of_alliance:
        for inst in registry.institutions:
            if inst.id == origin.id or inst.id in partners:
                continue
            direction = _direction(origin, inst)
            if direction not in criterion.directions:
                continue
            if needs.capability and not _offers(inst, needs, leads):
                continue
            if direction is Direction.LATERAL and (not needs.capability or origin_capable):
                continue
            dist = _distance(point, inst)
            d = Destination(
                institution=inst.id,
                tier=inst.tier.value,
                direction=direction,
                alliances=(),
                agreements=(),
                flags=(),
                distance_km=dist,
                in_alliance=False,
            )
            step = abs(inst.tier.rank - origin.tier.rank)
            outside.append(((dist if dist is not None else float("inf"), step, inst.id), d))
        outside.sort(key=lambda x: x[0])
    return ReferralDecision(
        case=case,
        eligible=bool(destinations),
        direction=destinations[0].direction if destinations else None,
        destinations=tuple(destinations),
        reasons=tuple(reasons),
        out_of_alliance=tuple(d for _, d in outside[:out_of_alliance]),
    )

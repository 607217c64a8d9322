"""Referral decisions (双向转诊): who may a patient be referred to, in which direction, and why.

:func:`evaluate` applies a :class:`~medalliance.referral_policy.ReferralPolicy` to one
:class:`ReferralCase` in a registry. It is written for clarity and is the reference the batch
API will be checked against.

The rules:

- **Channels**: a referral channel exists only where the registry says so: an alliance whose
  provisions include ``two_way_referral`` links every pair of its members; an agreement in
  force with that item links its parties. A specialty alliance channels only cases of its own
  specialty.
- **Direction** follows the tiers: a destination of a higher tier is ``up``, of a lower tier
  ``down``, of the same tier ``lateral``. The case's criterion says which directions it
  justifies.
- **Capability**: when the criterion needs a capability, or the case names a specialty or
  services, the destination must offer them (its own specialties and services; the lead of a
  specialty alliance offers the alliance's specialty). A lateral referral also needs the
  origin to lack one of them.
- **Priority**: the agreement items or provisions that give the channel also give the
  patient's flags: green channel, priority reception / examination / admission,
  treatment-plan handover.
- **Ranking**: the patient's home institution first (for down-referral close to home), then
  more priority flags, then shorter great-circle distance when both ends have coordinates,
  then the nearest tier step, then id.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("county_township")
>>> case = ReferralCase(origin="township_centre", criterion="needs_equipment_or_exam",
...                     services=("ct",))
>>> decision = evaluate(reg, case)
>>> decision.eligible, decision.direction.value, decision.destinations[0].institution
(True, 'up', 'county_hospital')
>>> decision.destinations[0].flags
('priority_examination', 'priority_reception', 'priority_admission')
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, Field

from medalliance.agreement import AgreementStatus, CooperationItem
from medalliance.alliance import AllianceForm
from medalliance.errors import MedAllianceError, Problem
from medalliance.institution import Institution
from medalliance.referral_policy import Criterion, Direction, ReferralPolicy, default_policy
from medalliance.registry import Registry
from medalliance.types import FrozenModel, Id, Latitude, Longitude, NonEmptyText, no_duplicates
from medalliance.vocab import (
    LabelledEnum,
    ServiceKind,
    ServiceKindField,
    Specialty,
    SpecialtyField,
)

__all__ = [
    "Destination",
    "Reason",
    "ReferralCase",
    "ReferralDecision",
    "Urgency",
    "evaluate",
    "evaluate_many",
]

FLAG_ITEMS = (
    CooperationItem.GREEN_CHANNEL,
    CooperationItem.PRIORITY_EXAMINATION,
    CooperationItem.PRIORITY_RECEPTION,
    CooperationItem.PRIORITY_ADMISSION,
    CooperationItem.TREATMENT_PLAN_HANDOVER,
)
"""Agreement items that become priority flags of a destination, in display order."""


class Urgency(LabelledEnum):
    """How urgent the referral is."""

    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, ...]]:
        return {cls.ROUTINE: ("常规",), cls.URGENT: ("紧急", "急"), cls.EMERGENCY: ("急诊", "危急")}


class ReferralCase(FrozenModel):
    """One patient to refer: where they are, why, and what they need."""

    origin: Id
    """Institution the patient is at."""
    criterion: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    """Code of the policy criterion that justifies the referral."""
    specialty: SpecialtyField | None = None
    """Specialty the patient needs."""
    services: Annotated[tuple[ServiceKindField, ...], AfterValidator(no_duplicates)] = ()
    """Services the patient needs (e.g. ``ct``, ``inpatient``)."""
    urgency: Urgency = Urgency.ROUTINE
    """How urgent the referral is."""
    home: Id | None = None
    """The patient's home institution, preferred on down-referral."""
    lat: Latitude | None = None
    """Patient location (with ``lon``), used for distances instead of the origin's."""
    lon: Longitude | None = None
    """Patient location (with ``lat``)."""
    condition: NonEmptyText | None = None
    """Condition code (e.g. ICD-10), matched against the policy's catalogue."""


class Reason(FrozenModel):
    """Why a case is or is not eligible: a machine code and English and Chinese text."""

    code: str
    en: str
    zh: str


class Destination(FrozenModel):
    """An eligible destination, with what gives the channel and the patient's priority flags."""

    institution: str
    tier: str
    direction: Direction
    alliances: tuple[str, ...]
    """Alliances whose channel links origin and destination."""
    agreements: tuple[str, ...]
    """Agreements that give the channel (empty when only alliance-wide provisions do)."""
    flags: tuple[str, ...]
    """Priority flags: green_channel, priority_examination, ..., treatment_plan_handover."""
    distance_km: float | None
    """Great-circle distance from the patient (or origin) when both have coordinates."""


class ReferralDecision(FrozenModel):
    """What :func:`evaluate` returns."""

    case: ReferralCase
    eligible: bool
    direction: Direction | None
    """Direction of the best destination, or ``None`` when not eligible."""
    destinations: tuple[Destination, ...]
    """Eligible destinations, best first."""
    reasons: tuple[Reason, ...]
    """Why (not): every reason that applies."""


def _reason(code: str, en: str, zh: str) -> Reason:
    # built from trusted values: skip validation (hot path of evaluate_many)
    return Reason.model_construct(code=code, en=en, zh=zh)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _direction(origin: Institution, dest: Institution) -> Direction:
    if dest.tier > origin.tier:
        return Direction.UP
    if dest.tier < origin.tier:
        return Direction.DOWN
    return Direction.LATERAL


def evaluate(
    registry: Registry, case: ReferralCase, *, policy: ReferralPolicy | None = None
) -> ReferralDecision:
    """Decide where ``case`` may be referred under ``policy`` (default: the shipped policy).

    Parameters
    ----------
    registry : Registry
        Institutions, alliances and agreements; not modified.
    case : ReferralCase
        The patient to refer.
    policy : ReferralPolicy, optional
        Criteria to apply; :func:`~medalliance.referral_policy.default_policy` when omitted.

    Returns
    -------
    ReferralDecision
        Eligibility, ranked destinations and every reason.

    Raises
    ------
    MedAllianceError
        For an unknown origin or home institution or an unknown criterion.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> d = evaluate(reg, ReferralCase(origin="wuliqiao_chc", criterion="critical_or_difficult"))
    >>> [x.institution for x in d.destinations][:2], d.direction.value
    (['luwan_dongnan', 'ruijin_luwan_branch'], 'up')
    >>> evaluate(reg, ReferralCase(origin="nowhere", criterion="critical_or_difficult"))
    Traceback (most recent call last):
    ...
    medalliance.errors.UnknownIdError: unknown institution 'nowhere'
    """
    policy = policy if policy is not None else default_policy()
    origin, criterion, specialty, services = _prepare(registry, case, policy)
    partners, wrong_specialty = _naive_channels(registry, origin.id, specialty)
    lead_specialties = {
        (lead, a.specialty)
        for a in registry.alliances
        if a.specialty is not None
        for lead in a.lead
    }
    return _decide(
        registry,
        case,
        origin=origin,
        criterion=criterion,
        specialty=specialty,
        services=services,
        partners=partners,
        wrong_specialty=wrong_specialty,
        lead_specialties=lead_specialties,
    )


Partners = dict[str, tuple[set[str], set[str], set[CooperationItem]]]


def _prepare(
    registry: Registry, case: ReferralCase, policy: ReferralPolicy
) -> tuple[Institution, Criterion, Specialty | None, set[ServiceKind]]:
    """Check the case against registry and policy; resolve the catalogue's needs."""
    origin = registry.institution(case.origin)
    criterion = policy.criterion(case.criterion)
    if case.home is not None:
        registry.institution(case.home)
    if (case.lat is None) != (case.lon is None):
        raise MedAllianceError([Problem(("lat",), "lat and lon must be given together")])
    specialty, services = case.specialty, set(case.services)
    if case.condition is not None and policy.catalogue is not None:
        entry = policy.catalogue.lookup(case.condition)
        if entry is not None:
            specialty = specialty or entry.specialty
            services |= set(entry.services)
    return origin, criterion, specialty, services


def _naive_channels(
    registry: Registry, origin: str, specialty: Specialty | None
) -> tuple[Partners, list[str]]:
    """Referral partners of ``origin`` found by scanning its alliances and their agreements."""
    partners: Partners = {}
    wrong_specialty: list[str] = []
    for a in registry.alliances_of(origin):
        if a.form is AllianceForm.SPECIALTY_ALLIANCE and a.specialty != specialty:
            wrong_specialty.append(a.id)
            continue
        if CooperationItem.TWO_WAY_REFERRAL in a.provisions:
            for m in a.members:
                if m != origin:
                    entry_ = partners.setdefault(m, (set(), set(), set()))
                    entry_[0].add(a.id)
                    entry_[2].update(a.provisions)
        for g in registry.agreements_of(a.id):
            if (
                CooperationItem.TWO_WAY_REFERRAL in g.items
                and origin in g.parties
                and g.status is AgreementStatus.IN_FORCE
            ):
                for p in g.parties:
                    if p != origin:
                        entry_ = partners.setdefault(p, (set(), set(), set()))
                        entry_[0].add(a.id)
                        entry_[1].add(g.id)
                        entry_[2].update(g.items)
                        entry_[2].update(a.provisions)
    return partners, wrong_specialty


def _decide(
    registry: Registry,
    case: ReferralCase,
    *,
    origin: Institution,
    criterion: Criterion,
    specialty: Specialty | None,
    services: set[ServiceKind],
    partners: Partners,
    wrong_specialty: list[str],
    lead_specialties: set[tuple[str, Specialty]] | frozenset[tuple[str, Specialty]],
) -> ReferralDecision:
    """Filter, rank and explain the destinations among ``partners``."""
    reasons: list[Reason] = []
    if not partners:
        reasons.append(
            _reason(
                "no_channel",
                "no two-way referral channel links the origin to any institution",
                "起始机构未与任何机构建立双向转诊通道",
            )
        )
        if wrong_specialty:
            reasons.append(
                _reason(
                    "specialty_mismatch",
                    f"specialty alliance(s) {', '.join(wrong_specialty)} "
                    "only refer their own specialty",
                    "专科联盟仅转诊本专科患者",
                )
            )
    needs_capability = criterion.needs_capability or specialty is not None or bool(services)

    def offers(inst: Institution) -> bool:
        has_specialty = (
            specialty is None
            or specialty in inst.specialties
            or ((inst.id, specialty) in lead_specialties)
        )
        return has_specialty and services <= set(inst.services)

    origin_capable = offers(origin)
    plat, plon = (case.lat, case.lon) if case.lat is not None else (origin.lat, origin.lon)
    destinations: list[Destination] = []
    wrong_direction = incapable = 0
    for pid, (alliances, agreements, items) in partners.items():
        dest = registry.institution(pid)
        direction = _direction(origin, dest)
        if direction not in criterion.directions:
            wrong_direction += 1
            continue
        if needs_capability and not offers(dest):
            incapable += 1
            continue
        if direction is Direction.LATERAL and (not needs_capability or origin_capable):
            incapable += 1
            continue
        distance = None
        if plat is not None and plon is not None and dest.lat is not None and dest.lon is not None:
            distance = round(_haversine_km(plat, plon, dest.lat, dest.lon), 3)
        destinations.append(
            Destination.model_construct(
                institution=pid,
                tier=dest.tier.value,
                direction=direction,
                alliances=tuple(sorted(alliances)),
                agreements=tuple(sorted(agreements)),
                flags=tuple(i.value for i in FLAG_ITEMS if i in items),
                distance_km=distance,
            )
        )
    if partners and not destinations:
        wanted = "/".join(d.value for d in criterion.directions)
        if wrong_direction:
            reasons.append(
                _reason(
                    "wrong_direction",
                    f"criterion {criterion.code!r} justifies only {wanted} referral and "
                    f"{wrong_direction} linked institution(s) lie in another direction",
                    f"转诊指征“{criterion.name_zh}”仅适用于{wanted}方向",
                )
            )
        if incapable:
            reasons.append(
                _reason(
                    "no_capable_destination",
                    f"{incapable} linked institution(s) lack the needed specialty or services",
                    "可转诊机构不具备所需专科或服务",
                )
            )
    if destinations:
        reasons.append(
            _reason(
                "eligible",
                f"criterion {criterion.code!r} justifies the referral",
                f"符合转诊指征“{criterion.name_zh}”",
            )
        )

    def rank(d: Destination) -> tuple[bool, int, float, int, str]:
        step = abs(registry.institution(d.institution).tier.rank - origin.tier.rank)
        return (
            d.institution != case.home,
            -len(d.flags),
            d.distance_km if d.distance_km is not None else math.inf,
            step,
            d.institution,
        )

    destinations.sort(key=rank)
    return ReferralDecision.model_construct(
        case=case,
        eligible=bool(destinations),
        direction=destinations[0].direction if destinations else None,
        destinations=tuple(destinations),
        reasons=tuple(reasons),
    )


class _Index:
    """Referral channels of a registry, compiled once and cached with the registry.

    Per institution: the alliances whose provisions grant two-way referral (kept as the
    alliance's member tuple, not expanded into member pairs, so big county communities stay
    linear in size), the agreement channels with their items, and the specialty alliances it
    belongs to; plus the (lead, specialty) pairs of specialty-bearing alliances.
    """

    def __init__(self, registry: Registry) -> None:
        wide: dict[
            str, list[tuple[str, Specialty | None, tuple[str, ...], frozenset[CooperationItem]]]
        ]
        wide = {}
        pairs: dict[str, list[tuple[str, Specialty | None, str, str, frozenset[CooperationItem]]]]
        pairs = {}
        specialty_alliances: dict[str, list[str]] = {}
        for a in registry.alliances:
            scope = a.specialty if a.form is AllianceForm.SPECIALTY_ALLIANCE else None
            provisions = frozenset(a.provisions)
            members = a.members
            if scope is not None:
                for m in members:
                    specialty_alliances.setdefault(m, []).append(a.id)
            if CooperationItem.TWO_WAY_REFERRAL in provisions:
                channel = (a.id, scope, members, provisions)
                for m in members:
                    wide.setdefault(m, []).append(channel)
        for g in registry.agreements:
            if (
                CooperationItem.TWO_WAY_REFERRAL not in g.items
                or g.status is not AgreementStatus.IN_FORCE
            ):
                continue
            a = registry.alliance(g.alliance)
            scope = a.specialty if a.form is AllianceForm.SPECIALTY_ALLIANCE else None
            items = frozenset(g.items) | frozenset(a.provisions)
            for o in g.parties:
                pairs.setdefault(o, []).extend(
                    (a.id, scope, p, g.id, items) for p in g.parties if p != o
                )
        self.wide = {k: tuple(v) for k, v in wide.items()}
        self.pairs = {k: tuple(v) for k, v in pairs.items()}
        self.specialty_alliances = {k: tuple(v) for k, v in specialty_alliances.items()}
        self.specialty_of = {a.id: a.specialty for a in registry.alliances}
        self.lead_specialties = frozenset(
            (lead, a.specialty)
            for a in registry.alliances
            if a.specialty is not None
            for lead in a.lead
        )

    def partners(self, origin: str, specialty: Specialty | None) -> tuple[Partners, list[str]]:
        """Referral partners of ``origin`` for a case needing ``specialty``."""
        partners: Partners = {}
        for alliance, scope, members, provisions in self.wide.get(origin, ()):
            if scope is not None and scope != specialty:
                continue
            for m in members:
                if m != origin:
                    entry = partners.setdefault(m, (set(), set(), set()))
                    entry[0].add(alliance)
                    entry[2].update(provisions)
        for alliance, scope, partner, agreement, items in self.pairs.get(origin, ()):
            if scope is not None and scope != specialty:
                continue
            entry = partners.setdefault(partner, (set(), set(), set()))
            entry[0].add(alliance)
            entry[1].add(agreement)
            entry[2].update(items)
        wrong = [
            a for a in self.specialty_alliances.get(origin, ()) if self.specialty_of[a] != specialty
        ]
        return partners, wrong


_INDEXES: dict[int, _Index] = {}


def _index(registry: Registry) -> _Index:
    found = _INDEXES.get(id(registry))
    if found is None:
        found = _Index(registry)
        _INDEXES[id(registry)] = found
        weakref.finalize(registry, _INDEXES.pop, id(registry), None)
    return found


def evaluate_many(
    registry: Registry,
    cases: Iterable[ReferralCase],
    *,
    policy: ReferralPolicy | None = None,
) -> tuple[ReferralDecision, ...]:
    """Decide many cases at once on a compiled channel index.

    Gives exactly the decisions of calling :func:`evaluate` on each case (tested on generated
    registries and cases), finding referral channels in an index built once per registry and
    cached with it. The filtering of destinations is still a per-case Python loop, so this is
    not yet faster than :func:`evaluate` on registries with large alliances.

    Raises
    ------
    MedAllianceError
        For the first case with an unknown origin, home or criterion (its position is in the
        path).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> cases = [ReferralCase(origin="township_centre", criterion="needs_inpatient_bed"),
    ...          ReferralCase(origin="county_hospital", criterion="postop_recovery")]
    >>> [d.destinations[0].institution for d in evaluate_many(reg, cases)]
    ['county_hospital', 'township_centre']
    >>> evaluate_many(reg, cases) == tuple(evaluate(reg, c) for c in cases)
    True
    """
    policy = policy if policy is not None else default_policy()
    index = _index(registry)
    out = []
    for n, case in enumerate(cases):
        try:
            origin, criterion, specialty, services = _prepare(registry, case, policy)
        except MedAllianceError as exc:
            raise exc.with_prefix(("cases", n)) from None
        partners, wrong = index.partners(origin.id, specialty)
        out.append(
            _decide(
                registry,
                case,
                origin=origin,
                criterion=criterion,
                specialty=specialty,
                services=services,
                partners=partners,
                wrong_specialty=wrong,
                lead_specialties=index.lead_specialties,
            )
        )
    return tuple(out)

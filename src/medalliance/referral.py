"""Referral decisions (双向转诊): who may a patient be referred to, in which direction, and why.

:func:`evaluate` applies a :class:`~medalliance.referral_policy.ReferralPolicy` to one
:class:`ReferralCase`; :func:`evaluate_many` decides many cases at once on arrays compiled from
the registry and gives exactly the decisions :func:`evaluate` gives one at a time;
:func:`referral_paths` lists the escalation paths up the tiers.

The rules:

- **Channels**: a referral channel exists only where the registry says so: an alliance whose
  provisions include ``two_way_referral`` links every pair of its members; an agreement in
  force with that item links its parties (:mod:`medalliance.channels`). A specialty alliance
  channels only cases of its own specialty.
- **Direction** follows the tiers: a destination of a higher tier is ``up``, of a lower tier
  ``down``, of the same tier ``lateral``. The case's criterion says which directions it
  justifies.
- **Capability**: when the criterion needs a capability, or the case names a specialty or
  services (directly or through the policy's condition catalogue), the destination must offer
  them (its own specialties and services; the lead of an alliance with a specialty offers that
  specialty) and be at least the catalogue's lowest tier for the condition. A lateral referral
  also needs the origin to lack the capability.
- **Priority**: the agreement items or provisions that give the channel also give the
  patient's flags: green channel, priority reception / examination / admission,
  treatment-plan handover.
- **Ranking** (best first): the patient's home institution (for down-referral close to home);
  then, by urgency — *routine*: more priority flags, shorter distance; *urgent*: a green
  channel, more flags, shorter distance; *emergency*: a green channel, shorter distance, more
  flags — then the nearest tier step, then id. Distances are great-circle kilometres from the
  patient's location (or the origin) when both ends have coordinates; a destination without
  them ranks after those with them.
- **Out of alliance**: institutions that would qualify but share no channel with the origin
  are never destinations; ``evaluate(..., out_of_alliance=k)`` lists up to ``k`` of them
  separately, flagged ``in_alliance=False``.

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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, overload

import numpy as np
from pydantic import AfterValidator, Field

from medalliance.agreement import CooperationItem
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.institution import Institution, Tier
from medalliance.referral_policy import Criterion, Direction, ReferralPolicy, default_policy
from medalliance.registry import Registry
from medalliance.types import (
    FrozenModel,
    Id,
    Latitude,
    Longitude,
    NonEmptyText,
    Tabular,
    no_duplicates,
    trusted,
)
from medalliance.vocab import (
    LabelledEnum,
    ServiceKind,
    ServiceKindField,
    Specialty,
    SpecialtyField,
)

__all__ = [
    "FLAG_ITEMS",
    "Destination",
    "Reason",
    "ReferralBatch",
    "ReferralCase",
    "ReferralCases",
    "ReferralDecision",
    "ReferralPath",
    "Urgency",
    "evaluate",
    "evaluate_many",
    "referral_paths",
]

FLAG_ITEMS = (
    CooperationItem.GREEN_CHANNEL,
    CooperationItem.PRIORITY_EXAMINATION,
    CooperationItem.PRIORITY_RECEPTION,
    CooperationItem.PRIORITY_ADMISSION,
    CooperationItem.TREATMENT_PLAN_HANDOVER,
)
"""Agreement items that become priority flags of a destination, in display order."""

REASON_CODES = (
    "eligible",
    "no_channel",
    "specialty_mismatch",
    "wrong_direction",
    "no_capable_destination",
)
"""Reason codes, in the order they are reported (bit ``i`` of :attr:`ReferralBatch.reasons`)."""


class Urgency(LabelledEnum):
    """How urgent the referral is; it changes how destinations are ranked."""

    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, ...]]:
        return {cls.ROUTINE: ("常规",), cls.URGENT: ("紧急", "急"), cls.EMERGENCY: ("急诊", "危急")}


def _in_order(services: tuple[ServiceKind, ...]) -> tuple[ServiceKind, ...]:
    order = _service_bits()
    return tuple(sorted(services, key=order.__getitem__))


class ReferralCase(FrozenModel):
    """One patient to refer: where they are, why, and what they need.

    Examples
    --------
    >>> ReferralCase(origin="v1", criterion="critical_or_difficult", urgency="紧急").urgency
    <Urgency.URGENT: 'urgent'>
    >>> ReferralCase(origin="v1", criterion="needs_equipment_or_exam",
    ...              services=("磁共振", "ct")).services
    (<ServiceKind.CT: 'ct'>, <ServiceKind.MRI: 'mri'>)
    """

    origin: Id
    """Institution the patient is at."""
    criterion: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    """Code of the policy criterion that justifies the referral."""
    specialty: SpecialtyField | None = None
    """Specialty the patient needs."""
    services: Annotated[
        tuple[ServiceKindField, ...], AfterValidator(no_duplicates), AfterValidator(_in_order)
    ] = ()
    """Services the patient needs (e.g. ``ct``, ``inpatient``); a set, kept in
    :class:`~medalliance.vocab.ServiceKind` order."""
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
    """One of :data:`REASON_CODES`."""
    en: str
    """Explanation in English."""
    zh: str
    """Explanation in Chinese."""


class Destination(FrozenModel):
    """A destination, with what gives the channel and the patient's priority flags."""

    institution: str
    """Id of the destination institution."""
    tier: str
    """Its tier (``village``/``primary``/``secondary``/``tertiary``)."""
    direction: Direction
    """Direction of the referral to it."""
    alliances: tuple[str, ...]
    """Alliances whose channel links origin and destination (empty out of alliance)."""
    agreements: tuple[str, ...]
    """Agreements that give the channel (empty when only alliance-wide provisions do)."""
    flags: tuple[str, ...]
    """Priority flags: green_channel, priority_examination, ..., treatment_plan_handover."""
    distance_km: float | None
    """Great-circle distance from the patient (or origin) when both have coordinates."""
    in_alliance: bool = True
    """False for an out-of-alliance option (no channel; never an eligible destination)."""


class ReferralDecision(FrozenModel, Tabular):
    """What :func:`evaluate` returns.

    Examples
    --------
    >>> from medalliance import examples
    >>> d = evaluate(examples.load("county_township"),
    ...              ReferralCase(origin="county_hospital", criterion="postop_recovery"))
    >>> d.rows()[0]["institution"], d.rows()[0]["rank"]
    ('township_centre', 1)
    """

    case: ReferralCase
    """The case decided."""
    eligible: bool
    """Whether at least one destination qualifies."""
    direction: Direction | None
    """Direction of the best destination, or ``None`` when not eligible."""
    destinations: tuple[Destination, ...]
    """Eligible destinations, best first."""
    reasons: tuple[Reason, ...]
    """Why (not): every reason that applies."""
    out_of_alliance: tuple[Destination, ...] = ()
    """Qualifying institutions that share no channel with the origin (only when asked for)."""

    def __repr__(self) -> str:
        best = self.destinations[0].institution if self.destinations else None
        direction = self.direction.value if self.direction is not None else None
        codes = ",".join(r.code for r in self.reasons)
        return (
            f"ReferralDecision(origin={self.case.origin!r}, criterion={self.case.criterion!r}, "
            f"eligible={self.eligible}, direction={direction!r}, best={best!r}, "
            f"destinations={len(self.destinations)}, reasons={codes!r})"
        )

    __str__ = __repr__

    def rows(self) -> list[dict[str, Any]]:
        """One row per destination, best first, then the out-of-alliance options.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> d = evaluate(reg, ReferralCase(origin="township_centre",
        ...                                criterion="needs_equipment_or_exam"))
        >>> row = d.rows()[0]
        >>> row["rank"], row["institution"], row["direction"], row["distance_km"]
        (1, 'county_hospital', 'up', None)
        """
        out = []
        for rank, d in enumerate((*self.destinations, *self.out_of_alliance), start=1):
            out.append(
                {
                    "rank": rank if d.in_alliance else None,
                    "institution": d.institution,
                    "tier": d.tier,
                    "direction": d.direction.value,
                    "in_alliance": d.in_alliance,
                    "alliances": " ".join(d.alliances),
                    "agreements": " ".join(d.agreements),
                    "flags": " ".join(d.flags),
                    "distance_km": d.distance_km,
                }
            )
        return out


class ReferralPath(FrozenModel):
    """An escalation path up the tiers, one referral channel per hop."""

    institutions: tuple[str, ...]
    """Institution ids from the origin to the end of the path."""
    tiers: tuple[Tier, ...]
    """The tier of each institution (strictly increasing)."""
    alliances: tuple[str, ...]
    """For each hop, the (first by id) alliance whose channel gives it."""

    @property
    def hops(self) -> int:
        """Number of referrals along the path.

        Examples
        --------
        >>> from medalliance import examples
        >>> [p.hops for p in referral_paths(examples.load("county_township"), "township_centre")]
        [1]
        """
        return len(self.institutions) - 1

    def __repr__(self) -> str:
        return f"ReferralPath({' → '.join(self.institutions)}, hops={self.hops})"

    __str__ = __repr__


# --------------------------------------------------------------------------------------
# rules shared by every implementation


def _reason(code: str, en: str, zh: str) -> Reason:
    # built from trusted values: skip validation (hot path)
    return trusted(Reason, {"code": code, "en": en, "zh": zh})


def _no_channel_reasons(wrong_specialty: Sequence[str]) -> list[Reason]:
    out = [
        _reason(
            "no_channel",
            "no two-way referral channel links the origin to any institution",
            "起始机构未与任何机构建立双向转诊通道",
        )
    ]
    if wrong_specialty:
        out.append(
            _reason(
                "specialty_mismatch",
                f"specialty alliance(s) {', '.join(wrong_specialty)} "
                "only refer their own specialty",
                "专科联盟仅转诊本专科患者",
            )
        )
    return out


def _failure_reasons(criterion: Criterion, wrong_direction: int, incapable: int) -> list[Reason]:
    out = []
    if wrong_direction:
        wanted = "/".join(d.value for d in criterion.directions)
        out.append(
            _reason(
                "wrong_direction",
                f"criterion {criterion.code!r} justifies only {wanted} referral and "
                f"{wrong_direction} linked institution(s) lie in another direction",
                f"转诊指征“{criterion.name_zh}”仅适用于{wanted}方向",
            )
        )
    if incapable:
        out.append(
            _reason(
                "no_capable_destination",
                f"{incapable} linked institution(s) lack the needed specialty, services or level",
                "可转诊机构不具备所需专科、服务或级别",
            )
        )
    return out


def _eligible_reason(criterion: Criterion) -> Reason:
    return _reason(
        "eligible",
        f"criterion {criterion.code!r} justifies the referral",
        f"符合转诊指征“{criterion.name_zh}”",
    )


@dataclass(frozen=True)
class _Needs:
    """What a case needs, after the policy's catalogue is applied."""

    origin: Institution
    criterion: Criterion
    specialty: Specialty | None
    services: frozenset[ServiceKind]
    min_tier: Tier | None

    @property
    def capability(self) -> bool:
        return (
            self.criterion.needs_capability
            or self.specialty is not None
            or bool(self.services)
            or self.min_tier is not None
        )


def _prepare(registry: Registry, case: ReferralCase, policy: ReferralPolicy) -> _Needs:
    """Check the case against registry and policy; resolve the catalogue's needs.

    Every problem is reported at once: unknown origin, criterion and home, and a point with
    only one of ``lat`` and ``lon``.
    """
    problems: list[Problem] = []
    origin: Institution | None = None
    criterion: Criterion | None = None
    try:
        origin = registry.institution(case.origin)
    except MedAllianceError as exc:
        problems.extend(exc.with_prefix(("origin",)).problems)
    try:
        criterion = policy.criterion(case.criterion)
    except MedAllianceError as exc:
        problems.extend(exc.with_prefix(("criterion",)).problems)
    if case.home is not None:
        try:
            registry.institution(case.home)
        except MedAllianceError as exc:
            problems.extend(exc.with_prefix(("home",)).problems)
    unknown_ids = bool(problems)
    if (case.lat is None) != (case.lon is None):
        problems.append(Problem(("lat",), "lat and lon must be given together"))
    if origin is None or criterion is None or problems:
        error = UnknownIdError if unknown_ids else MedAllianceError
        raise error(problems)
    specialty, services, min_tier = case.specialty, frozenset(case.services), None
    if case.condition is not None and policy.catalogue is not None:
        entry = policy.catalogue.lookup(case.condition)
        if entry is not None:
            specialty = specialty or entry.specialty
            services |= frozenset(entry.services)
            min_tier = entry.min_tier
    return _Needs(origin, criterion, specialty, services, min_tier)


GREEN = CooperationItem.GREEN_CHANNEL.value
_URGENCY_CODE = {Urgency.ROUTINE: 0, Urgency.URGENT: 1, Urgency.EMERGENCY: 2}


def _rank_key(d: Destination, *, home: str | None, urgency: Urgency, step: int) -> tuple[Any, ...]:
    """Sort key of a destination (smaller is better); see the module docstring."""
    dist = d.distance_km if d.distance_km is not None else float("inf")
    nflags = -len(d.flags)
    green = GREEN not in d.flags
    if urgency is Urgency.ROUTINE:
        middle: tuple[Any, ...] = (False, nflags, dist)
    elif urgency is Urgency.URGENT:
        middle = (green, nflags, dist)
    else:
        middle = (green, dist, nflags)
    return (d.institution != home, *middle, step, d.institution)


def _case_point(case: ReferralCase, origin: Institution) -> tuple[float, float] | None:
    if case.lat is not None and case.lon is not None:
        return case.lat, case.lon
    if origin.lat is not None and origin.lon is not None:
        return origin.lat, origin.lon
    return None


# --------------------------------------------------------------------------------------
# public API


def evaluate(
    registry: Registry,
    case: ReferralCase,
    *,
    policy: ReferralPolicy | None = None,
    out_of_alliance: int = 0,
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
    out_of_alliance : int, default 0
        List up to this many qualifying institutions that share no referral channel with the
        origin (nearest first when coordinates are known), in
        :attr:`ReferralDecision.out_of_alliance`. They never make a case eligible.

    Returns
    -------
    ReferralDecision
        Eligibility, ranked destinations and every reason.

    Raises
    ------
    MedAllianceError
        For an unknown origin or home institution, an unknown criterion, ``lat`` without
        ``lon`` (or the reverse), all named at once; or for a negative ``out_of_alliance``.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> d = evaluate(reg, ReferralCase(origin="wuliqiao_chc", criterion="critical_or_difficult"))
    >>> [x.institution for x in d.destinations][:2], d.direction.value
    (['luwan_dongnan', 'ruijin_luwan_branch'], 'up')
    >>> evaluate(reg, ReferralCase(origin="nowhere", criterion="vibes"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.UnknownIdError: 2 problems:
      - origin: unknown institution 'nowhere'
      - criterion: unknown referral criterion 'vibes'; known: ...
    """
    from medalliance import _referral_index

    problems: list[Problem] = []
    if isinstance(out_of_alliance, bool) or not isinstance(out_of_alliance, int):
        problems.append(Problem(("out_of_alliance",), "must be an integer"))
    elif out_of_alliance < 0:
        problems.append(Problem(("out_of_alliance",), "must be >= 0"))
    policy = policy if policy is not None else default_policy()
    try:
        needs = _prepare(registry, case, policy)
    except MedAllianceError as exc:
        raise type(exc)([*exc.problems, *problems]) from None
    if problems:
        raise MedAllianceError(problems)
    index = _referral_index.index_of(registry)
    return index.decide(case, needs, out_of_alliance=out_of_alliance)


@dataclass(frozen=True, eq=False)
class ReferralCases:
    """Many referral cases as columns (the input of :func:`evaluate_many` at scale).

    Build it with :meth:`from_cases` (from :class:`ReferralCase` objects) or
    :meth:`from_arrays` (from id and label columns; labels are validated once per distinct
    value). Position ``i`` of every column describes case ``i``.

    Examples
    --------
    >>> cases = ReferralCases.from_arrays(origin=["v1", "v2"], criterion="chronic_confirmed",
    ...                                   services=[("ct",), ()])
    >>> len(cases), cases.case(0).services
    (2, (<ServiceKind.CT: 'ct'>,))
    """

    origin: np.ndarray[Any, Any]
    """Origin institution ids (str array)."""
    criterion: np.ndarray[Any, Any]
    """Criterion codes (str array)."""
    specialty: np.ndarray[Any, Any]
    """Specialty codes, ``""`` for none (str array)."""
    services: np.ndarray[Any, Any]
    """Needed services as bit masks over :class:`~medalliance.vocab.ServiceKind` order."""
    urgency: np.ndarray[Any, Any]
    """0 routine, 1 urgent, 2 emergency (int8)."""
    home: np.ndarray[Any, Any]
    """Home institution ids, ``""`` for none (str array)."""
    lat: np.ndarray[Any, Any]
    """Patient latitude, NaN when not given."""
    lon: np.ndarray[Any, Any]
    """Patient longitude, NaN when not given."""
    condition: np.ndarray[Any, Any]
    """Condition codes, ``""`` for none (str array)."""
    _cases: tuple[ReferralCase, ...] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.origin)

    @classmethod
    def from_cases(cls, cases: Iterable[ReferralCase]) -> ReferralCases:
        """Columns of the given cases (which are kept and returned by :meth:`case`).

        Examples
        --------
        >>> c = ReferralCase(origin="v1", criterion="acute_recovery", urgency="urgent")
        >>> ReferralCases.from_cases([c]).case(0) is c
        True
        """
        kept = tuple(cases)
        for n, c in enumerate(kept):
            if not isinstance(c, ReferralCase):
                raise MedAllianceError(
                    [Problem(("cases", n), f"expected a ReferralCase, got {type(c).__name__}")]
                )
        bit = _service_bits()
        nan = float("nan")
        return cls(
            origin=np.array([c.origin for c in kept], dtype=str),
            criterion=np.array([c.criterion for c in kept], dtype=str),
            specialty=np.array([c.specialty.value if c.specialty else "" for c in kept], dtype=str),
            services=np.array([sum(bit[s] for s in c.services) for c in kept], dtype=np.int64),
            urgency=np.array([_URGENCY_CODE[c.urgency] for c in kept], dtype=np.int8),
            home=np.array([c.home or "" for c in kept], dtype=str),
            lat=np.array([nan if c.lat is None else c.lat for c in kept], dtype=np.float64),
            lon=np.array([nan if c.lon is None else c.lon for c in kept], dtype=np.float64),
            condition=np.array([c.condition or "" for c in kept], dtype=str),
            _cases=kept,
        )

    @classmethod
    def from_arrays(
        cls,
        *,
        origin: Sequence[str] | np.ndarray[Any, Any],
        criterion: str | Sequence[str] | np.ndarray[Any, Any],
        specialty: str | Sequence[str | None] | np.ndarray[Any, Any] | None = None,
        services: Sequence[Sequence[str]] | None = None,
        urgency: str | Sequence[str] | np.ndarray[Any, Any] | None = None,
        home: Sequence[str | None] | np.ndarray[Any, Any] | None = None,
        lat: Sequence[float] | np.ndarray[Any, Any] | None = None,
        lon: Sequence[float] | np.ndarray[Any, Any] | None = None,
        condition: Sequence[str | None] | np.ndarray[Any, Any] | None = None,
    ) -> ReferralCases:
        """Columns from arrays; a scalar ``criterion``/``specialty``/``urgency`` applies to all.

        Labels (specialties, services, urgencies; Chinese or English) are parsed once per
        distinct value. Every invalid value is reported with its column and position.

        Raises
        ------
        MedAllianceError
            For columns of different lengths, invalid ids or codes, unknown labels, or
            coordinates out of range or given without their pair.

        Examples
        --------
        >>> ReferralCases.from_arrays(origin=["a", "b"], criterion=["x"])
        Traceback (most recent call last):
        ...
        medalliance.errors.MedAllianceError: 1 problem:
          - criterion: has 1 value(s), expected 2 (one per origin)
        """
        from medalliance import _referral_index

        return _referral_index.cases_from_arrays(
            cls,
            origin=origin,
            criterion=criterion,
            specialty=specialty,
            services=services,
            urgency=urgency,
            home=home,
            lat=lat,
            lon=lon,
            condition=condition,
        )

    def case(self, i: int) -> ReferralCase:
        """Case ``i`` as a :class:`ReferralCase`.

        Examples
        --------
        >>> ReferralCases.from_arrays(origin=["v1"], criterion="postop_recovery").case(0).origin
        'v1'
        """
        if self._cases is not None:
            return self._cases[i]
        kinds = list(ServiceKind)
        mask = int(self.services[i])
        lat, lon = float(self.lat[i]), float(self.lon[i])
        data: dict[str, Any] = {
            "origin": str(self.origin[i]),
            "criterion": str(self.criterion[i]),
            "specialty": str(self.specialty[i]) or None,
            "services": tuple(k for b, k in enumerate(kinds) if mask >> b & 1),
            "urgency": list(Urgency)[int(self.urgency[i])],
            "home": str(self.home[i]) or None,
            "lat": None if np.isnan(lat) else lat,
            "lon": None if np.isnan(lon) else lon,
            "condition": str(self.condition[i]) or None,
        }
        return ReferralCase.model_validate(data)


def _service_bits() -> dict[ServiceKind, int]:
    return {k: 1 << b for b, k in enumerate(ServiceKind)}


@dataclass(frozen=True, eq=False)
class ReferralBatch(Tabular, Sequence[ReferralDecision]):
    """The decisions of :func:`evaluate_many`: summary columns, full decisions on demand.

    The columns are computed for every case at once; ``batch[i]`` (and iteration) builds the
    full :class:`ReferralDecision` of case ``i``, equal to ``evaluate(registry, case_i)``.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> batch = evaluate_many(reg, [ReferralCase(origin="township_centre",
    ...                                          criterion="needs_inpatient_bed")])
    >>> bool(batch.eligible[0]), batch.best_destination(0), int(batch.n_destinations[0])
    (True, 'county_hospital', 1)
    >>> batch.reason_codes(0)
    ('eligible',)
    """

    registry: Registry = field(repr=False)
    """The registry the cases were decided in."""
    policy: ReferralPolicy = field(repr=False)
    """The policy applied."""
    cases: ReferralCases = field(repr=False)
    """The cases."""
    eligible: np.ndarray[Any, Any]
    """Whether each case has a destination (bool)."""
    direction: np.ndarray[Any, Any]
    """Direction of the best destination: 0 up, 1 down, 2 lateral, -1 none (int8)."""
    best: np.ndarray[Any, Any]
    """Position of the best destination in ``registry.institutions``, -1 when none (int64)."""
    n_destinations: np.ndarray[Any, Any]
    """Number of eligible destinations (int64)."""
    reasons: np.ndarray[Any, Any]
    """Reason codes as bits over :data:`REASON_CODES` (uint8)."""
    best_flags: np.ndarray[Any, Any]
    """Priority flags of the best destination as bits over :data:`FLAG_ITEMS` (uint8)."""
    best_distance_km: np.ndarray[Any, Any]
    """Distance to the best destination, NaN when unknown or none (float64)."""

    def __len__(self) -> int:
        return len(self.eligible)

    def __repr__(self) -> str:
        n = len(self)
        return (
            f"ReferralBatch({n} case{'s' if n != 1 else ''}, {int(self.eligible.sum())} eligible)"
        )

    @overload
    def __getitem__(self, i: int) -> ReferralDecision: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[ReferralDecision, ...]: ...

    def __getitem__(self, i: int | slice) -> ReferralDecision | tuple[ReferralDecision, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        return evaluate(self.registry, self.cases.case(i % n), policy=self.policy)

    def __iter__(self) -> Iterator[ReferralDecision]:
        for i in range(len(self)):
            yield self[i]

    def best_destination(self, i: int) -> str | None:
        """Id of the best destination of case ``i``, or ``None``.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> b = evaluate_many(reg, [ReferralCase(origin="county_hospital",
        ...                                      criterion="postop_recovery")])
        >>> b.best_destination(0)
        'township_centre'
        """
        b = int(self.best[i])
        return self.registry.institutions[b].id if b >= 0 else None

    def reason_codes(self, i: int) -> tuple[str, ...]:
        """Reason codes of case ``i``, in report order.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> b = evaluate_many(reg, [ReferralCase(origin="county_hospital",
        ...                                      criterion="postop_recovery")])
        >>> b.reason_codes(0)
        ('eligible',)
        """
        bits = int(self.reasons[i])
        return tuple(c for b, c in enumerate(REASON_CODES) if bits >> b & 1)

    def rows(self) -> list[dict[str, Any]]:
        """One summary row per case (origin, criterion, eligible, direction, best, ...).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> b = evaluate_many(reg, [ReferralCase(origin="county_hospital",
        ...                                      criterion="postop_recovery")])
        >>> b.rows()[0]["best"], b.rows()[0]["direction"]
        ('township_centre', 'down')
        """
        names = ("up", "down", "lateral")
        flag_names = [f.value for f in FLAG_ITEMS]
        out = []
        for i in range(len(self)):
            d = int(self.direction[i])
            fl = int(self.best_flags[i])
            dist = float(self.best_distance_km[i])
            out.append(
                {
                    "origin": str(self.cases.origin[i]),
                    "criterion": str(self.cases.criterion[i]),
                    "eligible": bool(self.eligible[i]),
                    "direction": names[d] if d >= 0 else None,
                    "best": self.best_destination(i),
                    "n_destinations": int(self.n_destinations[i]),
                    "flags": " ".join(f for b, f in enumerate(flag_names) if fl >> b & 1),
                    "distance_km": None if np.isnan(dist) else dist,
                    "reasons": " ".join(self.reason_codes(i)),
                }
            )
        return out


def evaluate_many(
    registry: Registry,
    cases: Iterable[ReferralCase] | ReferralCases,
    *,
    policy: ReferralPolicy | None = None,
) -> ReferralBatch:
    """Decide many cases at once, on arrays compiled from the registry.

    The registry's channels, tiers and capabilities are compiled once (and cached with the
    registry); every case is then decided with array operations, without a Python loop per
    case. ``batch[i]`` equals ``evaluate(registry, case_i, policy=policy)`` (tested on
    generated registries and cases).

    Parameters
    ----------
    registry : Registry
        Institutions, alliances and agreements; not modified.
    cases : iterable of ReferralCase, or ReferralCases
        The cases; columns (:meth:`ReferralCases.from_arrays`) are the fast input at scale.
    policy : ReferralPolicy, optional
        Criteria to apply; the shipped default when omitted.

    Returns
    -------
    ReferralBatch
        Summary columns for every case; full decisions on demand.

    Raises
    ------
    MedAllianceError
        Listing every case with an unknown origin, home or criterion (with its position).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> cases = [ReferralCase(origin="township_centre", criterion="needs_inpatient_bed"),
    ...          ReferralCase(origin="county_hospital", criterion="postop_recovery")]
    >>> batch = evaluate_many(reg, cases)
    >>> [batch.best_destination(i) for i in range(2)]
    ['county_hospital', 'township_centre']
    >>> tuple(batch) == tuple(evaluate(reg, c) for c in cases)
    True
    """
    from medalliance import _referral_index

    policy = policy if policy is not None else default_policy()
    table = cases if isinstance(cases, ReferralCases) else ReferralCases.from_cases(cases)
    index = _referral_index.index_of(registry)
    columns = index.decide_many(table, policy)
    return ReferralBatch(registry=registry, policy=policy, cases=table, **columns)


def referral_paths(
    registry: Registry,
    origin: str,
    *,
    specialty: Specialty | str | None = None,
    service: ServiceKind | str | None = None,
    max_hops: int = 4,
) -> tuple[ReferralPath, ...]:
    """Escalation paths from ``origin`` up the tiers through referral channels.

    Each hop follows a referral channel to an institution of a strictly higher tier
    (village → township → county → provincial). Without a target, a path ends at each
    institution reachable upwards from which no channel leads higher; with
    ``specialty``/``service``, at each institution that offers them (and it is not climbed
    past). For every end, the path with the fewest hops is given (ties: the smallest ids
    along it); an origin that itself offers the target gives a path of 0 hops. Paths are
    listed shortest first, then by the ids along them.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    origin : str
        Id of the starting institution.
    specialty, service : optional
        What the patient needs (labels accepted). Specialty-alliance channels are followed
        only for their own specialty.
    max_hops : int, default 4
        Longest path considered (four hops climb all four tiers).

    Returns
    -------
    tuple of ReferralPath
        One shortest upward path per end institution.

    Raises
    ------
    MedAllianceError
        For an unknown origin, an unknown label or ``max_hops`` < 1.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> [(p.institutions, p.hops) for p in referral_paths(reg, "wuliqiao_chc")]
    [(('wuliqiao_chc', 'ruijin'), 1)]
    >>> county = examples.load("county_township")
    >>> [p.institutions for p in referral_paths(county, "township_centre", service="CT检查")]
    [('township_centre', 'county_hospital')]
    """
    from medalliance import _referral_index

    if isinstance(max_hops, bool) or not isinstance(max_hops, int) or max_hops < 1:
        raise MedAllianceError([Problem(("max_hops",), "must be an integer >= 1")])
    registry.institution(origin)
    spec = Specialty.parse(specialty) if specialty is not None else None
    svc = ServiceKind.parse(service) if service is not None else None
    return _referral_index.index_of(registry).paths(origin, spec, svc, max_hops)

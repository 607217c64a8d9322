"""Referral inputs and results: urgency, cases, reasons, destinations, decisions, paths.

Plain frozen models; the rules that produce them are in :mod:`medalliance.referral._rules`
(documented there), the fast decisions in :mod:`medalliance.referral._index`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from medalliance._words import count_noun
from medalliance.model.agreement import CooperationItem
from medalliance.model.institution import Tier
from medalliance.model.types import (
    FrozenModel,
    Id,
    Latitude,
    Longitude,
    NonEmptyText,
    Tabular,
    no_duplicates,
    trusted,
)
from medalliance.model.vocab import (
    LabelledEnum,
    ServiceKind,
    ServiceKindField,
    SpecialtyField,
)
from medalliance.referral.policy import Criterion, Direction

__all__ = [
    "FLAG_ITEMS",
    "REASON_CODES",
    "Destination",
    "Reason",
    "ReferralCase",
    "ReferralDecision",
    "ReferralPath",
    "Urgency",
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
    order = {k: b for b, k in enumerate(ServiceKind)}
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
    :class:`~medalliance.model.vocab.ServiceKind` order."""
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
    alliance_channel: bool = True
    """True when an alliance's referral channel leads there, with its privileges; False for
    an outside option: a capable institution the patient may still go to, without them."""


class ReferralDecision(FrozenModel, Tabular):
    """What :func:`evaluate` returns.

    ``eligible`` means: the case can be referred through an alliance's two-way referral
    channel (双向转诊通道) — an alliance provision or an agreement in force links origin and
    destination — to a destination the criterion and the case's needs allow, with the
    priority flags that channel gives. It does not mean that other referrals are forbidden:
    a patient may go to any institution outside the alliance (seed 003, 上海卢湾:
    "也依然可以持医保卡在全市各医院就医"), only without the alliance's privileges; ask for
    such outside options with ``evaluate(..., outside_options=k)``.

    Examples
    --------
    >>> from medalliance.referral import evaluate
    >>> from medalliance import examples
    >>> d = evaluate(examples.load("county_township"),
    ...              ReferralCase(origin="county_hospital", criterion="convalescence"))
    >>> d.rows()[0]["institution"], d.rows()[0]["rank"]
    ('township_centre', 1)
    """

    case: ReferralCase
    """The case decided."""
    eligible: bool
    """Whether at least one destination qualifies through an alliance referral channel."""
    direction: Direction | None
    """Direction of the best destination, or ``None`` when not eligible."""
    destinations: tuple[Destination, ...]
    """Destinations through alliance referral channels, best first."""
    reasons: tuple[Reason, ...]
    """Why (not): every reason that applies."""
    outside_options: tuple[Destination, ...] = ()
    """Capable institutions that share no referral channel with the origin: possible, without
    the alliance's privileges (only when asked for), nearest first."""

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
        """One row per destination, best first, then the outside options (rank ``None``).

        Examples
        --------
        >>> from medalliance.referral import evaluate
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> d = evaluate(reg, ReferralCase(origin="township_centre",
        ...                                criterion="needs_equipment_or_exam"))
        >>> row = d.rows()[0]
        >>> row["rank"], row["institution"], row["direction"], row["distance_km"]
        (1, 'county_hospital', 'up', None)
        """
        out = []
        for rank, d in enumerate((*self.destinations, *self.outside_options), start=1):
            out.append(
                {
                    "rank": rank if d.alliance_channel else None,
                    "institution": d.institution,
                    "tier": d.tier,
                    "direction": d.direction.value,
                    "alliance_channel": d.alliance_channel,
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
        >>> from medalliance.referral import referral_paths
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
            "no alliance two-way referral channel links the origin to any institution "
            "(referral outside an alliance stays possible, without its privileges)",
            "起始机构未与任何机构建立医联体双向转诊通道（仍可在医联体外就医，但不享受医联体内的优先服务）",
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


def _failure_reasons(
    criterion: Criterion, wrong_direction: int, incapable: int, needed: tuple[str, str]
) -> list[Reason]:
    """Why no destination qualifies.

    Institutions in a direction (or tier) the criterion allows that lack what the case needs
    are the reason (``no_capable_destination``, naming what they lack); linked institutions
    in other directions are a reason only when none lies in an allowed one
    (``wrong_direction``): the village clinics next to a township do not explain why its
    upward case found no hospital. ``needed`` says what the case needs, in English and
    Chinese (:func:`~medalliance.referral._rules.needs_text`).
    """
    if incapable:
        en, zh = needed
        return [
            _reason(
                "no_capable_destination",
                f"{count_noun(incapable, 'linked institution')} in an allowed direction, "
                f"none offering {en}",
                f"可转诊方向上的{incapable}家联通机构均不具备{zh}",
            )
        ]
    if not wrong_direction:
        return []
    wanted = "/".join(d.value for d in criterion.directions)
    wanted_zh = "、".join(d.label_zh for d in criterion.directions)
    to_en = to_zh = other = ""
    if criterion.target_tiers:
        to_en = " to " + "/".join(t.value for t in criterion.target_tiers)
        to_zh = "，且仅转至" + "、".join(t.label_zh for t in criterion.target_tiers) + "机构"
        other = " or tier"
    lie = "lies" if wrong_direction == 1 else "lie"
    return [
        _reason(
            "wrong_direction",
            f"criterion {criterion.code!r} justifies only {wanted} referral{to_en} and "
            f"{count_noun(wrong_direction, 'linked institution')} {lie} in another "
            f"direction{other}",
            f"转诊指征“{criterion.name_zh}”仅适用于{wanted_zh}{to_zh}",
        )
    ]


def _eligible_reason(criterion: Criterion) -> Reason:
    return _reason(
        "eligible",
        f"criterion {criterion.code!r} justifies the referral",
        f"符合转诊指征“{criterion.name_zh}”",
    )


GREEN = CooperationItem.GREEN_CHANNEL.value
URGENCY_CODE = {Urgency.ROUTINE: 0, Urgency.URGENT: 1, Urgency.EMERGENCY: 2}
"""Urgency as an integer code in case columns (:class:`~medalliance.referral.ReferralCases`)."""

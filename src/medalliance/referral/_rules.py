"""The rules of a referral decision (双向转诊), written once.

:func:`~medalliance.referral.evaluate` applies a
:class:`~medalliance.referral.policy.ReferralPolicy` to one
:class:`~medalliance.referral.ReferralCase`; :func:`~medalliance.referral.evaluate_many`
decides many at once and gives exactly the same decisions. Both follow these rules:

- **Channels**: a referral channel exists only where the registry says so: an alliance whose
  provisions include ``two_way_referral`` links every pair of its members; an agreement in
  force with that item links its parties; a specialty alliance channels only cases of its
  own specialty (the one channel compiler: :mod:`medalliance.compiled._channels`).
- **Direction** follows the tiers: a destination of a higher tier is ``up``, of a lower tier
  ``down``, of the same tier ``lateral``. The case's criterion says which directions it
  justifies and, with ``target_tiers``, the only tiers it may go to (e.g. a tertiary
  hospital's post-operative patient goes down to a secondary hospital, not lower):
  :func:`allowed_tiers`.
- **Capability**: when the criterion needs a capability, or the case names a specialty or
  services (directly or through the policy's condition catalogue), the destination must offer
  them and be at least the catalogue's lowest tier for the condition — the one capability
  rule of :mod:`medalliance.compiled._core` (listed specialties and services; the lead of an
  alliance that names a specialty offers it). A criterion's ``specialties`` add that the
  destination offers at least one of them (:func:`offers`). A lateral referral also needs the
  origin to lack the capability.
- **Specialty channels**: a specialty alliance's channel carries a case when its specialty is
  the case's (or the catalogue's), or, when the case names none, one of the criterion's
  ``specialties`` (:attr:`CaseNeeds.channel_specialties`).
- **Priority**: the agreement items or provisions that give the channel also give the
  patient's flags: green channel, priority reception / examination / admission,
  treatment-plan handover.
- **Ranking**: the fields written in :mod:`medalliance.referral._rank`, compared in the order
  the policy's :class:`~medalliance.referral.policy.Ranking` gives for the case's urgency
  (default: nearest capable institution first in an emergency, 就近).
- **Eligible** means referable *through an alliance channel*, with its privileges. Capable
  institutions that share no channel with the origin are still possible (no policy forbids
  referral outside an alliance), without those privileges:
  ``evaluate(..., outside_options=k)`` lists up to ``k`` of them separately, flagged
  ``alliance_channel=False``.

Examples
--------
>>> from medalliance import examples
>>> from medalliance.referral import ReferralCase, evaluate
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

from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.compiled import CompiledRegistry, Needs
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind, Specialty
from medalliance.referral._model import ReferralCase
from medalliance.referral.policy import Criterion, Direction, ReferralPolicy

__all__ = [
    "CaseNeeds",
    "allowed_tiers",
    "case_point",
    "needs_text",
    "offers",
    "offers_all",
    "prepare",
]


@dataclass(frozen=True)
class CaseNeeds:
    """What a case needs, after the policy's catalogue is applied."""

    origin: Institution
    criterion: Criterion
    specialty: Specialty | None
    services: frozenset[ServiceKind]
    min_tier: Tier | None
    condition: str | None = None
    """The case's condition code, when the policy's catalogue supplied needs for it."""

    @property
    def capability(self) -> bool:
        """Whether destinations must offer something (the criterion or the case says so)."""
        return (
            self.criterion.needs_capability
            or self.specialty is not None
            or bool(self.services)
            or self.min_tier is not None
            or bool(self.criterion.specialties)
        )

    @property
    def channel_specialties(self) -> frozenset[Specialty]:
        """The specialties whose specialty-alliance channels carry the case."""
        if self.specialty is not None:
            return frozenset({self.specialty})
        return frozenset(self.criterion.specialties)

    @property
    def needs(self) -> Needs:
        """What a destination must offer, for the core's capability rule."""
        return Needs(specialty=self.specialty, services=self.services, min_tier=self.min_tier)


def prepare(registry: Registry, case: ReferralCase, policy: ReferralPolicy) -> CaseNeeds:
    """Check the case against registry and policy; resolve the catalogue's needs.

    Every problem is reported at once: unknown origin, criterion and home, and a point with
    only one of ``lat`` and ``lon``.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.referral import default_policy
    >>> reg = examples.load("county_township")
    >>> case = ReferralCase(origin="township_centre", criterion="beyond_capability",
    ...                     services=("ct",))
    >>> needs = prepare(reg, case, default_policy())
    >>> needs.capability, sorted(s.value for s in needs.services)
    (True, ['ct'])
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
    condition = None
    if case.condition is not None and policy.catalogue is not None:
        entry = policy.catalogue.lookup(case.condition)
        if entry is not None:
            specialty = specialty or entry.specialty
            services |= frozenset(entry.services)
            min_tier = entry.min_tier
            condition = case.condition
    return CaseNeeds(origin, criterion, specialty, services, min_tier, condition)


def needs_text(needs: CaseNeeds) -> tuple[str, str]:
    """What a case needs of a destination, in English and Chinese (for reasons).

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.referral import default_policy, example_catalogue
    >>> policy = default_policy().replace(catalogue=example_catalogue())
    >>> case = ReferralCase(origin="township_centre", criterion="beyond_capability",
    ...                     condition="I63.9", services=("ct",))
    >>> en, zh = needs_text(prepare(examples.load("county_township"), case, policy))
    >>> en
    'specialty neurology (for I63.9), services ct, tier secondary or higher'
    >>> zh
    '神经内科专科（I63.9）、CT检查服务、二级及以上'

    """
    en: list[str] = []
    zh: list[str] = []
    if needs.specialty is not None:
        why = f" (for {needs.condition})" if needs.condition is not None else ""
        why_zh = f"（{needs.condition}）" if needs.condition is not None else ""
        en.append(f"specialty {needs.specialty.value}{why}")
        zh.append(f"{needs.specialty.label_zh}专科{why_zh}")
    if needs.services:
        ordered = [s for s in ServiceKind if s in needs.services]
        en.append("services " + ", ".join(s.value for s in ordered))
        zh.append("、".join(s.label_zh for s in ordered) + "服务")
    if needs.min_tier is not None:
        en.append(f"tier {needs.min_tier.value} or higher")
        zh.append(f"{needs.min_tier.label_zh}及以上")
    wanted = needs.criterion.specialties
    if wanted:
        en.append("one of " + ", ".join(s.value for s in wanted))
        zh.append("或".join(s.label_zh for s in wanted) + "之一")
    if not en:
        return "the needed specialty, services or level", "所需专科、服务或级别"
    return ", ".join(en), "、".join(zh)


def case_point(case: ReferralCase, origin: Institution) -> tuple[float, float] | None:
    """Where distances are measured from: the patient's point, else the origin's, else none."""
    if case.lat is not None and case.lon is not None:
        return case.lat, case.lon
    if origin.lat is not None and origin.lon is not None:
        return origin.lat, origin.lon
    return None


def allowed_tiers(t_o: int, criterion: Criterion) -> list[tuple[int, Direction]]:
    """The tiers (ranks 0-3) a referral from tier rank ``t_o`` may go to, with its direction.

    A higher tier is ``up``, a lower one ``down``, the same ``lateral``; the criterion's
    directions and ``target_tiers`` say which are allowed.

    Examples
    --------
    >>> from medalliance.referral import default_policy
    >>> p = default_policy()
    >>> [(t, d.value) for t, d in allowed_tiers(3, p.criterion("postop_recovery"))]
    [(2, 'down')]
    >>> [t for t, _ in allowed_tiers(2, p.criterion("convalescence"))]
    [0, 1]
    """
    out = []
    for t in range(4):
        d = Direction.UP if t > t_o else Direction.DOWN if t < t_o else Direction.LATERAL
        if d in criterion.directions and (
            not criterion.target_tiers or any(x.rank == t for x in criterion.target_tiers)
        ):
            out.append((t, d))
    return out


def offers(core: CompiledRegistry, position: int, needs: CaseNeeds) -> bool:
    """Whether the institution at ``position`` offers what the case needs.

    The core's capability rule for the case's specialty, services and lowest tier, and, when
    the criterion names specialties, at least one of them.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.compiled import compiled
    >>> from medalliance.referral import default_policy
    >>> reg = examples.load("xuzhou_mch")
    >>> case = ReferralCase(origin="pizhou_mch", criterion="high_risk_pregnancy")
    >>> needs = prepare(reg, case, default_policy())
    >>> core = compiled(reg)
    >>> offers(core, core.position["xuzhou_mch_hospital"], needs)
    True
    """
    if not core.offers_at(position, needs.needs):
        return False
    wanted = needs.criterion.specialties
    return not wanted or any(core.offers_at(position, Needs(specialty=s)) for s in wanted)


def offers_all(core: CompiledRegistry, needs: CaseNeeds) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """:func:`offers` for every institution at once (a boolean array over positions).

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.compiled import compiled
    >>> from medalliance.referral import default_policy
    >>> reg = examples.load("county_township")
    >>> case = ReferralCase(origin="township_centre", criterion="needs_equipment_or_exam",
    ...                     services=("ct",))
    >>> offers_all(compiled(reg), prepare(reg, case, default_policy())).tolist()
    [True, False]
    """
    ok = core.offers(needs.needs)
    wanted = needs.criterion.specialties
    if wanted:
        some = np.zeros(core.n, dtype=bool)
        for s in wanted:
            some |= core.offers(Needs(specialty=s))
        ok &= some
    return ok

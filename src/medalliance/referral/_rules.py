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
  justifies.
- **Capability**: when the criterion needs a capability, or the case names a specialty or
  services (directly or through the policy's condition catalogue), the destination must offer
  them and be at least the catalogue's lowest tier for the condition — the one capability
  rule of :mod:`medalliance.compiled._core` (listed specialties and services; the lead of an
  alliance that names a specialty offers it). A lateral referral also needs the origin to lack
  the capability.
- **Priority**: the agreement items or provisions that give the channel also give the
  patient's flags: green channel, priority reception / examination / admission,
  treatment-plan handover.
- **Ranking**: the written specification in :mod:`medalliance.referral._rank` (home first,
  then by urgency: flags, green channel and distance in an order set per urgency, then the
  tier step, then id).
- **Out of alliance**: institutions that would qualify but share no channel with the origin
  are never destinations; ``evaluate(..., out_of_alliance=k)`` lists up to ``k`` of them
  separately, flagged ``in_alliance=False``.

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

from medalliance.compiled import Needs
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind, Specialty
from medalliance.referral._model import ReferralCase
from medalliance.referral.policy import Criterion, ReferralPolicy

__all__ = ["CaseNeeds", "case_point", "prepare"]


@dataclass(frozen=True)
class CaseNeeds:
    """What a case needs, after the policy's catalogue is applied."""

    origin: Institution
    criterion: Criterion
    specialty: Specialty | None
    services: frozenset[ServiceKind]
    min_tier: Tier | None

    @property
    def capability(self) -> bool:
        """Whether destinations must offer something (the criterion or the case says so)."""
        return (
            self.criterion.needs_capability
            or self.specialty is not None
            or bool(self.services)
            or self.min_tier is not None
        )

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
    if case.condition is not None and policy.catalogue is not None:
        entry = policy.catalogue.lookup(case.condition)
        if entry is not None:
            specialty = specialty or entry.specialty
            services |= frozenset(entry.services)
            min_tier = entry.min_tier
    return CaseNeeds(origin, criterion, specialty, services, min_tier)


def case_point(case: ReferralCase, origin: Institution) -> tuple[float, float] | None:
    """Where distances are measured from: the patient's point, else the origin's, else none."""
    if case.lat is not None and case.lon is not None:
        return case.lat, case.lon
    if origin.lat is not None and origin.lon is not None:
        return origin.lat, origin.lon
    return None

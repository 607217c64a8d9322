"""The documented rules, restated plainly for the oracles (no arrays, no caches).

Written from the rules as the documentation states them (docs/architecture.md, the
docstrings of :mod:`medalliance.compiled`), never from the fast code:

- an institution **offers** a specialty when it lists it or leads an alliance (of any form)
  that names it; it offers a service when it lists it; it meets a lowest tier when its tier
  is at least that;
- a **channel** of a cooperation item is an alliance whose provisions include the item (all
  its members), or an agreement with status ``in_force`` whose items include it (its
  parties, granting its items and its alliance's provisions); channels of a specialty
  alliance carry only cases of that alliance's specialty.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from medalliance.model.agreement import AgreementStatus, CooperationItem
from medalliance.model.alliance import AllianceForm
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind, Specialty

__all__ = ["NaiveChannel", "naive_channels", "naive_offers"]


def naive_offers(
    registry: Registry,
    inst: Institution,
    *,
    specialty: Specialty | None = None,
    services: Iterable[ServiceKind] = (),
    min_tier: Tier | None = None,
) -> bool:
    """Whether ``inst`` offers what is needed, by a plain scan of the registry.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("qinghai_oncology")
    >>> naive_offers(reg, reg.institution("qhu_affiliated"), specialty=Specialty.ONCOLOGY)
    True
    """
    if min_tier is not None and inst.tier < min_tier:
        return False
    if any(s not in inst.services for s in services):
        return False
    if specialty is None or specialty in inst.specialties:
        return True
    return any(a.specialty == specialty and inst.id in a.lead for a in registry.alliances)


class NaiveChannel(NamedTuple):
    """One channel: where it comes from, its alliance, its members and what it grants."""

    source: str
    alliance: str
    members: tuple[str, ...]
    grants: frozenset[CooperationItem]
    specialty: Specialty | None


def naive_channels(
    registry: Registry,
    item: CooperationItem,
    *,
    specialty: Specialty | None = None,
    all_specialties: bool = False,
    of: str | None = None,
) -> list[NaiveChannel]:
    """Every channel of ``item`` open to a case of ``specialty``, by a plain scan.

    With ``of`` (an institution id), only the channels of the alliances it belongs to are
    scanned (a channel can hold an institution only if its alliance does).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> [c.source for c in naive_channels(reg, CooperationItem.TWO_WAY_REFERRAL)]
    ['alliance:county_township_community', 'agreement:county_township_agreement']
    """
    out: list[NaiveChannel] = []
    alliances = registry.alliances if of is None else registry.alliances_of(of)
    for a in alliances:
        scope = a.specialty if a.form is AllianceForm.SPECIALTY_ALLIANCE else None
        if not (all_specialties or scope is None or scope == specialty):
            continue
        if item in a.provisions:
            out.append(
                NaiveChannel(f"alliance:{a.id}", a.id, a.members, frozenset(a.provisions), scope)
            )
        for g in registry.agreements_of(a.id):
            if g.status is AgreementStatus.IN_FORCE and item in g.items:
                grants = frozenset(g.items) | frozenset(a.provisions)
                out.append(NaiveChannel(f"agreement:{g.id}", a.id, g.parties, grants, scope))
    order = {"alliance": 0, "agreement": 1}
    out.sort(key=lambda c: (order[c.source.split(":")[0]], c.source))
    return out

"""The naive reference of referral reachability (internal oracle).

Breadth-first search over institution pairs that share a referral channel, with the channels
and the capability rule restated plainly in :mod:`medalliance._reference.common`. It never
imports the compiled core or the coverage kernels it checks.

Examples
--------
>>> from medalliance import examples
>>> from medalliance.model.vocab import ServiceKind
>>> reg = examples.load("county_township")
>>> reachability_naive(reg, services=(ServiceKind.CT,), origins=["township_centre"])
{'township_centre': (1, ('county_hospital',))}
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from medalliance._reference.common import naive_channels, naive_offers
from medalliance.model.agreement import CooperationItem
from medalliance.model.institution import Tier
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind, Specialty

__all__ = ["reachability_naive"]


def reachability_naive(
    registry: Registry,
    *,
    min_tier: Tier | None = None,
    specialty: Specialty | None = None,
    services: Iterable[ServiceKind] = (),
    institutions: Iterable[str] = (),
    origins: Iterable[str] | None = None,
    alliance: str | None = None,
    all_specialties: bool = False,
    without: Iterable[str] = (),
) -> dict[str, tuple[int | None, tuple[str, ...]]]:
    """Hops to the nearest target and the nearest targets, per origin (origins in id order).

    Same meaning as :func:`medalliance.coverage.reachability` with a
    :class:`~medalliance.coverage.ReachTarget` of the same fields; an origin that reaches no
    target maps to ``(None, ())``.
    """
    gone = set(without)
    needs = {"specialty": specialty, "services": tuple(services), "min_tier": min_tier}
    only = set(institutions)
    targets = {
        inst.id
        for inst in registry.institutions
        if inst.id not in gone
        and naive_offers(registry, inst, **needs)  # type: ignore[arg-type]
        and (not only or inst.id in only)
    }
    partners: dict[str, set[str]] = {inst.id: set() for inst in registry.institutions}
    item = CooperationItem.TWO_WAY_REFERRAL
    for ch in naive_channels(registry, item, specialty=specialty, all_specialties=all_specialties):
        if alliance is not None and ch.alliance != alliance:
            continue
        kept = [m for m in ch.members if m not in gone]
        for a in kept:
            partners[a].update(b for b in kept if b != a)
    if origins is None:
        scope = [a for a in registry.alliances if alliance is None or a.id == alliance]
        members = {m for a in scope for m in a.members}
        origins = [i.id for i in registry.institutions if i.id in members and i.is_grassroots]
    out: dict[str, tuple[int | None, tuple[str, ...]]] = {}
    for origin in sorted(set(origins) - gone):
        dist = {origin: 0}
        queue = deque([origin])
        while queue:
            u = queue.popleft()
            for v in partners[u]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        found = {t: d for t, d in dist.items() if t in targets}
        if not found:
            out[origin] = (None, ())
        else:
            best = min(found.values())
            out[origin] = (best, tuple(sorted(t for t, d in found.items() if d == best)))
    return out

"""Resilience: articulation points of the referral network and removal impact."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from medalliance.coverage._common import _without_gc
from medalliance.coverage._reachability import (
    ReachTarget,
    _channels,
    _default_origins,
    _positions,
    _reach,
)
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Tabular
from medalliance.model.vocab import Specialty

# --------------------------------------------------------------------------------------
# resilience


class CutPoint(FrozenModel):
    """An institution whose loss splits the referral network."""

    institution: str
    """Its id."""
    pieces: int
    """Connected parts the rest of its component falls into without it (at least 2)."""
    cut_off: int
    """Institutions outside the largest of those parts: cut off from the bulk of the network."""
    component: int
    """Institutions in its component before the loss (itself included)."""


class CutPoints(FrozenModel, Tabular):
    """What :func:`articulation_points` returns, most cut off first."""

    points: tuple[CutPoint, ...]
    """The articulation points, by ``cut_off`` (descending), then id."""

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[CutPoint]:  # type: ignore[override]
        return iter(self.points)

    def __getitem__(self, i: int) -> CutPoint:
        return self.points[i]

    def rows(self) -> list[dict[str, Any]]:
        """One row per point: institution, pieces, cut_off, component.

        Examples
        --------
        >>> from medalliance import examples
        >>> articulation_points(examples.load("shanghai_luwan")).rows()  # one alliance: no cut
        []
        """
        return [p.model_dump() for p in self.points]


@_without_gc
def articulation_points(
    registry: Registry,
    *,
    alliance: str | None = None,
    specialty: Specialty | str | None = None,
    all_specialties: bool = False,
) -> CutPoints:
    """Institutions whose loss disconnects others in the referral network.

    Two institutions are linked when they share a referral channel. An articulation point is
    an institution whose removal increases the number of connected parts among the others.
    Found in linear time on the institution-channel graph (iterative Tarjan DFS), never on
    institution pairs.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Use only this alliance's channels.
    specialty : Specialty or str, optional
        Include the channels of specialty alliances of this specialty.
    all_specialties : bool, default False
        Include every channel.

    Returns
    -------
    CutPoints
        The articulation points with the parts their removal leaves.

    Raises
    ------
    MedAllianceError
        For an unknown alliance or specialty.

    Examples
    --------
    A county hospital in a city group and in its county community, where referral runs
    through agreements county hospital - township centre - village clinic:

    >>> from medalliance import Registry
    >>> def inst(id, kind, level=None):
    ...     return {"id": id, "name": id, "kind": kind, "level": level}
    >>> reg = Registry(
    ...     institutions=[inst("city", "综合医院", "三级甲等"), inst("county", "综合医院", "二级"),
    ...                   inst("town", "乡镇卫生院"), inst("village", "村卫生室")],
    ...     alliances=[
    ...         {"id": "group", "name": "市医疗集团", "form": "城市医疗集团", "lead": ["city"],
    ...          "provisions": ["双向转诊"], "memberships": [
    ...              {"institution": "city", "role": "牵头"}, {"institution": "county"}]},
    ...         {"id": "community", "name": "县医共体", "form": "县域医共体", "lead": ["county"],
    ...          "memberships": [{"institution": "county", "role": "牵头"},
    ...                          {"institution": "town", "role": "枢纽"},
    ...                          {"institution": "village", "role": "基础"}]}],
    ...     agreements=[
    ...         {"id": "g1", "alliance": "community", "parties": ["county", "town"],
    ...          "items": ["双向转诊"]},
    ...         {"id": "g2", "alliance": "community", "parties": ["town", "village"],
    ...          "items": ["双向转诊"]}])
    >>> [(p.institution, p.pieces, p.cut_off) for p in articulation_points(reg)]
    [('county', 2, 1), ('town', 2, 1)]

    In the bundled examples every alliance links all its members, so none has one:

    >>> from medalliance import examples
    >>> len(articulation_points(examples.load("shanghai_luwan")))
    0
    """
    require_registry(registry)
    from medalliance.coverage._kernels import cut_points

    spec = Specialty.parse(specialty) if specialty is not None else None
    ch = _channels(registry, alliance=alliance, specialty=spec, all_specialties=all_specialties)
    cuts = cut_points(ch.indptr, ch.indices.astype(np.int64), len(ch.institutions))
    points = sorted(
        (
            CutPoint.model_construct(
                institution=ch.institutions[p], pieces=k, cut_off=c, component=s
            )
            for p, k, c, s in zip(
                cuts.points.tolist(),
                cuts.pieces.tolist(),
                cuts.cut_off.tolist(),
                cuts.component.tolist(),
                strict=True,
            )
        ),
        key=lambda p: (-p.cut_off, p.institution),
    )
    return CutPoints.model_construct(points=tuple(points))


class HopChange(FrozenModel):
    """An origin whose distance to the target changes when an institution is removed."""

    institution: str
    """Id of the origin."""
    before: int | None
    """Hops before (``None``: unreachable)."""
    after: int | None
    """Hops after (``None``: unreachable)."""


class RemovalImpact(FrozenModel, Tabular):
    """What :func:`removal_impact` returns."""

    removed: str
    """Id of the institution removed."""
    target: ReachTarget
    """The target."""
    origins: int
    """Origins compared (the removed institution itself is not one)."""
    reachable_before: int
    """Origins reaching a target with the institution."""
    reachable_after: int
    """Origins reaching a target without it."""
    changed: tuple[HopChange, ...]
    """Origins whose hops change (all get longer or unreachable), in registry order."""

    @property
    def lost(self) -> tuple[str, ...]:
        """Origins that reached a target before and reach none after.

        Examples
        --------
        >>> from medalliance import examples
        >>> impact = removal_impact(examples.load("gangkou"), "gangkou_peoples",
        ...                         target=ReachTarget(min_tier="二级"))
        >>> impact.lost
        ('gongche_thc', 'guangpo_thc', 'qisha_thc', 'yuzhouping_chc')
        """
        return tuple(c.institution for c in self.changed if c.after is None)

    def rows(self) -> list[dict[str, Any]]:
        """One row per changed origin: institution, before, after.

        Examples
        --------
        >>> from medalliance import examples
        >>> impact = removal_impact(examples.load("gangkou"), "gangkou_peoples",
        ...                         target=ReachTarget(min_tier="二级"))
        >>> impact.rows()[0]
        {'institution': 'gongche_thc', 'before': 1, 'after': None}
        """
        return [c.model_dump() for c in self.changed]


def removal_impact(
    registry: Registry,
    institution: str,
    *,
    target: ReachTarget,
    origins: Iterable[str] | None = None,
    alliance: str | None = None,
    all_specialties: bool = False,
) -> RemovalImpact:
    """What removing ``institution`` (e.g. the lead) does to reachability of ``target``.

    Reachability is computed with and without the institution (see :func:`reachability`);
    the institution itself is left out of the origins both times.

    Raises
    ------
    MedAllianceError
        For an unknown institution, origin or alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> impact = removal_impact(reg, "gangkou_peoples", target=ReachTarget(min_tier="二级"))
    >>> impact.reachable_before, impact.reachable_after
    (4, 0)
    >>> impact.changed[0]
    HopChange(institution='gongche_thc', before=1, after=None)
    """
    require_registry(registry)
    registry.institution(institution)
    if origins is not None:
        org_ids: tuple[str, ...] = (origins,) if isinstance(origins, str) else tuple(origins)
        _positions(registry, org_ids, "origins")
        org_ids = tuple(x for x in org_ids if x != institution)
    else:
        pos = _default_origins(registry, alliance)
        org_ids = tuple(
            registry.institutions[p].id
            for p in pos.tolist()
            if registry.institutions[p].id != institution
        )
    kw: dict[str, Any] = {
        "origins": org_ids,
        "alliance": alliance,
        "all_specialties": all_specialties,
    }
    before = _reach(registry, target, without=(), **kw)
    after = _reach(registry, target, without=(institution,), **kw)
    changed = np.flatnonzero(before.hops != after.hops).tolist()

    def hop(h: int) -> int | None:
        return h if h >= 0 else None

    return RemovalImpact.model_construct(
        removed=institution,
        target=target,
        origins=len(before),
        reachable_before=before.reachable_count,
        reachable_after=after.reachable_count,
        changed=tuple(
            HopChange.model_construct(
                institution=before.origins[k],
                before=hop(int(before.hops[k])),
                after=hop(int(after.hops[k])),
            )
            for k in changed
        ),
    )

"""Removal impact for every institution at once (one block-cut pass, not one search each)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medalliance._words import count_noun
from medalliance.coverage._common import _without_gc
from medalliance.coverage._dominators import HopShifts
from medalliance.coverage._reachability import (
    ReachTarget,
    _channels,
    _checked_origins,
    _target_mask,
)
from medalliance.coverage._resilience import HopChange
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular

IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True, eq=False)
class RemovalImpacts(Tabular):
    """What :func:`removal_impact_all` returns: the reachability lost by removing each institution.

    One entry per institution of the registry (in registry order), each the loss that
    :func:`~medalliance.coverage.removal_impact` reports as origins turning unreachable
    (``HopChange.after is None``). Hop counts that only grow (a longer detour) are included
    only when computed with ``hops=True`` (:meth:`changed`).

    Examples
    --------
    >>> from medalliance import examples
    >>> impacts = removal_impact_all(examples.load("gangkou"), target=ReachTarget(min_tier="二级"))
    >>> impacts.lost("gangkou_peoples")
    ('gongche_thc', 'guangpo_thc', 'qisha_thc', 'yuzhouping_chc')
    >>> impacts.critical()
    ('gangkou_peoples',)
    """

    target: ReachTarget
    """The target."""
    alliance: str | None
    """The alliance whose channels were used (``None``: every channel)."""
    institutions: tuple[str, ...] = field(repr=False)
    """Every institution id, in registry order: the institution removed in each entry."""
    origins: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """Origins compared in each entry (the removed institution is never one of its origins)."""
    reachable_before: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """Per entry: origins reaching a target with the institution."""
    lost_indptr: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """CSR rows of :attr:`lost_positions`, one per institution."""
    lost_positions: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """Registry positions of the origins each removal cuts off, ascending within a row."""
    shifts: HopShifts | None = field(default=None, repr=False)
    """With ``hops=True``: every origin whose hops change, per removal (CSR rows)."""

    def __len__(self) -> int:
        return len(self.institutions)

    def __repr__(self) -> str:
        n = int((self.lost_counts > 0).sum())
        return (
            f"RemovalImpacts({count_noun(len(self), 'institution')}, {n:,} cutting origins off, "
            f"target {self.target.describe()})"
        )

    @property
    def lost_counts(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Per institution: how many origins lose every target when it is removed.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = removal_impact_all(examples.load("gangkou"), target=ReachTarget(min_tier="二级"))
        >>> int(r.lost_counts.sum())
        4
        """
        return np.diff(self.lost_indptr)

    @property
    def reachable_after(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Per entry: origins still reaching a target without the institution.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = removal_impact_all(examples.load("gangkou"), target=ReachTarget(min_tier="二级"))
        >>> int(r.reachable_after[r.institutions.index("gangkou_peoples")])
        0
        """
        return self.reachable_before - self.lost_counts

    def lost(self, institution: str) -> tuple[str, ...]:
        """Origins that reach a target with ``institution`` and none without it.

        Raises
        ------
        UnknownIdError
            If ``institution`` is not in the registry.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = removal_impact_all(examples.load("gangkou"), target=ReachTarget(min_tier="二级"))
        >>> r.lost("qisha_thc")
        ()
        """
        k = self._index(institution)
        row = self.lost_positions[self.lost_indptr[k] : self.lost_indptr[k + 1]]
        return tuple(self.institutions[p] for p in row.tolist())

    def changed(self, institution: str) -> tuple[HopChange, ...]:
        """Origins whose hops change when ``institution`` is removed, as ``removal_impact`` says.

        Raises
        ------
        MedAllianceError
            When the result was computed without ``hops=True``.
        UnknownIdError
            If ``institution`` is not in the registry.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = removal_impact_all(examples.load("gangkou"), target=ReachTarget(min_tier="二级"),
        ...                        hops=True)
        >>> r.changed("gangkou_peoples")[0]
        HopChange(institution='gongche_thc', before=1, after=None)
        """
        if self.shifts is None:
            msg = "hop changes were not computed: call removal_impact_all(..., hops=True)"
            raise MedAllianceError([Problem(("hops",), msg)])
        k = self._index(institution)
        a, b = int(self.shifts.indptr[k]), int(self.shifts.indptr[k + 1])
        return tuple(
            HopChange.model_construct(
                institution=self.institutions[o], before=h, after=g if g >= 0 else None
            )
            for o, h, g in zip(
                self.shifts.origin[a:b].tolist(),
                self.shifts.before[a:b].tolist(),
                self.shifts.after[a:b].tolist(),
                strict=True,
            )
        )

    def critical(self) -> tuple[str, ...]:
        """Institutions whose removal cuts some origin off, most origins lost first, then id.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = removal_impact_all(examples.load("shanghai_luwan"),
        ...                        target=ReachTarget(min_tier="tertiary"))
        >>> r.critical()
        ('ruijin',)
        """
        counts = self.lost_counts
        hit = np.flatnonzero(counts > 0).tolist()
        hit.sort(key=lambda k: (-int(counts[k]), self.institutions[k]))
        return tuple(self.institutions[k] for k in hit)

    def _index(self, institution: str) -> int:
        try:
            return self.institutions.index(institution)
        except ValueError:
            raise UnknownIdError([Problem((), f"unknown institution {institution!r}")]) from None

    def rows(self) -> list[dict[str, Any]]:
        """One row per institution: institution, origins, reachable_before, reachable_after, lost.

        ``lost`` is the number of origins cut off (see :meth:`lost` for their ids); with
        ``hops=True`` a ``changed`` column counts the origins whose hops change.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = removal_impact_all(examples.load("gangkou"), target=ReachTarget(min_tier="二级"))
        >>> r.rows()[0]
        {'institution': 'gangkou_peoples', 'origins': 4, 'reachable_before': 4, \
'reachable_after': 0, 'lost': 4}
        """
        after = self.reachable_after.tolist()
        lost = self.lost_counts.tolist()
        rows = [
            {
                "institution": x,
                "origins": o,
                "reachable_before": b,
                "reachable_after": a,
                "lost": k,
            }
            for x, o, b, a, k in zip(
                self.institutions,
                self.origins.tolist(),
                self.reachable_before.tolist(),
                after,
                lost,
                strict=True,
            )
        ]
        if self.shifts is not None:
            for row, c in zip(rows, np.diff(self.shifts.indptr).tolist(), strict=True):
                row["changed"] = c
        return rows


@_without_gc
def removal_impact_all(
    registry: Registry,
    *,
    target: ReachTarget,
    origins: Iterable[str] | None = None,
    alliance: str | None = None,
    all_specialties: bool = False,
    hops: bool = False,
) -> RemovalImpacts:
    """For every institution at once: which origins lose every target if it is removed.

    The same question as :func:`~medalliance.coverage.removal_impact` asked of each
    institution in turn, answered from one depth-first pass over the institution-channel
    graph (its blocks and cut points, Tarjan): an origin loses every target exactly when
    the piece it is left in holds no target. Time is linear in the memberships plus the
    (removed, origin) pairs returned, where the loop costs one search per institution.

    With ``hops=True`` the hop changes are computed too (:meth:`RemovalImpacts.changed`, the
    ``changed`` of :func:`~medalliance.coverage.removal_impact`): an origin's hops change
    exactly when the institution lies on every shortest path from the targets to it (it
    dominates the origin in the shortest-path DAG), so only the part of the network it
    dominates is searched again.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    target : ReachTarget
        What must be reached.
    origins : iterable of str, optional
        Origin institution ids; default: every grassroots member (of ``alliance`` when
        given, else of any alliance). Each removed institution is left out of its own origins.
    alliance : str, optional
        Use only this alliance's referral channels.
    all_specialties : bool, default False
        Use every specialty alliance's channels, whatever the target's specialty.
    hops : bool, default False
        Also compute every origin whose hops change (not only those cut off).

    Returns
    -------
    RemovalImpacts
        One entry per institution, in registry order.

    Raises
    ------
    MedAllianceError
        For a target that is not a :class:`ReachTarget`, an unknown or repeated id, or an
        unknown alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> impacts = removal_impact_all(reg, target=ReachTarget(min_tier="二级"))
    >>> impacts.critical(), impacts.lost("gangkou_peoples")[:2]
    (('gangkou_peoples',), ('gongche_thc', 'guangpo_thc'))
    """
    require_registry(registry)
    org = _checked_origins(registry, target, origins, alliance)
    from medalliance.coverage._kernels import removal_losses

    n = len(registry.institutions)
    is_origin = np.zeros(n, dtype=bool)
    is_origin[org] = True
    ch = _channels(
        registry, alliance=alliance, specialty=target.specialty, all_specialties=all_specialties
    )
    out = removal_losses(
        ch.indptr, ch.indices.astype(np.int64), n, _target_mask(registry, target), is_origin
    )
    counted = is_origin & out.reachable
    shifts = None
    if hops:
        from medalliance.coverage._dominators import hop_shifts

        shifts = hop_shifts(
            ch.indptr, ch.indices.astype(np.int64), n, _target_mask(registry, target), is_origin
        )
    return RemovalImpacts(
        target=target,
        alliance=alliance,
        institutions=ch.institutions,
        origins=len(org) - is_origin.astype(np.int64),
        reachable_before=int(counted.sum()) - counted.astype(np.int64),
        lost_indptr=out.indptr,
        lost_positions=out.lost,
        shifts=shifts,
    )

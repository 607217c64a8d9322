"""Overlap between alliances and the structural coverage of a whole registry."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ConfigDict

from medalliance.coverage._common import Counts, _without_gc
from medalliance.coverage._figures import _check_tolerance
from medalliance.coverage._structure import (
    AllianceCoverage,
    AreaLevel,
    _alliance_coverage,
    _area_coverage,
)
from medalliance.errors import Problem, UnknownIdError
from medalliance.model._require import require_registry
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Tabular


class SharedInstitution(FrozenModel):
    """An institution that belongs to several alliances."""

    institution: str
    """Its id."""
    alliances: tuple[str, ...]
    """The alliances it belongs to, by id."""


class AllianceOverlap(FrozenModel):
    """Two alliances and the number of members they share."""

    first: str
    """Id of the first alliance (the smaller id)."""
    second: str
    """Id of the second alliance."""
    shared: int
    """Institutions in both."""


IntColumn = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True, eq=False)
class Overlap(Tabular):
    """What :func:`alliance_overlap` returns: shared institutions and pairs of alliances.

    A national registry has millions of pairs of alliances sharing members (tertiary hospitals
    sit in many specialty alliances), so the pairs are kept as columns; :meth:`pair`,
    :meth:`pairs` and :meth:`partners` build typed records on demand.

    Examples
    --------
    >>> from medalliance import synthetic
    >>> o = alliance_overlap(synthetic.province(seed=1, cities=1, counties=2, townships=2,
    ...                                         villages_per_township=1))
    >>> len(o) > 0, o.pair(0).shared >= o.pair(len(o) - 1).shared
    (True, True)
    """

    alliance_ids: tuple[str, ...] = field(repr=False)
    """Ids of the registry's alliances (what the pair columns refer to)."""
    institutions: tuple[SharedInstitution, ...]
    """Institutions in more than one alliance, by id."""
    first: IntColumn = field(repr=False)
    """Position in :attr:`alliance_ids` of each pair's first alliance (the smaller id)."""
    second: IntColumn = field(repr=False)
    """Position of each pair's second alliance."""
    shared: IntColumn = field(repr=False)
    """Members each pair shares; pairs are ordered most shared first, then by ids."""

    def __len__(self) -> int:
        return len(self.shared)

    def pair(self, i: int) -> AllianceOverlap:
        """Pair number ``i``.

        Examples
        --------
        >>> from medalliance import synthetic
        >>> o = alliance_overlap(synthetic.province(seed=1, cities=1, counties=2, townships=2,
        ...                                         villages_per_township=1))
        >>> o.pair(0)
        AllianceOverlap(first='p37-sp0000', second='p37-sp0001', shared=4)
        """
        return AllianceOverlap.model_construct(
            first=self.alliance_ids[int(self.first[i])],
            second=self.alliance_ids[int(self.second[i])],
            shared=int(self.shared[i]),
        )

    def pairs(self) -> Iterator[AllianceOverlap]:
        """Every pair, most shared first.

        Examples
        --------
        >>> from medalliance import synthetic
        >>> o = alliance_overlap(synthetic.province(seed=1, cities=1, counties=2, townships=2,
        ...                                         villages_per_township=1))
        >>> [p.shared for p in o.pairs()][:3]
        [4, 3, 2]
        """
        for i in range(len(self)):
            yield self.pair(i)

    def partners(self, alliance: str) -> Counts:
        """Alliances sharing members with ``alliance``: ``(id, shared)``, most first.

        Raises
        ------
        UnknownIdError
            If ``alliance`` is not one of the registry's alliances.

        Examples
        --------
        >>> from medalliance import synthetic
        >>> o = alliance_overlap(synthetic.province(seed=1, cities=1, counties=2, townships=2,
        ...                                         villages_per_township=1))
        >>> o.partners("p37-sp0000")[:2]
        (('p37-sp0001', 4), ('p37-tele', 2))
        """
        try:
            k = self.alliance_ids.index(alliance)
        except ValueError:
            raise UnknownIdError([Problem((), f"unknown alliance {alliance!r}")]) from None
        mask = (self.first == k) | (self.second == k)
        other = np.where(self.first[mask] == k, self.second[mask], self.first[mask])
        found = [
            (self.alliance_ids[o], s)
            for o, s in zip(other.tolist(), self.shared[mask].tolist(), strict=True)
        ]
        return tuple(sorted(found, key=lambda kv: (-kv[1], kv[0])))

    def rows(self) -> list[dict[str, Any]]:
        """One row per pair of alliances: first, second, shared.

        Examples
        --------
        >>> from medalliance import synthetic
        >>> o = alliance_overlap(synthetic.province(seed=1, cities=1, counties=2, townships=2,
        ...                                         villages_per_township=1))
        >>> o.rows()[0]
        {'first': 'p37-sp0000', 'second': 'p37-sp0001', 'shared': 4}
        """
        ids = self.alliance_ids
        return [
            {"first": ids[f], "second": ids[s], "shared": n}
            for f, s, n in zip(
                self.first.tolist(), self.second.tolist(), self.shared.tolist(), strict=True
            )
        ]


def _membership_matrix(registry: Registry) -> Any:
    """The alliance × institution membership matrix (CSR, int32 ones)."""
    from scipy import sparse

    alliances = registry.alliances
    position = {inst.id: i for i, inst in enumerate(registry.institutions)}
    sizes = np.fromiter((len(a.memberships) for a in alliances), np.int64, len(alliances))
    indptr = np.zeros(len(alliances) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    cols = np.fromiter(
        (position[m] for a in alliances for m in a.members), np.int64, int(indptr[-1])
    )
    m = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.int32), cols, indptr),
        shape=(len(alliances), len(registry.institutions)),
    )
    m.sort_indices()
    return m


@_without_gc
def _overlap(registry: Registry, m: Any) -> tuple[Overlap, Any]:
    alliances = registry.alliances
    per_inst = np.diff(m.tocsc().indptr)
    multi = np.flatnonzero(per_inst > 1)
    mt = m[:, multi].T.tocsr()
    shared_insts = tuple(
        SharedInstitution.model_construct(
            institution=registry.institutions[i].id,
            alliances=tuple(alliances[j].id for j in mt.indices[mt.indptr[k] : mt.indptr[k + 1]]),
        )
        for k, i in enumerate(multi.tolist())
    )
    # only institutions in several alliances create pairs
    sub = m[:, multi]
    prod = (sub @ sub.T).tocsr()
    upper = prod.tocoo()
    keep = upper.row < upper.col
    row, col, data = upper.row[keep], upper.col[keep], upper.data[keep]
    order = np.lexsort((col, row, -data))
    overlap = Overlap(
        alliance_ids=tuple(a.id for a in alliances),
        institutions=shared_insts,
        first=row[order].astype(np.int64),
        second=col[order].astype(np.int64),
        shared=data[order].astype(np.int64),
    )
    return overlap, prod


def alliance_overlap(registry: Registry) -> Overlap:
    """Institutions in several alliances, and how many members each pair of alliances shares.

    Computed as the sparse product of the alliance × institution membership matrix (limited
    to institutions in several alliances) with its transpose, so the cost follows the shared
    memberships, never the number of alliance pairs.

    Examples
    --------
    >>> from medalliance import examples
    >>> o = alliance_overlap(examples.load("shanghai_luwan"))
    >>> len(o), o.institutions
    (0, ())
    """
    require_registry(registry)
    overlap, _ = _overlap(registry, _membership_matrix(registry))
    return overlap


class RegistryCoverage(FrozenModel, Tabular):
    """What :func:`registry_coverage` returns."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    institutions: int
    """Institutions in the registry."""
    in_alliances: int
    """Institutions that belong to at least one alliance."""
    by_tier: Counts
    """Institutions per tier, highest first."""
    alliances: tuple[AllianceCoverage, ...]
    """Coverage of every alliance, by id."""
    overlap: Overlap
    """Institutions in several alliances and pairs of alliances sharing members."""

    def rows(self) -> list[dict[str, Any]]:
        """One row per alliance: members, grassroots, beds and population vs declared.

        Examples
        --------
        >>> from medalliance import examples
        >>> row = registry_coverage(examples.load("gangkou")).rows()[0]
        >>> row["alliance"], row["members"], row["grassroots"], row["areas_covered"]
        ('gangkou_community', 5, 4, 4)
        """
        out = []
        for c in self.alliances:
            beds, pop = c.beds[0], c.population[0]
            out.append(
                {
                    "alliance": c.alliance,
                    "form": c.form,
                    "members": c.members,
                    "grassroots": c.grassroots,
                    "beds_computed": beds.computed,
                    "beds_missing": len(beds.members_missing),
                    "beds_declared": None if beds.declared is None else beds.declared.value,
                    "beds_consistency": beds.consistency.value,
                    "population_computed": pop.computed,
                    "population_missing": len(pop.members_missing),
                    "population_declared": None if pop.declared is None else pop.declared.value,
                    "population_consistency": pop.consistency.value,
                    "areas_covered": len(c.areas.covered),
                    "members_elsewhere": c.members_elsewhere,
                    "sharing_alliances": c.sharing_alliances,
                }
            )
        return out


@_without_gc
def registry_coverage(
    registry: Registry,
    *,
    area_level: AreaLevel | str = AreaLevel.TOWNSHIP,
    about_tolerance: float = 0.1,
    as_of: _dt.date | str | None = None,
) -> RegistryCoverage:
    """Structural coverage of every alliance of ``registry``, and the overlap between them.

    Areas are the members' areas at ``area_level`` (no expected list: use
    :func:`area_coverage` per alliance for a full-coverage claim). Each alliance's result
    equals :func:`alliance_coverage` of it.

    Parameters
    ----------
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Raises
    ------
    MedAllianceError
        For an unknown level or a tolerance outside [0, 1).

    Examples
    --------
    >>> from medalliance import examples
    >>> c = registry_coverage(examples.load("shanghai_luwan"))
    >>> c.institutions, c.in_alliances, c.alliances[0].by_tier
    (7, 7, (('tertiary', 1), ('secondary', 2), ('primary', 4)))
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    _check_tolerance(about_tolerance)
    lvl = AreaLevel.parse(area_level)
    m = _membership_matrix(registry)
    overlap, prod = _overlap(registry, m)
    # members also in another alliance, and other alliances sharing a member, per alliance
    in_several = (np.diff(m.tocsc().indptr) > 1).astype(np.int64)
    elsewhere = np.asarray(m @ in_several).ravel()
    partners = np.diff(prod.indptr) - (prod.diagonal() > 0)
    partners = np.zeros(len(registry.alliances), dtype=np.int64) + partners
    tiers = Counter(i.tier for i in registry.institutions)
    area_of = {i.id: getattr(i.region, lvl.value) for i in registry.institutions}
    return RegistryCoverage.model_construct(
        institutions=len(registry.institutions),
        in_alliances=int((np.diff(m.tocsc().indptr) > 0).sum()),
        by_tier=tuple((t.value, tiers[t]) for t in sorted(tiers, reverse=True)),
        alliances=tuple(
            _alliance_coverage(
                registry,
                a,
                areas=_area_coverage(a, area_of, lvl, None, ()),
                members_elsewhere=int(elsewhere[k]),
                sharing_alliances=int(partners[k]),
                tol=about_tolerance,
            )
            for k, a in enumerate(registry.alliances)
        ),
        overlap=overlap,
    )

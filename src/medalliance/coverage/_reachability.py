"""Referral reachability: hops from origins to the nearest institution meeting a target."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, overload

import numpy as np
from pydantic import AfterValidator, model_validator

from medalliance.compiled import CooperationChannels, Needs, compiled
from medalliance.coverage._common import Counts, _without_gc
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model._require import require_registry
from medalliance.model.agreement import CooperationItem
from medalliance.model.dates import registry_on
from medalliance.model.institution import Tier
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Id, Tabular, no_duplicates
from medalliance.model.vocab import ServiceKind, ServiceKindField, Specialty, SpecialtyField

# --------------------------------------------------------------------------------------
# reachability


def _in_order(values: tuple[ServiceKind, ...]) -> tuple[ServiceKind, ...]:
    order = {s: i for i, s in enumerate(ServiceKind)}
    return tuple(sorted(values, key=order.__getitem__))


class ReachTarget(FrozenModel):
    """What an origin must reach: conditions an institution must all meet.

    Examples
    --------
    >>> ReachTarget(min_tier="二级", services=("CT",)).describe()
    'tier >= secondary, services ct'
    >>> ReachTarget()
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: name at least one of min_tier, specialty, services, ...
    """

    min_tier: Tier | None = None
    """Lowest acceptable tier."""
    specialty: SpecialtyField | None = None
    """Specialty the institution must offer."""
    services: Annotated[
        tuple[ServiceKindField, ...], AfterValidator(no_duplicates), AfterValidator(_in_order)
    ] = ()
    """Services the institution must all offer."""
    institutions: Annotated[tuple[Id, ...], AfterValidator(no_duplicates)] = ()
    """Restrict the targets to these institutions."""

    @model_validator(mode="after")
    def _check(self) -> ReachTarget:
        if (
            self.min_tier is None
            and self.specialty is None
            and not self.services
            and not self.institutions
        ):
            raise MedAllianceError(
                [Problem((), "name at least one of min_tier, specialty, services, institutions")]
            )
        return self

    def describe(self) -> str:
        """The conditions in words.

        Examples
        --------
        >>> ReachTarget(min_tier="二级", services=("CT",)).describe()
        'tier >= secondary, services ct'
        """
        parts = []
        if self.min_tier is not None:
            parts.append(f"tier >= {self.min_tier.value}")
        if self.specialty is not None:
            parts.append(f"specialty {self.specialty.value}")
        if self.services:
            parts.append("services " + " ".join(s.value for s in self.services))
        if self.institutions:
            parts.append("one of " + " ".join(self.institutions))
        return ", ".join(parts)

    def matches(self, registry: Registry, institution: str) -> bool:
        """Whether ``institution`` of ``registry`` meets every condition.

        Raises
        ------
        UnknownIdError
            If the institution does not exist.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("zhejiang_geriatric")
        >>> ReachTarget(specialty="老年医学").matches(reg, "zhejiang_hospital")
        True
        """
        registry.institution(institution)
        if self.institutions:
            _positions(registry, self.institutions, "institutions")
        core = compiled(registry)
        if not core.offers_at(core.position[institution], _needs(self)):
            return False
        return not self.institutions or institution in self.institutions


class OriginReach(FrozenModel):
    """How one origin reaches the target."""

    institution: str
    """Id of the origin."""
    reachable: bool
    """Whether some target is reachable through referral channels (or the origin is one)."""
    hops: int | None
    """Referrals needed to the nearest target (0: the origin is a target), ``None`` if none."""
    nearest: tuple[str, ...]
    """Ids of the targets at that distance, sorted."""


@dataclass(frozen=True, eq=False)
class Reachability(Tabular, Sequence[OriginReach]):
    """What :func:`reachability` returns: one :class:`OriginReach` per origin, as columns.

    ``result[i]`` (and iteration) builds the :class:`OriginReach` of origin ``i``;
    :meth:`of` looks one up by id.

    Examples
    --------
    >>> from medalliance import examples
    >>> r = reachability(examples.load("county_township"), target=ReachTarget(services=("ct",)))
    >>> r.of("township_centre").hops, r.unreachable
    (1, ())
    """

    target: ReachTarget
    """The target."""
    alliance: str | None
    """The alliance whose channels were used (``None``: every channel)."""
    removed: tuple[str, ...]
    """Institutions left out of the network."""
    origins: tuple[str, ...]
    """Ids of the origins, in registry order."""
    hops: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """Hops of each origin to its nearest target, ``-1`` when unreachable."""
    nearest_indptr: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """CSR rows of :attr:`nearest` (one per origin)."""
    nearest: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """Positions in :attr:`institutions` of each origin's nearest targets."""
    institutions: tuple[str, ...] = field(repr=False)
    """Institution ids of the registry (what :attr:`nearest` positions refer to)."""

    def __len__(self) -> int:
        return len(self.origins)

    @overload
    def __getitem__(self, i: int) -> OriginReach: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[OriginReach, ...]: ...

    def __getitem__(self, i: int | slice) -> OriginReach | tuple[OriginReach, ...]:
        if isinstance(i, slice):
            return tuple(self._one(k) for k in range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._one(i)

    def __iter__(self) -> Iterator[OriginReach]:
        for k in range(len(self)):
            yield self._one(k)

    def _one(self, k: int) -> OriginReach:
        h = int(self.hops[k])
        near = self.nearest[self.nearest_indptr[k] : self.nearest_indptr[k + 1]]
        return OriginReach.model_construct(
            institution=self.origins[k],
            reachable=h >= 0,
            hops=h if h >= 0 else None,
            nearest=tuple(self.institutions[j] for j in near.tolist()),
        )

    def of(self, institution: str) -> OriginReach:
        """The result of origin ``institution``.

        Raises
        ------
        UnknownIdError
            If it is not one of the origins.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = reachability(examples.load("county_township"), target=ReachTarget(services=("ct",)))
        >>> r.of("township_centre").nearest
        ('county_hospital',)
        """
        try:
            k = self.origins.index(institution)
        except ValueError:
            raise UnknownIdError([Problem((), f"{institution!r} is not an origin")]) from None
        return self._one(k)

    @property
    def unreachable(self) -> tuple[str, ...]:
        """Origins with no path to any target.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> reachability(reg, target=ReachTarget(min_tier="二级")).unreachable
        ()
        >>> reachability(reg, target=ReachTarget(min_tier="三级")).unreachable
        ('gongche_thc', 'guangpo_thc', 'qisha_thc', 'yuzhouping_chc')
        """
        return tuple(self.origins[k] for k in np.flatnonzero(self.hops < 0).tolist())

    @property
    def reachable_count(self) -> int:
        """Origins that reach a target.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = reachability(examples.load("gangkou"), target=ReachTarget(min_tier="二级"))
        >>> r.reachable_count, len(r)
        (4, 4)
        """
        return int((self.hops >= 0).sum())

    def hop_counts(self) -> Counts:
        """``(hops, origins)`` pairs, fewest hops first, then ``("none", unreachable)``.

        Examples
        --------
        >>> from medalliance import examples
        >>> reachability(examples.load("shanghai_luwan"),
        ...              target=ReachTarget(min_tier="tertiary")).hop_counts()
        (('1', 4),)
        """
        counts = np.bincount(self.hops[self.hops >= 0]) if len(self.hops) else np.zeros(0)
        out = [(str(h), int(c)) for h, c in enumerate(counts.tolist()) if c]
        missing = int((self.hops < 0).sum())
        if missing:
            out.append(("none", missing))
        return tuple(out)

    def rows(self) -> list[dict[str, Any]]:
        """One row per origin: institution, reachable, hops, nearest (space-separated ids).

        Examples
        --------
        >>> from medalliance import examples
        >>> r = reachability(examples.load("county_township"), target=ReachTarget(services=("ct",)))
        >>> r.rows()[0]["institution"], r.rows()[0]["hops"], r.rows()[0]["nearest"]
        ('township_centre', 1, 'county_hospital')
        """
        return [
            {
                "institution": r.institution,
                "reachable": r.reachable,
                "hops": r.hops,
                "nearest": " ".join(r.nearest),
            }
            for r in self
        ]


def _needs(target: ReachTarget) -> Needs:
    return Needs(
        specialty=target.specialty, services=frozenset(target.services), min_tier=target.min_tier
    )


def _target_mask(registry: Registry, target: ReachTarget) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Institutions meeting ``target``: the core's capability rule, then the listed ids."""
    core = compiled(registry)
    mask = core.offers(_needs(target))
    if target.institutions:
        only = np.zeros(core.n, dtype=bool)
        only[[core.position[x] for x in target.institutions]] = True
        mask &= only
    return mask


def _channels(
    registry: Registry,
    *,
    alliance: str | None,
    specialty: Specialty | None,
    all_specialties: bool,
) -> CooperationChannels:
    if alliance is not None:
        registry.alliance(alliance)
    return compiled(registry).channels(
        CooperationItem.TWO_WAY_REFERRAL,
        specialty=specialty,
        all_specialties=all_specialties,
        alliance=alliance,
    )


def _positions(
    registry: Registry, ids: Iterable[str], what: str
) -> np.ndarray[Any, np.dtype[np.int64]]:
    if isinstance(ids, str):
        ids = (ids,)
    position = compiled(registry).position
    out: list[int] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for k, x in enumerate(ids):
        p = position.get(x) if isinstance(x, str) else None
        if p is None:
            problems.append(Problem((what, k), f"unknown institution {x!r}"))
        elif x in seen:
            problems.append(Problem((what, k), f"{x!r} is listed twice"))
        else:
            seen.add(x)
            out.append(p)
    if problems:
        raise UnknownIdError(problems)
    return np.asarray(sorted(out), dtype=np.int64)


def _default_origins(
    registry: Registry, alliance: str | None
) -> np.ndarray[Any, np.dtype[np.int64]]:
    c = compiled(registry)
    if alliance is None:
        members = c.in_alliance
    else:
        members = np.zeros(c.n, dtype=bool)
        members[[c.position[m] for m in registry.alliance(alliance).members]] = True
    return np.flatnonzero(members & c.grassroots).astype(np.int64)


def _checked_origins(
    registry: Registry, target: Any, origins: Iterable[str] | None, alliance: str | None
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Check ``target`` and ``alliance``; the positions of ``origins`` (default: grassroots)."""
    if not isinstance(target, ReachTarget):
        raise MedAllianceError([Problem(("target",), "must be a ReachTarget")])
    if target.institutions:
        _positions(registry, target.institutions, "target.institutions")
    if origins is None:
        return _default_origins(registry, alliance)
    if alliance is not None:
        registry.alliance(alliance)
    return _positions(registry, origins, "origins")


@_without_gc
def _reach(
    registry: Registry,
    target: ReachTarget,
    *,
    origins: Iterable[str] | None,
    alliance: str | None,
    all_specialties: bool,
    without: Iterable[str],
) -> Reachability:
    from medalliance.coverage._kernels import gather_positions, nearest_hops

    org = _checked_origins(registry, target, origins, alliance)
    gone = _positions(registry, without, "without")
    n = len(registry.institutions)
    removed = np.zeros(n, dtype=bool)
    removed[gone] = True
    org = org[~removed[org]]
    ch = _channels(
        registry, alliance=alliance, specialty=target.specialty, all_specialties=all_specialties
    )
    mask = _target_mask(registry, target)
    result = nearest_hops(ch.indptr, ch.indices.astype(np.int64), n, mask, removed)
    lengths = result.nearest_indptr[org + 1] - result.nearest_indptr[org]
    indptr = np.zeros(len(org) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    near = result.nearest[gather_positions(result.nearest_indptr, org)]
    ids = ch.institutions
    return Reachability(
        target=target,
        alliance=alliance,
        removed=tuple(ids[p] for p in gone.tolist()),
        origins=tuple(ids[p] for p in org.tolist()),
        hops=result.hops[org],
        nearest_indptr=indptr,
        nearest=near,
        institutions=ids,
    )


def reachability(
    registry: Registry,
    *,
    target: ReachTarget,
    origins: Iterable[str] | None = None,
    alliance: str | None = None,
    all_specialties: bool = False,
    without: Iterable[str] = (),
    as_of: _dt.date | str | None = None,
) -> Reachability:
    """Whether, and in how many referral hops, each origin reaches an institution of ``target``.

    Hops are counted on the channel structure (a multi-source breadth-first search from every
    target over the channel × institution incidence), never by expanding channels into
    institution pairs, so a county community of 300 members costs 300 entries.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    target : ReachTarget
        What must be reached.
    origins : iterable of str, optional
        Origin institution ids; default: every grassroots member (of ``alliance`` when
        given, else of any alliance).
    alliance : str, optional
        Use only this alliance's referral channels.
    all_specialties : bool, default False
        Use every specialty alliance's channels, whatever the target's specialty.
    without : iterable of str, default ()
        Institutions to leave out of the network (and out of the origins and targets).
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    Reachability
        Per origin (in registry order): reachable, hops, nearest targets.

    Raises
    ------
    MedAllianceError
        For an unknown or repeated id, or an unknown alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("xuzhou_mch")
    >>> counties = [i.id for i in reg.institutions if i.tier.value == "secondary"]
    >>> mch = reachability(reg, target=ReachTarget(min_tier="三级", specialty="妇幼"),
    ...                    origins=counties)
    >>> mch.hop_counts(), mch[0].nearest
    ((('1', 6),), ('xuzhou_mch_hospital',))

    The specialty alliance's channel carries only its own specialty:

    >>> reachability(reg, target=ReachTarget(min_tier="三级"), origins=counties).hop_counts()
    (('none', 6),)
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    return _reach(
        registry,
        target,
        origins=origins,
        alliance=alliance,
        all_specialties=all_specialties,
        without=without,
    )

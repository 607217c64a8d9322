"""Where every institution gets every service, compiled into arrays."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from medalliance.errors import Problem, UnknownIdError
from medalliance.model._require import require_registry
from medalliance.model.alliance import Alliance
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular
from medalliance.model.vocab import ServiceKind
from medalliance.sharing._common import (
    _SERVICE_CODE,
    SERVICES,
    IntArray,
    _base,
    _Layout,
    _parse_service,
    _plural,
    _scope,
)
from medalliance.sharing._routes import _SOURCES, AccessSource, ServiceRoute


class ServiceShare(NamedTuple):
    """How many institutions reach one service, and how.

    Examples
    --------
    >>> from medalliance import examples
    >>> lab = service_access(examples.load("dingzhou")).share("lab")
    >>> lab.hosted, lab.via_sharing, lab.share
    (2, 2, 1.0)
    """

    service: ServiceKind
    """The service."""
    institutions: int
    """Institutions considered."""
    own: int
    """Institutions offering it themselves."""
    hosted: int
    """Institutions hosting a centre that provides it (and not offering it otherwise)."""
    alliance: int
    """Institutions served by a centre of one of their alliances (best route)."""
    agreement: int
    """Institutions reaching a centre only through an agreement."""
    with_access: int
    """Institutions with any route."""

    @property
    def share(self) -> float:
        """Share of the institutions with access (0 when there are none).

        Examples
        --------
        >>> ServiceShare(ServiceKind.CT, 4, 1, 0, 1, 0, 2).share
        0.5
        """
        return self.with_access / self.institutions if self.institutions else 0.0

    @property
    def via_sharing(self) -> int:
        """Institutions whose best route is another member's centre (alliance or agreement).

        Examples
        --------
        >>> ServiceShare(ServiceKind.CT, 4, 1, 0, 1, 1, 3).via_sharing
        2
        """
        return self.alliance + self.agreement


@dataclass(frozen=True, eq=False, repr=False)
class ServiceAccess(Tabular):
    """Where every institution gets every service, compiled into arrays.

    Build it with :func:`service_access`. Row ``i`` is ``institutions[i]``, column ``k`` is
    ``services[k]``; :attr:`source` holds the :attr:`AccessSource.rank` of the best route.
    The centre and agreement of each centre-based best route are kept sparsely, sorted by the
    cell key ``i * len(services) + k``.

    Attributes
    ----------
    institutions : tuple of str
        Institution ids (registry order; only the alliance's members when built for one).
    services : tuple of ServiceKind
        Every service kind (:data:`SERVICES`).
    source : numpy.ndarray
        ``int8`` matrix ``institutions x services`` of best-route ranks (0 = none ... 4 = own).
    route_key, route_centre, route_agreement : numpy.ndarray
        For every cell whose best route is a centre (hosted, alliance or agreement): its key,
        the centre's index in :attr:`centres` and the agreement's index in
        :attr:`agreements` (-1 when no agreement is involved).
    centres, centre_alliance, centre_host : tuple of str
        Every shared centre of the registry in centre order, its alliance and its host.
    centre_inferred : tuple of bool
        Per centre, whether its hosting is inferred rather than stated by the source
        (:func:`~medalliance.sharing.inferred_centres`); routes and rows carry it as
        ``inferred``.
    agreements : tuple of str
        Every agreement id of the registry (id order).
    alliance : str or None
        The alliance the table was restricted to.

    Examples
    --------
    >>> from medalliance import examples
    >>> access = service_access(examples.load("gangkou"))
    >>> access.source.shape, int(access.access.sum())
    ((5, 25), 30)
    >>> access
    ServiceAccess(5 institutions × 25 services: 30 pairs reached, 24 via sharing, 100% with CT)
    """

    institutions: tuple[str, ...]
    services: tuple[ServiceKind, ...]
    source: np.ndarray[Any, np.dtype[np.int8]]
    route_key: IntArray
    route_centre: np.ndarray[Any, np.dtype[np.int32]]
    route_agreement: np.ndarray[Any, np.dtype[np.int32]]
    centres: tuple[str, ...]
    centre_alliance: tuple[str, ...]
    centre_host: tuple[str, ...]
    centre_inferred: tuple[bool, ...]
    agreements: tuple[str, ...]
    alliance: str | None = None

    def __repr__(self) -> str:
        n = len(self.institutions)
        reached = int(np.count_nonzero(self.source))
        shared = int(
            np.count_nonzero(
                (self.source == AccessSource.ALLIANCE.rank)
                | (self.source == AccessSource.AGREEMENT.rank)
            )
        )
        ct = int(np.count_nonzero(self.source[:, _SERVICE_CODE[ServiceKind.CT]])) / n if n else 0.0
        scope = f"alliance {self.alliance!r}, " if self.alliance is not None else ""
        return (
            f"ServiceAccess({scope}{_plural(n, 'institution')} × "
            f"{_plural(len(self.services), 'service')}: {_plural(reached, 'pair')} reached, "
            f"{shared:,} via sharing, {ct:.0%} with CT)"
        )

    @cached_property
    def _position(self) -> dict[str, int]:
        return {iid: i for i, iid in enumerate(self.institutions)}

    def _cell(self, institution: str, service: ServiceKind | str) -> tuple[int, int]:
        pos = self._position.get(institution)
        if pos is None:
            where = f"alliance {self.alliance!r}" if self.alliance else "this table"
            raise UnknownIdError([Problem((), f"unknown institution {institution!r} in {where}")])
        return pos, _SERVICE_CODE[_parse_service(service)]

    @property
    def access(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Boolean matrix ``institutions x services``: whether any route exists.

        Examples
        --------
        >>> from medalliance import examples
        >>> service_access(examples.load("county_township")).access.sum(axis=0)[:2].tolist()
        [1, 1]
        """
        return self.source > 0

    def source_of(self, institution: str, service: ServiceKind | str) -> AccessSource:
        """The kind of the best route of ``institution`` to ``service``.

        Examples
        --------
        >>> from medalliance import examples
        >>> access = service_access(examples.load("dingzhou"))
        >>> access.source_of("qingfeng_chc", "病理").value
        'alliance'
        """
        i, k = self._cell(institution, service)
        return _SOURCES[int(self.source[i, k])]

    def has(self, institution: str, service: ServiceKind | str) -> bool:
        """Whether ``institution`` has any route to ``service``.

        Examples
        --------
        >>> from medalliance import examples
        >>> service_access(examples.load("county_township")).has("township_centre", "ct")
        False
        """
        i, k = self._cell(institution, service)
        return bool(self.source[i, k])

    def route(self, institution: str, service: ServiceKind | str) -> ServiceRoute | None:
        """The best route of ``institution`` to ``service`` (``None`` without access).

        It is the first route :func:`~medalliance.sharing.service_routes` lists.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = service_access(examples.load("dingzhou")).route("mingyue_chc", "ecg")
        >>> r.centre, r.alliance, r.host, r.inferred
        ('dzm_ecg', 'dingzhou_mch_alliance', 'dingzhou_mch', True)
        """
        i, k = self._cell(institution, service)
        src = _SOURCES[int(self.source[i, k])]
        s = self.services[k]
        if src is AccessSource.NONE:
            return None
        if src is AccessSource.OWN:
            return ServiceRoute(institution, s, src)
        j = int(np.searchsorted(self.route_key, i * len(self.services) + k))
        c = int(self.route_centre[j])
        g = int(self.route_agreement[j])
        return ServiceRoute(
            institution,
            s,
            src,
            self.centres[c],
            self.centre_alliance[c],
            self.centre_host[c],
            None if g < 0 else self.agreements[g],
            self.centre_inferred[c],
        )

    def lacking(self, service: ServiceKind | str) -> tuple[str, ...]:
        """Institutions with no route to ``service`` (in row order).

        Examples
        --------
        >>> from medalliance import examples
        >>> service_access(examples.load("county_township")).lacking("mri")
        ('township_centre',)
        """
        k = _SERVICE_CODE[_parse_service(service)]
        return tuple(self.institutions[i] for i in np.flatnonzero(self.source[:, k] == 0))

    def shares(self) -> tuple[ServiceShare, ...]:
        """For every service, how many institutions reach it and how.

        Examples
        --------
        >>> from medalliance import examples
        >>> ct = service_access(examples.load("gangkou")).shares()[0]
        >>> ct.service.value, ct.own, ct.alliance, ct.share
        ('ct', 1, 4, 1.0)
        """
        n = len(self.institutions)
        counts = np.zeros((len(_SOURCES), len(self.services)), dtype=np.int64)
        for r in range(len(_SOURCES)):
            counts[r] = (self.source == r).sum(axis=0)
        return tuple(
            ServiceShare(
                s,
                n,
                int(counts[AccessSource.OWN.rank, k]),
                int(counts[AccessSource.HOSTED.rank, k]),
                int(counts[AccessSource.ALLIANCE.rank, k]),
                int(counts[AccessSource.AGREEMENT.rank, k]),
                n - int(counts[AccessSource.NONE.rank, k]),
            )
            for k, s in enumerate(self.services)
        )

    def share(self, service: ServiceKind | str) -> ServiceShare:
        """The :class:`ServiceShare` of one service.

        Examples
        --------
        >>> from medalliance import examples
        >>> service_access(examples.load("county_township")).share("ct").share
        0.5
        """
        return self.shares()[_SERVICE_CODE[_parse_service(service)]]

    def rows(self) -> list[dict[str, Any]]:
        """One row per institution and service it reaches, with its best route.

        ``inferred`` is true when the route's centre is hosted by inference, not by the
        source's statement.

        Examples
        --------
        >>> from medalliance import examples
        >>> service_access(examples.load("county_township")).rows()[0]["source"]
        'own'
        >>> row = service_access(examples.load("dingzhou")).rows()[-1]
        >>> row["institution"], row["centre"], row["host"], row["inferred"]
        ('qingfeng_chc', 'dzp_logistics_management', 'dingzhou_peoples', True)
        """
        out: list[dict[str, Any]] = []
        for i, k in zip(*np.nonzero(self.source), strict=True):
            r = self.route(self.institutions[int(i)], self.services[int(k)])
            assert r is not None  # nonzero cells have a route
            out.append(
                {
                    "institution": r.institution,
                    "service": r.service.value,
                    "source": r.source.value,
                    "centre": r.centre,
                    "alliance": r.alliance,
                    "host": r.host,
                    "inferred": r.inferred,
                    "agreement": r.agreement,
                }
            )
        return out


_Blocks = tuple[list[int], list[int], list[int], list[int], list[IntArray]]


def _route_blocks(
    layout: _Layout, scope: Alliance | None, positions: Callable[[Iterable[str]], IntArray]
) -> _Blocks:
    """Centre routes as blocks of institution positions per (centre, source, agreement)."""
    # centre routes as (centre, institution position, source) pairs, expanded by services
    # one block of positions per (centre, source, agreement); expanded with np.repeat below
    block_c: list[int] = []
    block_src: list[int] = []
    block_g: list[int] = []
    block_len: list[int] = []
    pair_p: list[IntArray] = []
    member_pos: dict[str, IntArray] = {}

    def emit(c: int, p: IntArray, source: AccessSource, g: int = -1) -> None:
        if len(p):
            block_c.append(c)
            block_src.append(source.rank)
            block_g.append(g)
            block_len.append(len(p))
            pair_p.append(p)

    for c in layout.centres:
        a, centre = c.alliance, c.centre
        if not c.services or (scope is not None and a.id != scope.id):
            continue
        host = int(positions((centre.host,))[0])
        emit(c.index, np.array([host], dtype=np.int64), AccessSource.HOSTED)
        if centre.serves == "all":
            served = member_pos.get(a.id)
            if served is None:
                served = member_pos[a.id] = positions(a.members)
        else:
            served = positions(centre.serves)
        emit(c.index, served[served != host], AccessSource.ALLIANCE)
    for g in layout.sharing_agreements:
        if scope is not None and g.alliance != scope.id:
            continue
        gi = layout.agreement_index[g.id]
        for p in g.parties:
            for q in g.parties:
                if q == p:
                    continue
                for c in layout.centres_by_host.get(q, ()):
                    if c.services:
                        emit(c.index, positions((p,)), AccessSource.AGREEMENT, gi)

    return block_c, block_src, block_g, block_len, pair_p


def _best_routes(
    layout: _Layout, blocks: _Blocks, own_keys: IntArray, n: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Expand the blocks by the centres' services; keep the best route of every cell.

    Returns the cell keys (``institution * n_services + service``) and, per cell, the centre,
    the source rank and the agreement (-1: none); cells the institution owns are left out.
    """
    block_c, block_src, block_g, block_len, pair_p = blocks
    n_s = len(SERVICES)
    svc_counts = np.array([len(c.services) for c in layout.centres], dtype=np.int64)
    svc_indptr = np.zeros(len(layout.centres) + 1, dtype=np.int64)
    np.cumsum(svc_counts, out=svc_indptr[1:])
    svc_flat = np.fromiter(
        (
            _SERVICE_CODE[s]
            for c in layout.centres
            for s in sorted(c.services, key=_SERVICE_CODE.__getitem__)
        ),
        dtype=np.int64,
        count=int(svc_indptr[-1]),
    )
    if pair_p:
        lengths = np.array(block_len, dtype=np.int64)
        pc = np.repeat(np.array(block_c, dtype=np.int64), lengths)
        psrc = np.repeat(np.array(block_src, dtype=np.int64), lengths)
        pg = np.repeat(np.array(block_g, dtype=np.int64), lengths)
        pp = np.concatenate(pair_p)
        reps = svc_counts[pc]
        total = int(reps.sum())
        ec, ep = np.repeat(pc, reps), np.repeat(pp, reps)
        esrc, eg = np.repeat(psrc, reps), np.repeat(pg, reps)
        offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
        es = svc_flat[svc_indptr[ec] + offset]
        keys = ep * n_s + es
        # best route per cell: highest source, then first centre, then first agreement
        order = np.lexsort((eg, ec, -esrc, keys))
        keys, ec, esrc, eg = keys[order], ec[order], esrc[order], eg[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        keys, ec, esrc, eg = keys[first], ec[first], esrc[first], eg[first]
        owned = np.zeros(n * n_s, dtype=bool)
        owned[own_keys] = True
        keep = ~owned[keys]
        keys, ec, esrc, eg = keys[keep], ec[keep], esrc[keep], eg[keep]
    else:
        keys = ec = esrc = eg = np.zeros(0, dtype=np.int64)

    return keys, ec, esrc, eg


def service_access(
    registry: Registry, *, alliance: str | None = None, as_of: _dt.date | str | None = None
) -> ServiceAccess:
    """Where every institution gets every service: its own, a shared centre, or nowhere.

    Compiled with numpy (an institutions x services matrix); the best route of every cell is
    the first route :func:`~medalliance.sharing.service_routes` gives for it.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Restrict to this alliance: its members only, and only routes through its centres and
        agreements (own services always count).
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    ServiceAccess
        The access table; :meth:`ServiceAccess.shares` gives the share of institutions with
        access per service.

    Raises
    ------
    UnknownIdError
        For an unknown alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("zhejiang_geriatric")
    >>> access = service_access(reg, alliance="zhejiang_geriatric_alliance")
    >>> access.institutions, access.source_of("zhejiang_hospital", "远程会诊").value
    (('zhejiang_hospital',), 'own')
    >>> service_access(reg).source_of("zhejiang_cancer_hospital", "lab").value
    'none'
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    scope = _scope(registry, alliance)
    base = _base(registry)
    layout = base.layout
    n_s = len(SERVICES)
    if scope is None:
        rows = np.arange(len(base.ids), dtype=np.int64)
        own_keys = base.own_keys
    else:
        rows = np.sort(base.positions(scope.members))
        local = np.full(len(base.ids), -1, dtype=np.int64)
        local[rows] = np.arange(len(rows), dtype=np.int64)
        inst = base.own_keys // n_s
        keep = local[inst] >= 0
        own_keys = local[inst[keep]] * n_s + base.own_keys[keep] % n_s
    n = len(rows)
    ids = base.ids if scope is None else tuple(base.ids[i] for i in rows.tolist())

    def positions(members: Iterable[str]) -> IntArray:
        found = base.positions(members)
        return found if scope is None else local[found]

    blocks = _route_blocks(layout, scope, positions)
    keys, ec, esrc, eg = _best_routes(layout, blocks, own_keys, n)

    flat = np.zeros(n * n_s, dtype=np.int8)
    flat[keys] = esrc.astype(np.int8)
    flat[own_keys] = AccessSource.OWN.rank
    route_centre, route_agreement = ec.astype(np.int32), eg.astype(np.int32)
    for arr in (flat, keys, route_centre, route_agreement):
        arr.setflags(write=False)
    return ServiceAccess(
        institutions=ids,
        services=SERVICES,
        source=flat.reshape(n, n_s),
        route_key=keys,
        route_centre=route_centre,
        route_agreement=route_agreement,
        centres=tuple(c.centre.id for c in layout.centres),
        centre_alliance=tuple(c.alliance.id for c in layout.centres),
        centre_host=tuple(c.centre.host for c in layout.centres),
        centre_inferred=tuple(c.inferred for c in layout.centres),
        agreements=tuple(g.id for g in registry.agreements),
        alliance=None if scope is None else scope.id,
    )

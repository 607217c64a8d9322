"""Resource sharing (资源共享): who can use what, how capacity is shared, what sharing achieved.

Alliances exist to share what grassroots institutions lack: imaging, laboratory, ECG,
pathology and sterilisation-supply centres (资源共享中心), teleconsultation (远程会诊), experts
holding clinics at member sites (专家坐诊), and mutual recognition of test results
(检查检验结果互认). The functions here answer those questions from a
:class:`~medalliance.registry.Registry`; none changes its arguments.

**Where an institution gets a service** (:func:`service_access`, :func:`service_routes`). A
*route* to a service is one of, best first:

- ``own``: the institution offers the service itself (its ``services``);
- ``hosted``: it hosts a shared centre that provides the service;
- ``alliance``: a shared centre of an alliance it belongs to serves it (the centre serves
  ``"all"`` members or lists it in ``serves``);
- ``agreement``: an agreement **in force** with the ``shared_services`` item (资源共享) makes
  it a party together with the host of a centre that provides the service. Such an agreement
  opens every centre the other parties host, in whatever alliance, so it is also how a centre
  legitimately serves an institution outside its own alliance;
- otherwise ``none``: the institution has no access.

Among routes of the same kind the first centre wins, in the registry's centre order
(alliances by id, then each alliance's ``shared_centres`` in order), then the first agreement
by id.

**Mutual recognition of results** (:func:`recognises`, :func:`recognition_groups`). A
``result_recognition`` item names no test kind, so it applies to every :class:`TestKind`
(imaging, laboratory, ECG, pathology). Recognition is *mutual* between every two members of
an alliance whose ``provisions`` include the item, and between every two parties of an
agreement in force that grants it. It is *one-way* when an institution uses a shared centre
for a service of that test kind (a route of kind ``alliance`` or ``agreement``): the member
accepts the results the centre's host produces for it, which does not make the host accept
the member's own results. An institution always recognises its own results.
:func:`recognition_groups` partitions the institutions into the connected components of
mutual recognition; two institutions of a group recognise each other directly when
:func:`recognises` says so, and every pair does when the group is ``complete``.

**Capacity** (:func:`allocate_capacity`) splits a centre's daily capacity among members'
demands: in proportion to demand, max-min fairly (water-filling), or by priority.

**Expert clinics** (:func:`expert_clinic_coverage`) count sessions per week by site and
department and list the members no programme reaches.

**What sharing achieved** (:func:`sharing_summary`) turns activity volumes
(:class:`ServiceVolumes`, e.g. from the declared figures with :func:`volumes_from_declared`)
into the utilisation of each centre and, given shared prices or discounts, the patients'
savings.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("gangkou")
>>> access = service_access(reg)
>>> access.source_of("qisha_thc", "ct").value
'alliance'
>>> access.route("qisha_thc", "ct").centre
'gangkou_imaging'
>>> s = sharing_summary(reg, volumes_from_declared(reg))
>>> [(c.centre, c.volume) for c in s.centres]  # doctest: +NORMALIZE_WHITESPACE
[('gangkou_imaging', 342), ('gangkou_lab', 137), ('gangkou_sterilisation', 964),
 ('gangkou_pcr', 11745)]
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import attrgetter
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np
from pydantic import Field, model_validator

from medalliance.agreement import Agreement, AgreementStatus, CooperationItem
from medalliance.alliance import Alliance, FigureUnit, Qualifier, SharedCentre
from medalliance.checks import Finding, Severity
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.registry import Registry
from medalliance.types import (
    FrozenModel,
    Id,
    NonEmptyText,
    NonNegInt,
    PositiveInt,
    Tabular,
)
from medalliance.vocab import (
    LabelledEnum,
    RankedEnum,
    ServiceKind,
    ServiceKindField,
    Specialty,
    Weekday,
)

__all__ = [
    "SERVICES",
    "AccessSource",
    "Allocation",
    "CentreUtilisation",
    "ClinicSessions",
    "ExpertCoverage",
    "RecognitionClaim",
    "RecognitionGroup",
    "RecognitionGroups",
    "ServiceAccess",
    "ServiceRoute",
    "ServiceSaving",
    "ServiceShare",
    "ServiceVolumes",
    "SharedPrice",
    "SharingSummary",
    "TestKind",
    "VolumeEntry",
    "allocate_capacity",
    "check_sharing",
    "expert_clinic_coverage",
    "recognises",
    "recognition_groups",
    "service_access",
    "service_routes",
    "sharing_summary",
    "volumes_from_declared",
]

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]

SERVICES: tuple[ServiceKind, ...] = tuple(ServiceKind)
"""The service kinds, in the column order of :class:`ServiceAccess`."""
_SERVICE_CODE = {s: k for k, s in enumerate(SERVICES)}


# ======================================================================================
# where institutions get services


class AccessSource(RankedEnum):
    """Where an institution gets a service, ordered from worst (``none``) to best (``own``).

    Examples
    --------
    >>> AccessSource.parse("医联体共享中心") > AccessSource.AGREEMENT
    True
    """

    NONE = "none"
    AGREEMENT = "agreement"
    ALLIANCE = "alliance"
    HOSTED = "hosted"
    OWN = "own"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.NONE: ("无", "no access"),
            cls.AGREEMENT: ("协议共享", "via agreement"),
            cls.ALLIANCE: ("医联体共享中心", "via alliance centre"),
            cls.HOSTED: ("本机构承建中心", "hosted centre"),
            cls.OWN: ("自有", "own service"),
        }


_SOURCES = tuple(AccessSource)


class ServiceRoute(NamedTuple):
    """One way an institution gets a service.

    Examples
    --------
    >>> from medalliance import examples
    >>> service_routes(examples.load("gangkou"), "gongche_thc", service="pcr")[0].centre
    'gangkou_pcr'
    """

    institution: str
    """The institution."""
    service: ServiceKind
    """The service."""
    source: AccessSource
    """What kind of route it is."""
    centre: str | None = None
    """The shared centre (``None`` for the institution's own service)."""
    alliance: str | None = None
    """The alliance the centre belongs to."""
    host: str | None = None
    """The institution hosting the centre."""
    agreement: str | None = None
    """The agreement giving the route (``agreement`` routes only)."""


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


@dataclass(frozen=True)
class _Centre:
    """A shared centre with its place in the registry (internal)."""

    index: int
    alliance: Alliance
    centre: SharedCentre
    services: frozenset[ServiceKind]


class _Layout:
    """Centres, agreements and their indices of one registry (internal)."""

    def __init__(self, registry: Registry) -> None:
        self.centres: list[_Centre] = []
        for a in registry.alliances:
            for sc in a.shared_centres:
                self.centres.append(
                    _Centre(len(self.centres), a, sc, frozenset(sc.effective_services))
                )
        self.centre_by_id = {c.centre.id: c for c in self.centres}
        self.centres_by_host: dict[str, list[_Centre]] = {}
        for c in self.centres:
            self.centres_by_host.setdefault(c.centre.host, []).append(c)
        self.agreement_index = {g.id: k for k, g in enumerate(registry.agreements)}
        self.sharing_agreements: list[Agreement] = [
            g
            for g in registry.agreements
            if g.status is AgreementStatus.IN_FORCE and CooperationItem.SHARED_SERVICES in g.items
        ]


class _Base:
    """What sharing computations on one registry need, each part compiled on first use."""

    def __init__(self, registry: Registry) -> None:
        self._registry = weakref.ref(registry)

    def _reg(self) -> Registry:
        registry = self._registry()
        assert registry is not None  # the cache entry dies with its registry
        return registry

    @cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(map(attrgetter("id"), self._reg().institutions))

    @cached_property
    def pos(self) -> dict[str, int]:
        return dict(zip(self.ids, range(len(self.ids)), strict=True))

    @cached_property
    def own_keys(self) -> IntArray:
        services = list(map(attrgetter("services"), self._reg().institutions))
        counts = np.fromiter(map(len, services), dtype=np.int64, count=len(services))
        codes = np.fromiter(
            map(_SERVICE_CODE.__getitem__, chain.from_iterable(services)),
            dtype=np.int64,
            count=int(counts.sum()),
        )
        rows = np.repeat(np.arange(len(services), dtype=np.int64), counts)
        keys: IntArray = rows * len(SERVICES) + codes
        return keys

    @cached_property
    def layout(self) -> _Layout:
        return _Layout(self._reg())

    def positions(self, ids: Iterable[str]) -> IntArray:
        return np.fromiter(map(self.pos.__getitem__, ids), dtype=np.int64)


_BASES: dict[int, tuple[weakref.ref[Registry], _Base]] = {}


def _base(registry: Registry) -> _Base:
    """The compiled base of ``registry`` (built on first use, dropped with the registry)."""
    found = _BASES.get(id(registry))
    if found is None or found[0]() is not registry:
        found = (weakref.ref(registry), _Base(registry))
        _BASES[id(registry)] = found
        weakref.finalize(registry, _BASES.pop, id(registry), None)
    return found[1]


def _parse_service(value: object, path: tuple[str | int, ...] = ("service",)) -> ServiceKind:
    try:
        return ServiceKind.parse(value)
    except MedAllianceError as exc:
        raise exc.with_prefix(path) from None


def _scope(registry: Registry, alliance: str | None) -> Alliance | None:
    return None if alliance is None else registry.alliance(alliance)


def service_routes(
    registry: Registry,
    institution: str,
    *,
    service: ServiceKind | str | None = None,
    alliance: str | None = None,
) -> tuple[ServiceRoute, ...]:
    """Every route by which ``institution`` gets ``service`` (or every service), best first.

    The one-at-a-time reference for :func:`service_access`; see the module docstring for the
    kinds of route and their order.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    institution : str
        Id of the institution.
    service : ServiceKind or str, optional
        Only routes to this service (any accepted label); every service when omitted.
    alliance : str, optional
        Only routes through this alliance's centres and agreements (the institution must be a
        member); its own services always count.

    Returns
    -------
    tuple of ServiceRoute
        Sorted by service (in :data:`SERVICES` order), then best route first.

    Raises
    ------
    MedAllianceError
        For an unknown institution, alliance or service label, or an institution outside
        ``alliance``.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> [(r.source.value, r.centre) for r in service_routes(reg, "qisha_thc", service="彩超")]
    [('alliance', 'gangkou_imaging')]
    >>> [r.source.value for r in service_routes(reg, "gangkou_peoples", service="ct")]
    ['own', 'hosted']
    """
    wanted = None if service is None else _parse_service(service)
    inst = registry.institution(institution)
    scope = _scope(registry, alliance)
    if scope is not None and institution not in scope.members:
        raise MedAllianceError(
            [Problem(("institution",), f"{institution!r} is not a member of {scope.id!r}")]
        )
    return _routes(
        registry, _base(registry).layout, inst.id, own=inst.services, wanted=wanted, scope=scope
    )


def _routes(
    registry: Registry,
    layout: _Layout,
    institution: str,
    *,
    own: Iterable[ServiceKind],
    wanted: ServiceKind | None,
    scope: Alliance | None,
) -> tuple[ServiceRoute, ...]:
    """The plain scan behind :func:`service_routes` (also the naive reference's core)."""
    found: list[tuple[tuple[int, int, int, int], ServiceRoute]] = []

    def add(
        s: ServiceKind, source: AccessSource, c: _Centre | None, g: Agreement | None = None
    ) -> None:
        if wanted is not None and s is not wanted:
            return
        key = (
            _SERVICE_CODE[s],
            -source.rank,
            -1 if c is None else c.index,
            -1 if g is None else layout.agreement_index[g.id],
        )
        route = ServiceRoute(
            institution,
            s,
            source,
            None if c is None else c.centre.id,
            None if c is None else c.alliance.id,
            None if c is None else c.centre.host,
            None if g is None else g.id,
        )
        found.append((key, route))

    for s in own:
        add(s, AccessSource.OWN, None)
    alliances = registry.alliances_of(institution) if scope is None else (scope,)
    for c in layout.centres_by_host.get(institution, ()):
        if scope is None or c.alliance.id == scope.id:
            for s in c.services:
                add(s, AccessSource.HOSTED, c)
    for a in alliances:
        for c in layout.centres:
            if c.alliance.id != a.id or c.centre.host == institution:
                continue
            if c.centre.serves == "all" or institution in c.centre.serves:
                for s in c.services:
                    add(s, AccessSource.ALLIANCE, c)
    for g in layout.sharing_agreements:
        if institution not in g.parties or (scope is not None and g.alliance != scope.id):
            continue
        for q in g.parties:
            if q == institution:
                continue
            for c in layout.centres_by_host.get(q, ()):
                for s in c.services:
                    add(s, AccessSource.AGREEMENT, c, g)
    found.sort(key=lambda kr: kr[0])
    return tuple(r for _, r in found)


@dataclass(frozen=True, eq=False)
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
    agreements: tuple[str, ...]
    alliance: str | None = None

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

        It is the first route :func:`service_routes` lists.

        Examples
        --------
        >>> from medalliance import examples
        >>> r = service_access(examples.load("dingzhou")).route("mingyue_chc", "ecg")
        >>> r.centre, r.alliance, r.host
        ('dzm_ecg', 'dingzhou_mch_alliance', 'dingzhou_mch')
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

        Examples
        --------
        >>> from medalliance import examples
        >>> service_access(examples.load("county_township")).rows()[0]["source"]
        'own'
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
                    "agreement": r.agreement,
                }
            )
        return out


def service_access(registry: Registry, *, alliance: str | None = None) -> ServiceAccess:
    """Where every institution gets every service: its own, a shared centre, or nowhere.

    Compiled with numpy (an institutions x services matrix); the best route of every cell is
    the first route :func:`service_routes` gives for it.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Restrict to this alliance: its members only, and only routes through its centres and
        agreements (own services always count).

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
        agreements=tuple(g.id for g in registry.agreements),
        alliance=None if scope is None else scope.id,
    )


# ======================================================================================
# mutual recognition of results


class TestKind(LabelledEnum):
    """A kind of test whose results members may recognise (检查检验结果互认).

    Examples
    --------
    >>> TestKind.parse("病理诊断")
    <TestKind.PATHOLOGY: 'pathology'>
    """

    __test__ = False  # not a pytest test class

    IMAGING = "imaging"
    LAB = "lab"
    ECG = "ecg"
    PATHOLOGY = "pathology"

    @property
    def services(self) -> tuple[ServiceKind, ...]:
        """The service kinds whose results are tests of this kind.

        Examples
        --------
        >>> [s.value for s in TestKind.parse("检验").services]
        ['lab', 'pcr']
        """
        return _TEST_SERVICES[self]

    @classmethod
    def of_service(cls, service: ServiceKind | str) -> TestKind | None:
        """The test kind a service's results belong to (``None`` for other services).

        Examples
        --------
        >>> TestKind.of_service("彩超")
        <TestKind.IMAGING: 'imaging'>
        >>> TestKind.of_service("inpatient") is None
        True
        """
        s = _parse_service(service)
        for kind, services in _TEST_SERVICES.items():
            if s in services:
                return kind
        return None

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.IMAGING: ("影像", "医学影像", "影像检查", "检查", "imaging results"),
            cls.LAB: ("检验", "医学检验", "化验", "laboratory", "lab tests"),
            cls.ECG: ("心电", "心电图", "electrocardiography", "ekg"),
            cls.PATHOLOGY: ("病理", "病理诊断", "pathology results"),
        }


_TEST_SERVICES: dict[TestKind, tuple[ServiceKind, ...]] = {
    TestKind.IMAGING: (
        ServiceKind.CT,
        ServiceKind.MRI,
        ServiceKind.DR,
        ServiceKind.ULTRASOUND,
        ServiceKind.COLOUR_DOPPLER,
        ServiceKind.TELE_IMAGING,
    ),
    TestKind.LAB: (ServiceKind.LAB, ServiceKind.PCR),
    TestKind.ECG: (ServiceKind.ECG,),
    TestKind.PATHOLOGY: (ServiceKind.PATHOLOGY,),
}


def _recognition_sources(registry: Registry) -> list[tuple[str, tuple[str, ...]]]:
    """Mutual-recognition sources: ``alliance:<id>`` provisions and ``agreement:<id>`` s."""
    out = [
        (f"alliance:{a.id}", a.members)
        for a in registry.alliances
        if CooperationItem.RESULT_RECOGNITION in a.provisions
    ]
    out += [
        (f"agreement:{g.id}", g.parties)
        for g in registry.agreements
        if g.status is AgreementStatus.IN_FORCE and CooperationItem.RESULT_RECOGNITION in g.items
    ]
    return out


def _parse_test_kind(value: object) -> TestKind:
    try:
        return TestKind.parse(value)
    except MedAllianceError as exc:
        raise exc.with_prefix(("test_kind",)) from None


def _mutual(registry: Registry, a: str, b: str) -> bool:
    for al in registry.alliances_of(a):
        if CooperationItem.RESULT_RECOGNITION in al.provisions and b in al.members:
            return True
        for g in registry.agreements_of(al.id):
            if (
                g.status is AgreementStatus.IN_FORCE
                and CooperationItem.RESULT_RECOGNITION in g.items
                and a in g.parties
                and b in g.parties
            ):
                return True
    return False


def recognises(registry: Registry, a: str, b: str, test_kind: TestKind | str) -> bool:
    """Whether institution ``a`` recognises (accepts) ``b``'s results of ``test_kind``.

    True when ``a == b``; when ``a`` and ``b`` are both members of an alliance whose
    provisions include ``result_recognition`` or both parties of an agreement in force with
    that item (mutual: then ``b`` recognises ``a`` too); or when ``a`` uses a shared centre
    hosted by ``b`` for a service of ``test_kind`` (one-way: ``b`` need not recognise ``a``).

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    a : str
        The institution accepting the results.
    b : str
        The institution whose results are accepted.
    test_kind : TestKind or str
        Imaging, lab, ECG or pathology (any accepted label).

    Returns
    -------
    bool
        Whether ``a`` recognises ``b``'s results.

    Raises
    ------
    MedAllianceError
        For an unknown institution or test kind.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> recognises(reg, "qisha_thc", "gangkou_peoples", "影像")
    True
    >>> recognises(reg, "gangkou_peoples", "qisha_thc", "imaging")
    False
    >>> recognises(reg, "qisha_thc", "gongche_thc", "lab")
    False
    """
    kind = _parse_test_kind(test_kind)
    registry.institution(a)
    registry.institution(b)
    if a == b or _mutual(registry, a, b):
        return True
    wanted = set(kind.services)
    return any(
        r.host == b
        and r.service in wanted
        and r.source in (AccessSource.ALLIANCE, AccessSource.AGREEMENT)
        for r in service_routes(registry, a)
    )


class RecognitionGroup(NamedTuple):
    """Institutions linked by mutual recognition of results (one connected component).

    Examples
    --------
    >>> from medalliance import examples
    >>> recognition_groups(examples.load("benxi_central"), "ecg").groups[0].complete
    True
    """

    members: tuple[str, ...]
    """Institution ids (registry order)."""
    sources: tuple[str, ...]
    """Where the recognition comes from: ``alliance:<id>`` and ``agreement:<id>``."""
    complete: bool
    """Whether every two members recognise each other directly."""


@dataclass(frozen=True, eq=False)
class RecognitionGroups(Tabular):
    """A partition of the institutions by mutual recognition of one test kind.

    Build it with :func:`recognition_groups`. Group numbers follow the position of each
    group's first institution; institutions that recognise no one form groups of one.

    Attributes
    ----------
    test_kind : TestKind
        The test kind.
    institutions : tuple of str
        Institution ids (registry order).
    labels : numpy.ndarray
        Group number of every institution (``int64``).
    sources : tuple of str
        Every recognition source (``alliance:<id>``, ``agreement:<id>``).
    source_members : tuple of tuple of int
        Positions of the members of each source.

    Examples
    --------
    >>> from medalliance import examples
    >>> groups = recognition_groups(examples.load("benxi_central"), "lab")
    >>> len(groups), groups.labels.tolist()
    (1, [0, 0])
    """

    test_kind: TestKind
    institutions: tuple[str, ...]
    labels: IntArray
    sources: tuple[str, ...]
    source_members: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) else 0

    @cached_property
    def _position(self) -> dict[str, int]:
        return {iid: i for i, iid in enumerate(self.institutions)}

    @cached_property
    def groups(self) -> tuple[RecognitionGroup, ...]:
        """Every group, in group-number order.

        Examples
        --------
        >>> from medalliance import examples
        >>> groups = recognition_groups(examples.load("shanghai_luwan"), "lab").groups
        >>> len(groups), groups[0].members, groups[0].complete
        (7, ('dapuqiao_chc',), True)
        """
        members: list[list[int]] = [[] for _ in range(len(self))]
        for i, label in enumerate(self.labels.tolist()):
            members[label].append(i)
        sources: list[list[int]] = [[] for _ in range(len(self))]
        for k, m in enumerate(self.source_members):
            if m:
                sources[int(self.labels[m[0]])].append(k)
        return tuple(
            RecognitionGroup(
                tuple(self.institutions[i] for i in mem),
                tuple(self.sources[k] for k in src),
                self._complete(mem, src),
            )
            for mem, src in zip(members, sources, strict=True)
        )

    def _complete(self, members: list[int], sources: list[int]) -> bool:
        """Whether every two members share a source (no n x n matrix: one union per member)."""
        n = len(members)
        if n <= 1 or any(len(self.source_members[k]) == n for k in sources):
            return True
        of_member: dict[int, list[int]] = {}
        for k in sources:
            for p in self.source_members[k]:
                of_member.setdefault(p, []).append(k)
        for p in members:  # stops at the first member that misses someone
            reach = set().union(*(self.source_members[k] for k in of_member[p]))
            if len(reach) < n:
                return False
        return True

    def group_of(self, institution: str) -> RecognitionGroup:
        """The group ``institution`` belongs to.

        Examples
        --------
        >>> from medalliance import examples
        >>> groups = recognition_groups(examples.load("dingzhou"), "pathology")
        >>> groups.group_of("qingfeng_chc").members
        ('qingfeng_chc',)
        """
        pos = self._position.get(institution)
        if pos is None:
            raise UnknownIdError([Problem((), f"unknown institution {institution!r}")])
        return self.groups[int(self.labels[pos])]

    def rows(self) -> list[dict[str, Any]]:
        """One row per institution: its group number and the group's size.

        Examples
        --------
        >>> from medalliance import examples
        >>> recognition_groups(examples.load("benxi_central"), "lab").rows()[1]
        {'institution': 'huanren_peoples', 'group': 0, 'group_size': 2}
        """
        sizes = np.bincount(self.labels, minlength=len(self))
        return [
            {"institution": iid, "group": int(g), "group_size": int(sizes[g])}
            for iid, g in zip(self.institutions, self.labels.tolist(), strict=True)
        ]


def recognition_groups(registry: Registry, test_kind: TestKind | str) -> RecognitionGroups:
    """Partition the institutions into groups that recognise each other's results.

    Two institutions are linked when an alliance-wide ``result_recognition`` provision or an
    agreement in force with that item covers both (mutual recognition; the item applies to
    every test kind). Groups are the connected components of these links, so they partition
    the institutions. One-way recognition of a shared centre's results (see
    :func:`recognises`) does not join groups.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    test_kind : TestKind or str
        Imaging, lab, ECG or pathology (any accepted label).

    Returns
    -------
    RecognitionGroups
        Group labels per institution, and the groups with their sources.

    Raises
    ------
    MedAllianceError
        For an unknown test kind.

    Examples
    --------
    >>> from medalliance import examples
    >>> groups = recognition_groups(examples.load("benxi_central"), "影像")
    >>> len(groups), groups.groups[0].members, groups.groups[0].complete
    (1, ('benxi_central', 'huanren_peoples'), True)
    >>> groups.groups[0].sources
    ('alliance:benxi_central_alliance', 'agreement:benxi_lead_hospital_agreements')
    """
    kind = _parse_test_kind(test_kind)
    base = _base(registry)
    pos = base.pos
    n = len(pos)
    srcs = _recognition_sources(registry)
    members = tuple(tuple(pos[m] for m in mem) for _, mem in srcs)
    rows = np.fromiter((n + k for k, m in enumerate(members) for _ in m), dtype=np.int64)
    cols = np.fromiter((p for m in members for p in m), dtype=np.int64, count=len(rows))
    if len(rows):
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        size = n + len(members)
        graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
        _, comp = connected_components(graph, directed=False)
        comp = np.asarray(comp[:n], dtype=np.int64)
    else:
        comp = np.arange(n, dtype=np.int64)
    # renumber by first appearance
    _, first, inverse = np.unique(comp, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first), dtype=np.int64)
    labels = rank[inverse.reshape(-1)] if n else np.zeros(0, dtype=np.int64)
    labels.setflags(write=False)
    return RecognitionGroups(
        test_kind=kind,
        institutions=base.ids,
        labels=labels,
        sources=tuple(s for s, _ in srcs),
        source_members=members,
    )


class RecognitionClaim(FrozenModel):
    """A statement that one institution accepts another's results (e.g. from activity records).

    :func:`check_sharing` compares claims with what the registry provides.

    Examples
    --------
    >>> RecognitionClaim(by="qisha_thc", of="gangkou_peoples", test_kind="影像").test_kind
    <TestKind.IMAGING: 'imaging'>
    """

    by: Id
    """The institution accepting the results."""
    of: Id
    """The institution whose results are accepted."""
    test_kind: TestKind
    """The kind of test."""


# ======================================================================================
# capacity allocation

AllocationMethod = Literal["proportional", "max_min_fair", "priority"]
_METHODS = ("proportional", "max_min_fair", "priority")


@dataclass(frozen=True, eq=False)
class Allocation(Tabular):
    """A split of a centre's capacity among members (what :func:`allocate_capacity` returns).

    Attributes
    ----------
    capacity : float
        The capacity shared.
    method : str
        ``proportional``, ``max_min_fair`` or ``priority``.
    members : tuple of str or None
        Member ids when the demands were given as a mapping, else ``None`` (positions).
    demands : numpy.ndarray
        Demand of every member (read-only).
    allocated : numpy.ndarray
        Capacity given to every member (read-only; ``int64`` when integral).

    Examples
    --------
    >>> a = allocate_capacity(9, {"c1": 8, "c2": 4})
    >>> a.members, a.allocated.tolist()
    (('c1', 'c2'), [6.0, 3.0])
    """

    capacity: float
    method: str
    members: tuple[str, ...] | None
    demands: np.ndarray[Any, Any]
    allocated: np.ndarray[Any, Any]

    @property
    def total(self) -> float:
        """Capacity given out in total (exactly rounded sum).

        Examples
        --------
        >>> allocate_capacity(10, [8, 4], method="priority").total
        10.0
        """
        return math.fsum(self.allocated.tolist())

    @property
    def unmet(self) -> np.ndarray[Any, Any]:
        """Demand left unserved per member.

        Examples
        --------
        >>> allocate_capacity(10, [8, 4], method="priority").unmet.tolist()
        [0.0, 2.0]
        """
        out: np.ndarray[Any, Any] = self.demands - self.allocated
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per member: demand, allocation and unmet demand.

        Examples
        --------
        >>> allocate_capacity(10, {"c1": 8, "c2": 4}, method="priority").rows()[1]
        {'member': 'c2', 'demand': 4.0, 'allocated': 2.0, 'unmet': 2.0}
        """
        names = self.members if self.members is not None else range(len(self.demands))
        return [
            {"member": m, "demand": d, "allocated": x, "unmet": d - x}
            for m, d, x in zip(names, self.demands.tolist(), self.allocated.tolist(), strict=True)
        ]


def _numbers(
    name: str, values: Any, problems: list[Problem], *, integral: bool, nonneg: bool = True
) -> tuple[tuple[str, ...] | None, FloatArray]:
    """Validate a mapping or 1-D sequence of finite (non-negative) numbers.

    Every bad value is reported, in input order; the values come back as a float array.
    """
    keys: tuple[str, ...] | None = None
    if isinstance(values, Mapping):
        keys = tuple(values)
        for k in keys:
            if not isinstance(k, str):
                problems.append(Problem((name,), f"member ids must be strings, got {k!r}"))
        raw: Any = list(values.values())
    elif isinstance(values, np.ndarray):
        if values.ndim != 1:
            problems.append(Problem((name,), f"must be one-dimensional, got shape {values.shape}"))
            return None, np.zeros(0)
        raw = values
    elif isinstance(values, Sequence) and not isinstance(values, str | bytes):
        raw = values
    else:
        problems.append(Problem((name,), "must be a mapping or a sequence of numbers"))
        return None, np.zeros(0)

    def where(j: int) -> tuple[str | int, ...]:
        return (name, j if keys is None else keys[j])

    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iuf":
        arr = raw.astype(np.float64)
    else:  # plain values: check each one's type (booleans and strings are not numbers)
        bad = [
            j
            for j, v in enumerate(raw)
            if isinstance(v, bool | np.bool_)
            or not isinstance(v, int | float | np.integer | np.floating)
        ]
        if bad:
            for j in bad:
                problems.append(Problem(where(j), f"must be a number, got {raw[j]!r}"))
            return keys, np.zeros(0)
        arr = np.array([float(v) for v in raw], dtype=np.float64)
    finite = np.isfinite(arr)
    checks = [(~finite, "must be finite")]
    if nonneg:
        checks.append((finite & (arr < 0), "must be >= 0"))
    if integral:
        whole = np.floor(np.where(finite, arr, 0.0))
        checks.append((finite & (arr != whole), "must be a whole number when integral"))
        checks.append((finite & (np.abs(arr) > 2.0**53), "must be at most 2**53 when integral"))
    found: list[tuple[int, str]] = []
    for mask, message in checks:
        if mask.any():
            found.extend((j, message) for j in np.flatnonzero(mask).tolist())
    for j, message in sorted(found, key=lambda jm: jm[0]):
        value = raw[j]
        shown = value.item() if isinstance(value, np.generic) else value
        problems.append(Problem(where(j), f"{message}, got {shown!r}"))
    return keys, arr


def allocate_capacity(
    capacity: float,
    demands: Mapping[str, float] | Sequence[float] | np.ndarray[Any, Any],
    *,
    method: AllocationMethod = "proportional",
    priorities: Mapping[str, float] | Sequence[float] | np.ndarray[Any, Any] | None = None,
    integral: bool = False,
) -> Allocation:
    """Split a centre's daily capacity among members' demands.

    When the demands fit, every member gets its demand. Otherwise:

    - ``proportional``: each member gets ``demand * capacity / total demand``;
    - ``max_min_fair`` (water-filling): members get equal shares, capped at their demand,
      with what capped members leave over shared again among the rest; no member that gets
      less than its demand gets less than anyone else;
    - ``priority``: members are served whole in priority order (smaller ``priorities`` value
      first; equal values in input order) until the capacity runs out; one member may be
      served in part.

    Always: no member gets more than its demand or less than 0, and the exact total never
    exceeds the capacity. In floating point a binding capacity is split into whole quanta of
    the float spacing at the capacity (each share moves by less than one unit in the last
    place of the capacity), so that the total can be checked exactly; a quantum or two left
    over by rounding is taken back from the last members (max-min: the last members below
    their demand; priority: the last served). With ``integral=True`` capacity and demands
    must be whole numbers (at most 2**53) and the allocation is in whole units: proportional
    shares are rounded down and the units left go to the largest remainders; max-min fair
    shares differ by at most one unit, extra units going to the earliest members. Ties are
    always broken by input order, so the result is deterministic.

    Parameters
    ----------
    capacity : float
        Units available (e.g. ``capacity_per_day``); finite and >= 0.
    demands : mapping of str to float, or sequence of float
        Demand per member (member id to demand, or a plain sequence); finite and >= 0.
    method : {"proportional", "max_min_fair", "priority"}, default "proportional"
        How to split a capacity smaller than the total demand.
    priorities : mapping or sequence of float, optional
        For ``method="priority"`` only: priority per member (the same keys or length as
        ``demands``; smaller is served first). Omitted: input order.
    integral : bool, default False
        Allocate whole units.

    Returns
    -------
    Allocation
        Demands and allocations (arrays in input order).

    Raises
    ------
    MedAllianceError
        Naming every bad value: negative, non-finite or non-numeric capacity, demands or
        priorities, an unknown method, priorities that do not match the demands or are given
        for another method, fractional values with ``integral=True``.

    Examples
    --------
    >>> a = allocate_capacity(60, {"t1": 80, "t2": 40, "t3": 10}, method="max_min_fair")
    >>> a.allocated.tolist()
    [25.0, 25.0, 10.0]
    >>> allocate_capacity(100, [80, 40, 10], integral=True).allocated.tolist()
    [61, 31, 8]
    >>> allocate_capacity(100, [80, 40, 10], method="priority", priorities=[2, 1, 1]).allocated
    array([50., 40., 10.])
    >>> allocate_capacity(-1, [1, -2])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - capacity: must be a finite number >= 0, got -1
      - demands[1]: must be >= 0, got -2
    """
    problems: list[Problem] = []
    if (
        isinstance(capacity, bool)
        or not isinstance(capacity, int | float | np.integer | np.floating)
        or not math.isfinite(float(capacity))
        or capacity < 0
    ):
        problems.append(Problem(("capacity",), f"must be a finite number >= 0, got {capacity!r}"))
    elif integral and float(capacity) != math.floor(float(capacity)):
        problems.append(
            Problem(("capacity",), f"must be a whole number when integral, got {capacity!r}")
        )
    if method not in _METHODS:
        problems.append(Problem(("method",), f"unknown method {method!r}; use one of {_METHODS}"))
    keys, d = _numbers("demands", demands, problems, integral=integral)
    prio: FloatArray | None = None
    if priorities is not None:
        if method != "priority":
            problems.append(
                Problem(("priorities",), f"only used with method='priority', not {method!r}")
            )
        elif isinstance(priorities, Mapping) and keys is not None:
            missing = [k for k in keys if k not in priorities]
            extra = [k for k in priorities if k not in set(keys)]
            for k in missing:
                problems.append(Problem(("priorities", k), "no priority for this member"))
            for k in extra:
                problems.append(Problem(("priorities", k), "not a member of the demands"))
            if not missing and not extra:
                _, prio = _numbers(
                    "priorities",
                    {k: priorities[k] for k in keys},
                    problems,
                    integral=False,
                    nonneg=False,
                )
        elif isinstance(priorities, Mapping):
            problems.append(
                Problem(("priorities",), "a mapping of priorities needs demands as a mapping")
            )
        else:
            _, prio = _numbers("priorities", priorities, problems, integral=False, nonneg=False)
            if len(prio) != len(d) and not problems:
                problems.append(
                    Problem(
                        ("priorities",),
                        f"has {len(prio)} value(s), expected {len(d)} (one per demand)",
                    )
                )
    if problems:
        raise MedAllianceError(problems)
    n = len(d)
    order_prio = prio if prio is not None else np.arange(n, dtype=np.float64)
    if integral:
        out_i = _allocate_int(int(capacity), d.astype(np.int64), method, order_prio)
        demands_out: np.ndarray[Any, Any] = d.astype(np.int64)
        allocated: np.ndarray[Any, Any] = out_i
    else:
        demands_out = d  # already a private copy of the input
        allocated = _allocate_float(float(capacity), d, method, order_prio)
    demands_out.setflags(write=False)
    allocated.setflags(write=False)
    return Allocation(float(capacity), method, keys, demands_out, allocated)


def _water_level(sorted_d: FloatArray, capacity: float) -> tuple[int, float]:
    """Index of the first unsaturated member (ascending order) and the real water level."""
    n = len(sorted_d)
    before = np.concatenate(([0.0], np.cumsum(sorted_d)[:-1]))
    left = n - np.arange(n)
    # member k is saturated at the level where the first k are: s[k] * left[k] <= cap - before
    over = sorted_d * left > capacity - before
    k = int(np.argmax(over))
    return k, (capacity - float(before[k])) / float(left[k])


def _allocate_float(capacity: float, d: FloatArray, method: str, prio: FloatArray) -> FloatArray:
    total = float(np.sum(d))
    margin = 2.0 * (len(d) + 2) * _EPS  # numpy's sum of n terms >= 0 is within n * eps
    if total * (1.0 + margin) <= capacity or (
        total * (1.0 - margin) <= capacity and math.fsum(d.tolist()) <= capacity
    ):
        same: FloatArray = d.copy()
        return same
    if capacity == 0:
        return np.zeros_like(d)
    n = len(d)
    idx = np.arange(n, dtype=np.int64)
    if method == "proportional":
        out = d * (capacity / total)
        trim_first = idx[::-1]
    elif method == "max_min_fair":
        _, level = _water_level(np.sort(d), capacity)
        out = np.minimum(d, level)
        open_ = d > level
        trim_first = np.concatenate((idx[open_][::-1], idx[~open_][::-1]))
    else:
        order = np.lexsort((idx, prio))
        ds = d[order]
        before = np.cumsum(ds) - ds
        out = np.empty_like(d)
        out[order] = np.clip(capacity - before, 0.0, ds)
        trim_first = order[::-1]
    return _quantise(np.minimum(out, d), capacity, trim_first)


_EPS = float(np.finfo(np.float64).eps)


def _quantise(out: FloatArray, capacity: float, trim_first: IntArray) -> FloatArray:
    """Make the exact total of ``out`` at most ``capacity``.

    Every value is rounded down to a whole number of quanta ``q`` (the spacing of floats at
    ``capacity``, so each value moves by less than one unit in the last place of the
    capacity); the totals are then compared exactly in integers, and any quanta in excess
    are taken back one at a time from the members in ``trim_first`` order.
    """
    q = float(np.spacing(capacity))
    units = np.floor(out / q).astype(np.int64)
    excess = int(units.sum()) - int(capacity / q)
    while excess > 0:
        takers = trim_first[units[trim_first] > 0][:excess]
        units[takers] -= 1
        excess -= len(takers)
    result: FloatArray = np.asarray(units * q, dtype=np.float64)
    return result


def _allocate_int(capacity: int, d: IntArray, method: str, prio: FloatArray) -> IntArray:
    total = int(d.sum())
    if total <= capacity:
        same: IntArray = d.copy()
        return same
    n = len(d)
    idx = np.arange(n, dtype=np.int64)
    if method == "proportional":
        if int(d.max()) * capacity >= 2**62:
            raise MedAllianceError(
                [Problem(("demands",), "values too large for integral proportional allocation")]
            )
        num = d * capacity
        out = num // total
        rem = num % total
        left = capacity - int(out.sum())
        order = np.lexsort((idx, -rem))
        out[order[:left]] += 1
        return out
    if method == "max_min_fair":
        s = np.sort(d)
        before = np.concatenate(([0], np.cumsum(s)[:-1]))
        count = n - idx
        k = int(np.argmax(s * count > capacity - before))
        level = (capacity - int(before[k])) // int(count[k])
        out = np.minimum(d, level)
        left = capacity - int(out.sum())
        open_ = np.flatnonzero(d > level)
        out[open_[:left]] += 1
        return out
    order = np.lexsort((idx, prio))
    ds = d[order]
    before = np.cumsum(ds) - ds
    out = np.empty_like(d)
    out[order] = np.clip(capacity - before, 0, ds)
    return out


# ======================================================================================
# expert clinics


class ClinicSessions(NamedTuple):
    """Expert-clinic sessions at one site in one department.

    Examples
    --------
    >>> from medalliance import examples
    >>> s = expert_clinic_coverage(examples.load("county_township")).sessions[0]
    >>> s.department.value, [d.value for d in s.weekdays]
    ('cardiology', ['wed', 'fri'])
    """

    site: str
    """Institution where the clinics are held."""
    department: Specialty
    """Department of the experts."""
    sessions: int
    """Sessions in the period (one per programme and clinic day)."""
    weekdays: tuple[Weekday, ...]
    """Days of the week with a session (Monday first)."""
    hosts: tuple[str, ...]
    """Institutions sending the experts."""
    clinics: tuple[str, ...]
    """Expert-clinic programme ids."""


class ExpertCoverage(FrozenModel, Tabular):
    """What :func:`expert_clinic_coverage` returns.

    Examples
    --------
    >>> from medalliance import examples
    >>> expert_clinic_coverage(examples.load("county_township"), weeks=4).total_sessions
    16
    """

    weeks: int
    """Length of the period counted, in weeks."""
    sessions: tuple[ClinicSessions, ...]
    """Sessions by site and department (registry order of sites, then department order)."""
    uncovered: tuple[str, ...]
    """Members (other than leads) that are the site of no programme, in registry order."""

    @property
    def total_sessions(self) -> int:
        """Sessions at every site in the period.

        Examples
        --------
        >>> from medalliance import examples
        >>> expert_clinic_coverage(examples.load("county_township")).total_sessions
        4
        """
        return sum(s.sessions for s in self.sessions)

    def sessions_at(self, site: str) -> int:
        """Sessions held at ``site`` in the period (0 when none).

        Examples
        --------
        >>> from medalliance import examples
        >>> expert_clinic_coverage(examples.load("county_township")).sessions_at("county_hospital")
        0
        """
        return sum(s.sessions for s in self.sessions if s.site == site)

    def rows(self) -> list[dict[str, Any]]:
        """One row per site and department.

        Examples
        --------
        >>> from medalliance import examples
        >>> expert_clinic_coverage(examples.load("county_township")).rows()[1]["department"]
        'neurology'
        """
        return [
            {
                "site": s.site,
                "department": s.department.value,
                "sessions": s.sessions,
                "weekdays": " ".join(w.value for w in s.weekdays),
                "hosts": " ".join(s.hosts),
                "clinics": " ".join(s.clinics),
            }
            for s in self.sessions
        ]


def expert_clinic_coverage(
    registry: Registry, *, weeks: int = 1, alliance: str | None = None
) -> ExpertCoverage:
    """Expert-clinic sessions by site and department, and the members no programme reaches.

    Every programme (:class:`~medalliance.alliance.ExpertClinic`) holds one session on each
    of its weekdays every week, so it gives ``len(weekdays) * weeks`` sessions in the period.
    Programmes at the same site in the same department add up.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    weeks : int, default 1
        Length of the period in weeks (>= 1).
    alliance : str, optional
        Only this alliance's programmes and members.

    Returns
    -------
    ExpertCoverage
        Sessions per site and department; members (leads excepted) that are the site of no
        programme.

    Raises
    ------
    MedAllianceError
        For ``weeks`` that is not a whole number >= 1, or an unknown alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> cov = expert_clinic_coverage(examples.load("county_township"))
    >>> [(s.site, s.department.value, s.sessions) for s in cov.sessions]
    [('township_centre', 'cardiology', 2), ('township_centre', 'neurology', 2)]
    >>> expert_clinic_coverage(examples.load("county_township"), weeks=15).total_sessions
    60
    >>> expert_clinic_coverage(examples.load("gangkou")).uncovered[:2]
    ('gongche_thc', 'guangpo_thc')
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise MedAllianceError([Problem(("weeks",), f"must be a whole number >= 1, got {weeks!r}")])
    scope = _scope(registry, alliance)
    alliances = registry.alliances if scope is None else (scope,)
    order = {inst.id: i for i, inst in enumerate(registry.institutions)}
    dept_order = {d: i for i, d in enumerate(Specialty)}
    found: dict[tuple[str, Specialty], list[Any]] = {}
    for a in alliances:
        for e in a.expert_clinics:
            entry = found.setdefault((e.site, e.department), [0, set(), [], []])
            entry[0] += len(e.weekdays) * weeks
            entry[1].update(e.weekdays)
            if e.host not in entry[2]:
                entry[2].append(e.host)
            entry[3].append(e.id)
    sessions = tuple(
        ClinicSessions(
            site,
            dept,
            n,
            tuple(sorted(days, key=lambda w: w.number)),
            tuple(sorted(hosts, key=order.__getitem__)),
            tuple(sorted(clinics)),
        )
        for (site, dept), (n, days, hosts, clinics) in sorted(
            found.items(), key=lambda kv: (order[kv[0][0]], dept_order[kv[0][1]])
        )
    )
    sites = {site for site, _ in found}
    candidates: set[str] = set()
    for a in alliances:
        leads = set(a.lead)
        candidates.update(m for m in a.members if m not in leads)
    uncovered = tuple(sorted(candidates - sites, key=order.__getitem__))
    return ExpertCoverage(weeks=weeks, sessions=sessions, uncovered=uncovered)


# ======================================================================================
# volumes, prices and what sharing achieved


class VolumeEntry(FrozenModel):
    """Activity of one shared centre: how many services it gave (to one member, or in all).

    Examples
    --------
    >>> VolumeEntry(centre="gangkou_lab", count=137, unit="人次").unit
    <FigureUnit.PATIENT_VISITS: 'patient_visits'>
    """

    centre: Id
    """Id of the shared centre."""
    service: ServiceKindField | None = None
    """The service counted; may be omitted when the centre provides exactly one."""
    member: Id | None = None
    """The member the patients or items came from, when the records say."""
    count: NonNegInt
    """How many (patient visits, tests, items)."""
    unit: FigureUnit | None = None
    """Unit of the count, when known."""
    qualifier: Qualifier = Qualifier.EXACT
    """Whether the count is exact, a lower bound, approximate ... (as declared)."""
    period: NonEmptyText | None = None
    """Period the count covers, as the source says (e.g. ``今年``)."""


class ServiceVolumes(FrozenModel):
    """Activity volumes of shared centres (the input of :func:`sharing_summary`).

    Each (centre, service, member) appears at most once.

    Examples
    --------
    >>> v = ServiceVolumes.from_counts({"gangkou_imaging": {"ct": 330, "彩超": 12}}, days=365)
    >>> [(e.service.value, e.count) for e in v.entries]
    [('ct', 330), ('colour_doppler', 12)]
    """

    entries: tuple[VolumeEntry, ...]
    """The volumes."""
    days: PositiveInt | None = None
    """Length of the period the counts cover, in days (needed for utilisation)."""

    @model_validator(mode="after")
    def _unique(self) -> ServiceVolumes:
        seen: dict[tuple[str, ServiceKind | None, str | None], int] = {}
        problems = []
        for i, e in enumerate(self.entries):
            key = (e.centre, e.service, e.member)
            if key in seen:
                problems.append(
                    Problem(
                        ("entries", i),
                        f"repeats centre {e.centre!r}, service "
                        f"{None if e.service is None else e.service.value!r} and member "
                        f"{e.member!r} of entries[{seen[key]}]",
                    )
                )
            seen.setdefault(key, i)
        if problems:
            raise MedAllianceError(problems)
        return self

    @classmethod
    def from_counts(
        cls, counts: Mapping[str, int | Mapping[str, int]], *, days: int | None = None
    ) -> ServiceVolumes:
        """Build volumes from ``{centre: count}`` or ``{centre: {service: count}}``.

        Raises
        ------
        MedAllianceError
            For invalid counts or labels, with their paths.

        Examples
        --------
        >>> ServiceVolumes.from_counts({"gangkou_lab": 137}).entries[0].count
        137
        """
        entries: list[dict[str, Any]] = []
        for centre, value in counts.items():
            if isinstance(value, Mapping):
                entries.extend(
                    {"centre": centre, "service": s, "count": c} for s, c in value.items()
                )
            else:
                entries.append({"centre": centre, "count": value})
        return cls.model_validate({"entries": entries, "days": days})


class SharedPrice(FrozenModel):
    """The price of a service at the shared centre, against its usual (list) price.

    Give either ``shared_price_yuan`` or ``discount`` (a fraction of the list price).

    Examples
    --------
    >>> SharedPrice(service="CT检查", list_price_yuan=300, discount=0.1).unit_price_yuan
    270.0
    """

    service: ServiceKindField
    """The service."""
    list_price_yuan: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    """What a patient pays without sharing (yuan per unit)."""
    shared_price_yuan: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """What a patient pays at the shared centre (yuan per unit)."""
    discount: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    """Reduction as a fraction of the list price (0.1 = 10% less)."""

    @model_validator(mode="after")
    def _one_price(self) -> SharedPrice:
        if (self.shared_price_yuan is None) == (self.discount is None):
            raise MedAllianceError(
                [Problem(("discount",), "give exactly one of shared_price_yuan and discount")]
            )
        if self.shared_price_yuan is not None and self.shared_price_yuan > self.list_price_yuan:
            raise MedAllianceError(
                [Problem(("shared_price_yuan",), "must not exceed list_price_yuan")]
            )
        return self

    @property
    def unit_price_yuan(self) -> float:
        """The price per unit with sharing.

        Examples
        --------
        >>> SharedPrice(service="lab", list_price_yuan=80, shared_price_yuan=60).unit_price_yuan
        60.0
        """
        if self.shared_price_yuan is not None:
            return self.shared_price_yuan
        return self.list_price_yuan * (1.0 - (self.discount or 0.0))


class CentreUtilisation(FrozenModel):
    """Activity of one shared centre.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> c = sharing_summary(reg, volumes_from_declared(reg)).centres[0]
    >>> c.centre, c.volume, c.utilisation
    ('gangkou_imaging', 342, None)
    """

    centre: str
    """Centre id."""
    alliance: str
    """The alliance it belongs to."""
    kind: str
    """Centre kind."""
    host: str
    """Hosting institution."""
    volume: int
    """Services given in the period (all services)."""
    by_service: tuple[tuple[ServiceKind, int], ...]
    """Volume per service (service order)."""
    by_member: tuple[tuple[str, int], ...]
    """Volume per member, where the records name the member (registry order)."""
    capacity_per_day: int | None
    """The centre's capacity, when known."""
    days: int | None
    """Length of the period, when known."""
    utilisation: float | None
    """``volume / (capacity_per_day * days)`` when both are known and capacity is positive."""


class ServiceSaving(FrozenModel):
    """Patients' cost of one priced service, without and with sharing.

    Examples
    --------
    >>> ServiceSaving(service="ct", volume=10, list_cost_yuan=3000.0,
    ...               shared_cost_yuan=2700.0).savings_yuan
    300.0
    """

    service: ServiceKind
    """The service."""
    volume: int
    """Units given (all centres)."""
    list_cost_yuan: float
    """Cost at list prices."""
    shared_cost_yuan: float
    """Cost at shared prices."""

    @property
    def savings_yuan(self) -> float:
        """What patients saved.

        Examples
        --------
        >>> ServiceSaving(service="lab", volume=2, list_cost_yuan=100.0,
        ...               shared_cost_yuan=90.0).savings_yuan
        10.0
        """
        return self.list_cost_yuan - self.shared_cost_yuan


class SharingSummary(FrozenModel, Tabular):
    """What :func:`sharing_summary` returns.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> s = sharing_summary(reg, volumes_from_declared(reg))
    >>> len(s.centres), s.patient_savings_yuan is None
    (4, True)
    """

    centres: tuple[CentreUtilisation, ...]
    """Every centre with a volume, in centre order."""
    savings: tuple[ServiceSaving, ...]
    """Priced services (service order); empty without prices."""

    @property
    def patient_savings_yuan(self) -> float | None:
        """Savings over every priced service (``None`` without prices).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> p = [SharedPrice(service="lab", list_price_yuan=50, discount=0.2)]
        >>> sharing_summary(reg, volumes_from_declared(reg), prices=p).patient_savings_yuan
        1370.0
        """
        if not self.savings:
            return None
        return math.fsum(s.savings_yuan for s in self.savings)

    @property
    def patient_cost_change_percent(self) -> float | None:
        """Change of patients' cost of the priced services, in percent (negative = saving).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> p = [SharedPrice(service="lab", list_price_yuan=50, discount=0.2)]
        >>> sharing_summary(reg, volumes_from_declared(reg), prices=p).patient_cost_change_percent
        -20.0
        """
        if not self.savings:
            return None
        before = math.fsum(s.list_cost_yuan for s in self.savings)
        after = math.fsum(s.shared_cost_yuan for s in self.savings)
        return 0.0 if before == 0 else (after - before) / before * 100.0

    def rows(self) -> list[dict[str, Any]]:
        """One row per centre and service.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> sharing_summary(reg, volumes_from_declared(reg)).rows()[1]["volume"]
        12
        """
        out: list[dict[str, Any]] = []
        for c in self.centres:
            for s, count in c.by_service:
                out.append(
                    {
                        "centre": c.centre,
                        "alliance": c.alliance,
                        "kind": c.kind,
                        "service": s.value,
                        "volume": count,
                        "centre_volume": c.volume,
                        "capacity_per_day": c.capacity_per_day,
                        "utilisation": c.utilisation,
                    }
                )
        return out


def volumes_from_declared(registry: Registry, *, alliance: str | None = None) -> ServiceVolumes:
    """The centres' volumes a registry declares (``service_volume`` figures about a centre).

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Only this alliance's figures.

    Returns
    -------
    ServiceVolumes
        One entry per figure, with its unit, qualifier and period; ``days`` unknown.

    Examples
    --------
    >>> from medalliance import examples
    >>> v = volumes_from_declared(examples.load("gangkou"))
    >>> [(e.centre, e.service.value, e.count) for e in v.entries]  # doctest: +NORMALIZE_WHITESPACE
    [('gangkou_imaging', 'ct', 330), ('gangkou_imaging', 'colour_doppler', 12),
     ('gangkou_lab', 'lab', 137), ('gangkou_sterilisation', 'sterilisation_supply', 964),
     ('gangkou_pcr', 'pcr', 11745)]
    """
    scope = _scope(registry, alliance)
    entries: list[VolumeEntry] = []
    for a in registry.alliances if scope is None else (scope,):
        centre_ids = {c.id for c in a.shared_centres}
        for f in a.declared:
            if f.metric != "service_volume" or f.subject not in centre_ids:
                continue
            if not f.unit.is_count or not isinstance(f.value, int):
                continue
            entries.append(
                VolumeEntry(
                    centre=f.subject,
                    service=f.service,
                    count=f.value,
                    unit=f.unit,
                    qualifier=f.qualifier,
                    period=f.period,
                )
            )
    return ServiceVolumes(entries=tuple(entries))


def _resolve(
    registry: Registry, layout: _Layout, volumes: ServiceVolumes
) -> list[tuple[_Centre, ServiceKind, VolumeEntry]]:
    """Check volume entries against the registry; name the service of each."""
    problems: list[Problem] = []
    out: list[tuple[_Centre, ServiceKind, VolumeEntry]] = []
    for i, e in enumerate(volumes.entries):
        path: tuple[str | int, ...] = ("entries", i)
        c = layout.centre_by_id.get(e.centre)
        if c is None:
            problems.append(Problem((*path, "centre"), f"unknown shared centre {e.centre!r}"))
        if e.member is not None and not registry.has_institution(e.member):
            problems.append(Problem((*path, "member"), f"unknown institution {e.member!r}"))
        if c is None:
            continue
        offered = sorted(c.services, key=_SERVICE_CODE.__getitem__)
        service = e.service
        if service is None:
            if len(offered) != 1:
                names = ", ".join(s.value for s in offered) or "none"
                problems.append(
                    Problem(
                        (*path, "service"),
                        f"name the service: centre {e.centre!r} provides {names}",
                    )
                )
                continue
            service = offered[0]
        elif service not in c.services:
            names = ", ".join(s.value for s in offered) or "none"
            problems.append(
                Problem(
                    (*path, "service"),
                    f"centre {e.centre!r} does not provide {service.value!r} (it provides {names})",
                )
            )
            continue
        out.append((c, service, e))
    if problems:
        raise MedAllianceError(problems)
    return out


def sharing_summary(
    registry: Registry,
    volumes: ServiceVolumes,
    *,
    prices: Sequence[SharedPrice] | None = None,
) -> SharingSummary:
    """Utilisation of each shared centre from activity volumes, and patients' savings.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    volumes : ServiceVolumes
        Volumes per centre (and service, and member); e.g. :func:`volumes_from_declared`.
    prices : sequence of SharedPrice, optional
        Shared prices or discounts per service; savings are computed on the volumes of the
        priced services.

    Returns
    -------
    SharingSummary
        Per centre: volume by service and member, and utilisation when the centre's
        ``capacity_per_day`` and the volumes' ``days`` are known; per priced service: cost
        without and with sharing.

    Raises
    ------
    MedAllianceError
        For an unknown centre or member, a service the centre does not provide, a missing
        service where the centre provides several, or a service priced twice.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> prices = [SharedPrice(service=s, list_price_yuan=p, discount=0.10)
    ...           for s, p in (("ct", 300.0), ("colour_doppler", 150.0), ("lab", 80.0))]
    >>> s = sharing_summary(reg, volumes_from_declared(reg), prices=prices)
    >>> round(s.patient_cost_change_percent, 2), round(s.patient_savings_yuan, 2)
    (-10.0, 11176.0)
    """
    layout = _base(registry).layout
    resolved = _resolve(registry, layout, volumes)
    price_by: dict[ServiceKind, SharedPrice] = {}
    problems: list[Problem] = []
    for i, p in enumerate(prices or ()):
        if p.service in price_by:
            problems.append(Problem(("prices", i, "service"), f"{p.service.value!r} priced twice"))
        price_by.setdefault(p.service, p)
    if problems:
        raise MedAllianceError(problems)
    order = {inst.id: i for i, inst in enumerate(registry.institutions)}
    per_centre: dict[int, list[tuple[ServiceKind, VolumeEntry]]] = {}
    per_service: dict[ServiceKind, int] = {}
    for c, s, e in resolved:
        per_centre.setdefault(c.index, []).append((s, e))
        per_service[s] = per_service.get(s, 0) + e.count
    centres = []
    for index in sorted(per_centre):
        c = layout.centres[index]
        by_service: dict[ServiceKind, int] = {}
        by_member: dict[str, int] = {}
        for s, e in per_centre[index]:
            by_service[s] = by_service.get(s, 0) + e.count
            if e.member is not None:
                by_member[e.member] = by_member.get(e.member, 0) + e.count
        volume = sum(by_service.values())
        cap = c.centre.capacity_per_day
        util = None
        if cap and volumes.days is not None:
            util = volume / (cap * volumes.days)
        centres.append(
            CentreUtilisation(
                centre=c.centre.id,
                alliance=c.alliance.id,
                kind=c.centre.kind.value,
                host=c.centre.host,
                volume=volume,
                by_service=tuple(sorted(by_service.items(), key=lambda kv: _SERVICE_CODE[kv[0]])),
                by_member=tuple(sorted(by_member.items(), key=lambda kv: order[kv[0]])),
                capacity_per_day=cap,
                days=volumes.days,
                utilisation=util,
            )
        )
    savings = tuple(
        ServiceSaving(
            service=s,
            volume=per_service.get(s, 0),
            list_cost_yuan=per_service.get(s, 0) * p.list_price_yuan,
            shared_cost_yuan=per_service.get(s, 0) * p.unit_price_yuan,
        )
        for s, p in sorted(price_by.items(), key=lambda kv: _SERVICE_CODE[kv[0]])
    )
    return SharingSummary(centres=tuple(centres), savings=savings)


# ======================================================================================
# checks


def _finding(code: str, severity: Severity, subject: str, message: str) -> Finding:
    return Finding(code=code, severity=severity, subject=subject, message=message)


def check_sharing(
    registry: Registry,
    *,
    volumes: ServiceVolumes | None = None,
    claims: Sequence[RecognitionClaim] = (),
) -> tuple[Finding, ...]:
    """Advisory findings about resource sharing.

    From the registry alone (these run in :func:`~medalliance.checks.check_registry`):

    - ``centre_serves_nobody`` (warning): a centre whose ``serves`` list is empty;
    - ``centre_serves_outside_alliance`` (info): a shared-services agreement opens a centre
      to an institution outside the centre's alliance (legitimate, but worth knowing);
    - ``shared_services_without_centre`` (info): an alliance provision or agreement grants
      shared services, but no centre providing services is there to share.

    From activity records, when given:

    - ``centre_serves_outsider`` (warning): a volume entry names a member outside the centre's
      alliance, and no shared-services agreement links it to the centre's host;
    - ``centre_serves_unlisted`` (info): the member is in the alliance but not in the centre's
      ``serves`` list, and no agreement links it to the host;
    - ``recognition_without_alliance`` (warning): a recognition claim between institutions
      that share no alliance;
    - ``recognition_not_granted`` (info): a claim between institutions of a common alliance
      that no provision, agreement or shared centre gives (:func:`recognises`).

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    volumes : ServiceVolumes, optional
        Activity volumes whose entries may name the member served.
    claims : sequence of RecognitionClaim, optional
        Statements that one institution accepts another's results.

    Returns
    -------
    tuple of Finding
        In the order: registry findings, volume findings, claim findings.

    Raises
    ------
    MedAllianceError
        For volumes or claims naming unknown centres, institutions or services.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("dingzhou")
    >>> check_sharing(reg)
    ()
    >>> v = ServiceVolumes(entries=[{"centre": "dzp_lab", "member": "mingyue_chc", "count": 5}])
    >>> [f.code for f in check_sharing(reg, volumes=v)]
    ['centre_serves_outsider']
    >>> claim = RecognitionClaim(by="qingfeng_chc", of="mingyue_chc", test_kind="检验")
    >>> check_sharing(reg, claims=[claim])[0].code
    'recognition_without_alliance'
    """
    layout = _base(registry).layout
    out: list[Finding] = []
    for c in layout.centres:
        if c.centre.serves != "all" and not c.centre.serves:
            out.append(
                _finding(
                    "centre_serves_nobody",
                    Severity.WARNING,
                    c.centre.id,
                    f"shared centre of {c.alliance.id!r} lists no member in 'serves'",
                )
            )
    for g in layout.sharing_agreements:
        for q in g.parties:
            for c in layout.centres_by_host.get(q, ()):
                if not c.services:
                    continue
                members = set(c.alliance.members)
                outside = [p for p in g.parties if p != q and p not in members]
                if outside:
                    out.append(
                        _finding(
                            "centre_serves_outside_alliance",
                            Severity.INFO,
                            c.centre.id,
                            f"serves {', '.join(outside)} outside alliance {c.alliance.id!r} "
                            f"through agreement {g.id!r}",
                        )
                    )
    for a in registry.alliances:
        if CooperationItem.SHARED_SERVICES in a.provisions and not any(
            c.effective_services for c in a.shared_centres
        ):
            out.append(
                _finding(
                    "shared_services_without_centre",
                    Severity.INFO,
                    a.id,
                    "provides shared services alliance-wide but lists no centre providing any",
                )
            )
    for g in layout.sharing_agreements:
        if not any(c.services for p in g.parties for c in layout.centres_by_host.get(p, ())):
            out.append(
                _finding(
                    "shared_services_without_centre",
                    Severity.INFO,
                    g.id,
                    "grants shared services but no party hosts a centre providing any",
                )
            )
    if volumes is not None:
        out.extend(_volume_findings(registry, layout, volumes))
    out.extend(_claim_findings(registry, claims))
    return tuple(out)


def _volume_findings(registry: Registry, layout: _Layout, volumes: ServiceVolumes) -> list[Finding]:
    out: list[Finding] = []
    for c, _, e in _resolve(registry, layout, volumes):
        m = e.member
        if m is None or m == c.centre.host:
            continue
        members = c.alliance.members
        listed = m in members and (c.centre.serves == "all" or m in c.centre.serves)
        if listed:
            continue
        linked = any(
            m in g.parties and c.centre.host in g.parties for g in layout.sharing_agreements
        )
        if linked:
            continue
        if m not in members:
            out.append(
                _finding(
                    "centre_serves_outsider",
                    Severity.WARNING,
                    c.centre.id,
                    f"volume recorded for {m!r}, which is outside alliance {c.alliance.id!r} "
                    "and has no shared-services agreement with the host",
                )
            )
        else:
            out.append(
                _finding(
                    "centre_serves_unlisted",
                    Severity.INFO,
                    c.centre.id,
                    f"volume recorded for {m!r}, a member the centre's 'serves' list omits",
                )
            )
    return out


def _claim_findings(registry: Registry, claims: Sequence[RecognitionClaim]) -> list[Finding]:
    problems: list[Problem] = []
    for i, claim in enumerate(claims):
        if not isinstance(claim, RecognitionClaim):
            problems.append(Problem(("claims", i), "must be a RecognitionClaim"))
            continue
        for name in ("by", "of"):
            iid = getattr(claim, name)
            if not registry.has_institution(iid):
                problems.append(Problem(("claims", i, name), f"unknown institution {iid!r}"))
    if problems:
        raise MedAllianceError(problems)
    out: list[Finding] = []
    for claim in claims:
        a, b, kind = claim.by, claim.of, claim.test_kind
        if recognises(registry, a, b, kind):
            continue
        common = {x.id for x in registry.alliances_of(a)} & {x.id for x in registry.alliances_of(b)}
        what = f"claims to recognise {kind.value} results of {b}"
        if not common:
            out.append(
                _finding(
                    "recognition_without_alliance",
                    Severity.WARNING,
                    a,
                    f"{what}, but they share no alliance",
                )
            )
        else:
            out.append(
                _finding(
                    "recognition_not_granted",
                    Severity.INFO,
                    a,
                    f"{what}, but no provision, agreement or shared centre of "
                    f"{', '.join(sorted(common))} gives it",
                )
            )
    return out

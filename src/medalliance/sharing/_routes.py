"""The routes by which an institution gets a service, one institution at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.agreement import Agreement
from medalliance.model.alliance import Alliance
from medalliance.model.registry import Registry
from medalliance.model.vocab import RankedEnum, ServiceKind
from medalliance.sharing._common import (
    _SERVICE_CODE,
    _base,
    _Centre,
    _Layout,
    _parse_service,
    _scope,
)


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

    ``inferred`` says that the centre's hosting is the dataset author's inference, not the
    source's statement (see :func:`inferred_centres`): such a route is never a reported fact.

    Examples
    --------
    >>> from medalliance import examples
    >>> r = service_routes(examples.load("gangkou"), "gongche_thc", service="pcr")[0]
    >>> r.centre, r.host, r.inferred
    ('gangkou_pcr', 'gangkou_peoples', True)
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
    inferred: bool = False
    """Whether the centre's hosting is inferred rather than stated by the source."""


def service_routes(
    registry: Registry,
    institution: str,
    *,
    service: ServiceKind | str | None = None,
    alliance: str | None = None,
) -> tuple[ServiceRoute, ...]:
    """Every route by which ``institution`` gets ``service`` (or every service), best first.

    The one-at-a-time reference for :func:`~medalliance.sharing.service_access`; the kinds of
    route and their order are described in :mod:`medalliance.sharing`.

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
        Sorted by service (in :data:`~medalliance.sharing.SERVICES` order), then best route first.

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
    require_registry(registry)
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
            c is not None and c.inferred,
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


def inferred_centres(registry: Registry, *, alliance: str | None = None) -> tuple[str, ...]:
    """Ids of the shared centres whose hosting is inferred rather than stated by the source.

    A centre's hosting is inferred when its provenance lists ``host`` among the inferred
    fields, or when its alliance's provenance lists ``shared_centres`` (the whole list of
    centres, hosts included, is then the dataset author's inference). Every sharing result
    that names a centre or its host carries this as an ``inferred`` flag, and ``medalliance
    report`` and ``medalliance sharing`` mark such centres, so that an inferred centre is never
    presented as a reported one.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Only this alliance's centres.

    Returns
    -------
    tuple of str
        Centre ids in centre order (alliances by id, then each alliance's ``shared_centres``).

    Raises
    ------
    UnknownIdError
        For an unknown alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> inferred_centres(examples.load("dingzhou"), alliance="dingzhou_mch_alliance")[:3]
    ('dzm_lab', 'dzm_ecg', 'dzm_pathology')
    >>> inferred_centres(examples.load("gangkou"))
    ('gangkou_sterilisation', 'gangkou_pcr')
    """
    require_registry(registry)
    scope = _scope(registry, alliance)
    return tuple(
        c.centre.id
        for c in _base(registry).layout.centres
        if c.inferred and (scope is None or c.alliance.id == scope.id)
    )

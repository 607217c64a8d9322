"""Propose hosts for a new shared centre among an alliance's members, as a new registry."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medalliance.accessibility import CostMatrix, Population, Supply, costs_from_coordinates
from medalliance.accessibility._common import BoolArray
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.alliance import SharedCentre
from medalliance.model.alliance_vocab import CentreKind
from medalliance.model.institution_vocab import InstitutionKind
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular
from medalliance.model.vocab import ServiceKind
from medalliance.planning._result import SiteSelection
from medalliance.planning._select import max_coverage
from medalliance.sharing import AccessSource, service_access


@dataclass(frozen=True, eq=False, repr=False)
class CentrePlan(Tabular):
    """A proposal: the registry with the new centre(s), how they were chosen, before and after.

    Attributes
    ----------
    registry : Registry
        The registry with the new centre(s) added to the alliance (validated again as a
        whole): every analysis (sharing, coverage, referral, accessibility) runs on it.
    selection : SiteSelection
        The maximal-covering selection behind the proposal (existing providers fixed).
    centres : tuple of SharedCentre
        The new centres.
    providers : tuple of str
        Members that already offered the service (their own, or a centre they host).
    skipped : tuple of str
        Members left out as candidates because they have no coordinates (only when the costs
        were built from coordinates).
    comparison : tuple of dict
        Rows ``measure``, ``before``, ``after``, ``change``.
    """

    registry: Registry
    selection: SiteSelection
    centres: tuple[SharedCentre, ...]
    providers: tuple[str, ...]
    skipped: tuple[str, ...]
    comparison: tuple[dict[str, Any], ...]

    @property
    def hosts(self) -> tuple[str, ...]:
        """The proposed hosts, one per new centre.

        Examples
        --------
        >>> plan = _demo_plan()
        >>> plan.hosts
        ('t2',)
        """
        return tuple(c.host for c in self.centres)

    def __repr__(self) -> str:
        return f"CentrePlan({len(self.centres)} new centre(s) at {', '.join(self.hosts)})"

    def rows(self) -> list[dict[str, Any]]:
        """The before/after comparison, one row per measure.

        Examples
        --------
        >>> [r["measure"] for r in _demo_plan().rows()][:3]
        ['providers', 'members with access', 'people within cutoff']
        """
        return [dict(r) for r in self.comparison]


def _default_kind(service: ServiceKind) -> CentreKind:
    for kind in CentreKind:
        if service in kind.default_services:
            return kind
    msg = f"no kind of shared centre provides {service.value!r}; pass kind="
    raise MedAllianceError([Problem(("kind",), msg)])


_NOT_HOSTS = frozenset(
    {
        InstitutionKind.VILLAGE_CLINIC,
        InstitutionKind.COMMUNITY_HEALTH_STATION,
        InstitutionKind.CLINIC,
        InstitutionKind.OUTPATIENT_DEPARTMENT,
    }
)
"""Kinds left out as hosts by default: places without wards or room for a shared centre."""


def _candidates(
    registry: Registry,
    members: tuple[str, ...],
    costs: CostMatrix | None,
    kinds: tuple[Iterable[InstitutionKind | str] | None, tuple[str, ...]],
) -> tuple[list[str], list[str]]:
    """Sites of the model (the providers and the members allowed to host), and the skipped.

    ``kinds`` is ``(host_kinds, providers)``: the providers are sites whatever their kind
    (they stay open); the others must be of an allowed kind. Skipped: members without
    coordinates when the costs are to be built from them.
    """
    host_kinds, providers = kinds
    if host_kinds is None:
        allowed = frozenset(InstitutionKind) - _NOT_HOSTS
    else:
        allowed = frozenset(InstitutionKind.parse(k) for k in host_kinds)
    members = tuple(m for m in members if m in providers or registry.institution(m).kind in allowed)
    if costs is not None:
        known = set(costs.site_ids.tolist())
        return [m for m in members if m in known], []
    keep, skipped = [], []
    for m in members:
        inst = registry.institution(m)
        if inst.lat is None or inst.lon is None:
            skipped.append(m)
        else:
            keep.append(m)
    return keep, skipped


def _within(costs: CostMatrix, open_: BoolArray, cutoff: float) -> tuple[BoolArray, np.ndarray]:
    """Per origin: whether an open site is within ``cutoff``, and the nearest such time."""
    keep = open_[costs.indices] & (costs.cost <= cutoff)
    nearest = np.full(costs.n_origins, np.inf)
    np.minimum.at(nearest, costs.origin_positions()[keep], costs.cost[keep])
    return np.isfinite(nearest), nearest


def _compare(
    before: tuple[Registry, BoolArray],
    after: tuple[Registry, BoolArray],
    *,
    costs: CostMatrix,
    people: np.ndarray,
    alliance: str,
    service: ServiceKind,
    cutoff: float,
) -> tuple[dict[str, Any], ...]:
    rows: list[dict[str, Any]] = []
    values: dict[str, list[float]] = {}
    for reg, open_ in (before, after):
        access = service_access(reg, alliance=alliance)
        reached = sum(
            access.source_of(m, service) is not AccessSource.NONE for m in access.institutions
        )
        covered, nearest = _within(costs, open_, cutoff)
        inside = float(people[covered].sum())
        mean = float(people[covered] @ nearest[covered] / inside) if inside > 0 else math.nan
        for key, v in (
            ("providers", float(open_.sum())),
            ("members with access", float(reached)),
            ("people within cutoff", inside),
            ("share within cutoff", inside / float(people.sum()) if people.sum() > 0 else 0.0),
            ("mean minutes of those within", mean),
        ):
            values.setdefault(key, []).append(v)
    for key, (b, a) in values.items():
        row = {
            "measure": key,
            "before": None if math.isnan(b) else b,
            "after": None if math.isnan(a) else a,
        }
        row["change"] = None if math.isnan(a) or math.isnan(b) else a - b
        rows.append(row)
    return tuple(rows)


def _with_centres(
    registry: Registry,
    alliance: str,
    what: tuple[ServiceKind, CentreKind],
    hosts: list[str],
) -> tuple[list[SharedCentre], Registry]:
    """New centres at ``hosts`` (ids unique in the registry), and the registry holding them."""
    svc, kind = what
    alli = registry.alliance(alliance)
    taken = {c.id for a in registry.alliances for c in a.shared_centres}
    centres = []
    for k, host in enumerate(hosts, start=1):
        cid = f"{alliance}-{svc.value}-{k}"
        while cid in taken:
            cid += "-new"
        centres.append(SharedCentre(id=cid, kind=kind, host=host, services=(svc,), serves="all"))
    new_alliance = alli.replace(shared_centres=(*alli.shared_centres, *centres))
    proposed = registry.replace(
        alliances=tuple(new_alliance if a.id == alliance else a for a in registry.alliances)
    )
    return centres, proposed


def _member_costs(
    registry: Registry,
    cands: list[str],
    population: Population,
    *,
    travel: tuple[float, float, float],
) -> CostMatrix:
    """Travel times from the population to the candidate members, from coordinates."""
    speed_kmh, cutoff_min, detour_factor = travel
    insts = [registry.institution(c) for c in cands]
    sites = Supply(
        cands,
        np.ones(len(cands)),
        lat=np.array([i.lat for i in insts], dtype=np.float64),
        lon=np.array([i.lon for i in insts], dtype=np.float64),
    )
    return costs_from_coordinates(
        population, sites, speed_kmh=speed_kmh, cutoff_min=cutoff_min, detour_factor=detour_factor
    )


def place_shared_centre(
    registry: Registry,
    *,
    service: ServiceKind | str,
    alliance: str,
    population: Population,
    cutoff_min: float,
    p: int = 1,
    costs: CostMatrix | None = None,
    speed_kmh: float = 30.0,
    detour_factor: float = 1.3,
    kind: CentreKind | str | None = None,
    host_kinds: Iterable[InstitutionKind | str] | None = None,
    method: Literal["exact", "greedy"] = "exact",
    time_limit_s: float | None = None,
) -> CentrePlan:
    """Propose ``p`` members to host a new shared centre for ``service``, and add it.

    The members that already offer the service (their own, or a centre they host, by
    :func:`~medalliance.sharing.service_access`) stay open; the new hosts are chosen among
    the other members to cover the most people within ``cutoff_min`` (maximal covering,
    :func:`max_coverage`). The new centres are added to the alliance through
    ``replace`` (:class:`~medalliance.model.registry.Registry`), so the returned registry is
    validated again and every analysis runs on it.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    service : ServiceKind or str
        The service the centre provides (any accepted label, e.g. ``"CT"``).
    alliance : str
        Id of the alliance whose members may host it.
    population : Population
        People per place (with coordinates unless ``costs`` is given).
    cutoff_min : float
        Travel time (minutes) within which a place counts as served.
    p : int, default 1
        New centres to place.
    costs : CostMatrix, optional
        Travel times from the population's places to the members (site ids = institution
        ids). Default: built from coordinates (great-circle distance at ``speed_kmh`` times
        ``detour_factor``).
    speed_kmh, detour_factor : float
        Used only when ``costs`` is built from coordinates.
    kind : CentreKind or str, optional
        The kind of centre; default the first kind whose default services include ``service``.
    host_kinds : iterable of InstitutionKind or str, optional
        Kinds of member that may host a new centre (e.g. ``["乡镇卫生院"]``); the existing
        providers stay open whatever their kind. Default: every kind except village
        clinics, community health stations, clinics and outpatient departments.
    method, time_limit_s
        As for :func:`max_coverage`.

    Returns
    -------
    CentrePlan

    Raises
    ------
    MedAllianceError
        For an unknown alliance or service, no free candidate member, or any problem
        :func:`max_coverage` names.

    Examples
    --------
    >>> plan = _demo_plan()
    >>> plan.hosts, plan.providers
    (('t2',), ('h',))
    >>> [c.id for c in plan.registry.alliance("ccm").shared_centres]
    ['ccm-ct-1']
    """
    require_registry(registry)
    svc = ServiceKind.parse(service)
    centre_kind = _default_kind(svc) if kind is None else CentreKind.parse(kind)
    alli = registry.alliance(alliance)
    access = service_access(registry, alliance=alliance)
    offering = (AccessSource.OWN, AccessSource.HOSTED)
    providers = tuple(m for m in alli.members if access.source_of(m, svc) in offering)
    cands, skipped = _candidates(registry, alli.members, costs, (host_kinds, providers))
    if not set(cands) - set(providers):
        msg = f"no member of {alliance!r} without {svc.value!r} can host a new centre"
        raise MedAllianceError([Problem(("alliance",), msg)])
    if costs is None:
        costs = _member_costs(
            registry, cands, population, travel=(speed_kmh, cutoff_min, detour_factor)
        )
    fixed = [m for m in providers if m in set(cands)]
    selection = max_coverage(
        costs,
        population,
        p=len(fixed) + p,
        cutoff_min=cutoff_min,
        candidates=cands,
        fixed=fixed,
        method=method,
        time_limit_s=time_limit_s,
    )
    if selection.objective is None:
        raise MedAllianceError([Problem(("time_limit_s",), "no selection found in time")])
    hosts = [h for h in selection.selected.tolist() if h not in set(fixed)]
    centres, proposed = _with_centres(registry, alliance, (svc, centre_kind), hosts)
    open_before = np.isin(costs.site_ids, fixed)
    people = np.asarray(selection.people)
    comparison = _compare(
        (registry, open_before),
        (proposed, np.asarray(selection.open)),
        costs=costs,
        people=people,
        alliance=alliance,
        service=svc,
        cutoff=float(cutoff_min),
    )
    return CentrePlan(
        registry=proposed,
        selection=selection,
        centres=tuple(centres),
        providers=providers,
        skipped=tuple(skipped),
        comparison=comparison,
    )


def _demo_plan() -> CentrePlan:
    """A four-member county medical community and five villages (for the examples)."""
    reg = Registry.model_validate(
        {
            "institutions": [
                {
                    "id": "h",
                    "name": "某县人民医院",
                    "kind": "综合医院",
                    "tier": "二级",
                    "lat": 30.0,
                    "lon": 120.0,
                    "services": ["ct"],
                },
                {"id": "t1", "name": "甲镇卫生院", "kind": "乡镇卫生院", "lat": 30.0, "lon": 120.1},
                {"id": "t2", "name": "乙镇卫生院", "kind": "乡镇卫生院", "lat": 30.3, "lon": 120.0},
                {"id": "t3", "name": "丙镇卫生院", "kind": "乡镇卫生院", "lat": 29.8, "lon": 120.0},
            ],
            "alliances": [
                {
                    "id": "ccm",
                    "name": "某县医共体",
                    "form": "县域医共体",
                    "lead": ["h"],
                    "memberships": [
                        {"institution": "h", "role": "lead"},
                        {"institution": "t1"},
                        {"institution": "t2"},
                        {"institution": "t3"},
                    ],
                },
            ],
        }
    )
    villages = Population(
        ["v1", "v2", "v3", "v4", "v5"],
        [800, 1500, 2500, 2000, 900],
        lat=[30.02, 30.28, 30.32, 30.29, 29.81],
        lon=[120.0, 120.0, 120.02, 119.98, 120.01],
    )
    return place_shared_centre(
        reg, service="ct", alliance="ccm", population=villages, cutoff_min=20
    )

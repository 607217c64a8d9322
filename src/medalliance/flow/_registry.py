"""A flow network from a registry: nodes, arrivals, referral routing and capacity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.flow._network import FloatArray, FlowNetwork, IntArray, TimeUnit
from medalliance.model._require import require_registry
from medalliance.model.institution import Tier
from medalliance.model.registry import Registry
from medalliance.referral import ReferralCases, ReferralPolicy, evaluate_many

_LISTED = 20


@dataclass(frozen=True)
class UnroutedShare:
    """A referral share that found no destination among the network's nodes.

    Attributes
    ----------
    origin : str
        Institution id.
    criterion : str
        Referral criterion code.
    share : float
        The share of the origin's served patients it stood for; they leave after service.
    reason : str
        ``"no eligible destination"`` or ``"destination outside the network"`` (with its id).
    """

    origin: str
    criterion: str
    share: float
    reason: str


@dataclass(frozen=True, eq=False, repr=False)
class ReferralNetwork:
    """A flow network built from a registry, with what could not be routed and why.

    Attributes
    ----------
    network : FlowNetwork
        Nodes are institution ids (``level="institution"``) or tier names (``"tier"``).
    level : {"institution", "tier"}
    institutions : tuple of str
        The institutions modelled (at tier level: pooled into their tier's node).
    routing_pairs : tuple of (str, str, float)
        Institution-level routes ``(origin, destination, probability)``, every one a
        destination that :func:`medalliance.referral.evaluate` ranks first for a criterion.
    unrouted : tuple of UnroutedShare
        Shares with no destination in the network (nothing is dropped silently).
    assumptions : dict
        Every parameter the network rests on, by name.
    """

    network: FlowNetwork
    level: Literal["institution", "tier"]
    institutions: tuple[str, ...]
    routing_pairs: tuple[tuple[str, str, float], ...]
    unrouted: tuple[UnroutedShare, ...]
    assumptions: Mapping[str, Any]

    def __repr__(self) -> str:
        return (
            f"ReferralNetwork({self.level}, {len(self.network.nodes)} nodes from "
            f"{len(self.institutions)} institutions, {len(self.routing_pairs)} routes, "
            f"{len(self.unrouted)} unrouted shares)"
        )


def referral_network(
    registry: Registry,
    *,
    referral_shares: Mapping[str, float],
    service_rates: float | Mapping[str, float],
    arrival_rates: Mapping[str, float] | None = None,
    arrivals_per_person: float | None = None,
    servers: Mapping[str, int] | None = None,
    beds_per_server: float | None = 1.0,
    default_servers: int | None = None,
    alliance: str | None = None,
    level: Literal["institution", "tier"] = "institution",
    policy: ReferralPolicy | None = None,
    time_unit: TimeUnit = "day",
) -> ReferralNetwork:
    """A flow network over a registry's referral channels, from an assumed policy mix.

    Each modelled institution refers, after service, ``referral_shares[c]`` of its patients
    under criterion ``c`` to the destination :func:`medalliance.referral.evaluate_many`
    ranks first for that case (so routes exist only along the referral channels the
    referral module reports); the rest leave. A share whose best destination is not
    modelled (or that has none) is listed in ``unrouted``.

    Parameters
    ----------
    registry : Registry
    referral_shares : mapping
        Criterion code to the share of served patients referred under it (shares of one
        origin sum to at most 1), e.g. ``{"critical_or_difficult": 0.05}``.
    service_rates : float or mapping
        Services per server per ``time_unit`` (1 / mean length of stay for beds): one value,
        or by institution id or tier name (an id wins over its tier).
    arrival_rates : mapping, optional
        External arrivals per ``time_unit`` by institution id.
    arrivals_per_person : float, optional
        Else arrivals are ``population_served × arrivals_per_person`` (0 without a
        population); one of the two must be given.
    servers : mapping, optional
        Servers by institution id; others get ``beds // beds_per_server`` (at least 1).
    beds_per_server : float or None
        Beds per server (default 1: a bed is a server); ``None`` requires ``servers`` for
        every institution.
    default_servers : int, optional
        Servers of an institution with neither ``servers[...]`` nor beds (e.g. 1 for a
        village clinic's doctor); without it such an institution is an error.
    alliance : str, optional
        Model only this alliance's members (default: every institution).
    level : {"institution", "tier"}
        One node per institution, or per tier (servers pooled, capacity-weighted service
        rate, routing aggregated with the exact institution-level flows).
    policy : ReferralPolicy, optional
        Referral policy; the shipped default when omitted.
    time_unit : {"minute", "hour", "day", "week"}

    Returns
    -------
    ReferralNetwork

    Raises
    ------
    MedAllianceError
        Listing every problem: unknown criteria, institutions or alliance, shares outside
        [0, 1] or summing to more than 1, institutions without capacity, missing arrivals.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> built = referral_network(reg, referral_shares={"needs_inpatient_bed": 0.1},
    ...                          arrival_rates={"township_centre": 40.0, "county_hospital": 20.0},
    ...                          servers={"township_centre": 2, "county_hospital": 120},
    ...                          service_rates={"township_centre": 24.0, "county_hospital": 0.2})
    >>> built.routing_pairs
    (('township_centre', 'county_hospital', 0.1),)
    >>> built.network.nodes, built.network.routing.tolist()
    (('county_hospital', 'township_centre'), [[0.0, 0.0], [0.1, 0.0]])
    """
    require_registry(registry)
    problems: list[Problem] = []
    ids = _members(registry, alliance, problems)
    shares = _shares(registry, referral_shares, policy, problems)
    lam = _external(registry, ids, arrival_rates, arrivals_per_person, problems)
    cap = _servers(
        registry,
        ids,
        servers,
        per_server=beds_per_server,
        default=default_servers,
        problems=problems,
    )
    mu = _service(registry, ids, service_rates, problems)
    if level not in ("institution", "tier"):
        problems.append(
            Problem(("level",), f"unknown level {quote(level)}; accepted: institution, tier")
        )
    if problems:
        raise MedAllianceError(problems)
    pairs, unrouted = _routes(registry, ids, shares, policy)
    assumptions = {
        "referral_shares": dict(referral_shares),
        "service_rates": service_rates,
        "arrival_rates": None if arrival_rates is None else dict(arrival_rates),
        "arrivals_per_person": arrivals_per_person,
        "servers": servers,
        "beds_per_server": beds_per_server,
        "default_servers": default_servers,
        "alliance": alliance,
        "level": level,
        "policy": "default" if policy is None else "given",
        "time_unit": time_unit,
    }
    if level == "institution":
        net = FlowNetwork(
            nodes=ids,
            arrival_rates=lam,
            servers=cap,
            service_rates=mu,
            routing=_routing_of(pairs),
            time_unit=time_unit,
        )
    else:
        net = _tier_network(
            registry, ids, lam=lam, cap=cap, mu=mu, pairs=pairs, time_unit=time_unit
        )
    return ReferralNetwork(
        network=net,
        level=level,
        institutions=tuple(ids),
        routing_pairs=tuple(pairs),
        unrouted=tuple(unrouted),
        assumptions=assumptions,
    )


def _routing_of(pairs: list[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    routing: dict[str, dict[str, float]] = {}
    for a, b, p in pairs:
        row = routing.setdefault(a, {})
        row[b] = row.get(b, 0.0) + p
    return routing


def _members(registry: Registry, alliance: str | None, problems: list[Problem]) -> list[str]:
    if alliance is None:
        return [i.id for i in registry.institutions]
    found = [a for a in registry.alliances if a.id == alliance]
    if not found:
        problems.append(Problem(("alliance",), f"unknown alliance {quote(alliance)}"))
        return []
    members = {m.institution for m in found[0].memberships}
    return [i.id for i in registry.institutions if i.id in members]


def _shares(
    registry: Registry,
    shares: Mapping[str, float],
    policy: ReferralPolicy | None,
    problems: list[Problem],
) -> dict[str, float]:
    from medalliance.referral import default_policy

    known = {c.code for c in (policy or default_policy()).criteria}
    out: dict[str, float] = {}
    for code, s in shares.items():
        if code not in known:
            problems.append(
                Problem(
                    ("referral_shares", str(code)),
                    f"unknown criterion {quote(code)}; accepted: " + ", ".join(sorted(known)),
                )
            )
        elif isinstance(s, bool) or not isinstance(s, int | float) or not 0 <= s <= 1:
            problems.append(
                Problem(("referral_shares", code), f"must be in [0, 1], got {quote(s)}")
            )
        else:
            out[code] = float(s)
    if sum(out.values()) > 1 + 1e-9:
        problems.append(Problem(("referral_shares",), f"sum to {sum(out.values()):.6g} > 1"))
    return out


def _external(
    registry: Registry,
    ids: list[str],
    given: Mapping[str, float] | None,
    per_person: float | None,
    problems: list[Problem],
) -> FloatArray:
    out = np.zeros(len(ids))
    if given is None and per_person is None:
        problems.append(Problem(("arrival_rates",), "give arrival_rates or arrivals_per_person"))
        return out
    pos = {iid: k for k, iid in enumerate(ids)}
    if per_person is not None:
        pop = [registry.institution(i).population_served for i in ids]
        out[:] = [0.0 if p is None else p * per_person for p in pop]
    for iid, rate in (given or {}).items():
        if iid not in pos:
            problems.append(
                Problem(("arrival_rates", str(iid)), f"not a modelled institution {quote(iid)}")
            )
        else:
            out[pos[iid]] = rate
    return out


def _servers(
    registry: Registry,
    ids: list[str],
    given: Mapping[str, int] | None,
    *,
    per_server: float | None,
    default: int | None,
    problems: list[Problem],
) -> IntArray:
    out = np.zeros(len(ids), dtype=np.int64)
    given = dict(given or {})
    pos = {iid: k for k, iid in enumerate(ids)}
    for iid in given:
        if iid not in pos:
            problems.append(
                Problem(("servers", str(iid)), f"not a modelled institution {quote(iid)}")
            )
    missing = []
    for k, iid in enumerate(ids):
        beds = registry.institution(iid).beds
        if iid in given:
            out[k] = given[iid]
        elif per_server is not None and beds is not None:
            out[k] = max(1, int(beds // per_server))
        elif default is not None:
            out[k] = default
        else:
            missing.append(iid)
    for iid in missing[:_LISTED]:
        problems.append(
            Problem(("servers", iid), "no capacity: the institution has no beds; give servers[...]")
        )
    if len(missing) > _LISTED:
        problems.append(Problem(("servers",), f"... and {len(missing) - _LISTED} more"))
    return out


def _service(
    registry: Registry, ids: list[str], given: float | Mapping[str, float], problems: list[Problem]
) -> FloatArray:
    if not isinstance(given, Mapping):
        return np.full(len(ids), float(given))
    out = np.full(len(ids), np.nan)
    tiers = {t.value for t in Tier}
    pos = {iid: k for k, iid in enumerate(ids)}
    for key in given:
        if key not in pos and key not in tiers:
            problems.append(
                Problem(
                    ("service_rates", str(key)),
                    f"neither a modelled institution nor a tier: {quote(key)}",
                )
            )
    for k, iid in enumerate(ids):
        tier = registry.institution(iid).tier.value
        rate = given.get(iid, given.get(tier))
        if rate is None:
            problems.append(
                Problem(("service_rates", iid), f"missing (no rate for it or its tier {tier!r})")
            )
        else:
            out[k] = rate
    return out


def _routes(
    registry: Registry, ids: list[str], shares: dict[str, float], policy: ReferralPolicy | None
) -> tuple[list[tuple[str, str, float]], list[UnroutedShare]]:
    """Best destination of every (origin, criterion), from one batch of referral decisions."""
    codes = [c for c, s in shares.items() if s > 0]
    if not codes or not ids:
        return [], []
    origin = np.repeat(np.asarray(ids), len(codes))
    crit = np.tile(np.asarray(codes), len(ids))
    batch = evaluate_many(
        registry, ReferralCases.from_arrays(origin=origin, criterion=crit), policy=policy
    )
    modelled = set(ids)
    pairs: list[tuple[str, str, float]] = []
    unrouted: list[UnroutedShare] = []
    all_ids = [i.id for i in registry.institutions]
    for k, best in enumerate(batch.best.tolist()):
        o, c = str(origin[k]), str(crit[k])
        if best < 0:
            unrouted.append(UnroutedShare(o, c, shares[c], "no eligible destination"))
        elif all_ids[best] not in modelled:
            unrouted.append(
                UnroutedShare(o, c, shares[c], f"destination outside the network: {all_ids[best]}")
            )
        else:
            pairs.append((o, all_ids[best], shares[c]))
    return pairs, unrouted


def _tier_network(
    registry: Registry,
    ids: list[str],
    *,
    lam: FloatArray,
    cap: IntArray,
    mu: FloatArray,
    pairs: list[tuple[str, str, float]],
    time_unit: TimeUnit,
) -> FlowNetwork:
    """Pool institutions by tier; route with the exact institution-level flows."""
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    n = len(ids)
    pos = {iid: k for k, iid in enumerate(ids)}
    tier_of = np.array([registry.institution(i).tier.rank for i in ids])
    order = sorted(set(tier_of.tolist()))
    names = [next(t.value for t in Tier if t.rank == r) for r in order]
    t_idx = np.searchsorted(order, tier_of)
    a = np.array([pos[x] for x, _, _ in pairs], dtype=np.int64)
    b = np.array([pos[y] for _, y, _ in pairs], dtype=np.int64)
    p = np.array([s for _, _, s in pairs])
    routing = sparse.csr_matrix((p, (a, b)), shape=(n, n))
    total = np.atleast_1d(spsolve((sparse.identity(n, format="csc") - routing.T).tocsc(), lam))
    m = len(names)
    flow = np.zeros((m, m))
    np.add.at(flow, (t_idx[a], t_idx[b]), total[a] * p)
    through = np.bincount(t_idx, total, minlength=m)
    t_routing = np.divide(
        flow, through[:, None], out=np.zeros_like(flow), where=through[:, None] > 0
    )
    servers = np.bincount(t_idx, cap, minlength=m)
    rate = np.bincount(t_idx, cap * mu, minlength=m) / servers
    return FlowNetwork(
        nodes=names,
        arrival_rates=np.bincount(t_idx, lam, minlength=m),
        routing=np.minimum(t_routing, 1.0),
        servers=servers.astype(np.int64),
        service_rates=rate,
        time_unit=time_unit,
    )

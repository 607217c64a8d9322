"""A flow network from observed activity: care counts and referral records of one period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.flow._network import FloatArray, FlowNetwork
from medalliance.flow._registry import (
    ReferralNetwork,
    UnroutedShare,
    _members,
    _servers,
    _service,
)
from medalliance.indicators import Activity
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry
from medalliance.referral import referral_channels


def observed_network(
    registry: Registry,
    activity: Activity,
    *,
    period: str,
    period_days: float,
    service_rates: float | Mapping[str, float],
    kind: Literal["admission", "visit"] = "admission",
    servers: Mapping[str, int] | None = None,
    beds_per_server: float | None = 1.0,
    default_servers: int | None = None,
    alliance: str | None = None,
    allow_outside_channels: bool = False,
) -> ReferralNetwork:
    """A flow network (per day) from the care and referral records of one period.

    Each modelled institution's total arrival rate is its care count of ``kind`` in
    ``period`` over ``period_days``; the routing probability ``i → j`` is the referrals
    from ``i`` to ``j`` in the period over ``i``'s care count; external arrivals are what
    remains, ``γ = (I − Pᵀ) λ``. Referrals must follow a referral channel of the registry
    (:func:`medalliance.referral.referral_channels`, every specialty) unless
    ``allow_outside_channels``; referrals to institutions that are not modelled leave the
    network and are listed in ``unrouted``.

    Parameters
    ----------
    registry : Registry
    activity : Activity
        Care records (by institution) and referral records.
    period : str
        The reporting period to use (e.g. ``"2019"``).
    period_days : float
        Its length in days: counts become rates per day.
    service_rates, servers, beds_per_server, default_servers, alliance
        As in :func:`referral_network`.
    kind : {"admission", "visit"}
        Which care records count as arrivals.
    allow_outside_channels : bool
        Accept referrals between institutions that share no referral channel.

    Returns
    -------
    ReferralNetwork

    Raises
    ------
    MedAllianceError
        Every problem at once: referrals outside the channels, origins without care
        records, more referrals out of an institution than its care count, more referred
        into an institution than its care count (negative external arrivals), capacity
        problems as in :func:`referral_network`.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> act = Activity(
    ...     care=[{"period": "2019", "kind": "admission", "count": 3650,
    ...            "institution": "county_hospital"},
    ...           {"period": "2019", "kind": "admission", "count": 730,
    ...            "institution": "township_centre"}],
    ...     referrals=[{"period": "2019", "origin": "township_centre",
    ...                 "destination": "county_hospital", "count": 73}])
    >>> built = observed_network(reg, act, period="2019", period_days=365,
    ...                          service_rates={"secondary": 0.125, "primary": 0.25},
    ...                          servers={"county_hospital": 120, "township_centre": 20})
    >>> built.network.routing.tolist(), built.network.external_rates.tolist()
    ([[0.0, 0.0], [0.1, 0.0]], [9.8, 2.0])
    """
    require_registry(registry)
    problems: list[Problem] = []
    ids = _members(registry, alliance, problems)
    if not (isinstance(period_days, int | float) and 0 < period_days < float("inf")):
        problems.append(
            Problem(("period_days",), f"must be a number > 0, got {quote(period_days)}")
        )
    cap = _servers(
        registry,
        ids,
        servers,
        per_server=beds_per_server,
        default=default_servers,
        problems=problems,
    )
    mu = _service(registry, ids, service_rates, problems)
    if problems:
        raise MedAllianceError(problems)
    pos = {iid: k for k, iid in enumerate(ids)}
    care = np.zeros(len(ids))
    for r in activity.care:
        if r.period == period and r.kind.value == kind and r.institution in pos:
            care[pos[r.institution]] += r.count
    pairs, unrouted = _observed_pairs(activity, period, pos=pos, care=care, problems=problems)
    if not allow_outside_channels:
        _check_channels(registry, pairs, problems)
    routing, gamma = _rates(ids, pairs, care, period_days if not problems else 1.0)
    problems += [
        Problem(
            ("activity", "care", ids[j]),
            f"{care[j]:g} {kind}s in {period!r} but more "
            "referred into it: care counts must include referred patients",
        )
        for j in np.flatnonzero(gamma < -1e-9 * np.maximum(care, 1)).tolist()
    ]
    if problems:
        raise MedAllianceError(problems)
    net = FlowNetwork(
        nodes=ids,
        arrival_rates=np.maximum(gamma, 0.0),
        routing=routing,
        servers=cap,
        service_rates=mu,
        time_unit="day",
    )
    return ReferralNetwork(
        network=net,
        level="institution",
        institutions=tuple(ids),
        routing_pairs=tuple((a, b, float(routing[pos[a], pos[b]])) for a, b in pairs),
        unrouted=tuple(unrouted),
        assumptions={
            "period": period,
            "period_days": period_days,
            "kind": kind,
            "service_rates": service_rates,
            "servers": servers,
            "beds_per_server": beds_per_server,
            "default_servers": default_servers,
            "alliance": alliance,
            "allow_outside_channels": allow_outside_channels,
        },
    )


def _rates(
    ids: list[str], pairs: Mapping[tuple[str, str], int], care: FloatArray, days: float
) -> tuple[FloatArray, FloatArray]:
    """Routing ``referrals / care at the origin`` and external arrivals ``(I − Pᵀ) λ``."""
    pos = {iid: k for k, iid in enumerate(ids)}
    routing = np.zeros((len(ids), len(ids)))
    for (a, b), count in pairs.items():
        if care[pos[a]] > 0:
            routing[pos[a], pos[b]] = count / care[pos[a]]
    total = care / days
    gamma: FloatArray = total - routing.T @ total
    return routing, gamma


def _observed_pairs(
    activity: Activity,
    period: str,
    *,
    pos: Mapping[str, int],
    care: FloatArray,
    problems: list[Problem],
) -> tuple[dict[tuple[str, str], int], list[UnroutedShare]]:
    pairs: dict[tuple[str, str], int] = {}
    out_of: dict[str, int] = {}
    unrouted: list[UnroutedShare] = []
    for k, r in enumerate(activity.referrals):
        if r.period != period or r.origin not in pos:
            continue
        if care[pos[r.origin]] == 0:
            problems.append(
                Problem(
                    ("activity", "referrals", k),
                    f"origin {quote(r.origin)} has no care records in {period!r}",
                )
            )
            continue
        out_of[r.origin] = out_of.get(r.origin, 0) + r.count
        if r.destination not in pos:
            unrouted.append(
                UnroutedShare(
                    r.origin,
                    "observed",
                    r.count / care[pos[r.origin]],
                    f"destination outside the network: {r.destination}",
                )
            )
            continue
        key = (r.origin, r.destination)
        pairs[key] = pairs.get(key, 0) + r.count
    for origin, n in out_of.items():
        if n > care[pos[origin]]:
            problems.append(
                Problem(
                    ("activity", "referrals", origin),
                    f"{n:,} referrals out in {period!r} but only {care[pos[origin]]:g} cared for",
                )
            )
    return pairs, unrouted


def _check_channels(
    registry: Registry, pairs: Mapping[tuple[str, str], Any], problems: list[Problem]
) -> None:
    """Every observed referral pair shares a referral channel (of any specialty)."""
    if not pairs:
        return
    ch = referral_channels(registry, all_specialties=True)
    where = ch.position
    by_institution = ch.incidence().T.tocsr()
    a = np.array([where[x] for x, _ in pairs], dtype=np.int64)
    b = np.array([where[y] for _, y in pairs], dtype=np.int64)
    shared = np.asarray(by_institution[a].multiply(by_institution[b]).sum(axis=1)).ravel() > 0
    for (x, y), ok in zip(pairs, shared.tolist(), strict=True):
        if not ok:
            problems.append(
                Problem(
                    ("activity", "referrals", f"{x}->{y}"),
                    "no referral channel between them (allow_outside_channels=True to accept)",
                )
            )

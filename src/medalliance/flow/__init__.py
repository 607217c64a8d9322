"""Referral flows: queueing over the alliance's referral network, exact and simulated.

Eligibility (:mod:`medalliance.referral`) says where a patient *may* go; this package says
what happens when patients *do* go: how busy each institution's beds or doctors are, how long
referred patients wait, and what a change of routing, capacity or service speed does.

A :class:`FlowNetwork` is an open queueing network: nodes (institutions, tiers or service
lines), external Poisson arrivals per patient class, a routing matrix (row ``i`` gives the
probability of going on to each node; the rest of the row leaves), parallel servers and an
exponential service rate per node. Scenarios are new networks: ``with_routing``,
``with_capacity``, ``with_service``, ``with_arrivals``.

- :func:`analyse` — exact steady state (Jackson product form, M/M/c nodes): traffic
  equations, utilisation, Erlang C waits and queue lengths, sojourn along a path; nodes at
  or over capacity are listed as unstable with their excess demand, never ``inf``/``NaN``.
- :func:`simulate` — a native engine that advances all replications together with numpy
  (priorities between classes, runs that start with patients waiting), with confidence
  intervals per measure, deterministic for a seed; ``engine="ciw"`` runs the same network
  in ``ciw`` (:func:`to_ciw`, the ``flow`` extra) and returns the individual waits too.
- :func:`referral_network` — a network from a registry: routes only along the referral
  channels the referral module reports, from an assumed policy mix; servers from beds;
  every assumption a named parameter; per institution or pooled per tier.
  :func:`observed_network` does the same from one period's care and referral records
  (:class:`~medalliance.indicators.Activity`), checking each referral against the channels.
- :func:`compare` and :func:`within_share` — scenarios side by side, and the projected
  share of care completed within a set of nodes (the within-county care rate).

Rules:

- **Units.** Every rate is per ``time_unit`` of the network (default hours); waits and
  sojourns are in that unit.
- **Priorities.** Classes are listed highest first; a freed server takes the longest-waiting
  patient of the highest class; a service is never interrupted; a patient keeps its class.
- **Validation.** All problems at once: unknown or missing nodes, rates that are negative
  or not finite, service rates of 0, servers that are not whole numbers >= 1, routing
  entries outside [0, 1], rows summing to more than 1, nodes nobody can leave.

Examples
--------
>>> net = jackson_example()
>>> net.nodes
('township', 'imaging', 'county', 'city')
>>> res = analyse(net)
>>> [round(x, 3) for x in res.utilisation.tolist()]
[0.732, 0.775, 0.654, 0.446]
>>> sim = simulate(net, horizon=500, warmup=20, replications=20, seed=1)
>>> bool((abs(sim.mean("utilisation") - res.utilisation) < 0.03).all())
True
"""

from __future__ import annotations

from medalliance.flow._analyse import (
    MEASURES,
    FlowAnalysis,
    UnstableNode,
    analyse,
    erlang_c,
    traffic,
)
from medalliance.flow._ciw import to_ciw
from medalliance.flow._data import network_from_data, scenarios_from_data
from medalliance.flow._network import FlowNetwork
from medalliance.flow._observed import observed_network
from medalliance.flow._registry import ReferralNetwork, UnroutedShare, referral_network
from medalliance.flow._scenarios import ScenarioComparison, compare, within_share
from medalliance.flow._simulate import SimulationResult, simulate

__all__ = [
    "MEASURES",
    "FlowAnalysis",
    "FlowNetwork",
    "ReferralNetwork",
    "ScenarioComparison",
    "SimulationResult",
    "UnroutedShare",
    "UnstableNode",
    "analyse",
    "compare",
    "erlang_c",
    "jackson_example",
    "network_from_data",
    "observed_network",
    "referral_network",
    "scenarios_from_data",
    "simulate",
    "to_ciw",
    "traffic",
    "within_share",
]


def jackson_example() -> FlowNetwork:
    """The 4-node Jackson network of the benchmarks: township → county → city + imaging.

    A township health centre (2 doctors), a shared imaging centre (1 scanner), the county
    hospital (3 servers) and the city hospital (2); rates per hour. Township patients go
    on to imaging (30%) or the county (20%); imaging sends 25% to the county; the county
    sends 10% up to the city, 20% to imaging and 10% back down to the township; the city
    sends 30% back down to the county.

    Returns
    -------
    FlowNetwork

    Examples
    --------
    >>> jackson_example().servers.tolist()
    [2, 1, 3, 2]
    """
    return FlowNetwork(
        nodes=["township", "imaging", "county", "city"],
        arrival_rates={"township": 4.0, "imaging": 1.0, "county": 2.0, "city": 0.5},
        routing={
            "township": {"imaging": 0.3, "county": 0.2},
            "imaging": {"county": 0.25},
            "county": {"city": 0.1, "imaging": 0.2, "township": 0.1},
            "city": {"county": 0.3},
        },
        servers={"township": 2, "imaging": 1, "county": 3, "city": 2},
        service_rates={"township": 3.0, "imaging": 4.0, "county": 2.0, "city": 1.0},
    )

"""The bridge to ``ciw`` (optional extra ``flow``): the same network as a ciw Network."""

from __future__ import annotations

from typing import Any

import numpy as np

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.flow._network import FloatArray, FlowNetwork, IntArray


def to_ciw(network: FlowNetwork) -> Any:
    """The network as a ``ciw.network.Network`` (needs ``pip install 'medalliance[flow]'``).

    Each node gets exponential arrivals of each class (none where the rate is 0),
    exponential service at its service rate, its servers, and the routing matrix; classes
    keep their order as ciw priorities (0 is served first). Build on it in ciw for what the
    native engine does not model: other service distributions, blocking, server schedules.

    Parameters
    ----------
    network : FlowNetwork

    Returns
    -------
    ciw.network.Network

    Examples
    --------
    >>> from medalliance.flow import jackson_example
    >>> N = to_ciw(jackson_example())
    >>> N.number_of_nodes, [n.number_of_servers for n in N.service_centres]
    (4, [2, 1, 3, 2])
    """
    ciw = require("ciw", extra="flow")
    names = list(network.classes)

    def arrivals(k: int) -> list[Any]:
        return [
            ciw.dists.Exponential(rate=float(r)) if r > 0 else None
            for r in network.arrival_rates[k].tolist()
        ]

    service = [ciw.dists.Exponential(rate=float(m)) for m in network.service_rates.tolist()]
    routing = network.routing.tolist()
    return ciw.create_network(
        arrival_distributions={c: arrivals(k) for k, c in enumerate(names)},
        service_distributions={c: list(service) for c in names},
        number_of_servers=[int(c) for c in network.servers.tolist()],
        routing={c: [list(row) for row in routing] for c in names},
        priority_classes={c: k for k, c in enumerate(names)},
    )


def run_ciw(
    network: FlowNetwork,
    *,
    horizon: float,
    warmup: float,
    replications: int,
    rng: np.random.Generator,
    initial: IntArray,
) -> tuple[dict[str, FloatArray], tuple[FloatArray, ...], int]:
    """Replications in ciw, one after the other; measures from its service records.

    ciw seeds global random streams (``random`` and ``ciw.rng``); each replication is
    seeded from ``rng``. Waits and sojourns are measured per patient (those starting
    service in the window); ``mean_in_system`` and ``mean_queue`` follow from Little's law;
    utilisation is the service time inside the window over ``servers · window``.
    """
    if initial.any():
        raise MedAllianceError(
            [
                Problem(
                    ("initial_queue",),
                    "ciw cannot start with patients present (Ciw#98); use engine='native'",
                )
            ]
        )
    ciw = require("ciw", extra="flow")
    k, n = network.arrival_rates.shape
    window = horizon - warmup
    shape = (replications, n)
    out = {m: np.zeros(shape) for m in ("arrival_rate", "utilisation", "mean_wait", "mean_sojourn")}
    class_wq = np.zeros((replications, k, n))
    waits: list[list[FloatArray]] = [[] for _ in range(n)]
    events = 0
    for r in range(replications):
        ciw.seed(int(rng.integers(2**31)))
        sim = ciw.Simulation(to_ciw(network))
        sim.simulate_until_max_time(horizon)
        recs = [x for x in sim.get_all_records() if x.record_type == "service"]
        events += 2 * len(recs)
        node = np.array([x.node - 1 for x in recs], dtype=np.int64)
        cls = np.array([network.classes.index(x.customer_class) for x in recs], dtype=np.int64)
        arrive = np.array([x.arrival_date for x in recs])
        start = np.array([x.service_start_date for x in recs])
        end = np.array([x.service_end_date for x in recs])
        wait = np.array([x.waiting_time for x in recs])
        seen = start >= warmup
        busy = np.clip(np.minimum(end, horizon) - np.maximum(start, warmup), 0.0, None)
        out["arrival_rate"][r] = np.bincount(node[arrive >= warmup], minlength=n) / window
        out["utilisation"][r] = np.bincount(node, busy, minlength=n) / (network.servers * window)
        count = np.bincount(node[seen], minlength=n)
        wq = np.bincount(node[seen], wait[seen], minlength=n) / np.maximum(count, 1)
        out["mean_wait"][r] = wq
        out["mean_sojourn"][r] = (
            np.bincount(node[seen], (end - start)[seen], minlength=n) / np.maximum(count, 1) + wq
        )
        both = cls[seen] * n + node[seen]
        per = np.bincount(both, minlength=k * n).reshape(k, n)
        class_wq[r] = np.bincount(both, wait[seen], minlength=k * n).reshape(k, n) / np.maximum(
            per, 1
        )
        for j in range(n):
            waits[j].append(wait[seen & (node == j)])
    out["mean_in_system"] = out["arrival_rate"] * out["mean_sojourn"]
    out["mean_queue"] = out["arrival_rate"] * out["mean_wait"]
    out["class_mean_wait"] = class_wq
    return out, tuple(np.concatenate(w) for w in waits), events

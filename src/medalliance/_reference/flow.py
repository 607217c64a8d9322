"""Naive references for referral flows (internal): formulas and a patient-by-patient simulator.

Written for obviousness, not speed, from the documented rules of :mod:`medalliance.flow`, and
never importing its solver or engine (import-linter checks): traffic by repeated substitution
``λ ← γ + Pᵀλ``; Erlang C by its closed-form sum with factorials; a discrete-event simulator
with a heap of events and a Python list per queue, one replication, each patient followed
from arrival to departure. The tests use them as oracles for :func:`~medalliance.flow.analyse`
and :func:`~medalliance.flow.simulate`.

Examples
--------
>>> round(naive_erlang_c(2, 1.0), 6)
0.333333
>>> naive_mmc(1, 3.0, 4.0)["mean_wait"]
0.75
"""

from __future__ import annotations

import heapq
import math
import random
from typing import Any

from medalliance.flow._network import FlowNetwork


def naive_erlang_c(servers: int, offered: float) -> float:
    """Erlang C from its textbook sum: ``(a^c/c!)(c/(c-a)) / (Σ_{k<c} a^k/k! + (a^c/c!)(c/(c-a)))``.

    Examples
    --------
    >>> naive_erlang_c(1, 0.5)
    0.5
    """
    c, a = servers, offered
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def naive_mmc(servers: int, arrival_rate: float, service_rate: float) -> dict[str, float]:
    """Steady state of one M/M/c queue: ``Lq``, ``Wq``, ``W``, ``L``, utilisation.

    Examples
    --------
    >>> naive_mmc(2, 2.0, 2.0)["mean_queue"]
    0.3333333333333333
    """
    a = arrival_rate / service_rate
    rho = a / servers
    pw = naive_erlang_c(servers, a)
    lq = pw * rho / (1 - rho)
    wq = lq / arrival_rate if arrival_rate else 0.0
    return {
        "utilisation": rho,
        "mean_queue": lq,
        "mean_wait": wq,
        "mean_sojourn": wq + 1 / service_rate,
        "mean_in_system": lq + a,
        "wait_probability": pw,
    }


def naive_traffic(network: FlowNetwork, *, rounds: int = 10_000) -> list[float]:
    """Total arrivals per node by repeated substitution ``λ ← γ + Pᵀλ`` until it settles.

    Examples
    --------
    >>> net = FlowNetwork(nodes=["a", "b"], arrival_rates=[2.0, 0.0], servers=[1, 1],
    ...                   service_rates=[5, 5], routing={"a": {"b": 0.5}, "b": {"a": 0.5}})
    >>> [round(x, 6) for x in naive_traffic(net)]
    [2.666667, 1.333333]
    """
    n = len(network.nodes)
    rates = network.arrival_rates.tolist()
    gamma = [sum(row[i] for row in rates) for i in range(n)]
    p = network.routing.tolist()
    lam = list(gamma)
    for _ in range(rounds):
        new = [gamma[j] + sum(lam[i] * p[i][j] for i in range(n)) for j in range(n)]
        if max(abs(x - y) for x, y in zip(new, lam, strict=True)) < 1e-13:
            return new
        lam = new
    return lam


def naive_simulate(
    network: FlowNetwork, *, horizon: float, warmup: float, seed: int
) -> dict[str, Any]:
    """One replication, patient by patient, with a heap of events.

    Returns per node: ``arrivals`` (count in the window), ``mean_wait`` (of patients who
    start service in the window), ``mean_in_system`` and ``mean_queue`` (time averages over
    the window) and ``utilisation``; and per class ``class_mean_wait`` (a list per class).

    Examples
    --------
    >>> net = FlowNetwork(nodes=["a"], arrival_rates=[1], servers=[1], service_rates=[2])
    >>> out = naive_simulate(net, horizon=2000, warmup=100, seed=1)
    >>> 0.4 < out["utilisation"][0] < 0.6
    True
    """
    rnd = random.Random(seed)
    n, classes = len(network.nodes), len(network.classes)
    rate = network.arrival_rates.tolist()
    servers = network.servers.tolist()
    mu = network.service_rates.tolist()
    p = network.routing.tolist()
    events: list[tuple[float, int, str, Any]] = []
    tick = 0

    def push(t: float, kind: str, data: Any) -> None:
        nonlocal tick
        tick += 1
        heapq.heappush(events, (t, tick, kind, data))

    for k in range(classes):
        for i in range(n):
            if rate[k][i] > 0:
                push(rnd.expovariate(rate[k][i]), "outside", (k, i))
    queues: list[list[list[float]]] = [[[] for _ in range(n)] for _ in range(classes)]
    busy = [0] * n
    st: dict[str, Any] = {
        "arrivals": [0] * n,
        "waits": [[[] for _ in range(n)] for _ in range(classes)],
        "area_sys": [0.0] * n,
        "area_q": [0.0] * n,
        "area_busy": [0.0] * n,
    }
    now = 0.0

    def start(t: float, k: int, i: int, since: float) -> None:
        busy[i] += 1
        if t >= warmup:
            st["waits"][k][i].append(t - since)
        push(t + rnd.expovariate(mu[i]), "done", (k, i))

    def arrive(t: float, k: int, i: int) -> None:
        if t >= warmup:
            st["arrivals"][i] += 1
        if busy[i] < servers[i]:
            start(t, k, i, t)
        else:
            queues[k][i].append(t)

    def observe(span: float) -> None:
        for j in range(n):
            waiting = sum(len(queues[c][j]) for c in range(classes))
            st["area_q"][j] += span * waiting
            st["area_busy"][j] += span * busy[j]
            st["area_sys"][j] += span * (waiting + busy[j])

    while events and events[0][0] < horizon:
        t, _, kind, (k, i) = heapq.heappop(events)
        observe(max(0.0, t - max(now, warmup)))
        now = t
        if kind == "outside":
            arrive(t, k, i)
            push(t + rnd.expovariate(rate[k][i]), "outside", (k, i))
            continue
        busy[i] -= 1
        for c in range(classes):
            if queues[c][i]:
                start(t, c, i, queues[c][i].pop(0))
                break
        r, acc = rnd.random(), 0.0
        for j in range(n):
            acc += p[i][j]
            if r < acc:
                arrive(t, k, j)
                break
    observe(max(0.0, horizon - max(now, warmup)))
    window = horizon - warmup
    all_waits = [[w for c in range(classes) for w in st["waits"][c][j]] for j in range(n)]
    return {
        "arrivals": [float(x) for x in st["arrivals"]],
        "mean_wait": [sum(w) / len(w) if w else 0.0 for w in all_waits],
        "mean_in_system": [x / window for x in st["area_sys"]],
        "mean_queue": [x / window for x in st["area_q"]],
        "utilisation": [st["area_busy"][j] / (servers[j] * window) for j in range(n)],
        "class_mean_wait": [
            [sum(w) / len(w) if w else 0.0 for w in st["waits"][c]] for c in range(classes)
        ],
    }

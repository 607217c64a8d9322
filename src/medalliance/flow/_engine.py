"""The native engine: every replication advanced together, one event per replication a step.

The state of replication ``r`` is the number of patients of each class in service and
waiting at each node, with the arrival time of every waiting patient in a ring buffer (first
come first served within a class). A step draws, for every replication at once, the time to
its next event (exponential with the total rate of arrivals and services in progress) and
which event it is, then applies the events with array operations: a service completion
(the patient is one of those in service, each equally likely: service is memoryless), a
waiting patient starting service (highest class first), a routed or external arrival. The
only Python loop is over steps; its length is the number of events of one replication.

Statistics are kept over ``[warmup, horizon]``: time integrals of patients present, waiting
and in service, arrivals, service completions, and every wait measured patient by patient
from the buffer (waits of patients who start service after ``warmup``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.flow._network import FloatArray, FlowNetwork, IntArray

_START_BUFFER = 64


@dataclass
class Totals:
    """Per-replication statistics over the observation window."""

    area_system: FloatArray  # (R, N) ∫ patients present dt
    area_queue: FloatArray  # (R, K, N) ∫ patients waiting dt
    area_busy: FloatArray  # (R, N) ∫ busy servers dt
    arrivals: IntArray  # (R, N)
    completions: IntArray  # (R, N)
    wait_sum: FloatArray  # (R, K, N)
    wait_count: IntArray  # (R, K, N)
    events: int  # events applied, all replications


class _State:
    """Mutable arrays of all replications (private to one :func:`run`)."""

    def __init__(self, network: FlowNetwork, reps: int, initial: IntArray) -> None:
        k, n = network.arrival_rates.shape
        self.t = np.zeros(reps)
        self.busy = np.zeros((reps, n), dtype=np.int64)
        self.insvc = np.zeros((reps, k, n), dtype=np.int64)
        self.q = np.zeros((reps, k, n), dtype=np.int64)
        self.head = np.zeros((reps, k, n), dtype=np.int64)
        size = _START_BUFFER
        while size <= int(initial.max(initial=0)):
            size *= 2
        self.buf = np.zeros((reps, k, n, size))
        free = network.servers.copy()
        for cls in range(k):  # higher classes take the free servers first
            start = np.minimum(initial[cls], free)
            free = free - start
            self.insvc[:, cls] = start
            self.q[:, cls] = initial[cls] - start
        self.busy[:] = self.insvc.sum(axis=1)

    def grow(self) -> None:
        size = self.buf.shape[-1]
        order = (self.head[..., None] + np.arange(size)) % size
        ordered = np.take_along_axis(self.buf, order, axis=-1)
        self.buf = np.concatenate([ordered, np.zeros_like(ordered)], axis=-1)
        self.head[:] = 0


def run(
    network: FlowNetwork,
    *,
    horizon: float,
    warmup: float,
    replications: int,
    rng: np.random.Generator,
    initial: IntArray,
) -> Totals:
    """Simulate ``replications`` independent runs of ``network`` over ``[0, horizon]``."""
    k, n = network.arrival_rates.shape
    reps = replications
    s = _State(network, reps, initial)
    gamma = network.arrival_rates.ravel()
    g_cum = np.cumsum(gamma)
    g_total = float(g_cum[-1])
    mu = network.service_rates
    p_cum = np.cumsum(network.routing, axis=1)
    tot = Totals(
        area_system=np.zeros((reps, n)),
        area_queue=np.zeros((reps, k, n)),
        area_busy=np.zeros((reps, n)),
        arrivals=np.zeros((reps, n), dtype=np.int64),
        completions=np.zeros((reps, n), dtype=np.int64),
        wait_sum=np.zeros((reps, k, n)),
        wait_count=np.zeros((reps, k, n), dtype=np.int64),
        events=0,
    )
    active = np.ones(reps, dtype=bool)
    while active.any():
        live = np.flatnonzero(active)
        svc = s.busy[live] * mu
        rate = g_total + svc.sum(axis=1)
        draws = rng.random((len(live), 4))
        with np.errstate(divide="ignore"):
            t_new = s.t[live] - np.log1p(-draws[:, 0]) / rate  # inf when nothing can happen
        _accumulate(s, tot, live, np.minimum(t_new, horizon), warmup)
        ends = t_new >= horizon
        s.t[live] = np.minimum(t_new, horizon)
        active[live[ends]] = False
        keep = ~ends
        live, svc, rate, draws = live[keep], svc[keep], rate[keep], draws[keep]
        if not len(live):
            break
        tot.events += len(live)
        u = draws[:, 1] * rate
        is_arrival = u < g_total
        ext = live[is_arrival]
        flat = np.minimum(np.searchsorted(g_cum, u[is_arrival], side="right"), k * n - 1)
        moved = _complete(
            s,
            tot,
            reps=live[~is_arrival],
            svc=svc[~is_arrival],
            v=u[~is_arrival] - g_total,
            draws=draws[~is_arrival],
            p_cum=p_cum,
            warmup=warmup,
        )
        reps_in = np.concatenate([ext, moved[0]])
        cls_in = np.concatenate([flat // n, moved[1]])
        node_in = np.concatenate([flat % n, moved[2]])
        _arrive(
            s, tot, servers=network.servers, reps=reps_in, cls=cls_in, node=node_in, warmup=warmup
        )
    return tot


def _accumulate(s: _State, tot: Totals, live: IntArray, end: FloatArray, warmup: float) -> None:
    span = np.maximum(end - np.maximum(s.t[live], warmup), 0.0)
    waiting = s.q[live]
    tot.area_queue[live] += span[:, None, None] * waiting
    tot.area_busy[live] += span[:, None] * s.busy[live]
    tot.area_system[live] += span[:, None] * (s.busy[live] + waiting.sum(axis=1))


def _complete(
    s: _State,
    tot: Totals,
    *,
    reps: IntArray,
    svc: FloatArray,
    v: FloatArray,
    draws: FloatArray,
    p_cum: FloatArray,
    warmup: float,
) -> tuple[IntArray, IntArray, IntArray]:
    """Apply service completions; return the (replication, class, node) of routed patients."""
    n = svc.shape[1]
    node = _pick(svc, v)
    # the finishing patient: each one in service equally likely (memoryless service)
    per_cls = s.insvc[reps, :, node]
    cls = _pick(per_cls, draws[:, 2] * per_cls.sum(axis=1))
    s.insvc[reps, cls, node] -= 1
    s.busy[reps, node] -= 1
    now = s.t[reps]
    tot.completions[reps, node] += now >= warmup
    _start_waiting(s, tot, reps, node, warmup)
    dest = (p_cum[node] <= draws[:, 3][:, None]).sum(axis=1)
    stay = dest < n
    return reps[stay], cls[stay], dest[stay]


def _pick(weights: np.ndarray[Any, Any], u: FloatArray) -> IntArray:
    """Per row, the column whose cumulative weight first exceeds ``u`` (never a 0 weight)."""
    cols = weights.shape[1]
    out: IntArray = np.minimum((np.cumsum(weights, axis=1) <= u[:, None]).sum(axis=1), cols - 1)
    rows = np.arange(len(out))
    bad = weights[rows, out] <= 0  # u rounded up to the row total: take the last positive
    if bad.any():
        last = cols - 1 - np.argmax(weights[bad][:, ::-1] > 0, axis=1)
        out[bad] = last
    return out


def _start_waiting(s: _State, tot: Totals, reps: IntArray, node: IntArray, warmup: float) -> None:
    """At each freed server, the longest-waiting patient of the highest class starts."""
    waiting = s.q[reps, :, node] > 0
    has = waiting.any(axis=1)
    reps, node = reps[has], node[has]
    cls = np.argmax(waiting[has], axis=1)
    size = s.buf.shape[-1]
    h = s.head[reps, cls, node]
    now = s.t[reps]
    wait = now - s.buf[reps, cls, node, h]
    s.head[reps, cls, node] = (h + 1) % size
    s.q[reps, cls, node] -= 1
    s.insvc[reps, cls, node] += 1
    s.busy[reps, node] += 1
    seen = now >= warmup
    tot.wait_sum[reps, cls, node] += np.where(seen, wait, 0.0)
    tot.wait_count[reps, cls, node] += seen


def _arrive(
    s: _State,
    tot: Totals,
    *,
    servers: IntArray,
    reps: IntArray,
    cls: IntArray,
    node: IntArray,
    warmup: float,
) -> None:
    """Arrivals (one per replication at most): served at once if a server is free."""
    now = s.t[reps]
    seen = now >= warmup
    tot.arrivals[reps, node] += seen
    free = s.busy[reps, node] < servers[node]
    r, c, j = reps[free], cls[free], node[free]
    s.busy[r, j] += 1
    s.insvc[r, c, j] += 1
    tot.wait_count[r, c, j] += seen[free]
    r, c, j, t = reps[~free], cls[~free], node[~free], now[~free]
    if len(r) and int(s.q[r, c, j].max()) >= s.buf.shape[-1]:
        s.grow()
    pos = (s.head[r, c, j] + s.q[r, c, j]) % s.buf.shape[-1]
    s.buf[r, c, j, pos] = t
    s.q[r, c, j] += 1


def expected_events(network: FlowNetwork, horizon: float, initial: IntArray) -> float:
    """An upper bound on the mean number of events of one replication (arrivals + services)."""
    from medalliance.flow._analyse import traffic

    lam = traffic(network).sum(axis=0)
    served = np.minimum(lam, network.servers * network.service_rates)
    return float(horizon * (network.arrival_rates.sum() + served.sum()) + initial.sum())

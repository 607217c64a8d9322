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
    """Mutable flat arrays of all replications (private to one :func:`run`).

    Per-node arrays are ``(R·N,)`` (index ``r·N + j``), per class and node ``(R·K·N,)``
    (index ``r·K·N + k·N + j``): one flat index per cell keeps every update a 1-D
    fancy-indexing operation.
    """

    def __init__(self, network: FlowNetwork, reps: int, initial: IntArray) -> None:
        k, n = network.arrival_rates.shape
        self.k, self.n = k, n
        self.t = np.zeros(reps)
        insvc = np.zeros((reps, k, n), dtype=np.int64)
        q = np.zeros((reps, k, n), dtype=np.int64)
        free = network.servers.copy()
        for cls in range(k):  # higher classes take the free servers first
            start = np.minimum(initial[cls], free)
            free = free - start
            insvc[:, cls] = start
            q[:, cls] = initial[cls] - start
        self.busy = insvc.sum(axis=1).ravel()
        self.insvc, self.q = insvc.ravel(), q.ravel()
        self.head = np.zeros(reps * k * n, dtype=np.int64)
        size = _START_BUFFER
        while size <= int(initial.max(initial=0)):
            size *= 2
        self.buf = np.zeros((reps * k * n, size))  # arrival times of waiting patients

    def grow(self) -> None:
        size = self.buf.shape[1]
        order = (self.head[:, None] + np.arange(size)) % size
        ordered = np.take_along_axis(self.buf, order, axis=1)
        self.buf = np.concatenate([ordered, np.zeros_like(ordered)], axis=1)
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
    g_cum = np.cumsum(network.arrival_rates.ravel())
    g_total = float(g_cum[-1])
    mu = network.service_rates
    p_cum = np.cumsum(network.routing, axis=1)
    servers = np.tile(network.servers, reps)
    tot = _Flat(reps, k, n)
    active = np.ones(reps, dtype=bool)
    while True:
        busy = s.busy.reshape(reps, n)
        svc = busy * mu
        rate = g_total + svc.sum(axis=1)
        draws = rng.random((reps, 4))
        with np.errstate(divide="ignore"):
            t_new = s.t - np.log1p(-draws[:, 0]) / rate  # inf when nothing can happen
        end = np.minimum(t_new, horizon)
        span = np.maximum(end - np.maximum(s.t, warmup), 0.0)
        tot.area_queue += span[:, None] * s.q.reshape(reps, k * n)
        tot.area_busy += span[:, None] * busy
        s.t = end
        active &= t_new < horizon
        live = np.flatnonzero(active)
        if not len(live):
            break
        tot.events += len(live)
        u = draws[live, 1] * rate[live]
        is_arrival = u < g_total
        flat = np.minimum(np.searchsorted(g_cum, u[is_arrival], side="right"), k * n - 1)
        done = ~is_arrival
        moved = _complete(
            s,
            tot,
            reps=live[done],
            svc=svc[live[done]],
            v=u[done] - g_total,
            draws=draws[live[done]],
            p_cum=p_cum,
            warmup=warmup,
        )
        ext = live[is_arrival]
        _arrive(
            s,
            tot,
            servers=servers,
            warmup=warmup,
            reps=np.concatenate([ext, moved[0]]),
            cell=np.concatenate([ext * (k * n) + flat, moved[1]]),
        )
    return tot.totals(reps, k, n)


class _Flat:
    """Flat accumulators of the statistics (see :class:`Totals` for their shapes)."""

    def __init__(self, reps: int, k: int, n: int) -> None:
        self.area_queue = np.zeros((reps, k * n))
        self.area_busy = np.zeros((reps, n))
        self.arrivals = np.zeros(reps * n, dtype=np.int64)
        self.completions = np.zeros(reps * n, dtype=np.int64)
        self.wait_sum = np.zeros(reps * k * n)
        self.wait_count = np.zeros(reps * k * n, dtype=np.int64)
        self.events = 0

    def totals(self, reps: int, k: int, n: int) -> Totals:
        queue = self.area_queue.reshape(reps, k, n)
        return Totals(
            area_system=self.area_busy + queue.sum(axis=1),
            area_queue=queue,
            area_busy=self.area_busy,
            arrivals=self.arrivals.reshape(reps, n),
            completions=self.completions.reshape(reps, n),
            wait_sum=self.wait_sum.reshape(reps, k, n),
            wait_count=self.wait_count.reshape(reps, k, n),
            events=self.events,
        )


def _complete(
    s: _State,
    tot: _Flat,
    *,
    reps: IntArray,
    svc: FloatArray,
    v: FloatArray,
    draws: FloatArray,
    p_cum: FloatArray,
    warmup: float,
) -> tuple[IntArray, IntArray]:
    """Apply service completions; return the replications and flat cells of routed patients."""
    k, n = s.k, s.n
    node = _pick(svc, v)
    slot = reps * n + node
    base = reps * (k * n) + node  # cell of class 0 at that node
    if k == 1:
        cls = np.zeros(len(reps), dtype=np.int64)
    else:  # the finishing patient: each one in service equally likely (memoryless)
        per_cls = s.insvc[base[:, None] + n * np.arange(k)]
        cls = _pick(per_cls, draws[:, 2] * per_cls.sum(axis=1))
    s.insvc[base + cls * n] -= 1
    s.busy[slot] -= 1
    now = s.t[reps]
    tot.completions[slot] += now >= warmup
    _start_waiting(s, tot, reps=reps, base=base, slot=slot, now=now, warmup=warmup)
    dest = (p_cum[node] <= draws[:, 3][:, None]).sum(axis=1)
    stay = dest < n
    r = reps[stay]
    return r, r * (k * n) + cls[stay] * n + dest[stay]


def _pick(weights: np.ndarray[Any, Any], u: FloatArray) -> IntArray:
    """Per row, the column whose cumulative weight first exceeds ``u`` (never a 0 weight)."""
    cols = weights.shape[1]
    out: IntArray = np.minimum((np.cumsum(weights, axis=1) <= u[:, None]).sum(axis=1), cols - 1)
    bad = weights[np.arange(len(out)), out] <= 0  # u rounded up to the row total
    if bad.any():
        out[bad] = cols - 1 - np.argmax(weights[bad][:, ::-1] > 0, axis=1)
    return out


def _start_waiting(
    s: _State,
    tot: _Flat,
    *,
    reps: IntArray,
    base: IntArray,
    slot: IntArray,
    now: FloatArray,
    warmup: float,
) -> None:
    """At each freed server, the longest-waiting patient of the highest class starts."""
    k, n = s.k, s.n
    if k == 1:
        has = s.q[base] > 0
        cell = base[has]
    else:
        waiting = s.q[base[:, None] + n * np.arange(k)] > 0
        has = waiting.any(axis=1)
        cell = base[has] + n * np.argmax(waiting[has], axis=1)
    if not len(cell):
        return
    size = s.buf.shape[1]
    h = s.head[cell]
    t = now[has]
    wait = t - s.buf[cell, h]
    s.head[cell] = (h + 1) % size
    s.q[cell] -= 1
    s.insvc[cell] += 1
    s.busy[slot[has]] += 1
    seen = t >= warmup
    tot.wait_sum[cell] += np.where(seen, wait, 0.0)
    tot.wait_count[cell] += seen


def _arrive(
    s: _State,
    tot: _Flat,
    *,
    servers: IntArray,
    reps: IntArray,
    cell: IntArray,
    warmup: float,
) -> None:
    """Arrivals (one per replication at most): served at once if a server is free."""
    n = s.n
    now = s.t[reps]
    seen = now >= warmup
    slot = reps * n + cell % n
    tot.arrivals[slot] += seen
    free = s.busy[slot] < servers[slot]
    c = cell[free]
    s.busy[slot[free]] += 1
    s.insvc[c] += 1
    tot.wait_count[c] += seen[free]
    c = cell[~free]
    if not len(c):
        return
    if int(s.q[c].max()) >= s.buf.shape[1]:
        s.grow()
    s.buf[c, (s.head[c] + s.q[c]) % s.buf.shape[1]] = now[~free]
    s.q[c] += 1


def expected_events(network: FlowNetwork, horizon: float, initial: IntArray) -> float:
    """An upper bound on the mean number of events of one replication (arrivals + services)."""
    from medalliance.flow._analyse import traffic

    lam = traffic(network).sum(axis=0)
    served = np.minimum(lam, network.servers * network.service_rates)
    return float(horizon * (network.arrival_rates.sum() + served.sum()) + initial.sum())

"""Simulation of a flow network: replications, confidence intervals, engines."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.flow._analyse import MEASURES
from medalliance.flow._engine import Totals, expected_events, run
from medalliance.flow._network import FloatArray, FlowNetwork, IntArray
from medalliance.model.types import Tabular

MAX_EVENTS = 200_000_000
"""Refuse runs expected to need more events than this (all replications together)."""


@dataclass(frozen=True, eq=False, repr=False)
class SimulationResult(Tabular):
    """Simulated node measures: the mean over replications with a confidence interval.

    Attributes
    ----------
    network : FlowNetwork
    engine : {"native", "ciw"}
    horizon, warmup : float
        The run length and the start of the observation window (``time_unit``).
    replications : int
    confidence : float
        Level of the intervals (Student t over replications).
    per_replication : dict of str to numpy.ndarray
        Each measure of :data:`MEASURES` as a ``(replications, nodes)`` array, and
        ``class_mean_wait`` as ``(replications, classes, nodes)``.
    waits : tuple of numpy.ndarray or None
        With ``engine="ciw"``: the individual waits observed at each node (all
        replications), for waiting-time distributions; ``None`` for the native engine.
    events : int
        Events simulated, all replications together (arrivals and service completions).
    """

    network: FlowNetwork
    engine: Literal["native", "ciw"]
    horizon: float
    warmup: float
    replications: int
    confidence: float
    per_replication: Mapping[str, FloatArray]
    waits: tuple[FloatArray, ...] | None
    events: int

    def __repr__(self) -> str:
        return (
            f"SimulationResult({self.engine}, {len(self.network.nodes)} nodes, "
            f"{self.replications} replications of {self.horizon:g} {self.network.time_unit}s)"
        )

    def mean(self, measure: str) -> FloatArray:
        """Mean of ``measure`` over replications, per node (or ``(classes, nodes)``).

        Examples
        --------
        >>> from medalliance.flow import jackson_example
        >>> res = simulate(jackson_example(), horizon=50, replications=4, seed=1)
        >>> res.mean("utilisation").shape
        (4,)
        """
        out: FloatArray = self._values(measure).mean(axis=0)
        return out

    def half_width(self, measure: str) -> FloatArray:
        """Half-width of the confidence interval of ``measure``, per node.

        Examples
        --------
        >>> from medalliance.flow import jackson_example
        >>> res = simulate(jackson_example(), horizon=50, replications=4, seed=1)
        >>> bool((res.half_width("mean_wait") >= 0).all())
        True
        """
        from scipy import stats

        v = self._values(measure)
        q = float(stats.t.ppf(0.5 + self.confidence / 2, self.replications - 1))
        out: FloatArray = q * v.std(axis=0, ddof=1) / math.sqrt(self.replications)
        return out

    def covers(self, measure: str, values: FloatArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Whether each value lies in the confidence interval of ``measure``.

        Examples
        --------
        >>> from medalliance.flow import analyse, jackson_example
        >>> net = jackson_example()
        >>> res = simulate(net, horizon=200, warmup=20, replications=8, seed=3)
        >>> res.covers("utilisation", analyse(net).utilisation).shape
        (4,)
        """
        out: np.ndarray[Any, np.dtype[np.bool_]] = np.abs(
            self.mean(measure) - values
        ) <= self.half_width(measure)
        return out

    def _values(self, measure: str) -> FloatArray:
        if measure not in self.per_replication:
            raise MedAllianceError(
                [
                    Problem(
                        ("measure",),
                        f"unknown measure {quote(measure)}; "
                        "accepted: " + ", ".join(self.per_replication),
                    )
                ]
            )
        return self.per_replication[measure]

    def rows(self) -> list[dict[str, Any]]:
        """One row per node and measure: mean and the interval's bounds.

        Examples
        --------
        >>> from medalliance.flow import jackson_example
        >>> res = simulate(jackson_example(), horizon=50, replications=3, seed=1)
        >>> sorted(res.rows()[0])
        ['ci_high', 'ci_low', 'mean', 'measure', 'node']
        """
        out = []
        for m in MEASURES:
            mean, half = self.mean(m), self.half_width(m)
            for i, node in enumerate(self.network.nodes):
                out.append(
                    {
                        "node": node,
                        "measure": m,
                        "mean": float(mean[i]),
                        "ci_low": float(mean[i] - half[i]),
                        "ci_high": float(mean[i] + half[i]),
                    }
                )
        return out


def simulate(
    network: FlowNetwork,
    *,
    horizon: float,
    warmup: float = 0.0,
    replications: int = 10,
    seed: int | np.random.Generator,
    initial_queue: Mapping[str, int] | Mapping[str, Mapping[str, int]] | None = None,
    confidence: float = 0.95,
    engine: Literal["native", "ciw"] = "native",
) -> SimulationResult:
    """Simulate a flow network: independent replications, means with confidence intervals.

    The native engine advances all replications together, one event per replication per
    step: exponential service, Poisson arrivals, probabilistic routing, non-preemptive
    priority between classes; waits measured patient by patient. ``engine="ciw"`` runs the same
    network through :func:`to_ciw` (the ``flow`` extra), one replication after the other,
    and also returns every observed wait (``waits``).

    Parameters
    ----------
    network : FlowNetwork
    horizon : float
        Length of each run (``time_unit`` of the network), > ``warmup``.
    warmup : float
        Statistics are kept over ``[warmup, horizon]`` only (default 0).
    replications : int
        Independent runs (>= 2: the intervals need two).
    seed : int or numpy.random.Generator
        Required: the same seed gives the same result.
    initial_queue : mapping, optional
        Patients present at time 0: ``{node: count}`` (of the lowest class) or
        ``{class: {node: count}}``; they take free servers first, the rest wait.
    confidence : float
        Level of the intervals (default 0.95).
    engine : {"native", "ciw"}

    Returns
    -------
    SimulationResult

    Raises
    ------
    MedAllianceError
        For a horizon, warmup, replication count, confidence or initial queue out of range,
        or a run expected to exceed ``MAX_EVENTS`` (200 million) events (an unstable
        network over a long horizon), with every problem listed.

    Examples
    --------
    >>> from medalliance.flow import jackson_example
    >>> res = simulate(jackson_example(), horizon=100, warmup=10, replications=5, seed=7)
    >>> res
    SimulationResult(native, 4 nodes, 5 replications of 100 hours)
    >>> again = simulate(jackson_example(), horizon=100, warmup=10, replications=5, seed=7)
    >>> bool((res.mean("mean_wait") == again.mean("mean_wait")).all())
    True
    """
    if not isinstance(network, FlowNetwork):
        raise MedAllianceError(
            [Problem(("network",), f"must be a FlowNetwork, got {type(network).__name__}")]
        )
    problems = _check_run(horizon, warmup, replications, confidence, engine)
    initial = _initial(network, initial_queue, problems)
    if not problems:
        events = expected_events(network, float(horizon), initial) * replications
        if events > MAX_EVENTS:
            problems.append(
                Problem(
                    ("horizon",),
                    f"about {events:,.0f} events expected "
                    f"(more than {MAX_EVENTS:,}); shorten the horizon or use "
                    "fewer replications (is the network unstable?)",
                )
            )
    if problems:
        raise MedAllianceError(problems)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if engine == "ciw":
        from medalliance.flow._ciw import run_ciw

        per, waits, count = run_ciw(
            network,
            horizon=float(horizon),
            warmup=float(warmup),
            replications=replications,
            rng=rng,
            initial=initial,
        )
    else:
        tot = run(
            network,
            horizon=float(horizon),
            warmup=float(warmup),
            replications=replications,
            rng=rng,
            initial=initial,
        )
        per, waits, count = measures(network, tot, float(horizon) - float(warmup)), None, tot.events
    return SimulationResult(
        network=network,
        engine=engine,
        horizon=float(horizon),
        warmup=float(warmup),
        replications=replications,
        confidence=confidence,
        per_replication=per,
        waits=waits,
        events=count,
    )


def measures(network: FlowNetwork, tot: Totals, window: float) -> dict[str, FloatArray]:
    """Per-replication measures from the engine's totals over a window of length ``window``."""
    c = network.servers
    n_wait = tot.wait_count.sum(axis=1)
    wq = np.divide(
        tot.wait_sum.sum(axis=1), n_wait, out=np.zeros_like(tot.area_busy), where=n_wait > 0
    )
    service = np.divide(
        tot.area_busy, tot.completions, out=np.zeros_like(tot.area_busy), where=tot.completions > 0
    )
    class_wq = np.divide(
        tot.wait_sum, tot.wait_count, out=np.zeros_like(tot.wait_sum), where=tot.wait_count > 0
    )
    return {
        "arrival_rate": tot.arrivals / window,
        "utilisation": tot.area_busy / (c * window),
        "mean_in_system": tot.area_system / window,
        "mean_queue": tot.area_queue.sum(axis=1) / window,
        "mean_wait": wq,
        "mean_sojourn": wq + service,
        "class_mean_wait": class_wq,
    }


def _check_run(
    horizon: float, warmup: float, replications: int, confidence: float, engine: str
) -> list[Problem]:
    problems = []
    if not _number(horizon) or not 0 < horizon < math.inf:
        problems.append(Problem(("horizon",), f"must be a finite number > 0, got {quote(horizon)}"))
    if not _number(warmup) or not 0 <= warmup < math.inf:
        problems.append(Problem(("warmup",), f"must be a finite number >= 0, got {quote(warmup)}"))
    elif _number(horizon) and warmup >= horizon:
        problems.append(Problem(("warmup",), f"must be < horizon ({horizon}), got {warmup}"))
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        problems.append(
            Problem(("replications",), f"must be a whole number >= 2, got {quote(replications)}")
        )
    if not _number(confidence) or not 0 < confidence < 1:
        problems.append(Problem(("confidence",), f"must be in (0, 1), got {quote(confidence)}"))
    if engine not in ("native", "ciw"):
        problems.append(
            Problem(("engine",), f"unknown engine {quote(engine)}; accepted: native, ciw")
        )
    return problems


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and not math.isnan(x)


def _initial(network: FlowNetwork, given: Any, problems: list[Problem]) -> IntArray:
    k, n = network.arrival_rates.shape
    out = np.zeros((k, n), dtype=np.int64)
    if given is None:
        return out
    if not isinstance(given, Mapping):
        problems.append(Problem(("initial_queue",), "must map node -> count"))
        return out
    nested = any(isinstance(v, Mapping) for v in given.values())
    items = (
        [
            (cls, node, v)
            for cls, row in given.items()
            for node, v in (row.items() if isinstance(row, Mapping) else [(None, row)])
        ]
        if nested
        else [(network.classes[-1], node, v) for node, v in given.items()]
    )
    for cls, node, v in items:
        where = ("initial_queue", str(cls), str(node)) if nested else ("initial_queue", str(node))
        if cls not in network.classes:
            problems.append(Problem(where, f"unknown class {quote(cls)}"))
        elif node not in network.nodes:
            problems.append(Problem(where, f"unknown node {quote(node)}"))
        elif isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
            problems.append(Problem(where, f"must be a whole number >= 0, got {quote(v)}"))
        else:
            out[network.classes.index(cls), network.nodes.index(node)] += int(v)
    return out

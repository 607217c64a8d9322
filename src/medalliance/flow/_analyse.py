"""Exact steady state of a flow network: traffic equations, Erlang C, Jackson product form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.flow._network import FloatArray, FlowNetwork, IntArray
from medalliance.model.types import Tabular

MEASURES = (
    "arrival_rate",
    "utilisation",
    "mean_in_system",
    "mean_queue",
    "mean_wait",
    "mean_sojourn",
)
"""The per-node measures shared by :func:`analyse` and :func:`simulate` (per ``time_unit``)."""


def traffic(network: FlowNetwork) -> FloatArray:
    """Total arrival rate per node and class: the solution of ``(I - Pᵀ) λ = γ``.

    Parameters
    ----------
    network : FlowNetwork
        The network (its validation guarantees every patient eventually leaves, so the
        system has one solution).

    Returns
    -------
    numpy.ndarray
        ``(classes, nodes)`` arrival rates per ``time_unit``: external plus routed in.

    Examples
    --------
    >>> net = FlowNetwork(nodes=["a", "b"], arrival_rates=[2.0, 0.0], servers=[1, 1],
    ...                   service_rates=[5, 5], routing={"a": {"b": 0.5}, "b": {"a": 0.5}})
    >>> traffic(net).round(6).tolist()
    [[2.666667, 1.333333]]
    """
    n = len(network.nodes)
    a = np.eye(n) - network.routing.T
    lam = np.linalg.solve(a, network.arrival_rates.T).T
    out: FloatArray = np.clip(lam, 0.0, None)  # rounding below 0 where the rate is 0
    return out


def erlang_c(servers: IntArray, offered: FloatArray) -> FloatArray:
    """Probability that an arrival waits in an M/M/c queue (Erlang C), per queue.

    Erlang B through the recursion ``B_k = a·B_{k-1} / (k + a·B_{k-1})`` for up to 256
    servers, beyond that as ``P(X = c) / P(X <= c)`` for ``X ~ Poisson(a)`` in logarithms
    (any number of servers, e.g. a whole tier's beds); then ``C = c·B / (c - a·(1 - B))``.
    Queues with ``a >= c`` (unstable) get 1.

    Parameters
    ----------
    servers : numpy.ndarray
        Servers ``c`` per queue (>= 1).
    offered : numpy.ndarray
        Offered load ``a = λ/μ`` per queue (>= 0).

    Returns
    -------
    numpy.ndarray
        The probability of waiting per queue.

    Examples
    --------
    >>> erlang_c(np.array([1, 2]), np.array([0.5, 1.0])).round(12).tolist()
    [0.5, 0.333333333333]
    """
    c = np.asarray(servers, dtype=np.int64)
    a = np.asarray(offered, dtype=np.float64)
    small = c <= _RECURSION_UP_TO
    b = np.ones_like(a)
    with np.errstate(under="ignore"):
        for k in range(1, int(c[small].max(initial=0)) + 1):
            nb = a * b / (k + a * b)
            b = np.where(small & (k <= c), nb, b)
    if not small.all():
        b = np.where(small, b, _erlang_b_closed(c, a))
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        out = c * b / (c - a * (1.0 - b))
    out = np.where(a >= c, 1.0, out)
    result: FloatArray = np.clip(out, 0.0, 1.0)
    return result


_RECURSION_UP_TO = 256
"""Erlang B by recursion up to this many servers; beyond, from the Poisson distribution."""


def _erlang_b_closed(c: IntArray, a: FloatArray) -> FloatArray:
    """Erlang B as ``P(X = c) / P(X <= c)`` for ``X ~ Poisson(a)``, in logs (any ``c``)."""
    from scipy import special

    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        log_pmf = c * np.log(a) - a - special.gammaln(c + 1.0)
        out: FloatArray = np.exp(log_pmf - np.log(special.pdtr(c, a)))
    return np.where(a > 0, out, 0.0)


@dataclass(frozen=True)
class UnstableNode:
    """A node whose offered load meets or exceeds its capacity (``ρ >= 1``).

    Attributes
    ----------
    node : str
    arrival_rate : float
        Offered arrivals per ``time_unit`` (external and routed).
    capacity_rate : float
        Services it can complete per ``time_unit`` (``servers · service_rate``).
    utilisation : float
        ``arrival_rate / capacity_rate`` (>= 1).
    excess_rate : float
        Arrivals per ``time_unit`` beyond capacity: the queue grows by this much.
    servers_needed : int
        The fewest servers that make the node stable at this service rate.
    """

    node: str
    arrival_rate: float
    capacity_rate: float
    utilisation: float
    excess_rate: float
    servers_needed: int


@dataclass(frozen=True, eq=False, repr=False)
class FlowAnalysis(Tabular):
    """Steady state of a flow network, node by node.

    Waits and queue lengths exist only for stable nodes; at an unstable node they are
    ``None`` in :meth:`rows` and :meth:`node`, and the node is listed in :attr:`unstable`
    with its excess demand. Arrays hold 0 there and :attr:`stable` says which entries
    mean something; nothing is ``inf`` or ``NaN``. Offered rates downstream of an unstable
    node assume it passes on everything it is offered (an upper bound).

    Attributes
    ----------
    network : FlowNetwork
    arrival_rate : numpy.ndarray
        Total arrivals per node (all classes).
    class_arrival_rate : numpy.ndarray
        ``(classes, nodes)`` arrivals per class.
    utilisation : numpy.ndarray
        ``ρ = λ / (c·μ)``, per node (may exceed 1).
    wait_probability : numpy.ndarray
        Erlang C: probability an arrival waits.
    mean_in_system, mean_queue, mean_wait, mean_sojourn : numpy.ndarray
        ``L``, ``Lq``, ``Wq``, ``W`` per node (0 where unstable).
    class_mean_wait : numpy.ndarray
        ``(classes, nodes)`` mean wait per class under non-preemptive priority (Cobham's
        formula for M/M/c with one service rate; exact at a node fed only from outside,
        an approximation where classes are mixed by routing). Equals ``mean_wait`` for one
        class.
    stable : numpy.ndarray
        ``ρ < 1`` per node.
    unstable : tuple of UnstableNode
    """

    network: FlowNetwork
    arrival_rate: FloatArray
    class_arrival_rate: FloatArray
    utilisation: FloatArray
    wait_probability: FloatArray
    mean_in_system: FloatArray
    mean_queue: FloatArray
    mean_wait: FloatArray
    mean_sojourn: FloatArray
    class_mean_wait: FloatArray
    stable: np.ndarray[Any, np.dtype[np.bool_]]
    unstable: tuple[UnstableNode, ...]

    def __repr__(self) -> str:
        n = len(self.network.nodes)
        worst = int(np.argmax(self.utilisation))
        return (
            f"FlowAnalysis({n} nodes, {len(self.unstable)} unstable, busiest "
            f"{self.network.nodes[worst]!r} at {self.utilisation[worst]:.1%})"
        )

    @property
    def is_stable(self) -> bool:
        """Whether every node is stable.

        Examples
        --------
        >>> from medalliance.flow import jackson_example
        >>> analyse(jackson_example()).is_stable
        True
        """
        return not self.unstable

    @property
    def mean_time_in_network(self) -> float | None:
        """Mean time a patient spends in the network, arrival to leaving (Little's law).

        ``Σ L_i / Σ γ_i``; ``None`` when a node is unstable or nothing arrives.

        Examples
        --------
        >>> net = FlowNetwork(nodes=["a"], arrival_rates=[1], servers=[1], service_rates=[2])
        >>> analyse(net).mean_time_in_network
        1.0
        """
        total = float(self.network.arrival_rates.sum())
        if self.unstable or total == 0:
            return None
        return float(self.mean_in_system.sum()) / total

    def node(self, name: str) -> dict[str, Any]:
        """The measures of one node (``None`` for the waits of an unstable node).

        Examples
        --------
        >>> net = FlowNetwork(nodes=["a"], arrival_rates=[1], servers=[1], service_rates=[2])
        >>> analyse(net).node("a")["mean_wait"]
        0.5
        """
        return self.rows()[self.network.position(name)]

    def sojourn(self, path: Sequence[str]) -> float:
        """Expected time along a referral path: the sum of the mean sojourns of its nodes.

        Parameters
        ----------
        path : sequence of str
            Nodes in the order a patient visits them (e.g. township centre, county hospital).

        Raises
        ------
        MedAllianceError
            When a node is unknown or unstable (its wait has no steady state).

        Examples
        --------
        >>> from medalliance.flow import jackson_example
        >>> res = analyse(jackson_example())
        >>> round(res.sojourn(["township", "county"]), 4)
        1.4232
        """
        idx = [self.network.position(p) for p in path]
        bad = [
            Problem(
                ("path", k),
                f"node {quote(path[k])} is unstable (utilisation "
                f"{self.utilisation[i]:.3g}): no steady-state wait",
            )
            for k, i in enumerate(idx)
            if not self.stable[i]
        ]
        if bad:
            raise MedAllianceError(bad)
        return float(sum(self.mean_sojourn[i] for i in idx))

    def rows(self) -> list[dict[str, Any]]:
        """One row per node: servers, rates, utilisation, waits (``None`` if unstable).

        Examples
        --------
        >>> net = FlowNetwork(nodes=["a"], arrival_rates=[1], servers=[1], service_rates=[2])
        >>> analyse(net).rows()[0]["mean_in_system"]
        1.0
        """
        out = []
        for i, name in enumerate(self.network.nodes):
            ok = bool(self.stable[i])
            row: dict[str, Any] = {
                "node": name,
                "servers": int(self.network.servers[i]),
                "service_rate": float(self.network.service_rates[i]),
                "arrival_rate": float(self.arrival_rate[i]),
                "utilisation": float(self.utilisation[i]),
                "stable": ok,
                "wait_probability": float(self.wait_probability[i]) if ok else None,
            }
            for m in MEASURES[2:]:
                row[m] = float(getattr(self, m)[i]) if ok else None
            if len(self.network.classes) > 1:
                for k, cls in enumerate(self.network.classes):
                    row[f"mean_wait[{cls}]"] = float(self.class_mean_wait[k, i]) if ok else None
            out.append(row)
        return out


def analyse(network: FlowNetwork) -> FlowAnalysis:
    """Exact steady state of a flow network (Jackson product form with M/M/c nodes).

    Solves the traffic equations ``(I - Pᵀ) λ = γ``; each node with ``ρ = λ/(cμ) < 1`` is
    then an M/M/c queue in steady state: wait probability Erlang C,
    ``Lq = C·ρ/(1-ρ)``, ``Wq = C/(cμ - λ)``, ``W = Wq + 1/μ``, ``L = λW``. These are
    exact for Poisson arrivals, exponential service and probabilistic routing, whatever
    the priorities (the number of patients at a node does not depend on which class is
    served first). Per-class waits use Cobham's priority formula.

    Parameters
    ----------
    network : FlowNetwork

    Returns
    -------
    FlowAnalysis
        Node measures; nodes with ``ρ >= 1`` are listed in ``unstable`` with their excess
        demand and the servers they would need.

    Examples
    --------
    >>> net = FlowNetwork(nodes=["clinic"], arrival_rates=[3.0], servers=[1],
    ...                   service_rates=[4.0])
    >>> res = analyse(net)
    >>> res.utilisation.tolist(), res.mean_wait.tolist(), res.mean_in_system.tolist()
    ([0.75], [0.75], [3.0])
    >>> analyse(net.with_arrivals({"clinic": 5.0})).unstable[0].excess_rate
    1.0
    """
    if not isinstance(network, FlowNetwork):
        raise MedAllianceError(
            [Problem(("network",), f"must be a FlowNetwork, got {type(network).__name__}")]
        )
    cls_lam = traffic(network)
    lam = cls_lam.sum(axis=0)
    c, mu = network.servers, network.service_rates
    cap = c * mu
    rho = lam / cap
    stable = rho < 1.0
    a = lam / mu
    pw = erlang_c(c, np.where(stable, a, 0.0))
    safe = np.where(stable, cap - lam, 1.0)
    wq = np.where(stable, pw / safe, 0.0)
    lq = lam * wq
    w = np.where(stable, wq + 1.0 / mu, 0.0)
    unstable = tuple(
        UnstableNode(
            node=network.nodes[i],
            arrival_rate=float(lam[i]),
            capacity_rate=float(cap[i]),
            utilisation=float(rho[i]),
            excess_rate=float(lam[i] - cap[i]),
            servers_needed=int(np.floor(lam[i] / mu[i])) + 1,
        )
        for i in np.flatnonzero(~stable).tolist()
    )
    return FlowAnalysis(
        network=network,
        arrival_rate=lam,
        class_arrival_rate=cls_lam,
        utilisation=rho,
        wait_probability=np.where(stable, pw, 0.0),
        mean_in_system=lam * w,
        mean_queue=lq,
        mean_wait=wq,
        mean_sojourn=w,
        class_mean_wait=_class_waits(cls_lam, cap, pw, stable),
        stable=stable,
        unstable=unstable,
    )


def _class_waits(
    cls_lam: FloatArray, cap: FloatArray, pw: FloatArray, stable: np.ndarray[Any, Any]
) -> FloatArray:
    """Cobham: ``Wq_k = (C/cμ) / ((1 - σ_{k-1})(1 - σ_k))``, ``σ_k`` the load of classes <= k."""
    sigma = np.cumsum(cls_lam / cap, axis=0)
    before = np.vstack([np.zeros_like(sigma[:1]), sigma[:-1]])
    denom = np.where(stable, (1.0 - before) * (1.0 - sigma), 1.0)
    out: FloatArray = np.where(stable, (pw / cap) / denom, 0.0)
    return out

"""Scenarios side by side, and the share of patients whose care stays within a set of nodes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.flow._analyse import FlowAnalysis, analyse
from medalliance.flow._network import FlowNetwork
from medalliance.model.types import Tabular


def within_share(network: FlowNetwork, nodes: Iterable[str]) -> float | None:
    """Share of patients arriving at ``nodes`` whose whole route stays within ``nodes``.

    The projected within-county care rate (县域内就诊率) when ``nodes`` are a county's
    institutions: a patient arriving at node ``i`` of the set finishes inside it with
    probability ``h_i``, where ``h = e + Q h`` (``Q`` the routing among the set, ``e`` the
    probability of leaving the network from each node). The share is ``Σ γ_i h_i / Σ γ_i``
    over the set; ``None`` when nothing arrives there.

    Parameters
    ----------
    network : FlowNetwork
    nodes : iterable of str
        The nodes that count as "within" (e.g. the county's institutions).

    Returns
    -------
    float or None

    Examples
    --------
    >>> from medalliance.flow import jackson_example
    >>> round(within_share(jackson_example(), ["township", "imaging", "county"]), 4)
    0.9481
    """
    inside = sorted({network.position(n) for n in nodes})
    idx = np.asarray(inside, dtype=np.int64)
    gamma = network.external_rates[idx]
    if not len(idx) or gamma.sum() == 0:
        return None
    q = network.routing[np.ix_(idx, idx)]
    leave = 1.0 - network.routing[idx].sum(axis=1)
    h = np.linalg.solve(np.eye(len(idx)) - q, leave)
    return float(np.clip(gamma @ h / gamma.sum(), 0.0, 1.0))


@dataclass(frozen=True, eq=False, repr=False)
class ScenarioComparison(Tabular):
    """Several scenarios analysed side by side (:func:`compare`).

    Attributes
    ----------
    names : tuple of str
        Scenario names, in the order given.
    analyses : tuple of FlowAnalysis
    within : tuple of (float or None)
        Share of care completed within ``within_nodes`` per scenario (``None`` if not asked).
    within_nodes : tuple of str
    """

    names: tuple[str, ...]
    analyses: tuple[FlowAnalysis, ...]
    within: tuple[float | None, ...]
    within_nodes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"ScenarioComparison({', '.join(map(repr, self.names))})"

    def summary(self) -> list[dict[str, Any]]:
        """One row per scenario: busiest node, unstable nodes, time in network, within share.

        Examples
        --------
        >>> from medalliance.flow import jackson_example
        >>> net = jackson_example()
        >>> cmp = compare({"now": net, "faster CT": net.with_service({"imaging": 6.0})})
        >>> [r["busiest_node"] for r in cmp.summary()]
        ['imaging', 'township']
        """
        out = []
        for name, res, share in zip(self.names, self.analyses, self.within, strict=True):
            worst = int(np.argmax(res.utilisation))
            out.append(
                {
                    "scenario": name,
                    "busiest_node": res.network.nodes[worst],
                    "max_utilisation": float(res.utilisation[worst]),
                    "unstable": ", ".join(u.node for u in res.unstable),
                    "mean_time_in_network": res.mean_time_in_network,
                    "within_share": share,
                }
            )
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per scenario and node: the node's measures under that scenario.

        Examples
        --------
        >>> from medalliance.flow import jackson_example
        >>> cmp = compare({"now": jackson_example()})
        >>> cmp.rows()[0]["scenario"], cmp.rows()[0]["node"]
        ('now', 'township')
        """
        return [
            {"scenario": name, **row}
            for name, res in zip(self.names, self.analyses, strict=True)
            for row in res.rows()
        ]


def compare(
    scenarios: Mapping[str, FlowNetwork], *, within: Iterable[str] | None = None
) -> ScenarioComparison:
    """Analyse several networks (scenarios of one question) and tabulate them side by side.

    Parameters
    ----------
    scenarios : mapping of str to FlowNetwork
        Name to network, e.g. ``{"now": net, "CT at the township": net.with_...}``.
    within : iterable of str, optional
        Nodes that count as "within" for :func:`within_share` (e.g. the county's).

    Returns
    -------
    ScenarioComparison

    Examples
    --------
    >>> from medalliance.flow import jackson_example
    >>> net = jackson_example()
    >>> cmp = compare({"now": net, "more county beds": net.with_capacity({"county": 4})},
    ...               within=["township", "imaging", "county"])
    >>> [round(r["max_utilisation"], 3) for r in cmp.summary()]
    [0.775, 0.775]
    """
    if not isinstance(scenarios, Mapping) or not scenarios:
        raise MedAllianceError([Problem(("scenarios",), "must map names to FlowNetworks")])
    bad = [
        Problem(("scenarios", str(k)), f"must be a FlowNetwork, got {type(v).__name__}")
        for k, v in scenarios.items()
        if not isinstance(v, FlowNetwork)
    ]
    nodes = tuple(within) if within is not None else ()
    for k, v in scenarios.items():
        if isinstance(v, FlowNetwork):
            bad += [
                Problem(("within", str(n)), f"unknown node {quote(n)} in scenario {quote(k)}")
                for n in nodes
                if n not in v.nodes
            ]
    if bad:
        raise MedAllianceError(bad)
    nets = list(scenarios.values())
    return ScenarioComparison(
        names=tuple(str(k) for k in scenarios),
        analyses=tuple(analyse(n) for n in nets),
        within=tuple(within_share(n, nodes) if within is not None else None for n in nets),
        within_nodes=nodes,
    )

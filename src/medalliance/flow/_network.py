"""The open queueing network of referral flows: nodes, arrivals, routing, servers, service."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.model.types import Tabular

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

TimeUnit = Literal["minute", "hour", "day", "week"]
ROW_TOLERANCE = 1e-9
"""A routing row may exceed 1 by this much (rounding of shares that sum to 1)."""
MAX_NODES = 5_000
"""The routing matrix is dense: a flow network has at most this many nodes."""

_LISTED = 20


def _readonly(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    a.flags.writeable = False
    return a


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(
        x, bool | np.bool_
    )


def _per_node(
    values: Mapping[str, Any] | Sequence[Any] | np.ndarray[Any, Any],
    nodes: tuple[str, ...],
    index: Mapping[str, int],
    field: str,
    problems: list[Problem],
    *,
    default: float | None = None,
) -> FloatArray:
    """One number per node from a mapping (node -> value) or a sequence in node order."""
    out = np.full(len(nodes), np.nan if default is None else default)
    if isinstance(values, Mapping):
        for key, v in values.items():
            if key not in index:
                problems.append(Problem((field, str(key)), f"unknown node {quote(key)}"))
            elif not _is_number(v):
                problems.append(Problem((field, str(key)), f"must be a number, got {quote(v)}"))
            else:
                out[index[key]] = float(v)
        if default is None:
            for i in np.flatnonzero(np.isnan(out)).tolist()[:_LISTED]:
                problems.append(Problem((field, nodes[i]), "missing"))
        return out
    items = list(np.asarray(values, dtype=object).ravel())
    if np.ndim(values) != 1 or len(items) != len(nodes):
        problems.append(
            Problem(
                (field,), f"needs one value per node ({len(nodes)}), got shape {np.shape(values)}"
            )
        )
        return out
    for i, v in enumerate(items):
        if _is_number(v):
            out[i] = float(v)
        else:
            problems.append(Problem((field, nodes[i]), f"must be a number, got {quote(v)}"))
    return out


def _routing(
    routing: Mapping[str, Mapping[str, Any]] | Sequence[Any] | np.ndarray[Any, Any] | None,
    nodes: tuple[str, ...],
    index: Mapping[str, int],
    problems: list[Problem],
) -> FloatArray:
    n = len(nodes)
    out = np.zeros((n, n))
    if routing is None:
        return out
    if isinstance(routing, Mapping):
        for src, row in routing.items():
            if src not in index:
                problems.append(Problem(("routing", str(src)), f"unknown node {quote(src)}"))
                continue
            if not isinstance(row, Mapping):
                problems.append(Problem(("routing", src), "must map destination -> probability"))
                continue
            for dst, p in row.items():
                where = ("routing", src, str(dst))
                if dst not in index:
                    problems.append(Problem(where, f"unknown node {quote(dst)}"))
                elif not _is_number(p):
                    problems.append(Problem(where, f"must be a number, got {quote(p)}"))
                else:
                    out[index[src], index[dst]] = float(p)
        return out
    arr = np.asarray(routing, dtype=object)
    if arr.shape != (n, n):
        problems.append(Problem(("routing",), f"needs shape ({n}, {n}), got {arr.shape}"))
        return out
    bad = [(i, j) for i, j in zip(*np.nonzero(~np.vectorize(_is_number)(arr)), strict=True)]
    for i, j in bad[:_LISTED]:
        problems.append(Problem(("routing", nodes[i], nodes[j]), "must be a number"))
    if not bad:
        out = arr.astype(np.float64)
    return out


def _check_values(
    problems: list[Problem],
    nodes: tuple[str, ...],
    classes: tuple[str, ...],
    *,
    arrivals: FloatArray,
    routing: FloatArray,
    servers: FloatArray,
    service: FloatArray,
) -> None:
    finite = np.isfinite(arrivals)
    for k, i in zip(*np.nonzero(~finite | (finite & (arrivals < 0))), strict=True):
        where = (
            ("arrival_rates", classes[k], nodes[i])
            if len(classes) > 1
            else ("arrival_rates", nodes[i])
        )
        if not np.isnan(arrivals[k, i]):
            problems.append(Problem(where, f"must be finite and >= 0, got {arrivals[k, i]}"))
    bad_c = np.isinf(servers) | (
        np.isfinite(servers) & ((servers < 1) | (servers != np.floor(servers)))
    )
    for i in np.flatnonzero(bad_c).tolist()[:_LISTED]:
        problems.append(
            Problem(("servers", nodes[i]), f"must be a whole number >= 1, got {servers[i]:g}")
        )
    bad_mu = np.isfinite(service) & (service <= 0)
    for i in np.flatnonzero(bad_mu | np.isinf(service)).tolist()[:_LISTED]:
        problems.append(
            Problem(("service_rates", nodes[i]), f"must be finite and > 0, got {service[i]:g}")
        )
    if routing.size == 0:
        return
    neg = ~np.isfinite(routing) | (routing < 0) | (routing > 1)
    for i, j in list(zip(*np.nonzero(neg), strict=True))[:_LISTED]:
        problems.append(
            Problem(("routing", nodes[i], nodes[j]), f"must be in [0, 1], got {routing[i, j]}")
        )
    if neg.any():
        return
    sums = routing.sum(axis=1)
    for i in np.flatnonzero(sums > 1 + ROW_TOLERANCE).tolist()[:_LISTED]:
        problems.append(
            Problem(("routing", nodes[i]), f"row sums to {sums[i]:.6g} > 1 (the rest leaves)")
        )
    if not (sums > 1 + ROW_TOLERANCE).any():
        trapped = _trapped(routing)
        for i in np.flatnonzero(trapped).tolist()[:_LISTED]:
            problems.append(
                Problem(
                    ("routing", nodes[i]),
                    "patients here can never leave the network "
                    "(every route from it returns with probability 1)",
                )
            )


def _trapped(routing: FloatArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Nodes from which no route reaches a node whose row sums to less than 1."""
    leaks = routing.sum(axis=1) < 1 - ROW_TOLERANCE
    reach = leaks.copy()
    edges = routing > 0
    while True:
        more = reach | (edges & reach[None, :]).any(axis=1)
        if (more == reach).all():
            out: np.ndarray[Any, np.dtype[np.bool_]] = ~reach
            return out
        reach = more


@dataclass(frozen=True, eq=False, repr=False)
class FlowNetwork(Tabular):
    """An open queueing network of patient flows, validated and frozen.

    Patients of each class arrive from outside at each node (Poisson, ``arrival_rates``
    per ``time_unit``), wait for one of the node's ``servers`` (beds, doctors, scanners),
    are served (exponential, ``service_rates`` per server per ``time_unit``), then move to
    node ``j`` with probability ``routing[i, j]`` or leave with the rest of the row
    (``1 - routing[i].sum()``). Classes are listed highest priority first (a green channel
    before routine care): a free server takes the waiting patient of the highest class,
    first come first served within a class, without interrupting a service. A patient
    keeps its class along its route.

    Parameters
    ----------
    nodes : sequence of str
        Node names (institutions, tiers or service lines), unique.
    arrival_rates : mapping or sequence
        External arrivals per ``time_unit``: ``{node: rate}`` or one value per node for
        one class; for several classes ``{class: {node: rate}}`` or a
        ``(classes, nodes)`` array. Missing nodes of a mapping get 0.
    routing : mapping or array, optional
        ``{from: {to: probability}}`` or an ``(n, n)`` array; rows sum to at most 1.
    servers : mapping or sequence
        Parallel servers per node (whole numbers >= 1).
    service_rates : mapping or sequence
        Services per server per ``time_unit`` (> 0); the mean service time is its inverse.
    classes : sequence of str, optional
        Patient classes, highest priority first; default one class ``("routine",)``.
    time_unit : {"minute", "hour", "day", "week"}
        The unit of every rate.

    Raises
    ------
    MedAllianceError
        Listing every problem at once: unknown or missing nodes, duplicate names, rates
        that are negative, zero (service) or not finite, servers that are not whole numbers
        >= 1, routing entries outside [0, 1], rows summing to more than 1, nodes whose
        patients can never leave.

    Examples
    --------
    >>> net = FlowNetwork(nodes=["township", "county"], arrival_rates={"township": 4.0},
    ...                   routing={"township": {"county": 0.25}},
    ...                   servers={"township": 1, "county": 2},
    ...                   service_rates={"township": 5.0, "county": 1.0})
    >>> net
    FlowNetwork(2 nodes, 1 class, 1 route, arrivals 4 per hour)
    >>> net.with_capacity({"county": 3}).servers.tolist()
    [1, 3]
    >>> FlowNetwork(nodes=["a"], arrival_rates=[1.0], servers=[0], service_rates=[-1.0])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - servers.a: must be a whole number >= 1, got 0
      - service_rates.a: must be finite and > 0, got -1
    """

    nodes: tuple[str, ...]
    arrival_rates: FloatArray
    routing: FloatArray
    servers: IntArray
    service_rates: FloatArray
    classes: tuple[str, ...] = ("routine",)
    time_unit: TimeUnit = "hour"

    def __init__(
        self,
        *,
        nodes: Sequence[str],
        arrival_rates: Any,
        servers: Any,
        service_rates: Any,
        routing: Any = None,
        classes: Sequence[str] = ("routine",),
        time_unit: TimeUnit = "hour",
    ) -> None:
        problems: list[Problem] = []
        names, cls = _names(nodes, "nodes", problems), _names(classes, "classes", problems)
        if time_unit not in ("minute", "hour", "day", "week"):
            problems.append(Problem(("time_unit",), f"unknown unit {quote(time_unit)}"))
        if len(names) > MAX_NODES:
            problems.append(
                Problem(
                    ("nodes",),
                    f"{len(names):,} nodes; at most {MAX_NODES:,} (the routing matrix is "
                    "dense): pool them, e.g. referral_network(..., level='tier')",
                )
            )
        if problems:
            raise MedAllianceError(problems)
        index = {n: i for i, n in enumerate(names)}
        lam = _arrivals(arrival_rates, names, cls, index, problems)
        c = _per_node(servers, names, index, "servers", problems)
        mu = _per_node(service_rates, names, index, "service_rates", problems)
        p = _routing(routing, names, index, problems)
        _check_values(problems, names, cls, arrivals=lam, routing=p, servers=c, service=mu)
        if problems:
            raise MedAllianceError(problems)
        for name, value in (
            ("nodes", names),
            ("arrival_rates", _readonly(lam)),
            ("routing", _readonly(p)),
            ("servers", _readonly(c.astype(np.int64))),
            ("service_rates", _readonly(mu)),
            ("classes", cls),
            ("time_unit", time_unit),
        ):
            object.__setattr__(self, name, value)

    # -- reading -----------------------------------------------------------------------

    def __repr__(self) -> str:
        k, routes = len(self.classes), int(np.count_nonzero(self.routing))
        total = float(self.arrival_rates.sum())
        return (
            f"FlowNetwork({len(self.nodes)} node{'s' * (len(self.nodes) != 1)}, {k} "
            f"class{'es' * (k != 1)}, {routes} route{'s' * (routes != 1)}, arrivals "
            f"{total:.4g} per {self.time_unit})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlowNetwork):
            return NotImplemented
        return (
            self.nodes == other.nodes
            and self.classes == other.classes
            and self.time_unit == other.time_unit
            and all(
                np.array_equal(getattr(self, f), getattr(other, f))
                for f in ("arrival_rates", "routing", "servers", "service_rates")
            )
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value, holds arrays

    def rows(self) -> list[dict[str, Any]]:
        """One row per node: servers, service rate, external arrivals, routes out.

        Examples
        --------
        >>> FlowNetwork(nodes=["a", "b"], arrival_rates=[1, 0], servers=[1, 2],
        ...             service_rates=[2, 3], routing={"a": {"b": 0.5}}).rows()[0]
        {'node': 'a', 'servers': 1, 'service_rate': 2.0, 'arrival_rate': 1.0, 'routes': 'b 0.5'}
        """
        out = []
        for i, name in enumerate(self.nodes):
            routes = ", ".join(
                f"{self.nodes[j]} {self.routing[i, j]:.4g}"
                for j in np.flatnonzero(self.routing[i]).tolist()
            )
            out.append(
                {
                    "node": name,
                    "servers": int(self.servers[i]),
                    "service_rate": float(self.service_rates[i]),
                    "arrival_rate": float(self.arrival_rates[:, i].sum()),
                    "routes": routes,
                }
            )
        return out

    def position(self, node: str) -> int:
        """Position of ``node`` in :attr:`nodes`.

        Examples
        --------
        >>> FlowNetwork(nodes=["a", "b"], arrival_rates=[1, 0], servers=[1, 1],
        ...             service_rates=[2, 2]).position("b")
        1
        """
        try:
            return self.nodes.index(node)
        except ValueError:
            raise MedAllianceError(
                [
                    Problem(
                        ("node",),
                        f"unknown node {quote(node)}; accepted: " + ", ".join(self.nodes[:_LISTED]),
                    )
                ]
            ) from None

    @property
    def external_rates(self) -> FloatArray:
        """External arrivals per node, all classes together.

        Examples
        --------
        >>> FlowNetwork(nodes=["a"], arrival_rates={"green": {"a": 1}, "routine": {"a": 2}},
        ...             classes=["green", "routine"], servers=[1],
        ...             service_rates=[9]).external_rates.tolist()
        [3.0]
        """
        out: FloatArray = self.arrival_rates.sum(axis=0)
        return out

    def _changed(self, **changes: Any) -> FlowNetwork:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields.update(changes)
        return FlowNetwork(**fields)

    # -- scenarios ---------------------------------------------------------------------

    def with_routing(self, routing: Mapping[str, Mapping[str, float]]) -> FlowNetwork:
        """A new network with the given routing probabilities set (others kept).

        Parameters
        ----------
        routing : mapping
            ``{from: {to: probability}}``; 0 removes a route.

        Examples
        --------
        >>> net = FlowNetwork(nodes=["a", "b"], arrival_rates=[1, 0], servers=[1, 1],
        ...                   service_rates=[2, 2], routing={"a": {"b": 0.5}})
        >>> net.with_routing({"a": {"b": 0.2}}).routing[0].tolist()
        [0.0, 0.2]
        """
        index = {n: i for i, n in enumerate(self.nodes)}
        problems: list[Problem] = []
        patch = _routing(routing, self.nodes, index, problems)
        if problems:
            raise MedAllianceError(problems)
        p = self.routing.copy()
        for src, row in routing.items():
            for dst in row:
                p[index[src], index[dst]] = patch[index[src], index[dst]]
        return self._changed(routing=p)

    def with_capacity(self, servers: Mapping[str, int]) -> FlowNetwork:
        """A new network with the servers of the given nodes changed.

        Examples
        --------
        >>> net = FlowNetwork(nodes=["a"], arrival_rates=[1], servers=[1], service_rates=[2])
        >>> net.with_capacity({"a": 4}).servers.tolist(), net.servers.tolist()
        ([4], [1])
        """
        return self._changed(servers=self._patched(self.servers, servers, "servers"))

    def with_service(self, service_rates: Mapping[str, float]) -> FlowNetwork:
        """A new network with the service rates of the given nodes changed.

        Examples
        --------
        >>> net = FlowNetwork(nodes=["a"], arrival_rates=[1], servers=[1], service_rates=[2])
        >>> net.with_service({"a": 3.0}).service_rates.tolist()
        [3.0]
        """
        return self._changed(
            service_rates=self._patched(self.service_rates, service_rates, "service_rates")
        )

    def with_arrivals(
        self, arrival_rates: Mapping[str, float], *, cls: str | None = None
    ) -> FlowNetwork:
        """A new network with the external arrivals of the given nodes changed.

        Parameters
        ----------
        arrival_rates : mapping
            ``{node: rate}``.
        cls : str, optional
            The class changed; required when the network has several classes.

        Examples
        --------
        >>> net = FlowNetwork(nodes=["a"], arrival_rates=[1], servers=[1], service_rates=[2])
        >>> net.with_arrivals({"a": 1.5}).arrival_rates.tolist()
        [[1.5]]
        """
        if cls is None and len(self.classes) > 1:
            raise MedAllianceError(
                [Problem(("cls",), f"name the class: the network has {len(self.classes)}")]
            )
        k = self.classes.index(cls) if cls in self.classes else 0
        if cls is not None and cls not in self.classes:
            raise MedAllianceError([Problem(("cls",), f"unknown class {quote(cls)}")])
        lam = self.arrival_rates.copy()
        lam[k] = self._patched(lam[k], arrival_rates, "arrival_rates")
        return self._changed(arrival_rates=lam)

    def _patched(
        self, base: np.ndarray[Any, Any], changes: Mapping[str, Any], field: str
    ) -> np.ndarray[Any, Any]:
        out = base.astype(object)
        problems: list[Problem] = []
        for node, v in changes.items():
            if node not in self.nodes:
                problems.append(Problem((field, str(node)), f"unknown node {quote(node)}"))
            else:
                out[self.nodes.index(node)] = v
        if problems:
            raise MedAllianceError(problems)
        return out


def _names(values: Sequence[str], field: str, problems: list[Problem]) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        problems.append(Problem((field,), f"must be a list of names, got {quote(values)}"))
        return ()
    names = tuple(values)
    if not names:
        problems.append(Problem((field,), "must not be empty"))
    seen: set[str] = set()
    for i, n in enumerate(names):
        if not isinstance(n, str) or not n:
            problems.append(Problem((field, i), f"must be a non-empty string, got {quote(n)}"))
        elif n in seen:
            problems.append(Problem((field, i), f"duplicate name {quote(n)}"))
        seen.add(n)
    return names


def _arrivals(
    values: Any,
    nodes: tuple[str, ...],
    classes: tuple[str, ...],
    index: Mapping[str, int],
    problems: list[Problem],
) -> FloatArray:
    k = len(classes)
    if k == 1 and (not isinstance(values, Mapping) or not _nested(values)):
        if isinstance(values, np.ndarray) and values.ndim == 2 and values.shape[0] == 1:
            values = values[0]
        row = _per_node(values, nodes, index, "arrival_rates", problems, default=0.0)
        return row[None, :]
    out = np.zeros((k, len(nodes)))
    if isinstance(values, Mapping):
        for name, row in values.items():
            if name not in classes:
                problems.append(
                    Problem(("arrival_rates", str(name)), f"unknown class {quote(name)}")
                )
            elif not isinstance(row, Mapping):
                problems.append(Problem(("arrival_rates", name), "must map node -> rate"))
            else:
                out[classes.index(name)] = _per_node(
                    row, nodes, index, "arrival_rates", problems, default=0.0
                )
        return out
    arr = np.asarray(values, dtype=object)
    if arr.shape != (k, len(nodes)):
        problems.append(
            Problem(
                ("arrival_rates",),
                f"needs shape ({k}, {len(nodes)}) for {k} classes, got {arr.shape}",
            )
        )
        return out
    for j in range(k):
        out[j] = _per_node(list(arr[j]), nodes, index, "arrival_rates", problems)
    return out


def _nested(values: Mapping[Any, Any]) -> bool:
    return any(isinstance(v, Mapping) for v in values.values())

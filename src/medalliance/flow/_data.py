"""A flow network (and its scenarios) from plain data: what a YAML or JSON file holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.flow._network import FlowNetwork

_NODE_KEYS = ("id", "servers", "service_rate", "arrival_rate", "routes", "name")
_TOP_KEYS = ("time_unit", "classes", "nodes", "scenarios", "title")
_SCENARIO_KEYS = ("name", "servers", "service_rates", "arrival_rates", "routing")


def _unknown(
    data: Mapping[str, Any],
    keys: tuple[str, ...],
    path: tuple[str | int, ...],
    problems: list[Problem],
) -> None:
    for k in data:
        if k not in keys:
            problems.append(
                Problem((*path, str(k)), f"unknown key {quote(k)}; accepted: " + ", ".join(keys))
            )


def network_from_data(data: object) -> FlowNetwork:
    """A :class:`FlowNetwork` from plain data (the content of a flow network file).

    The data is a mapping with ``nodes`` (a list of ``{id, servers, service_rate,
    arrival_rate, routes}``; ``arrival_rate`` per class as a mapping when ``classes`` are
    given; ``routes`` maps destination to probability), optional ``classes``,
    ``time_unit`` (default ``hour``), ``title`` and ``scenarios`` (see
    :func:`scenarios_from_data`).

    Raises
    ------
    MedAllianceError
        Every problem at once, with its path (``nodes[2].servers``).

    Examples
    --------
    >>> net = network_from_data({"nodes": [
    ...     {"id": "town", "servers": 1, "service_rate": 5, "arrival_rate": 4,
    ...      "routes": {"county": 0.25}},
    ...     {"id": "county", "servers": 2, "service_rate": 1}]})
    >>> net.nodes, net.routing[0].tolist()
    (('town', 'county'), [0.0, 0.25])
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("nodes"), list):
        raise MedAllianceError([Problem(("nodes",), "a flow network file needs a list of nodes")])
    _unknown(data, _TOP_KEYS, (), problems)
    ids: list[str] = []
    servers: dict[str, Any] = {}
    service: dict[str, Any] = {}
    arrivals: dict[str, Any] = {}
    routing: dict[str, Any] = {}
    classes = tuple(data.get("classes", ("routine",)))
    for k, node in enumerate(data["nodes"]):
        if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
            problems.append(Problem(("nodes", k), "must be a mapping with an id"))
            continue
        _unknown(node, _NODE_KEYS, ("nodes", k), problems)
        nid = node["id"]
        ids.append(nid)
        for key, into in (("servers", servers), ("service_rate", service)):
            if key in node:
                into[nid] = node[key]
            else:
                problems.append(Problem(("nodes", k, key), "missing"))
        arrivals[nid] = node.get("arrival_rate", 0.0)
        routing[nid] = node.get("routes", {})
    if problems:
        raise MedAllianceError(problems)
    if len(classes) > 1:
        per_class: dict[str, dict[str, Any]] = {c: {} for c in classes}
        for nid, rate in arrivals.items():
            if isinstance(rate, Mapping):
                for c, r in rate.items():
                    per_class.setdefault(c, {})[nid] = r
            elif rate:
                problems.append(Problem(("nodes", nid, "arrival_rate"), "give a rate per class"))
        if problems:
            raise MedAllianceError(problems)
        rates: Any = per_class
    else:
        rates = arrivals
    return FlowNetwork(
        nodes=ids,
        arrival_rates=rates,
        servers=servers,
        service_rates=service,
        routing=routing,
        classes=classes,
        time_unit=data.get("time_unit", "hour"),
    )


def scenarios_from_data(data: object, base: FlowNetwork) -> dict[str, FlowNetwork]:
    """Named scenarios of ``base`` from the file's ``scenarios`` list (may be absent).

    Each scenario is ``{name, servers, service_rates, arrival_rates, routing}`` with only
    the changes, applied with the ``with_*`` methods (in that order). The result starts
    with ``"baseline": base``.

    Examples
    --------
    >>> base = network_from_data({"nodes": [{"id": "ct", "servers": 1, "service_rate": 4,
    ...                                      "arrival_rate": 3}]})
    >>> s = scenarios_from_data({"scenarios": [{"name": "2 scanners", "servers": {"ct": 2}}]},
    ...                         base)
    >>> list(s), s["2 scanners"].servers.tolist()
    (['baseline', '2 scanners'], [2])
    """
    out = {"baseline": base}
    items = data.get("scenarios", []) if isinstance(data, Mapping) else []
    problems: list[Problem] = []
    for k, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            problems.append(Problem(("scenarios", k), "must be a mapping with a name"))
            continue
        _unknown(item, _SCENARIO_KEYS, ("scenarios", k), problems)
        net = base
        try:
            if "servers" in item:
                net = net.with_capacity(item["servers"])
            if "service_rates" in item:
                net = net.with_service(item["service_rates"])
            if "arrival_rates" in item:
                net = net.with_arrivals(item["arrival_rates"])
            if "routing" in item:
                net = net.with_routing(item["routing"])
        except MedAllianceError as exc:
            problems += [Problem(("scenarios", k, *p.path), p.message) for p in exc.problems]
            continue
        out[item["name"]] = net
    if problems:
        raise MedAllianceError(problems)
    return out

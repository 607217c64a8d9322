"""Reader of flow network files (YAML or JSON): a network and its scenarios.

The format is described in :func:`medalliance.flow.network_from_data`; a file may list
``scenarios`` (changes of servers, service rates, arrivals or routing), read by
:func:`read_flow_scenarios`.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "net.yaml").write_text('''
... nodes:
...   - {id: town, servers: 1, service_rate: 5, arrival_rate: 4, routes: {county: 0.25}}
...   - {id: county, servers: 2, service_rate: 1}
... scenarios:
...   - {name: more beds, servers: {county: 3}}
... ''', encoding="utf-8")
>>> read_flow_network(d / "net.yaml").nodes
('town', 'county')
>>> list(read_flow_scenarios(d / "net.yaml"))
['baseline', 'more beds']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medalliance._parse import load_plain_yaml, loads_json
from medalliance.errors import MedAllianceError
from medalliance.flow import FlowNetwork
from medalliance.flow._data import network_from_data, scenarios_from_data
from medalliance.io._files import PathLike, read_text
from medalliance.io.records._csv import suffix_problem

__all__ = ["read_flow_network", "read_flow_scenarios"]


def _load(path: PathLike) -> Any:
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise suffix_problem(path, (".json", ".yaml"))
    load = loads_json if suffix == ".json" else load_plain_yaml
    return load(read_text(path), source=str(path))


def read_flow_network(path: PathLike) -> FlowNetwork:
    """Read a flow network from a YAML or JSON file.

    Raises
    ------
    MedAllianceError
        For a missing or malformed file, or an invalid network (every problem, with its
        path and the file's name).

    Examples
    --------
    >>> read_flow_network("no_such_network.yaml")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in no_such_network.yaml:
      - <root>: file not found
    """
    data = _load(path)
    try:
        return network_from_data(data)
    except MedAllianceError as exc:
        raise exc.with_source(str(path)) from None


def read_flow_scenarios(path: PathLike) -> dict[str, FlowNetwork]:
    """Read a flow network and its scenarios: ``{"baseline": network, name: scenario, ...}``.

    Raises
    ------
    MedAllianceError
        As :func:`read_flow_network`, and for invalid scenarios.

    Examples
    --------
    >>> read_flow_scenarios("net.txt")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 2 problems in net.txt:
      - <root>: file not found
      - <root>: unknown file type '.txt': use .json or .yaml
    """
    data = _load(path)
    try:
        return scenarios_from_data(data, network_from_data(data))
    except MedAllianceError as exc:
        raise exc.with_source(str(path)) from None

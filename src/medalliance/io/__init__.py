"""Every reader and writer of files.

Registry files (JSON, YAML, GraphML), the JSON Schema, flow networks, policies,
targets, activity and population records (:mod:`medalliance.io.records`), tables
(:mod:`medalliance.io.tables`), spreadsheets (:mod:`medalliance.io.sheets`) and FHIR
(:mod:`medalliance.io.fhir`).

This is the only layer that opens a file; the analysis packages never import it.
"""

from __future__ import annotations

from medalliance.io._any import read_registry
from medalliance.io._files import (
    SCHEMA_VERSION,
    json_schema,
    read_json,
    read_yaml,
    registry_from_dict,
    registry_from_json,
    registry_from_yaml,
    registry_to_dict,
    registry_to_json,
    registry_to_yaml,
    write_json,
    write_yaml,
)
from medalliance.io._graphml import (
    graph_for_graphml,
    graph_from_graphml,
    read_graphml,
    write_graphml,
)
from medalliance.io.flow import read_flow_network, read_flow_scenarios
from medalliance.io.records import (
    read_activity,
    read_activity_csv,
    read_policy,
    read_population,
    read_targets,
)

__all__ = [
    "SCHEMA_VERSION",
    "graph_for_graphml",
    "graph_from_graphml",
    "json_schema",
    "read_activity",
    "read_activity_csv",
    "read_flow_network",
    "read_flow_scenarios",
    "read_graphml",
    "read_json",
    "read_policy",
    "read_population",
    "read_registry",
    "read_targets",
    "read_yaml",
    "registry_from_dict",
    "registry_from_json",
    "registry_from_yaml",
    "registry_to_dict",
    "registry_to_json",
    "registry_to_yaml",
    "write_graphml",
    "write_json",
    "write_yaml",
]

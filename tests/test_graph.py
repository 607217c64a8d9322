"""Graph view: contract, determinism, from_graph(to_graph(r)) == r, validation errors."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings

from medalliance import (
    GRAPH_SCHEMA_VERSION,
    MedAllianceError,
    Registry,
    SchemaError,
    examples,
    from_graph,
    to_graph,
    validate_graph,
)
from strategies import registries


@pytest.mark.slow
@settings(max_examples=80)
@given(registries())
def test_graph_round_trip(reg: Registry) -> None:
    G = to_graph(reg)
    validate_graph(G)
    assert from_graph(G) == reg


@settings(max_examples=40)
@given(registries())
def test_graph_contract(reg: Registry) -> None:
    G = to_graph(reg)
    assert G.graph["schema_version"] == GRAPH_SCHEMA_VERSION
    assert G.graph["created_with"].startswith("medalliance ")
    assert list(G.nodes) == sorted(i.id for i in reg.institutions)
    for _, attrs in G.nodes(data=True):
        assert all(v is None or isinstance(v, str | int | float | bool) for v in attrs.values())
    for _u, _v, key, d in G.edges(keys=True, data=True):
        assert key.split(":", 1)[0] == d["relation"]
        assert d["alliance"] in G.graph["alliances"]
    n_members = sum(len(a.memberships) for a in reg.alliances)
    assert sum(1 for *_, r in G.edges(data="relation") if r == "membership") == n_members
    n_items = sum(len(g.items) * (len(g.parties) - 1) for g in reg.agreements)
    assert sum(1 for *_, d in G.edges(data=True) if "agreement" in d) == n_items
    assert nx.utils.graphs_equal(G, to_graph(reg))


def test_graph_is_independent_of_registry() -> None:
    reg = examples.load("shanghai_luwan")
    G = to_graph(reg)
    G.nodes["ruijin"]["beds"] = 1
    assert reg.institution("ruijin").beds != 1 or reg.institution("ruijin").beds is None


def test_edges_drive_from_graph() -> None:
    reg = examples.load("beijing_tongren")
    G = to_graph(reg)
    G.remove_edge("tongren", "donghuamen_chs", key="membership:tongren_alliance")
    with pytest.raises(MedAllianceError, match="party 'donghuamen_chs' is not a member"):
        from_graph(G)


def test_edited_node_attribute_is_read_back() -> None:
    reg = examples.load("beijing_tongren")
    G = to_graph(reg)
    G.nodes["puren"]["beds"] = 300
    assert from_graph(G).institution("puren").beds == 300
    G.nodes["puren"]["beds"] = -3
    with pytest.raises(MedAllianceError, match=r"institutions\[\d\]\.beds"):
        from_graph(G)


def test_validate_graph_lists_every_violation() -> None:
    G = to_graph(examples.load("beijing_tongren"))
    G.graph["schema_version"] = 7
    G.nodes["puren"]["colour"] = "red"
    G.add_edge(
        "tongren", "puren", key="membership:nowhere", relation="membership", alliance="nowhere"
    )
    G.add_edge("tongren", "puren", key="oops", relation="training", alliance="tongren_alliance")
    with pytest.raises(SchemaError) as info:
        validate_graph(G)
    rendered = [p.render() for p in info.value.problems]
    assert rendered == [
        "graph.schema_version: expected 1, got 7",
        "nodes.puren.colour: unknown node attribute",
        "edges.tongren->puren.membership:nowhere: unknown alliance 'nowhere'",
        "edges.tongren->puren.oops: edge key must be '<relation>:<owner id>'",
    ]


def test_validate_graph_rejects_other_graph_types() -> None:
    with pytest.raises(SchemaError, match=r"expected a networkx\.MultiDiGraph, got Graph"):
        validate_graph(nx.Graph())


def test_membership_edges_start_at_the_first_lead() -> None:
    reg = examples.load("shanghai_luwan")
    G = to_graph(reg)
    a = reg.alliance("luwan_ruijin")
    for m in a.members:
        assert G.has_edge(a.lead[0], m, key=f"membership:{a.id}")


@pytest.mark.slow
@settings(max_examples=40)
@given(registries())
def test_direct_fill_equals_public_networkx_construction(reg: Registry) -> None:
    G = to_graph(reg)
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(G.edges(keys=True, data=True))
    assert nx.utils.graphs_equal(G, H)
    assert list(G.edges(keys=True)) == list(H.edges(keys=True))
    assert {n: dict(G.pred[n]) for n in G} == {n: dict(H.pred[n]) for n in H}
    assert G.number_of_edges() == H.number_of_edges()
    G.add_edge("zz_new", next(iter(G), "zz_new"), key="membership:x")  # still a working graph
    assert G.has_node("zz_new")

"""partition_grid against enumeration of every partition; the grid cover check."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance._reference.planning import enumerate_partitions
from medalliance.errors import MedAllianceError
from medalliance.model.registry import Registry
from medalliance.planning import Partition, check_grid_cover, lattice, partition_grid


def _groups_connected(part: Partition, edges: np.ndarray) -> bool:
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    n = len(part.unit_ids)
    for g in range(len(part.leads)):
        members = np.flatnonzero(part.group == g)
        keep = np.isin(edges[:, 0], members) & np.isin(edges[:, 1], members)
        e = edges[keep]
        a = coo_array((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
        _, labels = connected_components(a, directed=False)
        if len(set(labels[members].tolist())) != 1:
            return False
    return True


def _case(
    rows: int, cols: int, n_leads: int, seed: int, slack: float
) -> tuple[Any, Any, list[int], list[float], float, float]:
    rng = np.random.default_rng(seed)
    units, edges = lattice(rows, cols)
    leads = sorted(rng.choice(len(units), n_leads, replace=False).tolist())
    people = rng.integers(1, 10, len(units)).astype(float).tolist()
    avg = sum(people) / n_leads
    return units, edges, leads, people, avg * (1 - slack), avg * (1 + slack)


def _oracle(
    units: Any,
    edges: Any,
    leads: list[int],
    people: list[float],
    *,
    lo: float | None,
    hi: float | None,
) -> tuple[float | None, list[dict[Any, Any]]]:
    return enumerate_partitions(
        units.tolist(),
        [tuple(e) for e in edges.tolist()],
        leads,
        dict(enumerate(people)),
        min_people=lo,
        max_people=hi,
    )


@pytest.mark.parametrize(
    ("shape", "n_leads", "seed", "slack"),
    [
        ((3, 3), 2, 0, 0.3),
        ((3, 3), 3, 1, 0.5),
        ((3, 4), 2, 2, 0.2),
        ((2, 5), 3, 3, 0.4),
        ((2, 6), 2, 4, 0.1),
        ((3, 4), 3, 5, 0.6),
        ((1, 8), 2, 6, 0.3),
    ],
)
def test_exact_partition_is_the_enumerated_optimum(
    shape: tuple[int, int], n_leads: int, seed: int, slack: float
) -> None:
    units, edges, leads, people, lo, hi = _case(*shape, n_leads, seed, slack)
    best, winners = _oracle(units, edges, leads, people, lo=lo, hi=hi)
    try:
        part = partition_grid(
            units, edges, leads=leads, people=people, min_people=lo, max_people=hi, method="exact"
        )
    except MedAllianceError:
        assert best is None  # a pre-check named an impossible bound
        return
    if best is None:
        assert part.status == "infeasible"
        assert part.objective is None
        return
    assert part.status == "optimal"
    assert part.objective is not None
    assert math.isclose(part.objective, best, abs_tol=1e-6)
    got = {u: int(part.leads[g]) for u, g in zip(units.tolist(), part.group.tolist(), strict=True)}
    assert got in winners
    # greedy: a valid partition, never better than the optimum, bound below it
    greedy = partition_grid(units, edges, leads=leads, people=people, min_people=lo, max_people=hi)
    assert (greedy.group >= 0).all()
    assert _groups_connected(greedy, edges)
    assert greedy.bound is not None
    assert greedy.bound <= best + 1e-9
    if greedy.status == "heuristic":
        assert greedy.objective is not None
        assert greedy.objective >= best - 1e-9
        assert all(r["within_bounds"] for r in greedy.rows())


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(2, 4), st.integers(0, 10_000))
def test_exact_without_bounds_matches_enumeration(rows: int, cols: int, seed: int) -> None:
    units, edges, leads, people, _, _ = _case(rows, cols, 2, seed, 0.0)
    best, _ = _oracle(units, edges, leads, people, lo=None, hi=None)
    part = partition_grid(units, edges, leads=leads, people=people, method="exact")
    assert best is not None
    assert part.objective is not None
    assert math.isclose(part.objective, best, abs_tol=1e-6)
    greedy = partition_grid(units, edges, leads=leads, people=people)
    assert greedy.objective is not None
    assert math.isclose(greedy.objective, best, abs_tol=1e-6)  # shortest-path regions: optimal


def test_a_1600_cell_lattice_is_fully_assigned_in_contiguous_bounded_groups() -> None:
    rng = np.random.default_rng(0)
    units, edges = lattice(40, 40)
    people = rng.integers(100, 1000, len(units)).astype(float)
    leads = rng.choice(len(units), 8, replace=False)
    avg = people.sum() / 8
    part = partition_grid(
        units, edges, leads=leads, people=people, min_people=0.8 * avg, max_people=1.2 * avg
    )
    assert (part.group >= 0).all()
    assert part.status in ("heuristic", "bounds_missed")
    assert _groups_connected(part, edges)
    assert part.bound is not None
    assert part.objective is not None
    assert part.bound <= part.objective
    assert len(part.assignment_rows()) == 1600
    assert repr(part).startswith("Partition(1600 units into 8 groups")


def test_infeasible_inputs_name_the_bound_and_the_unit() -> None:
    units = ["a", "b", "c", "d"]
    edges = [("a", "b"), ("c", "d")]
    with pytest.raises(MedAllianceError) as info:
        partition_grid(units, edges, leads=["a"], people=[1, 50, 1, -1], max_people=10)
    text = str(info.value)
    assert "must be >= 0, got -1" in text
    with pytest.raises(MedAllianceError) as info:
        partition_grid(units, edges, leads=["a"], people=[1, 50, 1, 1], max_people=10, min_people=0)
    text = str(info.value)
    assert "unit 'b' alone has 50 people" in text
    assert "unit 'c' is not connected to any lead" in text
    assert "unit 'd' is not connected to any lead" in text
    assert "1 groups of at most 10 people hold 10, there are 53" in text
    with pytest.raises(MedAllianceError) as info:
        partition_grid(units, [("a", "zz")], leads=["a", "a"], people=[1, 1, 1, 1])
    text = str(info.value)
    assert "unknown unit id 'zz'" in text
    assert "unit 'a' leads twice" in text
    with pytest.raises(MedAllianceError, match="min_people"):
        partition_grid(units, edges, leads=["a", "c"], people=[1, 1, 1, 1], min_people=3)


def test_exact_proves_infeasibility_the_prechecks_cannot_see() -> None:
    # a path a-b-c with leads at both ends: the middle unit (5 people) fits nowhere
    part = partition_grid(
        ["a", "b", "c"],
        [("a", "b"), ("b", "c")],
        leads=["a", "c"],
        people=[1, 5, 1],
        max_people=5,
        method="exact",
    )
    assert part.status == "infeasible"
    assert "no contiguous partition" in part.message
    greedy = partition_grid(
        ["a", "b", "c"], [("a", "b"), ("b", "c")], leads=["a", "c"], people=[1, 5, 1], max_people=5
    )
    assert greedy.status == "bounds_missed"
    assert "stay outside the bounds" in greedy.message
    assert not all(r["within_bounds"] for r in greedy.rows())


def test_given_costs_are_used() -> None:
    units, edges = lattice(1, 4)
    costs = np.array([[0, 1, 5, 9], [9, 5, 1, 0]], dtype=float)
    part = partition_grid(
        units, edges, leads=[0, 3], people=[1, 1, 1, 1], costs=costs, method="exact"
    )
    assert part.group.tolist() == [0, 0, 1, 1]
    assert part.objective == 2.0
    with pytest.raises(MedAllianceError, match="leads x units"):
        partition_grid(units, edges, leads=[0, 3], people=[1, 1, 1, 1], costs=costs[:1])


def test_grid_cover_names_gaps_overlaps_and_unknown_streets() -> None:
    res = check_grid_cover(["s1", "s2", "s3", "s4"], {"g1": ["s1", "s2"], "g2": ["s2", "s3", "x"]})
    assert not res.ok
    assert res.gaps == ("s4",)
    assert res.overlaps == (("s2", ("g1", "g2")),)
    assert res.unknown == (("g2", "x"),)
    assert [r["finding"] for r in res.rows()] == ["gap", "overlap", "unknown"]
    assert check_grid_cover(["s1"], {"g": ["s1", "s1"]}).ok


def test_grid_cover_from_a_registry_of_urban_medical_groups() -> None:
    def inst(i: str, town: str | None) -> dict[str, Any]:
        region = {"city": "某市", "township": town} if town else {"city": "某市"}
        return {
            "id": i,
            "name": f"{i}社区卫生服务中心",
            "kind": "社区卫生服务中心",
            "region": region,
        }

    reg = Registry.model_validate(
        {
            "institutions": [
                {"id": "h1", "name": "甲医院", "kind": "综合医院", "tier": "三级"},
                {"id": "h2", "name": "乙医院", "kind": "综合医院", "tier": "三级"},
                inst("c1", "东街道"),
                inst("c2", "西街道"),
                inst("c3", "西街道"),
                inst("c4", None),
            ],
            "alliances": [
                {
                    "id": "g1",
                    "name": "甲医疗集团",
                    "form": "城市医疗集团",
                    "lead": ["h1"],
                    "memberships": [
                        {"institution": "h1", "role": "lead"},
                        {"institution": "c1"},
                        {"institution": "c2"},
                    ],
                },
                {
                    "id": "g2",
                    "name": "乙医疗集团",
                    "form": "城市医疗集团",
                    "lead": ["h2"],
                    "memberships": [
                        {"institution": "h2", "role": "lead"},
                        {"institution": "c3"},
                        {"institution": "c4"},
                    ],
                },
            ],
        }
    )
    res = check_grid_cover(["东街道", "西街道", "南街道"], reg)
    assert res.gaps == ("南街道",)
    assert res.overlaps == (("西街道", ("g1", "g2")),)
    assert repr(res) == "GridCover(1 gaps, 1 overlaps, 0 unknown units)"


@settings(max_examples=150, deadline=None)
@given(
    rows=st.integers(2, 6),
    cols=st.integers(2, 6),
    extra=st.lists(st.tuples(st.integers(0, 35), st.integers(0, 35)), max_size=6),
    labels=st.lists(st.integers(0, 2), min_size=36, max_size=36),
)
def test_connectivity_check_matches_networkx(
    rows: int, cols: int, extra: list[tuple[int, int]], labels: list[int]
) -> None:
    """The local multi-source search agrees with a plain component count, on any group."""
    import networkx as nx

    from medalliance.planning._districts import _connected_without, _csr
    from medalliance.planning._grid import _prepare

    n = rows * cols
    units, edges = lattice(rows, cols)
    pairs = [tuple(e) for e in np.asarray(edges).tolist()]
    pairs += [(a, b) for a, b in extra if a < n and b < n and a != b]
    grid = _prepare(units, pairs, leads=[0], people=[1.0] * n, costs=None, bounds=(None, None))
    adj = _csr(grid)
    group = np.asarray(labels[:n], dtype=np.int64)
    graph = nx.Graph()
    graph.add_edges_from((int(a), int(b)) for a, b in grid.edges.tolist())
    for u in range(n):
        g = int(group[u])
        rest = [v for v in range(n) if group[v] == g and v != u]
        near = [v for v in graph[u] if group[v] == g]
        if not near:
            continue  # u alone in its piece: nothing to split (the caller never asks)
        # only the piece that holds u matters: does it stay one piece without u?
        piece = nx.node_connected_component(graph.subgraph([*rest, u]), u) - {u}
        expected = nx.is_connected(graph.subgraph(piece))
        assert _connected_without(adj, group, g, u) == expected, (u, g)

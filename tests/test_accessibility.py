"""Spatial accessibility: hand-computed fixtures, a naive reference, PySAL access as an oracle."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

import medalliance.accessibility as acc
from medalliance import MedAllianceError, UnknownIdError
from medalliance.accessibility import (
    E2SFCA_ZONES,
    CostMatrix,
    ExponentialDecay,
    GaussianDecay,
    Population,
    PowerDecay,
    StepWeights,
    Supply,
    costs_from_coordinates,
    costs_from_sparse,
    costs_from_table,
    coverage_within,
    enhanced_two_step_fca,
    gravity,
    nearest_cost,
    supply_from_registry,
    three_step_fca,
    two_step_fca,
)
from medalliance.synthetic import county

# --------------------------------------------------------------------------------------
# a naive reference: plain Python over a dict of pairs


Pairs = dict[tuple[int, int], float]


def naive_fca(
    pairs: Pairs,
    people: list[float],
    capacity: list[float],
    weight: Callable[[float], float],
    cutoff: float | None,
    *,
    three_step: bool = False,
) -> tuple[list[float], list[float]]:
    w = {k: weight(c) for k, c in pairs.items() if cutoff is None or c <= cutoff}
    if three_step:
        total = [0.0] * len(people)
        for (i, _), x in w.items():
            total[i] += x
        w = {(i, j): x * (x / total[i] if total[i] > 0 else 0.0) for (i, j), x in w.items()}
    demand = [0.0] * len(capacity)
    for (i, j), x in w.items():
        demand[j] += people[i] * x
    ratio = [capacity[j] / demand[j] if demand[j] > 0 else 0.0 for j in range(len(capacity))]
    values = [0.0] * len(people)
    for (i, j), x in w.items():
        values[i] += ratio[j] * x
    return values, ratio


def naive_nearest(pairs: Pairs, n: int, open_sites: list[bool] | None) -> list[float]:
    best = [math.inf] * n
    for (i, j), c in pairs.items():
        if open_sites is None or open_sites[j]:
            best[i] = min(best[i], c)
    return best


def step_scalar(zones: dict[float, float]) -> Callable[[float], float]:
    def f(c: float) -> float:
        for bound in sorted(zones):
            if c <= bound:
                return zones[bound]
        return 0.0

    return f


def one(_: float) -> float:
    return 1.0


@st.composite
def problems(draw: Any) -> tuple[Pairs, list[float], list[float], float | None]:
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 5))
    cost = st.one_of(st.sampled_from([0.0, 10.0, 20.0, 30.0]), st.floats(0, 45, width=32))
    pairs: Pairs = {}
    for i in range(n):
        for j in range(m):
            if draw(st.booleans()):
                pairs[(i, j)] = float(draw(cost))
    amount = st.one_of(st.just(0.0), st.floats(0, 1000, width=32))
    people = [float(draw(amount)) for _ in range(n)]
    capacity = [float(draw(amount)) for _ in range(m)]
    cutoff = draw(st.one_of(st.none(), st.sampled_from([15.0, 20.0, 30.0])))
    return pairs, people, capacity, cutoff


def build(pairs: Pairs, n: int, m: int, cutoff: float | None = None) -> CostMatrix:
    keys = list(pairs)
    return costs_from_table(
        [k[0] for k in keys],
        [k[1] for k in keys],
        [pairs[k] for k in keys],
        origin_ids=list(range(n)),
        site_ids=list(range(m)),
        cutoff_min=cutoff,
    )


def close(a: Any, b: Any, rel: float = 1e-9) -> bool:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.abs(x - y) <= rel * np.maximum(np.abs(y), 1e-12)))


# --------------------------------------------------------------------------------------
# a hand-computed fixture: 3 origins, 2 sites
#
#   costs     x    y          people a=100 b=200 c=300; beds x=10 y=6
#     a       5   25
#     b      15   10
#     c       -   30


@pytest.fixture
def small() -> tuple[Population, Supply, CostMatrix]:
    pop = Population(["a", "b", "c"], [100, 200, 300])
    beds = Supply(["x", "y"], [10, 6])
    costs = costs_from_table(
        ["a", "a", "b", "b", "c"],
        ["x", "y", "x", "y", "y"],
        [5, 25, 15, 10, 30],
        origin_ids=pop.ids,
        site_ids=beds.ids,
    )
    return pop, beds, costs


def test_two_step_by_hand(small: tuple[Population, Supply, CostMatrix]) -> None:
    pop, beds, costs = small
    # d0 = 20: x serves a, b (300 people); y serves b (200)
    r = two_step_fca(costs, pop, beds, cutoff_min=20)
    assert close(r.site_demand, [300, 200])
    assert close(r.site_ratios, [10 / 300, 6 / 200])
    assert close(r.values, [10 / 300, 10 / 300 + 6 / 200, 0.0])
    # d0 = 30 is inclusive: c (cost exactly 30) joins y's catchment: 600 people
    r = two_step_fca(costs, pop, beds, cutoff_min=30)
    assert close(r.site_ratios, [10 / 300, 6 / 600])
    assert close(r.values, [10 / 300 + 0.01, 10 / 300 + 0.01, 0.01])
    assert close(float(pop.people @ r.values), 16.0)
    assert r.method == "2sfca"
    assert r.cutoff_min == 30
    assert r.rows()[2] == {"origin": "c", "accessibility": pytest.approx(0.01)}


def test_enhanced_two_step_by_hand(small: tuple[Population, Supply, CostMatrix]) -> None:
    pop, beds, costs = small
    # zone weights: a-x 5 -> 1, a-y 25 -> .22, b-x 15 -> .68, b-y 10 -> 1 (inclusive), c-y 30 -> .22
    r = enhanced_two_step_fca(costs, pop, beds)
    assert close(r.site_demand, [100 + 0.68 * 200, 0.22 * 100 + 200 + 0.22 * 300])
    rx, ry = 10 / 236, 6 / 288
    assert close(r.values, [rx + 0.22 * ry, 0.68 * rx + ry, 0.22 * ry])
    assert r.decay == E2SFCA_ZONES
    same = enhanced_two_step_fca(costs, pop, beds, zones={10: 1, 20: 0.68, 30: 0.22})
    assert np.array_equal(same.values, r.values)


def test_three_step_by_hand(small: tuple[Population, Supply, CostMatrix]) -> None:
    pop, beds, costs = small
    # binary weights, d0 = 30: a and b split evenly between x and y (G = 1/2), c goes to y
    r = three_step_fca(costs, pop, beds, decay=None, cutoff_min=30)
    assert close(r.site_demand, [0.5 * 100 + 0.5 * 200, 0.5 * 100 + 0.5 * 200 + 300])
    assert close(r.values, [0.5 / 15 + 0.5 / 75, 0.5 / 15 + 0.5 / 75, 1 / 75])
    assert close(float(pop.people @ r.values), 16.0)


def test_gravity_by_hand(small: tuple[Population, Supply, CostMatrix]) -> None:
    pop, beds, costs = small
    r = gravity(costs, pop, beds, decay=PowerDecay(beta=1, min_cost=10))
    # W = 1/max(d, 10): a-x .1, a-y .04, b-x 1/15, b-y .1, c-y 1/30
    vx = 100 * 0.1 + 200 / 15
    vy = 100 * 0.04 + 200 * 0.1 + 300 / 30
    assert close(r.site_demand, [vx, vy])
    assert close(
        r.values, [0.1 * 10 / vx + 0.04 * 6 / vy, 10 / 15 / vx + 0.1 * 6 / vy, 6 / 30 / vy]
    )


def test_nearest_and_coverage_by_hand(small: tuple[Population, Supply, CostMatrix]) -> None:
    pop, _, costs = small
    near = nearest_cost(costs)
    assert near.cost.tolist() == [5.0, 10.0, 30.0]
    assert near.site_ids[near.site].tolist() == ["x", "y", "y"]
    cov = coverage_within(costs, pop, cutoff_min=10)
    assert cov.covered.tolist() == [True, True, False]
    assert (cov.covered_people, cov.total_people, cov.share) == (300.0, 600.0, 0.5)
    # a closed site (capacity 0) is no destination
    closed = nearest_cost(costs, supply=Supply(["x", "y"], [10, 0]))
    assert closed.cost.tolist() == [5.0, 15.0, math.inf]
    assert closed.rows()[2] == {"origin": "c", "site": None, "cost": None}
    assert coverage_within(costs, pop, cutoff_min=30, supply=[10, 0]).share == 0.5


# --------------------------------------------------------------------------------------
# properties against the naive reference


METHODS: list[tuple[str, Callable[..., acc.AccessibilityResult], dict[str, Any], Any]] = [
    ("2sfca", two_step_fca, {}, one),
    ("e2sfca", enhanced_two_step_fca, {}, step_scalar({10: 1, 20: 0.68, 30: 0.22})),
    (
        "gravity-power",
        gravity,
        {"decay": PowerDecay(beta=1.5, min_cost=2)},
        lambda c: max(c, 2.0) ** -1.5,
    ),
    (
        "gravity-gauss",
        gravity,
        {"decay": GaussianDecay(sigma=12)},
        lambda c: math.exp(-c * c / 288),
    ),
    ("gravity-exp", gravity, {"decay": ExponentialDecay(rate=0.1)}, lambda c: math.exp(-0.1 * c)),
]


@settings(max_examples=60)
@given(problems())
def test_every_measure_equals_the_naive_reference(
    case: tuple[Pairs, list[float], list[float], float | None],
) -> None:
    pairs, people, capacity, cutoff = case
    n, m = len(people), len(capacity)
    costs = build(pairs, n, m)
    for name, fn, kw, scalar in METHODS:
        r = fn(costs, people, capacity, cutoff_min=cutoff, **kw)
        values, ratios = naive_fca(pairs, people, capacity, scalar, cutoff)
        assert close(r.values, values), name
        assert close(r.site_ratios, ratios), name
        assert np.isfinite(r.values).all()
        assert np.isfinite(r.site_ratios).all()
    for w, scalar in ((None, one), (E2SFCA_ZONES, step_scalar({10: 1, 20: 0.68, 30: 0.22}))):
        r = three_step_fca(costs, people, capacity, decay=w, cutoff_min=cutoff)
        values, ratios = naive_fca(pairs, people, capacity, scalar, cutoff, three_step=True)
        assert close(r.values, values)
        assert close(r.site_ratios, ratios)
    near = nearest_cost(costs)
    assert near.cost.tolist() == naive_nearest(pairs, n, None)
    open_sites = [c > 0 for c in capacity]
    assert nearest_cost(costs, supply=capacity).cost.tolist() == naive_nearest(pairs, n, open_sites)
    limit = 15.0 if cutoff is None else cutoff
    cov = coverage_within(costs, people, cutoff_min=limit)
    assert cov.covered.tolist() == [c <= limit for c in naive_nearest(pairs, n, None)]


@settings(max_examples=60)
@given(problems())
def test_supply_is_conserved(case: tuple[Pairs, list[float], list[float], float | None]) -> None:
    pairs, people, capacity, cutoff = case
    costs = build(pairs, len(people), len(capacity))
    results = [fn(costs, people, capacity, cutoff_min=cutoff, **kw) for _, fn, kw, _ in METHODS]
    results.append(three_step_fca(costs, people, capacity, cutoff_min=cutoff))
    for r in results:
        served = float(np.asarray(people) @ r.values)
        assert served == pytest.approx(r.served_supply, rel=1e-9, abs=1e-9)
        reached = r.site_demand > 0
        # every site with demand passes on all of its supply; the rest is reported unserved
        assert r.served_supply == pytest.approx(float(np.asarray(capacity)[reached].sum()))
        unserved = set(r.unserved_sites.tolist())
        assert unserved == {j for j in range(len(capacity)) if not reached[j] and capacity[j] > 0}
        if reached.all():
            assert served == pytest.approx(sum(capacity), rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------------------
# PySAL access as the oracle (test-only dependency)


def _access_inputs(seed: int, n: int, m: int, *, complete: bool) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    people = rng.integers(1, 5_000, n).astype(float)
    beds = rng.integers(0, 80, m).astype(float)
    o = np.repeat(np.arange(n), m)
    d = np.tile(np.arange(m), n)
    cost = rng.uniform(0, 50, n * m).round(1)  # rounding puts many costs exactly on 10/20/30
    if not complete:
        keep = rng.random(n * m) < 0.6
        o, d, cost = o[keep], d[keep], cost[keep]
    return {"people": people, "beds": beds, "o": o, "d": d, "cost": cost}


def _run_access(data: dict[str, Any], method: str, weight: Any = None) -> np.ndarray[Any, Any]:
    pd = pytest.importorskip("pandas")
    access = pytest.importorskip("access")
    n, m = len(data["people"]), len(data["beds"])
    demand = pd.DataFrame({"geoid": np.arange(n), "pop": data["people"]})
    supply = pd.DataFrame({"geoid": np.arange(m), "beds": data["beds"]})
    table = pd.DataFrame({"origin": data["o"], "dest": data["d"], "cost": data["cost"]})
    with warnings.catch_warnings():  # access 1.1 uses pandas idioms pandas 3 deprecates
        warnings.simplefilter("ignore")
        a = access.Access(
            demand_df=demand,
            demand_index="geoid",
            demand_value="pop",
            supply_df=supply,
            supply_index="geoid",
            supply_value="beds",
            cost_df=table,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        if method == "2sfca":
            out = a.two_stage_fca(max_cost=30, weight_fn=weight)
        elif method == "e2sfca":
            out = a.enhanced_two_stage_fca(max_cost=30)
        else:
            out = a.three_stage_fca(max_cost=30, weight_fn=weight)
    values: np.ndarray[Any, Any] = out.iloc[:, 0].reindex(np.arange(n)).to_numpy(dtype=float)
    return values


ACCESS_CASES = [
    ("2sfca", None),
    ("e2sfca", None),
    ("gravity-power", PowerDecay(beta=1.5, min_cost=1.0, scale=2.0)),
    ("gravity-gauss", GaussianDecay(sigma=15)),
    ("3sfca", StepWeights.from_mapping({10: 0.962, 20: 0.704, 30: 0.377})),
    ("3sfca-binary", None),
]


@pytest.mark.parametrize("complete", [True, False], ids=["all-pairs", "partial"])
@pytest.mark.parametrize("case", ACCESS_CASES, ids=[c[0] for c in ACCESS_CASES])
def test_equal_to_pysal_access(case: tuple[str, Any], complete: bool) -> None:
    weights = pytest.importorskip("access.weights")
    name, decay = case
    data = _access_inputs(7 if complete else 11, 120, 25, complete=complete)
    n, m = len(data["people"]), len(data["beds"])
    pop, beds = Population(np.arange(n), data["people"]), Supply(np.arange(m), data["beds"])
    costs = costs_from_table(
        data["o"], data["d"], data["cost"], origin_ids=pop.ids, site_ids=beds.ids
    )
    if name == "2sfca":
        ours = two_step_fca(costs, pop, beds, cutoff_min=30)
        theirs = _run_access(data, "2sfca")
    elif name == "e2sfca":
        ours = enhanced_two_step_fca(costs, pop, beds, cutoff_min=30)
        theirs = _run_access(data, "e2sfca")
    elif name == "gravity-power":
        ours = gravity(costs, pop, beds, decay=decay, cutoff_min=30)
        theirs = _run_access(data, "2sfca", weights.gravity(scale=2.0, alpha=-1.5, min_dist=1.0))
    elif name == "gravity-gauss":
        ours = gravity(costs, pop, beds, decay=decay, cutoff_min=30)
        theirs = _run_access(data, "2sfca", weights.gaussian(15))
    elif name == "3sfca":
        ours = three_step_fca(costs, pop, beds, decay=decay, cutoff_min=30)
        theirs = _run_access(data, "3sfca", weights.step_fn({10: 0.962, 20: 0.704, 30: 0.377}))
    else:
        # binary 3SFCA: access needs weights that vanish beyond the cutoff to normalise alike
        ours = three_step_fca(costs, pop, beds, decay=None, cutoff_min=30)
        theirs = _run_access(data, "3sfca", weights.step_fn({30: 1.0}))
    # access leaves origins without a pair in reach out (NaN); ours gives them 0
    defined = ~np.isnan(theirs)
    assert defined.sum() > n // 2
    assert close(ours.values[defined], theirs[defined], rel=1e-9)
    assert (ours.values[~defined] == 0).all()


def test_access_three_step_normalises_beyond_the_cutoff() -> None:
    # The documented divergence: access divides the selection weight by weights summed over
    # the whole cost table (including pairs beyond max_cost); we sum over the catchment.
    weights = pytest.importorskip("access.weights")
    data = _access_inputs(3, 40, 10, complete=True)
    n, m = 40, 10
    costs = costs_from_table(
        data["o"], data["d"], data["cost"], origin_ids=np.arange(n), site_ids=np.arange(m)
    )
    zones = {10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042}
    ours = three_step_fca(
        costs, data["people"], data["beds"], decay=StepWeights.from_mapping(zones), cutoff_min=30
    )
    theirs = _run_access(data, "3sfca", weights.step_fn(zones))
    assert not close(ours.values, theirs, rel=1e-6)
    # on the catchment alone (pairs beyond 30 removed first) the two agree
    inside = data["cost"] <= 30
    trimmed = {**data, "o": data["o"][inside], "d": data["d"][inside], "cost": data["cost"][inside]}
    theirs = _run_access(trimmed, "3sfca", weights.step_fn(zones))
    defined = ~np.isnan(theirs)
    assert close(ours.values[defined], theirs[defined])


# --------------------------------------------------------------------------------------
# the cost structure


def test_cutoff_is_inclusive_everywhere() -> None:
    costs = costs_from_table(
        ["a", "b"],
        ["x", "x"],
        [30.0, 30.000001],
        origin_ids=["a", "b"],
        site_ids=["x"],
        cutoff_min=30,
    )
    assert costs.rows() == [{"origin": "a", "site": "x", "cost": 30.0}]
    full = costs_from_table(
        ["a", "b"], ["x", "x"], [15.0, 15.5], origin_ids=["a", "b"], site_ids=["x"]
    )
    assert two_step_fca(full, [1, 1], [2], cutoff_min=15).values.tolist() == [2.0, 0.0]
    assert coverage_within(full, [1, 1], cutoff_min=15).covered.tolist() == [True, False]
    assert full.within(15).n_pairs == 1
    assert StepWeights.from_mapping({10: 1, 20: 0.5})(np.array([10.0, 20.0])).tolist() == [1.0, 0.5]


def test_zero_cost_is_a_pair_not_a_gap() -> None:
    costs = costs_from_table(["a"], ["x"], [0.0], origin_ids=["a", "b"], site_ids=["x"])
    assert costs.n_pairs == 1
    assert nearest_cost(costs).cost.tolist() == [0.0, math.inf]
    assert two_step_fca(costs, [4, 1], [2]).values.tolist() == [0.5, 0.0]
    m = costs.to_scipy()
    assert m.nnz == 1  # the explicit zero is stored
    back = costs_from_sparse(m, origin_ids=["a", "b"], site_ids=["x"])
    assert back.rows() == costs.rows()
    # power decay with a floor: cost 0 is fine, no infinite weight
    r = gravity(costs, [4, 1], [2], decay=PowerDecay(beta=2))
    assert r.values.tolist() == [0.5, 0.0]


def test_zero_demand_and_zero_supply_rule() -> None:
    costs = costs_from_table(
        ["a", "b", "b", "c"],
        ["x", "x", "y", "z"],
        [1, 2, 3, 4],
        origin_ids=["a", "b", "c"],
        site_ids=["x", "y", "z", "w"],
    )
    # y is only reached by b (0 people); z by c (0 people); w by nobody; x has 0 beds
    r = two_step_fca(costs, [10, 0, 0], [0, 5, 7, 9])
    assert r.site_ratios.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert r.values.tolist() == [0.0, 0.0, 0.0]
    assert r.unserved_sites.tolist() == ["y", "z", "w"]
    assert r.served_supply == 0.0
    # nobody at all: share is 0, not NaN
    assert coverage_within(costs, [0, 0, 0], cutoff_min=5).share == 0.0
    # gaussian weights that underflow to 0 behave as zero demand, not NaN
    far = costs_from_table(["a"], ["x"], [1e6], origin_ids=["a"], site_ids=["x"])
    g = gravity(far, [10], [5], decay=GaussianDecay(sigma=1))
    assert g.values.tolist() == [0.0]
    assert g.site_ratios.tolist() == [0.0]


def test_table_builder_is_canonical_and_keeps_order_of_ids() -> None:
    rng = np.random.default_rng(0)
    n, m = 30, 12
    pairs = {
        (int(i), int(j)): float(rng.uniform(0, 40)) for i, j in rng.integers(0, [n, m], (200, 2))
    }
    keys = list(pairs)
    order = rng.permutation(len(keys))
    o_ids = [f"o{i}" for i in rng.permutation(n)]
    s_ids = [f"s{j}" for j in rng.permutation(m)]
    costs = costs_from_table(
        [o_ids[keys[k][0]] for k in order],
        [s_ids[keys[k][1]] for k in order],
        [pairs[keys[k]] for k in order],
        origin_ids=o_ids,
        site_ids=s_ids,
    )
    assert costs.origin_ids.tolist() == o_ids
    assert costs.site_ids.tolist() == s_ids
    rows = costs.origin_positions()
    assert np.all(np.diff(rows) >= 0)
    for i in range(n):
        seg = costs.indices[costs.indptr[i] : costs.indptr[i + 1]]
        assert np.all(np.diff(seg) > 0)
    got = {(int(r), int(c)): x for r, c, x in zip(rows, costs.indices, costs.cost, strict=True)}
    assert got == pairs
    sites, cost = costs.pairs_of(o_ids[0])
    assert {(s, c) for s, c in zip(sites.tolist(), cost.tolist(), strict=True)} == {
        (s_ids[j], x) for (i, j), x in pairs.items() if i == 0
    }


def test_table_builder_errors_name_every_problem() -> None:
    with pytest.raises(MedAllianceError) as info:
        costs_from_table(
            ["a", "q", "a", "a", "b"],
            ["x", "x", "z", "x", "x"],
            [1.0, 2.0, -3.0, float("nan"), 4.0],
            origin_ids=["a", "b"],
            site_ids=["x"],
        )
    text = {p.render() for p in info.value.problems}
    assert text == {
        "origin[1]: unknown origin id 'q'",
        "destination[2]: unknown site id 'z'",
        "cost[2]: negative cost -3.0",
        "cost[3]: cost must be a finite number, got nan",
    }
    with pytest.raises(
        MedAllianceError, match=r"cost\[2\]: duplicate pair \('a', 'x'\), first given at 0"
    ):
        costs_from_table(
            ["a", "b", "a"], ["x", "x", "x"], [1, 2, 3], origin_ids=["a", "b"], site_ids=["x"]
        )
    with pytest.raises(MedAllianceError, match="one length"):
        costs_from_table(["a"], ["x", "x"], [1], origin_ids=["a"], site_ids=["x"])
    with pytest.raises(MedAllianceError, match="unknown origin id 1"):
        costs_from_table([1], ["x"], [1], origin_ids=["a"], site_ids=["x"])
    with pytest.raises(MedAllianceError, match=r"origin_ids\[2\]: duplicate id 'a'"):
        costs_from_table([], [], [], origin_ids=["a", "b", "a"], site_ids=["x"])
    with pytest.raises(MedAllianceError, match="all strings or all integers"):
        costs_from_table([], [], [], origin_ids=["a", 2], site_ids=["x"])  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError, match="cutoff_min: must be a finite number >= 0"):
        costs_from_table([], [], [], origin_ids=["a"], site_ids=["x"], cutoff_min=-1)
    many = [f"q{i}" for i in range(25)]
    with pytest.raises(MedAllianceError) as info:
        costs_from_table(many, ["x"] * 25, [1] * 25, origin_ids=["a"], site_ids=["x"])
    assert len(info.value.problems) == 21
    assert info.value.problems[-1].render() == "origin: ... and 5 more unknown origin ids"


def test_sparse_builder() -> None:
    dense = np.array([[0.0, 7.0, 0.0], [3.0, 0.0, 0.0]])
    # an explicit zero at (0, 0): a pair; (0, 2) and (1, 1), (1, 2) not stored: no pair
    coo = sparse.coo_matrix(([0.0, 7.0, 3.0], ([0, 0, 1], [0, 1, 0])), shape=(2, 3))
    for m in (coo, coo.tocsr(), coo.tocsc(), sparse.csr_array(coo)):
        costs = costs_from_sparse(m, origin_ids=["a", "b"], site_ids=["x", "y", "z"])
        assert costs.rows() == [
            {"origin": "a", "site": "x", "cost": 0.0},
            {"origin": "a", "site": "y", "cost": 7.0},
            {"origin": "b", "site": "x", "cost": 3.0},
        ]
    assert (
        costs_from_sparse(
            coo, origin_ids=["a", "b"], site_ids=["x", "y", "z"], cutoff_min=5
        ).n_pairs
        == 2
    )
    with pytest.raises(MedAllianceError, match="expected a scipy sparse matrix"):
        costs_from_sparse(dense, origin_ids=["a", "b"], site_ids=["x", "y", "z"])
    with pytest.raises(MedAllianceError, match="does not match 2 origins x 2 sites"):
        costs_from_sparse(coo, origin_ids=["a", "b"], site_ids=["x", "y"])
    bad = sparse.coo_matrix(([-1.0, np.inf], ([0, 1], [2, 1])), shape=(2, 3))
    with pytest.raises(MedAllianceError) as info:
        costs_from_sparse(bad, origin_ids=["a", "b"], site_ids=["x", "y", "z"])
    assert [p.render() for p in info.value.problems] == [
        "matrix[0][2]: cost must be a finite number >= 0, got -1.0",
        "matrix[1][1]: cost must be a finite number >= 0, got inf",
    ]
    twice = sparse.coo_matrix(([1.0, 2.0], ([0, 0], [1, 1])), shape=(2, 3))
    with pytest.raises(MedAllianceError, match=r"matrix\[0\]\[1\]: duplicate pair \('a', 'y'\)"):
        costs_from_sparse(twice, origin_ids=["a", "b"], site_ids=["x", "y", "z"])


def test_sparse_input_is_not_modified() -> None:
    # an unsorted CSR with an explicit zero: building from it must not sort it in place
    m = sparse.csr_matrix(
        (np.array([5.0, 0.0, 2.0]), np.array([2, 0, 1]), np.array([0, 2, 3])), shape=(2, 3)
    )
    before = (m.data.copy(), m.indices.copy(), m.indptr.copy())
    costs_from_sparse(m, origin_ids=[1, 2], site_ids=[1, 2, 3])
    assert np.array_equal(m.data, before[0])
    assert np.array_equal(m.indices, before[1])
    assert np.array_equal(m.indptr, before[2])


def haversine_minutes(
    lat1: float, lon1: float, lat2: float, lon2: float, *, speed: float, detour: float
) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    km = 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))
    return km * detour / speed * 60


@pytest.mark.parametrize("chunk", [5, 65_536])
def test_coordinates_equal_all_pairs_haversine(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(acc._coordinates, "_CHUNK", chunk)  # the module that reads it
    rng = np.random.default_rng(5)
    n, m = 60, 25
    lat = rng.uniform(29.5, 30.5, n)
    lon = rng.uniform(119.5, 120.5, n)
    slat = rng.uniform(29.5, 30.5, m)
    slon = rng.uniform(119.5, 120.5, m)
    slat[0], slon[0] = lat[3], lon[3]  # a site exactly at an origin: cost 0, still a pair
    pop = Population(np.arange(n), np.ones(n), lat=lat, lon=lon)
    sites = Supply([f"s{j}" for j in range(m)], np.ones(m), lat=slat, lon=slon)
    costs = costs_from_coordinates(pop, sites, speed_kmh=40, cutoff_min=30, detour_factor=1.3)
    expected = {
        (i, j): haversine_minutes(lat[i], lon[i], slat[j], slon[j], speed=40, detour=1.3)
        for i in range(n)
        for j in range(m)
    }
    expected = {k: v for k, v in expected.items() if v <= 30}
    rows = costs.origin_positions()
    got = {(int(r), int(c)): x for r, c, x in zip(rows, costs.indices, costs.cost, strict=True)}
    assert set(got) == set(expected)
    assert got[(3, 0)] == 0.0
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-9)
    assert costs.cutoff_min == 30
    assert np.all(np.diff(rows) >= 0)


def test_coordinates_cutoff_is_inclusive() -> None:
    pop = Population(["v"], [1], lat=[30.0], lon=[120.0])
    sites = Supply(["s", "t"], [1, 1], lat=[30.0, 30.5], lon=[120.2, 120.0])
    wide = costs_from_coordinates(pop, sites, speed_kmh=30, cutoff_min=60)
    exact = float(wide.cost[wide.indices == 0][0])  # the computed cost to s
    narrow = costs_from_coordinates(pop, sites, speed_kmh=30, cutoff_min=exact)
    assert narrow.site_ids[narrow.indices].tolist() == ["s"]
    assert float(narrow.cost[0]) == exact


def test_coordinates_errors() -> None:
    pop = Population(["v"], [1])
    sites = Supply(["s"], [1], lat=[30.0], lon=[120.0])
    with pytest.raises(MedAllianceError) as info:
        costs_from_coordinates(pop, sites, speed_kmh=0, cutoff_min=-1, detour_factor=0.5)
    assert [p.render() for p in info.value.problems] == [
        "population: population points have no coordinates",
        "speed_kmh: must be a finite number > 0, got 0",
        "cutoff_min: must be a finite number >= 0, got -1",
        "detour_factor: must be a finite number >= 1, got 0.5",
    ]
    empty = costs_from_coordinates(
        Population([], [], lat=[], lon=[]), sites, speed_kmh=30, cutoff_min=10
    )
    assert (empty.n_origins, empty.n_pairs) == (0, 0)
    none = costs_from_coordinates(
        Population(["v"], [1], lat=[0.0], lon=[0.0]),
        Supply([], [], lat=[], lon=[]),
        speed_kmh=30,
        cutoff_min=10,
    )
    assert none.indptr.tolist() == [0, 0]


def direct(
    origins: list[str],
    sites: list[str],
    indptr: list[int],
    indices: list[int],
    cost: list[float],
    *,
    cutoff_min: float | None = None,
) -> CostMatrix:
    return CostMatrix(
        origin_ids=np.array(origins),
        site_ids=np.array(sites),
        indptr=np.array(indptr, dtype=np.int64),
        indices=np.array(indices, dtype=np.int32),
        cost=np.array(cost, dtype=float),
        cutoff_min=cutoff_min,
    )


def test_cost_matrix_checks_direct_construction() -> None:
    ok = direct(["a", "b"], ["x"], [0, 1, 1], [0], [2.0])
    assert ok.rows() == [{"origin": "a", "site": "x", "cost": 2.0}]
    with pytest.raises(MedAllianceError) as info:
        direct(["a", "b"], ["x"], [0, 2, 2], [0, 3], [2.0, -1.0])
    assert {p.render() for p in info.value.problems} == {
        "indices[1]: site position 3 out of range (0..0)",
        "cost[1]: negative cost -1.0",
    }
    with pytest.raises(MedAllianceError, match="row pointers"):
        direct(["a"], ["x"], [1, 1], [], [])
    with pytest.raises(MedAllianceError, match="stored twice"):
        direct(["a"], ["x"], [0, 2], [0, 0], [1.0, 1.0])
    with pytest.raises(MedAllianceError, match="exceeds the cutoff"):
        direct(["a"], ["x"], [0, 1], [0], [9.0], cutoff_min=5)
    with pytest.raises(MedAllianceError, match="duplicate id 'a'"):
        direct(["a", "a"], ["x"], [0, 0, 0], [], [])
    with pytest.raises(dataclasses.FrozenInstanceError):
        ok.cutoff_min = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        ok.cost[0] = 1.0


# --------------------------------------------------------------------------------------
# inputs, alignment, immutability


def test_inputs_are_never_modified() -> None:
    ids = np.array(["a", "b", "c"])
    people = np.array([100.0, 200.0, 300.0])
    lat = np.array([30.0, 30.01, 30.02])
    lon = np.array([120.0, 120.0, 120.0])
    o = np.array(["c", "a", "b"])
    d = np.array(["x", "x", "x"])
    c = np.array([9.0, 1.0, 5.0])
    snapshot = [a.copy() for a in (ids, people, lat, lon, o, d, c)]
    pop = Population(ids, people, lat=lat, lon=lon)
    beds = Supply(["x"], [3.0], lat=[30.0], lon=[120.0])
    costs = costs_from_table(o, d, c, origin_ids=ids, site_ids=beds.ids)
    for fn in (two_step_fca, enhanced_two_step_fca, three_step_fca):
        fn(costs, pop, beds)
    gravity(costs, people, [3.0], decay=GaussianDecay(sigma=5))
    costs_from_coordinates(pop, beds, speed_kmh=30, cutoff_min=30)
    coverage_within(costs, people, cutoff_min=5)
    for before, after in zip(snapshot, (ids, people, lat, lon, o, d, c), strict=True):
        assert np.array_equal(before, after)
    # our own arrays are copies, and read-only
    people[0] = -5
    assert pop.people[0] == 100.0
    r = two_step_fca(costs, pop, beds)
    for arr in (pop.ids, pop.people, costs.cost, costs.indptr, r.values, r.site_ratios):
        assert not arr.flags.writeable
    with pytest.raises(AttributeError, match="frozen"):
        pop.people = np.zeros(3)


def test_weight_function_must_not_modify_costs() -> None:
    costs = costs_from_table(["a"], ["x"], [4.0], origin_ids=["a"], site_ids=["x"])

    def greedy(cost: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        cost *= 0  # a careless user function: it gets a copy
        return cost + 1.0

    assert gravity(costs, [2], [1], decay=greedy).values.tolist() == [0.5]
    assert costs.cost.tolist() == [4.0]


def test_population_and_supply_matched_by_id() -> None:
    costs = costs_from_table(
        ["a", "b"], ["x", "y"], [1, 2], origin_ids=["a", "b"], site_ids=["x", "y"]
    )
    straight = two_step_fca(costs, Population(["a", "b"], [10, 20]), Supply(["x", "y"], [1, 4]))
    shuffled = two_step_fca(costs, Population(["b", "a"], [20, 10]), Supply(["y", "x"], [4, 1]))
    assert np.array_equal(straight.values, shuffled.values)
    assert straight.origin_ids.tolist() == ["a", "b"]
    with pytest.raises(MedAllianceError) as info:
        two_step_fca(costs, Population(["a", "q"], [1, 1]), [1, 2, 3])
    assert [p.render() for p in info.value.problems] == [
        "population: no population value for id 'b'",
        "population: population id 'q' is not in the cost structure",
        "supply: expected 2 values (one per id), got shape (3,)",
    ]
    with pytest.raises(MedAllianceError, match="another type"):
        two_step_fca(costs, Population([1, 2], [1, 1]), [1, 1])
    with pytest.raises(MedAllianceError, match="expected a CostMatrix"):
        two_step_fca([[1.0]], [1], [1])  # type: ignore[arg-type]


def test_points_validation() -> None:
    with pytest.raises(MedAllianceError) as info:
        Population(["a", "b"], [1, float("inf")], lat=[91.0, 0.0], lon=[0.0, float("nan")])
    assert [p.render() for p in info.value.problems] == [
        "people[1]: must be a finite number, got inf",
        "lat[0]: must be a number within ±90 degrees, got 91.0",
        "lon[1]: must be a number within ±180 degrees, got nan",
    ]
    with pytest.raises(MedAllianceError, match="given together"):
        Supply(["a"], [1], lat=[1.0])
    with pytest.raises(MedAllianceError, match=r"capacity\[1\]: must be a number, got None"):
        Supply(["a", "b"], [1, None])  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError, match="must be a number, got True"):
        Supply(["a"], [True])
    with pytest.raises(MedAllianceError, match="booleans"):
        Supply(["a"], np.array([True]))
    with pytest.raises(MedAllianceError, match=r"all strings or all integers, got 1\.5"):
        Population([1.5], [1])
    with pytest.raises(MedAllianceError, match="ids must be strings or integers, got dtype"):
        Population(np.array([1.5]), [1])
    with pytest.raises(MedAllianceError, match=r"lat\[1\]: must be a number, got 'north'"):
        Population(["a", "b"], [1, 1], lat=[1.0, "north"], lon=[1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError, match="all strings or all integers, got True"):
        Population([1, True], [1, 1])
    assert Population(np.array([3, 1], dtype=np.uint8), [1, 2]).ids.dtype == np.int64
    assert repr(Supply(["x"], [2])) == "Supply(1 points, capacity total 2, coordinates=no)"


def test_cutoff_and_weight_reach_checks() -> None:
    costs = costs_from_table(["a"], ["x"], [4.0], origin_ids=["a"], site_ids=["x"], cutoff_min=25)
    with pytest.raises(MedAllianceError, match="exceeds the cost structure's cutoff"):
        two_step_fca(costs, [1], [1], cutoff_min=30)
    with pytest.raises(MedAllianceError, match="weights reach 30 min"):
        enhanced_two_step_fca(costs, [1], [1])
    assert enhanced_two_step_fca(costs, [1], [1], cutoff_min=25).values.tolist() == [1.0]
    with pytest.raises(MedAllianceError, match="cutoff_min: 30 min exceeds"):
        coverage_within(costs, [1], cutoff_min=30)
    with pytest.raises(MedAllianceError, match="exceeds"):
        costs.within(26)


def test_decay_parameters_are_validated() -> None:
    with pytest.raises(MedAllianceError, match="greater than 0"):
        PowerDecay(beta=1, min_cost=0)
    with pytest.raises(MedAllianceError, match="greater than 0"):
        GaussianDecay(sigma=0)
    with pytest.raises(MedAllianceError, match="2 bounds but 1 weights"):
        StepWeights(bounds=(10, 20), weights=(1,))
    with pytest.raises(MedAllianceError, match="at least one zone"):
        StepWeights(bounds=(), weights=())
    costs = costs_from_table(
        ["a", "a"], ["x", "y"], [1.0, 2.0], origin_ids=["a"], site_ids=["x", "y"]
    )
    with pytest.raises(MedAllianceError, match="finite and >= 0"):
        gravity(costs, [1], [1, 1], decay=lambda c: -c)
    with pytest.raises(MedAllianceError, match="returned shape"):
        gravity(costs, [1], [1, 1], decay=lambda c: c[:1])
    with pytest.raises(MedAllianceError, match="too small"):
        gravity(costs, [1], [1e300, 1], decay=lambda c: np.where(c < 1.5, 1e-300, 1.0))


# --------------------------------------------------------------------------------------
# supply from a registry


def test_supply_from_registry() -> None:
    reg = county(seed=0)
    towns = supply_from_registry(reg, kinds=["乡镇卫生院"])
    expected = [i for i in reg.institutions if i.kind.value == "township_health_centre"]
    assert towns.ids.tolist() == [i.id for i in expected]
    assert towns.capacity.tolist() == [float(i.beds) for i in expected]  # type: ignore[arg-type]
    assert towns.lat is not None
    assert towns.lat.tolist() == [i.lat for i in expected]
    assert towns.skipped == ()
    secondary = supply_from_registry(reg, tiers=["二级"], capacity=lambda i: (i.beds or 0) * 2)
    assert all(reg.institution(x).tier.value == "secondary" for x in secondary.ids.tolist())
    served = supply_from_registry(
        reg, capacity="population_served", coordinates=False, skip_missing=True
    )
    assert not served.has_coordinates
    assert len(served) + len(served.skipped) == len(reg.institutions)
    with pytest.raises(MedAllianceError) as info:
        supply_from_registry(reg)
    missing = [i.id for i in reg.institutions if i.beds is None]
    assert len(info.value.problems) == len(missing)
    assert all("has no beds" in p.message for p in info.value.problems)
    skipped = supply_from_registry(reg, skip_missing=True)
    assert list(skipped.skipped) == missing
    with pytest.raises(MedAllianceError, match="unknown capacity field 'doctors'"):
        supply_from_registry(reg, capacity="doctors")
    with pytest.raises(MedAllianceError, match="finite number >= 0"):
        supply_from_registry(reg, kinds=["乡镇卫生院"], capacity=lambda i: -1.0)
    with pytest.raises(MedAllianceError, match="must be a number"):
        supply_from_registry(reg, kinds=["乡镇卫生院"], capacity=lambda i: "many")  # type: ignore[arg-type,return-value]


def test_end_to_end_on_a_synthetic_county() -> None:
    reg = county(seed=1)
    villages = [i for i in reg.institutions if i.kind.value == "village_clinic"]
    pop = Population(
        [v.id for v in villages],
        [v.population_served or 0 for v in villages],
        lat=np.array([v.lat for v in villages], dtype=float),
        lon=np.array([v.lon for v in villages], dtype=float),
    )
    beds = supply_from_registry(reg, kinds=["乡镇卫生院", "综合医院"])
    costs = costs_from_coordinates(pop, beds, speed_kmh=30, cutoff_min=30, detour_factor=1.3)
    r = enhanced_two_step_fca(costs, pop, beds)
    assert float(pop.people @ r.values) == pytest.approx(r.served_supply, rel=1e-9)
    cov = coverage_within(costs, pop, cutoff_min=15)
    assert 0.0 < cov.share <= 1.0
    frame = r.to_frame()
    assert list(frame.columns) == ["origin", "accessibility"]
    assert len(frame) == len(villages)


# --------------------------------------------------------------------------------------
# import hygiene


@pytest.mark.slow
def test_accessibility_imports_scipy_lazily() -> None:
    code = (
        "import sys, medalliance.accessibility as a\n"
        "print('scipy' in sys.modules)\n"
        "c = a.costs_from_table([1], [2], [3.0], origin_ids=[1], site_ids=[2])\n"
        "a.two_step_fca(c, [1], [1])\n"
        "print('scipy' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "False"]


def test_unknown_origin_lookup() -> None:
    costs = costs_from_table(["a"], ["x"], [1.0], origin_ids=["a"], site_ids=["x"])
    with pytest.raises(UnknownIdError):
        costs.pairs_of("zz")
    with pytest.raises(UnknownIdError):
        two_step_fca(costs, [1], [1]).value(3)


@pytest.mark.parametrize(
    "ids",
    [[10**12, -5, 7], [3, 1, 2], [5, 6, 7], np.array([40_000, 1, 2], dtype=np.uint32)],
    ids=["sparse-range", "dense-range", "consecutive", "unsigned"],
)
def test_integer_ids_lookup(ids: Any) -> None:
    ids = np.asarray(ids)
    o = [ids[2], ids[0], ids[2]]
    costs = costs_from_table(o, [1, 1, 2], [3.0, 4.0, 5.0], origin_ids=ids, site_ids=[1, 2])
    got = {
        (int(costs.origin_ids[r]), int(costs.site_ids[c]))
        for r, c in zip(costs.origin_positions(), costs.indices, strict=True)
    }
    assert got == {(int(ids[2]), 1), (int(ids[0]), 1), (int(ids[2]), 2)}
    with pytest.raises(MedAllianceError, match=r"origin\[0\]: unknown origin id 99999999"):
        costs_from_table([99_999_999], [1], [1.0], origin_ids=ids, site_ids=[1, 2])
    with pytest.raises(MedAllianceError, match=r"origin\[0\]: unknown origin id -3"):
        costs_from_table([-3], [1], [1.0], origin_ids=ids, site_ids=[1, 2])


def test_within_keeps_every_origin() -> None:
    costs = costs_from_table(
        ["b", "b", "c"],
        ["x", "y", "y"],
        [5.0, 20.0, 25.0],
        origin_ids=["a", "b", "c", "d"],
        site_ids=["x", "y"],
    )
    near = costs.within(20)
    assert near.indptr.tolist() == [0, 0, 2, 2, 2]
    assert near.rows() == [
        {"origin": "b", "site": "x", "cost": 5.0},
        {"origin": "b", "site": "y", "cost": 20.0},
    ]
    assert near.cutoff_min == 20
    assert costs.within(0).indptr.tolist() == [0, 0, 0, 0, 0]


# --------------------------------------------------------------------------------------
# fast paths of the table builder, the id lookup and the measures, against plain references


def naive_table_csr(
    rows: list[int], cols: list[int], cost: list[float], n: int, cutoff: float | None
) -> tuple[list[int], list[int], list[float]]:
    pairs = {
        (r, c): x for r, c, x in zip(rows, cols, cost, strict=True) if cutoff is None or x <= cutoff
    }
    indptr = [0] * (n + 1)
    for r, _ in pairs:
        indptr[r + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    keys = sorted(pairs)
    return indptr, [c for _, c in keys], [pairs[k] for k in keys]


def _table_case(
    rng: np.random.Generator, n: int, m: int, n_pairs: int, order: str
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Distinct (origin, site) positions in the given row order, with costs on 0..40."""
    keys = np.sort(rng.choice(n * m, n_pairs, replace=False))
    rows, cols = keys // m, keys % m
    if order == "shuffled":
        perm = rng.permutation(n_pairs)
    elif order == "within-row":  # grouped by origin, sites in another order
        perm = np.lexsort((rng.random(n_pairs), rows))
    elif order == "site-major":
        perm = np.lexsort((rows, cols))
    else:
        perm = np.arange(n_pairs)
    cost = rng.choice([0.0, 10.0, 20.0, 20.5, 33.3], n_pairs)
    return rows[perm], cols[perm], cost[perm]


def _ids(rng: np.random.Generator, kind: str, k: int) -> np.ndarray[Any, Any]:
    if kind == "positions":
        return np.arange(k)
    if kind == "offset":
        return np.arange(k) + 1_000
    if kind == "sparse":
        return rng.permutation(rng.choice(10**12, k, replace=False))
    return np.array([f"id{i:06d}" for i in rng.permutation(k)])


# small and dense (keys placed directly), large and sparse (keys sorted), long runs per origin
TABLE_SIZES = ((60, 40, 1_200), (3_000, 200, 5_000), (200, 300, 18_000))


@pytest.mark.parametrize("order", ["csr", "shuffled", "within-row", "site-major"])
@pytest.mark.parametrize("kind", ["positions", "offset", "sparse", "strings"])
def test_table_builder_equals_a_naive_reference(order: str, kind: str) -> None:
    rng = np.random.default_rng(abs(hash((order, kind))) % 2**32)
    for n, m, n_pairs in TABLE_SIZES:
        rows, cols, cost = _table_case(rng, n, m, n_pairs, order)
        o_ids, s_ids = _ids(rng, kind, n), _ids(rng, kind, m)
        origin, dest = o_ids[rows], s_ids[cols]
        inputs = (origin, dest, cost)
        snapshot = [a.copy() for a in inputs]
        for cutoff in (None, 20.0):
            got = costs_from_table(
                origin, dest, cost, origin_ids=o_ids, site_ids=s_ids, cutoff_min=cutoff
            )
            indptr, indices, want = naive_table_csr(
                rows.tolist(), cols.tolist(), cost.tolist(), n, cutoff
            )
            assert got.indptr.tolist() == indptr
            assert got.indices.tolist() == indices
            assert got.cost.tolist() == want
            assert got.cutoff_min == cutoff
            assert np.array_equal(got.origin_ids, o_ids)
            assert np.array_equal(got.site_ids, s_ids)
            for arr in (got.indptr, got.indices, got.cost):
                assert not arr.flags.writeable
                assert not any(np.shares_memory(arr, a) for a in inputs)
        for before, after in zip(snapshot, inputs, strict=True):
            assert np.array_equal(before, after)
            assert after.flags.writeable


@pytest.mark.parametrize("n", [50, 5_000], ids=["keys-placed", "keys-sorted"])
@pytest.mark.parametrize("presorted", [True, False], ids=["csr-order", "unordered"])
def test_table_builder_names_every_duplicate_pair(n: int, presorted: bool) -> None:
    rng = np.random.default_rng(n)
    rows, cols, cost = _table_case(rng, n, 100, 2_000, "csr" if presorted else "shuffled")
    # rows 7 and 1,500 repeat the pairs of rows 3 and 4; row 1,999 repeats row 3 once more
    for later, first in ((7, 3), (1_500, 4), (1_999, 3)):
        rows[later], cols[later] = rows[first], cols[first]
    if presorted:  # keep CSR order apart from the repeats: they sit next to their first row
        order = np.lexsort((np.arange(len(rows)), cols, rows))
        rows, cols, cost = rows[order], cols[order], cost[order]
    key = rows * 100 + cols
    want = set()
    for pos in range(len(key)):
        earlier = np.flatnonzero(key[:pos] == key[pos])
        if len(earlier):
            want.add(
                f"cost[{pos}]: duplicate pair ({int(rows[pos])}, {int(cols[pos])}), "
                f"first given at {int(earlier[0])}"
            )
    assert len(want) == 3
    with pytest.raises(MedAllianceError) as info:
        costs_from_table(rows, cols, cost, origin_ids=np.arange(n), site_ids=np.arange(100))
    assert {p.render() for p in info.value.problems} == want


@pytest.mark.parametrize("kind", ["sparse", "strings"])
def test_lookup_in_runs_names_every_unknown_id(kind: str) -> None:
    rng = np.random.default_rng(1)
    ids = _ids(rng, kind, 100)
    values = np.repeat(ids, 60)  # 6,000 values in runs of 60: only run starts are searched
    stranger = np.array([10**13]) if kind == "sparse" else np.array(["nobody"])
    values = np.concatenate([values[:3_000], np.repeat(stranger, 3), values[3_000:]])
    with pytest.raises(MedAllianceError) as info:
        costs_from_table(
            values,
            np.zeros(len(values), dtype=np.int64),
            np.ones(len(values)),
            origin_ids=ids,
            site_ids=[0],
        )
    assert [p.render() for p in info.value.problems] == [
        f"origin[{i}]: unknown origin id {stranger[0].item()!r}" for i in (3_000, 3_001, 3_002)
    ]


def test_measures_with_a_cutoff_on_a_wider_structure() -> None:
    rng = np.random.default_rng(9)
    n, m = 400, 60
    rows, cols, cost = _table_case(rng, n, m, 6_000, "csr")
    keep = (rows >= 7) & (rows < n - 9)  # origins without pairs at both ends, and between
    rows, cols, cost = rows[keep], cols[keep], cost[keep]
    people = rng.uniform(0, 500, n)
    beds = rng.integers(0, 30, m).astype(float)
    wide = costs_from_table(rows, cols, cost, origin_ids=np.arange(n), site_ids=np.arange(m))
    near = wide.within(20)
    assert (
        near.indptr.tolist()
        == naive_table_csr(rows.tolist(), cols.tolist(), cost.tolist(), n, 20.0)[0]
    )
    pairs = {(int(r), int(c)): float(x) for r, c, x in zip(rows, cols, cost, strict=True)}
    zones: dict[float, float] = {10: 1.0, 20: 0.5}
    cases: list[tuple[Callable[..., Any], dict[str, Any], Callable[[float], float], bool]] = [
        (two_step_fca, {}, one, False),
        (enhanced_two_step_fca, {"zones": zones}, step_scalar(zones), False),
        (gravity, {"decay": PowerDecay(beta=1.5)}, lambda c: max(c, 1.0) ** -1.5, False),
        (three_step_fca, {"decay": None}, one, True),
    ]
    for fn, kwargs, scalar, three in cases:
        want, ratio = naive_fca(
            pairs, people.tolist(), beds.tolist(), scalar, 20.0, three_step=three
        )
        for costs in (wide, near):
            res = fn(costs, people, beds, cutoff_min=20, **kwargs)
            assert close(res.values, want)
            assert close(res.site_ratios, ratio)
            assert res.values[:7].tolist() == [0.0] * 7
            assert res.values[-9:].tolist() == [0.0] * 9


@pytest.mark.parametrize("k", [1, 3, 32, 33, 80])
def test_step_weights_equal_a_search(k: int) -> None:
    rng = np.random.default_rng(k)
    bounds = np.cumsum(rng.uniform(0.1, 3, k))
    zones = StepWeights(bounds=tuple(bounds.tolist()), weights=tuple(rng.uniform(0, 2, k)))
    cost = np.concatenate(
        [rng.uniform(-1, bounds[-1] + 5, 3_000), bounds, [np.nan, np.inf, -np.inf, 0.0]]
    )
    want = [
        next((w for b, w in zip(zones.bounds, zones.weights, strict=True) if c <= b), 0.0)
        for c in cost.tolist()
    ]
    assert zones(cost).tolist() == want
    assert zones(np.float64(bounds[0])) == zones.weights[0]


def test_gaussian_decay_takes_integers_and_scalars() -> None:
    g = GaussianDecay(sigma=3)
    assert g(np.array([0, 3])).tolist() == [1.0, math.exp(-0.5)]
    assert float(g(np.float64(3.0))) == math.exp(-0.5)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32])
def test_small_integer_columns_with_large_ids(dtype: Any) -> None:
    origin = np.array([5, 6, 5], dtype=dtype)
    # ids far outside the column's type: unknown ids, never an overflow
    for ids in (np.arange(1_000, 1_010), np.array([1_000, 1_003, 10**12])):
        with pytest.raises(MedAllianceError, match=r"origin\[0\]: unknown origin id 5"):
            costs_from_table(origin, [0, 1, 1], [1.0, 2.0, 3.0], origin_ids=ids, site_ids=[0, 1])
    # ids that start at 0 read the column as positions, whatever its type
    got = costs_from_table(
        origin, [0, 1, 1], [1.0, 2.0, 3.0], origin_ids=np.arange(7), site_ids=[0, 1]
    )
    assert got.rows() == [
        {"origin": 5, "site": 0, "cost": 1.0},
        {"origin": 5, "site": 1, "cost": 3.0},
        {"origin": 6, "site": 1, "cost": 2.0},
    ]
    with pytest.raises(MedAllianceError, match=r"origin\[1\]: unknown origin id -1"):
        costs_from_table(
            np.array([0, -1], dtype=dtype), [0, 0], [1.0, 2.0], origin_ids=[0, 1], site_ids=[0]
        )

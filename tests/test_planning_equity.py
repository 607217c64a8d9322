"""Equity measures against plain double loops and textbook identities; M2SFCA and BFCA."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance.accessibility import (
    GaussianDecay,
    Population,
    Supply,
    balanced_fca,
    costs_from_table,
    modified_two_step_fca,
    two_step_fca,
)
from medalliance.errors import MedAllianceError
from medalliance.planning import (
    concentration_index,
    equity_table,
    fgt,
    gini,
    palma,
    theil,
)

# --------------------------------------------------------------------------------------
# naive references (textbook formulas, loops over people)


def naive_gini(x: list[float], w: list[float]) -> float:
    total = sum(w)
    mu = sum(a * b for a, b in zip(x, w, strict=True)) / total
    s = 0.0
    for xi, wi in zip(x, w, strict=True):
        for xk, wk in zip(x, w, strict=True):
            s += wi * wk * abs(xi - xk)
    return s / (2 * total * total * mu)


def naive_theil(x: list[float], w: list[float]) -> float:
    total = sum(w)
    mu = sum(a * b for a, b in zip(x, w, strict=True)) / total
    return sum(
        wi * (xi / mu) * math.log(xi / mu) for xi, wi in zip(x, w, strict=True) if xi > 0
    ) / (total)


def naive_ci_integer_people(x: list[float], people: list[int], rank: list[float]) -> float:
    """Expand every origin into its people, rank them one by one (ties: mean rank)."""
    persons = sorted(
        [(r, xi) for xi, n, r in zip(x, people, rank, strict=True) for _ in range(n)],
        key=lambda t: t[0],
    )
    n = len(persons)
    ranks = [(i + 0.5) / n for i in range(n)]
    # ties in the ranking variable share their mean rank
    by_key: dict[float, list[float]] = {}
    for (key, _), r in zip(persons, ranks, strict=True):
        by_key.setdefault(key, []).append(r)
    mean_rank = {k: sum(v) / len(v) for k, v in by_key.items()}
    xs = [xi for _, xi in persons]
    rs = [mean_rank[k] for k, _ in persons]
    mu = sum(xs) / n
    rbar = sum(rs) / n
    return 2 * sum((a - mu) * (b - rbar) for a, b in zip(xs, rs, strict=True)) / n / mu


values_and_weights = (
    st.integers(1, 12)
    .flatmap(
        lambda n: st.tuples(
            st.lists(
                st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 3)),
                min_size=n,
                max_size=n,
            ),
            st.lists(st.integers(0, 50), min_size=n, max_size=n),
        )
    )
    .filter(lambda t: sum(t[1]) > 0 and sum(a * b for a, b in zip(*t, strict=True)) > 0)
)


@settings(max_examples=80, deadline=None)
@given(values_and_weights)
def test_gini_and_theil_match_double_loops(data: tuple[list[float], list[int]]) -> None:
    x, w = data
    assert math.isclose(gini(x, w), naive_gini(x, [float(v) for v in w]), abs_tol=1e-9)
    assert math.isclose(theil(x, w).total, naive_theil(x, [float(v) for v in w]), abs_tol=1e-9)
    assert 0.0 <= gini(x, w) <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(values_and_weights, st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_theil_parts_sum_to_the_total(
    data: tuple[list[float], list[int]], labels: list[int]
) -> None:
    x, w = data
    res = theil(x, w, groups=labels[: len(x)])
    assert math.isclose(res.within + res.between, res.total, abs_tol=1e-9)
    assert res.between >= -1e-12
    kept = [(a, b) for a, b in zip(x, w, strict=True) if b > 0]
    assert math.isclose(sum(g[1] for g in res.groups), sum(b for _, b in kept))
    assert math.isclose(sum(g[3] for g in res.groups), 1.0)


@settings(max_examples=60, deadline=None)
@given(values_and_weights, st.data())
def test_concentration_index_matches_person_by_person_ranks(
    data: tuple[list[float], list[int]], draw: Any
) -> None:
    x, w = data
    rank = draw.draw(st.lists(st.integers(0, 5), min_size=len(x), max_size=len(x)))
    got = concentration_index(x, w, rank_by=[float(r) for r in rank])
    kept = [(a, b, r) for a, b, r in zip(x, w, rank, strict=True) if b > 0]
    want = naive_ci_integer_people(
        [k[0] for k in kept], [k[1] for k in kept], [float(k[2]) for k in kept]
    )
    assert math.isclose(got, want, abs_tol=1e-9)


def test_identities_on_hand_computed_fixtures() -> None:
    assert gini([5, 5, 5], [1, 2, 3]) == 0.0
    assert theil([5, 5, 5], [1, 2, 3]).total == 0.0
    assert math.isclose(palma([7] * 20), 0.25)
    # one person in ten holds everything: the Palma ratio is undefined (bottom holds 0)
    with pytest.raises(MedAllianceError, match="bottom 40%"):
        palma([0] * 9 + [10])
    # a split origin: 5 people of value 1 and 5 of value 3 → bottom 40% hold 4/20
    assert math.isclose(palma([1, 3], [5, 5]), (3 / 20) / (4 / 20))
    assert fgt([0, 1, 2, 4], poverty_line=2, alpha=2) == 0.3125
    assert fgt([3, 4], poverty_line=2) == 0.0
    assert math.isclose(concentration_index([2, 2, 2], rank_by=[1, 2, 3]), 0.0, abs_tol=1e-12)
    # Theil of two groups with equal means: all within
    t = theil([1, 3, 1, 3], groups=["a", "a", "b", "b"])
    assert math.isclose(t.between, 0.0, abs_tol=1e-12)
    assert math.isclose(t.within, t.total)


def test_measures_read_an_accessibility_result_by_origin_id() -> None:
    pop = Population(["a", "b", "c"], [100, 200, 300])
    beds = Supply(["x", "y"], [10, 6])
    costs = costs_from_table(
        ["a", "a", "b", "b", "c"],
        ["x", "y", "x", "y", "y"],
        [5, 25, 15, 10, 30],
        origin_ids=pop.ids,
        site_ids=beds.ids,
    )
    res = two_step_fca(costs, pop, beds, cutoff_min=30)
    shuffled = Population(["c", "a", "b"], [300, 100, 200])
    assert math.isclose(gini(res, shuffled), gini(res.values, pop.people))
    table = equity_table(
        {"now": res, "flat": [1.0, 1.0, 1.0]},
        pop.people,
        poverty_line=0.02,
        rank_by=[3.0, 2.0, 1.0],
    )
    rows = table.rows()
    assert [r["option"] for r in rows] == ["now", "flat"]
    assert rows[1]["gini"] == 0.0
    assert set(rows[0]) == {
        "option",
        "mean",
        "gini",
        "theil",
        "palma",
        "concentration",
        "fgt0",
        "fgt1",
        "fgt2",
    }
    assert "<table" in table._repr_html_()


def test_bad_input_names_every_problem() -> None:
    with pytest.raises(MedAllianceError) as info:
        gini([1, -2, float("nan")], [1, -1, 1])
    text = str(info.value)
    assert "values[1]" in text
    assert "values[2]" in text
    assert "population[1]" in text
    with pytest.raises(MedAllianceError, match="mean is 0"):
        gini([0, 0])
    with pytest.raises(MedAllianceError) as info:
        fgt([1], poverty_line=0, alpha=-1)
    assert "poverty_line" in str(info.value)
    assert "alpha" in str(info.value)
    with pytest.raises(MedAllianceError, match="group labels"):
        theil([1, 2], groups=["a"])
    with pytest.raises(MedAllianceError, match="weights sum to 0"):
        gini([1, 2], [0, 0])


# --------------------------------------------------------------------------------------
# M2SFCA and BFCA against a naive loop over the pairs


def _naive_fca(
    pairs: dict[tuple[str, str], float],
    people: dict[str, float],
    supply: dict[str, float],
    weight: Any,
    method: str,
) -> dict[str, float]:
    w = {k: float(weight(d)) for k, d in pairs.items()}
    row: dict[str, float] = {}
    col: dict[str, float] = {}
    for (o, s), v in w.items():
        row[o] = row.get(o, 0.0) + v
        col[s] = col.get(s, 0.0) + v
    demand = dict.fromkeys(supply, 0.0)
    for (o, s), v in w.items():
        if method == "bfca":
            demand[s] += people[o] * (v / row[o] if row[o] > 0 else 0.0)
        else:
            demand[s] += people[o] * v
    ratio = {s: (supply[s] / demand[s] if demand[s] > 0 else 0.0) for s in supply}
    access = dict.fromkeys(people, 0.0)
    for (o, s), v in w.items():
        if method == "bfca":
            access[o] += ratio[s] * (v / col[s] if col[s] > 0 else 0.0)
        else:
            access[o] += ratio[s] * v * v
    return access


@pytest.mark.parametrize("method", ["m2sfca", "bfca"])
@pytest.mark.parametrize("seed", range(4))
def test_m2sfca_and_bfca_match_a_naive_loop(method: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 15, 5
    mask = rng.random((n, m)) < 0.5
    o, s = np.nonzero(mask)
    cost = rng.uniform(0, 40, len(o))
    origins = [f"o{i}" for i in range(n)]
    sites = [f"s{j}" for j in range(m)]
    people = rng.integers(0, 500, n).astype(float)
    supply = rng.integers(1, 50, m).astype(float)
    costs = costs_from_table(
        [origins[i] for i in o], [sites[j] for j in s], cost, origin_ids=origins, site_ids=sites
    )
    decay = GaussianDecay(sigma=15)
    func = balanced_fca if method == "bfca" else modified_two_step_fca
    res = func(costs, people, supply, decay=decay, cutoff_min=30)
    pairs = {
        (origins[i], sites[j]): float(c) for i, j, c in zip(o, s, cost, strict=True) if c <= 30
    }
    want = _naive_fca(
        pairs,
        dict(zip(origins, people.tolist(), strict=True)),
        dict(zip(sites, supply.tolist(), strict=True)),
        decay,
        method,
    )
    assert res.method == method
    np.testing.assert_allclose(res.values, [want[k] for k in origins], rtol=1e-10, atol=1e-15)


def test_m2sfca_without_decay_is_2sfca_and_bfca_conserves_population() -> None:
    rng = np.random.default_rng(3)
    o = np.repeat(np.arange(20), 3)
    s = rng.integers(0, 6, len(o))
    key = np.unique(o * 6 + s)
    costs = costs_from_table(
        key // 6,
        key % 6,
        rng.uniform(0, 20, len(key)),
        origin_ids=np.arange(20),
        site_ids=np.arange(6),
    )
    people = rng.integers(1, 100, 20).astype(float)
    supply = rng.integers(1, 10, 6).astype(float)
    np.testing.assert_allclose(
        modified_two_step_fca(costs, people, supply).values,
        two_step_fca(costs, people, supply).values,
    )
    b = balanced_fca(costs, people, supply)
    assert math.isclose(float(b.site_demand.sum()), float(people.sum()))

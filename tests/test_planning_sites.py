"""Site selection (medalliance.planning) against brute force over every subset, and its rules."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medalliance._reference.planning import brute_force, objective_of
from medalliance.accessibility import CostMatrix, Population, costs_from_table
from medalliance.errors import MedAllianceError
from medalliance.planning import SiteSelection, max_coverage, p_center, p_median, set_cover


def instance(seed: int, n: int = 10, m: int = 7, density: float = 0.6) -> dict[str, Any]:
    """A random sparse instance: every origin keeps at least one pair."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, m)) < density
    mask[np.arange(n), rng.integers(0, m, n)] = True
    cost = np.round(rng.uniform(0, 30, (n, m)), 1)
    o, s = np.nonzero(mask)
    origins = [f"o{i}" for i in range(n)]
    sites = [f"s{j}" for j in range(m)]
    costs = costs_from_table(
        [origins[i] for i in o],
        [sites[j] for j in s],
        cost[o, s],
        origin_ids=origins,
        site_ids=sites,
    )
    people = rng.integers(0, 100, n).astype(float)
    pairs = {(origins[i], sites[j]): float(cost[i, j]) for i, j in zip(o, s, strict=True)}
    return {"costs": costs, "people": people, "pairs": pairs, "origins": origins, "sites": sites}


def _people(inst: dict[str, Any]) -> dict[str, float]:
    return dict(zip(inst["origins"], inst["people"].tolist(), strict=True))


def _oracle(kind: str, inst: dict[str, Any], **kw: Any) -> tuple[float | None, list[Any]]:
    cands = kw.pop("candidates", inst["sites"])
    return brute_force(kind, inst["pairs"], _people(inst), cands, **kw)


def _check_against_oracle(res: SiteSelection, kind: str, inst: dict[str, Any], **kw: Any) -> None:
    best, winners = _oracle(kind, inst, **kw)
    assert best is not None
    assert res.objective is not None
    assert math.isclose(res.objective, best, rel_tol=1e-6, abs_tol=1e-6)
    assert tuple(sorted(res.selected.tolist(), key=str)) in winners
    # the reported objective is the objective of the reported sites (independent evaluation)
    again = objective_of(
        kind, inst["pairs"], _people(inst), res.selected.tolist(), kw.get("cutoff_min")
    )
    assert again is not None
    assert math.isclose(again, res.objective, rel_tol=1e-9, abs_tol=1e-9)


# --------------------------------------------------------------------------------------
# exact = brute force


@pytest.mark.parametrize("seed", range(6))
def test_max_coverage_exact_is_the_brute_force_optimum(seed: int) -> None:
    inst = instance(seed)
    res = max_coverage(inst["costs"], inst["people"], p=3, cutoff_min=12)
    assert res.status == "optimal"
    assert res.gap == 0.0
    _check_against_oracle(res, "max_coverage", inst, p=3, cutoff_min=12)


@pytest.mark.parametrize("seed", range(6))
def test_p_median_exact_is_the_brute_force_optimum(seed: int) -> None:
    inst = instance(seed, density=1.0)
    res = p_median(inst["costs"], inst["people"], p=2)
    assert res.status == "optimal"
    _check_against_oracle(res, "p_median", inst, p=2, cutoff_min=None)


@pytest.mark.parametrize("seed", range(6))
def test_p_center_exact_is_the_brute_force_optimum(seed: int) -> None:
    inst = instance(seed, density=1.0)
    res = p_center(inst["costs"], inst["people"], p=3)
    assert res.status == "optimal"
    _check_against_oracle(res, "p_center", inst, p=3, cutoff_min=None)


@pytest.mark.parametrize("seed", range(6))
def test_set_cover_exact_is_the_brute_force_optimum(seed: int) -> None:
    inst = instance(seed, density=0.5)
    res = set_cover(inst["costs"], inst["people"], cutoff_min=30)
    assert res.status == "optimal"
    best, winners = _oracle("set_cover", inst, p=None, cutoff_min=30)
    assert res.objective == best
    assert tuple(sorted(res.selected.tolist(), key=str)) in winners


def test_fourteen_candidates_with_fixed_sites_and_a_candidate_list() -> None:
    inst = instance(7, n=12, m=14, density=0.4)
    cands = inst["sites"][1:]
    res = max_coverage(
        inst["costs"], inst["people"], p=4, cutoff_min=15, candidates=cands, fixed=["s3"]
    )
    assert "s3" in res.selected.tolist()
    assert "s0" not in res.selected.tolist()
    _check_against_oracle(
        res, "max_coverage", inst, p=4, cutoff_min=15, candidates=cands, fixed=["s3"]
    )


def test_set_cover_backup_keeps_the_fewest_sites_and_maximises_double_cover() -> None:
    inst = instance(3, n=10, m=8, density=0.6)
    plain = set_cover(inst["costs"], inst["people"], cutoff_min=25)
    res = set_cover(inst["costs"], inst["people"], cutoff_min=25, backup=True)
    assert res.objective == plain.objective
    assert int(res.open.sum()) == plain.objective
    # brute force: among the smallest covers, the most people within reach of two
    best = -1.0
    for sites in _oracle("set_cover", inst, p=None, cutoff_min=25)[1]:
        twice = sum(
            n
            for o, n in _people(inst).items()
            if sum(1 for s in sites if inst["pairs"].get((o, s), math.inf) <= 25) >= 2
        )
        best = max(best, twice)
    assert res.backup_people is not None
    assert math.isclose(res.backup_people, best)


# --------------------------------------------------------------------------------------
# capacities


def _transport_value(
    inst: dict[str, Any], sites: list[str], cap: np.ndarray, cutoff: float | None, maximise: bool
) -> float | None:
    """The best split assignment for fixed open sites, by a small LP (an independent model)."""
    from scipy.optimize import linprog

    o_ix = {o: i for i, o in enumerate(inst["origins"])}
    s_ix = {s: j for j, s in enumerate(inst["sites"])}
    arcs = [
        (o, s, d)
        for (o, s), d in inst["pairs"].items()
        if s in sites and (cutoff is None or d <= cutoff)
    ]
    people = inst["people"]
    c = [(-people[o_ix[o]] if maximise else people[o_ix[o]] * d) for o, s, d in arcs]
    a_ub, b_ub, a_eq, b_eq = [], [], [], []
    for o in inst["origins"]:
        row = [1.0 if a[0] == o else 0.0 for a in arcs]
        if maximise or people[o_ix[o]] == 0:
            a_ub.append(row)
            b_ub.append(1.0)
        else:
            a_eq.append(row)
            b_eq.append(1.0)
    for s in sites:
        a_ub.append([people[o_ix[a[0]]] if a[1] == s else 0.0 for a in arcs])
        b_ub.append(float(cap[s_ix[s]]))
    if not arcs:
        return 0.0 if maximise else None
    res = linprog(
        c, A_ub=a_ub or None, b_ub=b_ub or None, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, 1)
    )
    if res.status != 0:
        return None
    return float(-res.fun if maximise else res.fun)


@pytest.mark.parametrize(
    ("kind", "seed"), [("max_coverage", 1), ("max_coverage", 2), ("p_median", 1), ("p_median", 4)]
)
def test_capacitated_models_against_subsets_times_transport_lp(kind: str, seed: int) -> None:
    import itertools

    inst = instance(seed, n=8, m=6, density=0.8)
    cap = np.full(6, inst["people"].sum() / 2.5)
    maximise = kind == "max_coverage"
    cutoff = 15.0 if maximise else None
    if maximise:
        res = max_coverage(inst["costs"], inst["people"], p=3, capacity=cap, cutoff_min=15.0)
    else:
        res = p_median(inst["costs"], inst["people"], p=3, capacity=cap)
    values = [
        v
        for subset in itertools.combinations(inst["sites"], 3)
        if (v := _transport_value(inst, list(subset), cap, cutoff, maximise)) is not None
    ]
    if not values:
        assert res.status == "infeasible"
        return
    best = max(values) if maximise else min(values)
    assert res.objective is not None
    assert math.isclose(res.objective, best, rel_tol=1e-5)
    assert (res.served >= -1e-9).all()
    assert (res.served <= 1 + 1e-9).all()
    assert math.isclose(
        res.covered_people if maximise else res.total_people,
        float(res.people @ res.served) if maximise else res.total_people,
    )


def test_capacitated_infeasible_model_ends_with_a_clear_status() -> None:
    costs = costs_from_table(
        ["a", "b"], ["x", "y"], [1, 1], origin_ids=["a", "b"], site_ids=["x", "y"]
    )
    res = p_median(costs, [10, 1], p=2, capacity=[5, 100])
    assert res.status == "infeasible"
    assert res.objective is None
    assert not res.open.any()
    assert "infeasible" in repr(res)


# --------------------------------------------------------------------------------------
# heuristics and bounds


@pytest.mark.parametrize("seed", range(8))
def test_greedy_max_coverage_reaches_one_minus_one_over_e(seed: int) -> None:
    inst = instance(seed, n=12, m=10, density=0.35)
    opt = _oracle("max_coverage", inst, p=3, cutoff_min=15)[0]
    res = max_coverage(inst["costs"], inst["people"], p=3, cutoff_min=15, method="greedy")
    assert opt is not None
    assert res.objective is not None
    assert res.bound is not None
    assert res.objective >= (1 - 1 / math.e) * opt - 1e-9
    assert res.objective <= opt + 1e-9 <= res.bound + 2e-9


@pytest.mark.parametrize("seed", range(6))
def test_greedy_minimisation_bounds_hold(seed: int) -> None:
    inst = instance(seed, density=1.0)
    for func, kind in ((p_median, "p_median"), (p_center, "p_center")):
        res = func(inst["costs"], inst["people"], p=2, method="greedy")
        opt = _oracle(kind, inst, p=2, cutoff_min=None)[0]
        assert res.status == "heuristic"
        assert opt is not None
        assert res.objective is not None
        assert res.bound is not None
        assert res.bound <= opt + 1e-9 <= res.objective + 2e-9
    cover = set_cover(inst["costs"], inst["people"], cutoff_min=30, method="greedy")
    best = _oracle("set_cover", inst, p=None, cutoff_min=30)[0]
    assert cover.bound is not None
    assert cover.objective is not None
    assert best is not None
    assert cover.bound <= best <= cover.objective


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 9))
    m = draw(st.integers(1, 6))
    inst = instance(seed, n=n, m=m, density=draw(st.floats(0.2, 1.0)))
    inst["p"] = draw(st.integers(1, m))
    inst["n_fixed"] = draw(st.integers(0, inst["p"]))
    return inst


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["exact", "greedy"]))
def test_bounds_fixed_sites_and_counts(
    inst: dict[str, Any], method: Literal["exact", "greedy"]
) -> None:
    fixed = inst["sites"][: inst["n_fixed"]]
    p = inst["p"]
    res = max_coverage(
        inst["costs"], inst["people"], p=p, cutoff_min=15, fixed=fixed, method=method
    )
    assert res.objective is not None
    assert res.bound is not None
    assert res.bound >= res.objective - 1e-6 * max(1.0, res.objective)
    assert set(fixed) <= set(res.selected.tolist())
    assert int(res.open.sum()) == p
    assert math.isclose(res.covered_people, res.objective, rel_tol=1e-9, abs_tol=1e-9)
    opt = _oracle("max_coverage", inst, p=p, cutoff_min=15, fixed=fixed)[0]
    assert opt is not None
    assert res.objective <= opt + 1e-9 <= res.bound + 2e-9
    # greedy from the fixed sites, then swaps: within 1 - 1/e of the optimum
    assert res.objective >= (1 - 1 / math.e) * opt - 1e-9
    med = (
        p_median(
            inst["costs"],
            inst["people"],
            p=p,
            fixed=fixed,
            method=method,
            cutoff_min=None,
        )
        if _all_reach(inst)
        else None
    )
    if med is not None and med.objective is not None:
        assert med.bound is not None
        assert med.bound <= med.objective + 1e-6 * max(1, med.objective)
        assert set(fixed) <= set(med.selected.tolist())


def _all_reach(inst: dict[str, Any]) -> bool:
    return all(any(o == k[0] for k in inst["pairs"]) for o in inst["origins"])


def test_warm_start_is_kept_when_the_time_limit_finds_nothing_better() -> None:
    inst = instance(11, n=12, m=8, density=0.5)
    greedy = max_coverage(inst["costs"], inst["people"], p=3, cutoff_min=15, method="greedy")
    res = max_coverage(
        inst["costs"],
        inst["people"],
        p=3,
        cutoff_min=15,
        warm_start=greedy.selected,
        time_limit_s=5,
    )
    assert res.objective is not None
    assert greedy.objective is not None
    assert res.objective >= greedy.objective
    swapped = max_coverage(
        inst["costs"],
        inst["people"],
        p=3,
        cutoff_min=15,
        method="greedy",
        warm_start=greedy.selected,
    )
    assert swapped.objective == greedy.objective


def test_time_limit_is_honoured_on_a_larger_model() -> None:
    rng = np.random.default_rng(5)
    n, m = 1500, 120
    o = np.repeat(np.arange(n), 12)
    s = rng.integers(0, m, len(o))
    key = np.unique(o * m + s)
    costs = costs_from_table(
        key // m,
        key % m,
        rng.uniform(0, 20, len(key)),
        origin_ids=np.arange(n),
        site_ids=np.arange(m),
    )
    res = p_median(costs, rng.integers(1, 50, n), p=10, cutoff_min=None, time_limit_s=0.5)
    assert res.status in ("time_limit", "optimal", "infeasible")
    if res.objective is not None:
        assert res.bound is not None
        assert res.bound <= res.objective + 1e-6 * res.objective


# --------------------------------------------------------------------------------------
# results and bad input


def test_result_tables_and_display() -> None:
    inst = instance(2)
    res = max_coverage(
        inst["costs"], Population(inst["origins"], inst["people"]), p=2, cutoff_min=12
    )
    rows = res.rows()
    assert [r["site"] for r in rows] == res.selected.tolist()
    assert math.isclose(sum(r["people"] for r in rows), res.covered_people)
    per_origin = res.assignment_rows()
    assert len(per_origin) == 10
    assert set(per_origin[0]) == {
        "origin",
        "people",
        "site",
        "cost",
        "served",
    }
    assert "<table" in res._repr_html_()
    assert repr(res).startswith("SiteSelection(max_coverage, exact, optimal")
    assert not res.open.flags.writeable
    pytest.importorskip("pandas")
    frame = res.to_frame()
    assert list(frame.columns) == ["site", "fixed", "origins", "people", "mean_cost"]


def test_every_bad_input_is_named_in_one_error() -> None:
    inst = instance(0)
    people = inst["people"].copy()
    people[2] = -5
    with pytest.raises(MedAllianceError) as info:
        max_coverage(
            inst["costs"], people, p=9, cutoff_min=10, candidates=["s0", "s1", "nope"], fixed=["s2"]
        )
    text = str(info.value)
    assert "must be >= 0, got -5" in text
    assert "unknown site id 'nope'" in text
    with pytest.raises(MedAllianceError) as info:
        max_coverage(
            inst["costs"], inst["people"], p=9, cutoff_min=10, candidates=["s0", "s1"], fixed=["s2"]
        )
    text = str(info.value)
    assert "fixed site 's2' is not among the candidates" in text
    assert "9 sites asked for but there are only 2 candidate sites" in text


def test_capacities_below_demand_and_unreachable_origins_are_named() -> None:
    costs = costs_from_table(
        ["a", "b"], ["x", "x"], [1, 50], origin_ids=["a", "b", "c"], site_ids=["x", "y"]
    )
    with pytest.raises(MedAllianceError) as info:
        p_median(costs, [10, 10, 10], p=1, capacity=[5, 8], cutoff_min=20)
    text = str(info.value)
    assert "below the demand of 30" in text
    assert "origin 'b' has no candidate site within the cutoff" in text
    assert "origin 'c'" in text
    with pytest.raises(MedAllianceError, match="origin 'c' has no candidate site"):
        p_median(costs, [1, 1, 1], p=1, capacity=[5, 8], method="greedy")
    with pytest.raises(MedAllianceError, match="time_limit_s"):
        max_coverage(costs, [1, 1, 1], p=1, cutoff_min=5, time_limit_s=0)
    with pytest.raises(MedAllianceError, match="missing from the warm start"):
        max_coverage(costs, [1, 1, 1], p=2, cutoff_min=5, fixed=["x"], warm_start=["y"])
    with pytest.raises(MedAllianceError, match="expected a CostMatrix"):
        max_coverage("costs", [1], p=1, cutoff_min=5)  # type: ignore[arg-type]


def test_a_cost_structure_given_directly_works() -> None:
    costs = CostMatrix(
        origin_ids=np.array([1, 2]),
        site_ids=np.array([7, 8]),
        indptr=np.array([0, 1, 2]),
        indices=np.array([0, 1], dtype=np.int32),
        cost=np.array([3.0, 4.0]),
    )
    res = p_median(costs, [1, 1], p=2, method="greedy")
    assert res.selected.tolist() == [7, 8]
    assert res.objective == 7.0


# --------------------------------------------------------------------------------------
# the exact MCLP merges origins that reach the same sites


def _groups_naive(inst: dict[str, Any], cutoff: float) -> dict[frozenset[int], float]:
    """People per set of reachable sites (origins reaching none left out), by plain loops."""
    out: dict[frozenset[int], float] = {}
    for i, origin in enumerate(inst["origins"]):
        reach = frozenset(
            j
            for j, site in enumerate(inst["sites"])
            if inst["pairs"].get((origin, site), 99) <= cutoff
        )
        if reach:
            out[reach] = out.get(reach, 0.0) + float(inst["people"][i])
    return out


def _groups_of(inst: dict[str, Any], cutoff: float) -> dict[frozenset[int], float]:
    from medalliance.planning._exact import coverage_groups
    from medalliance.planning._problem import prepare

    prob = prepare(
        "max_coverage",
        inst["costs"],
        inst["people"],
        p=1,
        cutoff_min=cutoff,
        candidates=None,
        fixed=None,
    )
    rows, cols, people = coverage_groups(prob)
    sets = [frozenset(cols[rows == g].tolist()) for g in range(len(people))]
    assert len(set(sets)) == len(sets)  # no set twice
    out: dict[frozenset[int], float] = {}
    for s, p in zip(sets, people.tolist(), strict=True):
        out[s] = out.get(s, 0.0) + p
    return out


@pytest.mark.parametrize("seed", range(5))
def test_coverage_groups_merge_exactly_the_origins_with_the_same_sites(seed: int) -> None:
    from medalliance.planning._exact import coverage_groups
    from medalliance.planning._problem import prepare

    inst = instance(seed, n=40, m=4, density=0.4)  # few sites: many origins share a set
    naive = _groups_naive(inst, 20.0)
    prob = prepare(
        "max_coverage",
        inst["costs"],
        inst["people"],
        p=1,
        cutoff_min=20.0,
        candidates=None,
        fixed=None,
    )
    _, _, people = coverage_groups(prob)
    assert len(people) == len(naive) < 40  # one group per distinct set
    assert _groups_of(inst, 20.0) == pytest.approx(naive)


@pytest.mark.parametrize("seed", range(4))
def test_merged_mclp_is_the_brute_force_optimum(seed: int) -> None:
    inst = instance(seed, n=14, m=5, density=0.4)
    res = max_coverage(inst["costs"], inst["people"], p=2, cutoff_min=20)
    assert res.status == "optimal"
    _check_against_oracle(res, "max_coverage", inst, p=2, cutoff_min=20)


def test_a_hash_collision_merges_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from medalliance.planning import _exact
    from medalliance.planning._problem import prepare

    # every site hashing to 0: all origins reaching as many sites collide
    monkeypatch.setattr(_exact, "_site_hashes", lambda m: np.zeros((2, m), dtype=np.int64))
    inst = instance(1, n=14, m=5, density=0.4)
    prob = prepare(
        "max_coverage",
        inst["costs"],
        inst["people"],
        p=2,
        cutoff_min=20.0,
        candidates=None,
        fixed=None,
    )
    _, _, people = _exact.coverage_groups(prob)
    assert len(people) == int((np.diff(prob.ptr) > 0).sum())  # one group per origin
    res = max_coverage(inst["costs"], inst["people"], p=2, cutoff_min=20)
    _check_against_oracle(res, "max_coverage", inst, p=2, cutoff_min=20)

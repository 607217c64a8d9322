"""Capacitated greedy and the exact solver's warm start, against subsets × a transport LP."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medalliance._reference.planning import brute_force
from medalliance.errors import MedAllianceError
from medalliance.planning import max_coverage, p_center, p_median
from test_planning_sites import _transport_value, instance

_CUT = 15.0


@st.composite
def capacitated(draw: st.DrawFn) -> dict[str, Any]:
    seed = draw(st.integers(0, 2**32 - 1))
    m = draw(st.integers(1, 6))
    inst = instance(seed, n=draw(st.integers(1, 8)), m=m, density=draw(st.floats(0.3, 1.0)))
    inst["p"] = draw(st.integers(1, m))
    inst["n_fixed"] = draw(st.integers(0, min(inst["p"], 2)))
    total = float(inst["people"].sum())
    share = draw(st.lists(st.floats(0.05, 1.2), min_size=m, max_size=m))
    inst["cap"] = np.array([round(total * s + 1.0, 1) for s in share])
    return inst


def _best(inst: dict[str, Any], fixed: list[str], maximise: bool) -> float | None:
    """The optimum over every subset of ``p`` sites holding the fixed ones (transport LP)."""
    rest = [s for s in inst["sites"] if s not in fixed]
    values = [
        v
        for extra in itertools.combinations(rest, inst["p"] - len(fixed))
        if (
            v := _transport_value(
                inst, [*fixed, *extra], inst["cap"], _CUT if maximise else None, maximise
            )
        )
        is not None
    ]
    if not values:
        return None
    return max(values) if maximise else min(values)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capacitated(), st.sampled_from(["max_coverage", "p_median"]), st.booleans())
def test_capacitated_greedy_against_every_subset(
    inst: dict[str, Any], kind: str, full_bound: bool
) -> None:
    fixed = inst["sites"][: inst["n_fixed"]]
    maximise = kind == "max_coverage"
    args: dict[str, Any] = {"p": inst["p"], "fixed": fixed, "capacity": inst["cap"]}
    if full_bound:  # the full LP relaxation is tried too (the bound may only tighten)
        args["time_limit_s"] = 30
    try:
        if maximise:
            res = max_coverage(
                inst["costs"], inst["people"], cutoff_min=_CUT, method="greedy", **args
            )
        else:
            res = p_median(inst["costs"], inst["people"], method="greedy", **args)
    except MedAllianceError:  # p_median: capacities or reach rule the instance out
        assert not maximise
        return
    best = _best(inst, fixed, maximise)
    assert set(fixed) <= set(res.selected.tolist())
    assert int(res.open.sum()) == inst["p"]
    if best is None:  # no choice of sites serves everyone within the capacities
        assert res.status == "unserved"
        assert res.objective is None
        return
    assert res.bound is not None
    tol = 1e-6 * max(1.0, abs(best))
    if maximise:
        assert res.bound >= best - tol
    else:
        assert res.bound <= best + tol
    if res.status == "unserved":  # the heuristic may miss a feasible choice; it says so
        assert not maximise
        return
    assert res.status == "heuristic"
    assert res.objective is not None
    assert (res.objective <= best + tol) if maximise else (res.objective >= best - tol)
    # the objective is achieved by the selected sites within their capacities (own LP)
    own = _transport_value(
        inst, res.selected.tolist(), inst["cap"], _CUT if maximise else None, maximise
    )
    assert own is not None
    assert math.isclose(res.objective, own, rel_tol=1e-6, abs_tol=1e-6)
    assert (res.served >= -1e-9).all()
    assert (res.served <= 1 + 1e-9).all()
    open_cap = float(inst["cap"][res.open].sum())
    assert float(res.people @ res.served) <= open_cap + tol


def test_capacitated_greedy_respects_a_tight_capacity() -> None:
    from medalliance.accessibility import costs_from_table

    costs = costs_from_table(
        ["a", "a", "b", "b", "c"],
        ["x", "y", "x", "y", "y"],
        [1, 2, 1, 9, 1],
        origin_ids=["a", "b", "c"],
        site_ids=["x", "y"],
    )
    res = max_coverage(costs, [60, 50, 30], p=1, cutoff_min=10, capacity=[70, 100], method="greedy")
    assert res.selected.tolist() == ["y"]
    assert res.objective == 100.0  # y holds 100 of the 140 people in its reach
    assert res.status == "heuristic"
    assert res.bound is not None
    assert res.bound >= 100.0
    med = p_median(costs, [60, 50, 30], p=2, capacity=[70, 100], method="greedy")
    exact = p_median(costs, [60, 50, 30], p=2, capacity=[70, 100])
    assert med.objective == exact.objective


# --------------------------------------------------------------------------------------
# warm start: a cutoff on the objective


def _warm_sites(inst: dict[str, Any], seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(inst["sites"], size=inst["p"], replace=False).tolist())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capacitated(), st.integers(0, 1000), st.booleans())
def test_warm_start_is_never_worse_and_keeps_the_optimum(
    inst: dict[str, Any], seed: int, with_capacity: bool
) -> None:
    warm = _warm_sites(inst, seed)
    cap = inst["cap"] if with_capacity else None
    cold = max_coverage(inst["costs"], inst["people"], p=inst["p"], cutoff_min=_CUT, capacity=cap)
    hot = max_coverage(
        inst["costs"], inst["people"], p=inst["p"], cutoff_min=_CUT, capacity=cap, warm_start=warm
    )
    own = (
        _transport_value(inst, warm, inst["cap"], _CUT, True)
        if with_capacity
        else brute_force(
            "max_coverage",
            inst["pairs"],
            dict(zip(inst["origins"], inst["people"].tolist(), strict=True)),
            warm,
            p=inst["p"],
            cutoff_min=_CUT,
        )[0]
    )
    assert own is not None
    assert hot.status == cold.status == "optimal"
    assert hot.objective is not None
    assert cold.objective is not None
    assert hot.objective >= own - 1e-6 * max(1.0, own)
    assert math.isclose(hot.objective, cold.objective, rel_tol=1e-6, abs_tol=1e-6)
    assert hot.gap is not None
    assert hot.gap <= 1e-6  # HiGHS stops at a relative gap of 1e-6


@pytest.mark.parametrize("seed", [3, 8])
def test_warm_start_for_minimisation_models(seed: int) -> None:
    inst = instance(seed, n=10, m=6, density=1.0)
    warm = ["s0", "s1"]
    for solve in (p_median, p_center):
        cold = solve(inst["costs"], inst["people"], p=2)
        hot = solve(inst["costs"], inst["people"], p=2, warm_start=warm)
        start = solve(
            inst["costs"], inst["people"], p=2, candidates=warm, fixed=warm, method="exact"
        )
        assert hot.objective is not None
        assert cold.objective is not None
        assert start.objective is not None
        assert hot.objective <= start.objective + 1e-9
        assert math.isclose(hot.objective, cold.objective, rel_tol=1e-9)


def test_the_warm_start_reaches_the_solver_as_a_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from medalliance.planning import _exact

    inst = instance(4, n=10, m=6, density=0.7)
    seen: list[Any] = []
    real = _exact.solve_model

    def spy(model: Any, limit: float | None) -> Any:
        seen.append(model)
        return real(model, limit)

    monkeypatch.setattr(_exact, "solve_model", spy)
    warm = ["s0", "s1"]
    w = max_coverage(
        inst["costs"], inst["people"], p=2, cutoff_min=_CUT, candidates=warm, fixed=warm
    )
    seen.clear()
    max_coverage(inst["costs"], inst["people"], p=2, cutoff_min=_CUT, warm_start=warm)
    model = seen[0]
    assert w.objective is not None
    # the last row: -Σ people·z <= -(people the warm start covers), loosened by 1e-7
    assert math.isclose(float(model.hi[-1][0]), -w.objective, rel_tol=1e-6, abs_tol=1e-6)
    assert np.array_equal(model.cols[-1], np.flatnonzero(model.c))

"""The same optimum as PySAL spopt on shared inputs (skipped unless spopt is installed).

spopt is heavy (geopandas, scikit-learn, PuLP/CBC), so it is a benchmark extra
(``medalliance[bench]``), not a test dependency; the brute-force oracles in
``test_planning_sites.py`` always run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from medalliance.accessibility import CostMatrix, costs_from_table
from medalliance.planning import max_coverage, p_center, p_median, set_cover

locate = pytest.importorskip("spopt.locate")
pulp = pytest.importorskip("pulp")

# spopt builds its models with PuLP calls PuLP itself deprecates: their warnings, not ours
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")


def _dense(seed: int, n: int = 40, m: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    minutes = np.round(rng.uniform(1, 40, (n, m)), 2)
    people = rng.integers(1, 500, n).astype(float)
    return minutes, people


def _costs(minutes: np.ndarray) -> CostMatrix:
    n, m = minutes.shape
    o, s = np.nonzero(np.ones_like(minutes, dtype=bool))
    return costs_from_table(o, s, minutes[o, s], origin_ids=np.arange(n), site_ids=np.arange(m))


def _solve(model: object) -> float:
    model.solve(pulp.PULP_CBC_CMD(msg=False))  # type: ignore[attr-defined]
    return float(pulp.value(model.problem.objective))  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_same_optima_as_spopt(seed: int) -> None:
    minutes, people = _dense(seed)
    costs = _costs(minutes)
    ours = max_coverage(costs, people, p=3, cutoff_min=10)
    theirs = _solve(
        locate.MCLP.from_cost_matrix(minutes, people, service_radius=10, p_facilities=3)
    )
    assert ours.objective is not None
    assert math.isclose(ours.objective, theirs, rel_tol=1e-6)
    ours = p_median(costs, people, p=3)
    theirs = _solve(locate.PMedian.from_cost_matrix(minutes, people, p_facilities=3))
    assert ours.objective is not None
    assert math.isclose(ours.objective, theirs, rel_tol=1e-6)
    ours = set_cover(costs, cutoff_min=20)
    theirs = _solve(locate.LSCP.from_cost_matrix(minutes, service_radius=20))
    assert ours.objective == theirs
    ours = p_center(costs, p=3)
    theirs = _solve(locate.PCenter.from_cost_matrix(minutes, p_facilities=3))
    assert ours.objective is not None
    assert math.isclose(ours.objective, theirs, rel_tol=1e-6)

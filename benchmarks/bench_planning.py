"""Benchmark: site selection and districting against PySAL ``spopt`` (when installed).

1. **MCLP, 2,000 demand points x 100 sites, p = 10** (generated, seeded; travel minutes at
   40 km/h over a 60 x 60 km square; 15-minute coverage): our model build (checks + sparse
   constraint matrix) and end-to-end exact solve (HiGHS via ``scipy.optimize.milp``) and the
   greedy + swap heuristic, against ``spopt.locate.MCLP.from_cost_matrix`` (build) and its
   solve with CBC (PuLP). The optima must agree when both prove them.
2. **MCLP, 10,000 x 300, p = 20**: the same, with a time limit (``--time-limit``, default
   30 s for ours and 300 s for spopt's CBC); the people covered, the bound and the gap are
   printed for each.
3. **partition_grid on a 1,600-cell lattice** (40 x 40, 8 leads, group sizes within ±20%):
   greedy growth + repair; every unit must be assigned. ``spopt.region.Skater`` on the same
   lattice (attribute: people; at least ``cells / (2 * leads)`` cells per region: SKATER
   bounds region sizes by a count, not by people) when spopt, libpysal and geopandas are
   installed. A run-time comparison: the two optimise different objectives.
4. **Capacitated MCLP, 2,000 x 100, p = 10** (``--cap-demand``, ``--cap-sites``, ``--cap-p``;
   every site holds 1.2 x its share of the people): the exact MILP cold, the capacitated
   greedy + swap (transport LPs), and the exact MILP with the greedy's sites as a warm start
   (an objective cutoff), each with its objective, bound and gap; the optima must agree.

Peak Python memory (``tracemalloc``: numpy arrays included, HiGHS's own C allocations not) is
printed for each of our runs. spopt is a benchmark-only dependency (``pip install
'medalliance[bench]'``); without it only our figures are printed.

Run::

    python benchmarks/bench_planning.py                     # all steps (spopt: minutes)
    python benchmarks/bench_planning.py --no-spopt          # ours only
    python benchmarks/bench_planning.py --demand 200 --sites 20 --p 3 --large-demand 400 \\
        --large-sites 40 --large-p 4 --cells 100 --time-limit 5 --cap-demand 150 \\
        --cap-sites 15 --cap-p 3                                  # a tiny run
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from typing import Any

import numpy as np

from medalliance.accessibility import costs_from_table
from medalliance.planning import lattice, max_coverage, partition_grid
from medalliance.planning._exact import build
from medalliance.planning._problem import prepare

CUTOFF_MIN = 15.0


def instance(seed: int, n: int, m: int) -> dict[str, Any]:
    """Demand points and sites in a 60 km square; minutes at 40 km/h; people 50..1,000."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 60, (n, 2))
    sites = rng.uniform(0, 60, (m, 2))
    minutes = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)) / 40 * 60
    people = rng.integers(50, 1000, n).astype(float)
    return {"minutes": minutes, "people": people}


def _costs(inst: dict[str, Any]) -> Any:
    minutes = inst["minutes"]
    o, s = np.nonzero(minutes <= CUTOFF_MIN)
    n, m = minutes.shape
    return costs_from_table(
        o, s, minutes[o, s], origin_ids=np.arange(n), site_ids=np.arange(m), cutoff_min=CUTOFF_MIN
    )


def ours(inst: dict[str, Any], p: int, time_limit: float | None) -> dict[str, Any]:
    """Build time (costs + checks + model), exact and greedy solves, peak memory."""
    t0 = time.perf_counter()
    costs = _costs(inst)
    prob = prepare(
        "max_coverage",
        costs,
        inst["people"],
        p=p,
        cutoff_min=CUTOFF_MIN,
        candidates=None,
        fixed=None,
    )
    build(prob)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()  # timed without tracemalloc (it slows Python code 2-3x)
    exact = max_coverage(costs, inst["people"], p=p, cutoff_min=CUTOFF_MIN, time_limit_s=time_limit)
    t_exact = time.perf_counter() - t0
    tracemalloc.start()  # peak memory (Python-side; HiGHS allocates outside) from a second run
    max_coverage(costs, inst["people"], p=p, cutoff_min=CUTOFF_MIN, time_limit_s=time_limit)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t0 = time.perf_counter()
    greedy = max_coverage(costs, inst["people"], p=p, cutoff_min=CUTOFF_MIN, method="greedy")
    t_greedy = time.perf_counter() - t0
    return {
        "build_s": t_build,
        "exact_s": t_exact + t_build,
        "greedy_s": t_greedy,
        "exact": exact,
        "greedy": greedy,
        "peak_mb": peak / 2**20,
        "pairs": costs.n_pairs,
    }


def spopt_mclp(inst: dict[str, Any], p: int, time_limit: float) -> dict[str, Any] | None:
    """spopt's MCLP on the dense matrix: build and CBC solve; ``None`` when not installed."""
    try:
        import pulp
        from spopt.locate import MCLP
    except ImportError:
        return None
    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(
        inst["minutes"], inst["people"], service_radius=CUTOFF_MIN, p_facilities=p
    )
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit))
    t_solve = time.perf_counter() - t0
    chosen = [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
    covered = (inst["minutes"][:, chosen] <= CUTOFF_MIN).any(axis=1)
    status = pulp.LpStatus[model.problem.status]
    return {
        "build_s": t_build,
        "total_s": t_build + t_solve,
        "covered": float(inst["people"][covered].sum()),
        "status": status,
    }


def mclp_step(
    name: str,
    *,
    n: int,
    m: int,
    p: int,
    args: argparse.Namespace,
    limit: float | None,
    spopt_limit: float,
) -> None:
    inst = instance(args.seed, n, m)
    r = ours(inst, p, limit)
    ex, gr = r["exact"], r["greedy"]
    print(
        f"\n== {name}: MCLP {n:,} x {m:,}, p = {p} ({r['pairs']:,} pairs within {CUTOFF_MIN:g} min)"
    )
    print(
        f"  ours   build {r['build_s']:.3f} s; exact {r['exact_s']:.3f} s: {ex.status}, covered "
        f"{ex.objective:,.0f}, bound {ex.bound:,.0f}, gap {ex.gap:.4%}; peak {r['peak_mb']:.1f} MB"
    )
    print(
        f"  ours   greedy + swap {r['greedy_s']:.3f} s: covered {gr.objective:,.0f} "
        f"(bound {gr.bound:,.0f})"
    )
    assert gr.objective <= ex.bound + 1e-6 * ex.bound
    if args.no_spopt:
        return
    s = spopt_mclp(inst, p, spopt_limit)
    if s is None:
        print("  spopt  not installed (pip install 'medalliance[bench]'): skipped")
        return
    print(
        f"  spopt  build {s['build_s']:.3f} s; end to end {s['total_s']:.3f} s: {s['status']}, "
        f"covered {s['covered']:,.0f}"
    )
    print(
        f"  ratio  build {s['build_s'] / r['build_s']:.0f}x; end to end "
        f"{s['total_s'] / r['exact_s']:.1f}x; covered ours - spopt = "
        f"{ex.objective - s['covered']:+,.0f}"
    )
    if ex.status == "optimal" and s["status"] == "Optimal":
        assert abs(ex.objective - s["covered"]) <= 1e-6 * ex.objective, "optima differ"


def grid_step(args: argparse.Namespace) -> None:
    side = round(args.cells**0.5)
    units, edges = lattice(side, side)
    rng = np.random.default_rng(args.seed)
    people = rng.integers(100, 1000, len(units)).astype(float)
    leads = rng.choice(len(units), args.leads, replace=False)
    avg = people.sum() / args.leads
    bounds = {"min_people": 0.8 * avg, "max_people": 1.2 * avg}
    t0 = time.perf_counter()  # timed without tracemalloc (it slows Python code 2-3x)
    part = partition_grid(units, edges, leads=leads, people=people, **bounds)
    took = time.perf_counter() - t0
    tracemalloc.start()  # peak memory from a second, untimed run
    partition_grid(units, edges, leads=leads, people=people, **bounds)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (part.group >= 0).all(), "a unit was left out"
    print(f"\n== partition_grid: {len(units):,} cells ({side} x {side}), {args.leads} leads")
    print(
        f"  ours   greedy {took:.3f} s: {part.status}, objective {part.objective:,.0f}, bound "
        f"{part.bound:,.0f}; peak {peak / 2**20:.1f} MB"
    )
    if args.no_spopt:
        return
    try:
        import geopandas as gpd
        import libpysal
        from shapely.geometry import box
        from spopt.region import Skater
    except ImportError:
        print("  spopt  SKATER needs spopt, libpysal and geopandas: skipped")
        return
    cells = [box(c, r, c + 1, r + 1) for r in range(side) for c in range(side)]
    gdf = gpd.GeoDataFrame({"people": people}, geometry=cells)
    w = libpysal.weights.Rook.from_dataframe(gdf, use_index=True)
    t0 = time.perf_counter()
    model = Skater(gdf, w, ["people"], n_clusters=args.leads, floor=len(units) // (2 * args.leads))
    model.solve()
    skater_s = time.perf_counter() - t0
    print(f"  spopt  SKATER {skater_s:.1f} s; ratio {skater_s / took:.1f}x")


def capacity_step(args: argparse.Namespace) -> None:
    """Capacitated MCLP: exact cold, greedy + swap, exact warm-started from the greedy."""
    n, m, p = args.cap_demand, args.cap_sites, args.cap_p
    inst = instance(args.seed + 4, n, m)
    costs = _costs(inst)
    caps = np.full(m, 1.2 * float(inst["people"].sum()) / p)
    print(f"4. capacitated MCLP {n:,} x {m:,}, p = {p}, capacity {caps[0]:,.0f} per site")
    runs = {}
    for label, method, warm in (
        ("exact, cold", "exact", None),
        ("greedy + swap", "greedy", None),
        ("exact, warm start", "exact", "greedy + swap"),
    ):
        t0 = time.perf_counter()
        res = max_coverage(
            costs,
            inst["people"],
            p=p,
            cutoff_min=CUTOFF_MIN,
            capacity=caps,
            method=method,
            time_limit_s=args.time_limit if method == "exact" else None,
            warm_start=None if warm is None else runs[warm].selected,
        )
        took = time.perf_counter() - t0
        runs[label] = res
        gap = "-" if res.gap is None else f"{res.gap:.3%}"
        print(
            f"  ours   {label:<18} {took:.3f} s: {res.status}, covered {res.objective:,.0f}, "
            f"bound {res.bound:,.0f}, gap {gap}"
        )
    cold, hot = runs["exact, cold"], runs["exact, warm start"]
    if cold.status == hot.status == "optimal":
        assert cold.objective is not None
        assert hot.objective is not None
        assert abs(cold.objective - hot.objective) <= 1e-6 * max(cold.objective, 1.0)
    greedy = runs["greedy + swap"]
    assert greedy.objective is not None
    assert greedy.bound is not None
    assert hot.objective is not None
    assert hot.objective >= greedy.objective - 1e-6 * max(greedy.objective, 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--demand", type=int, default=2000)
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--large-demand", type=int, default=10_000)
    ap.add_argument("--large-sites", type=int, default=300)
    ap.add_argument("--large-p", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=30.0, help="ours, large step (s)")
    ap.add_argument("--spopt-time-limit", type=float, default=300.0, help="CBC, large step (s)")
    ap.add_argument("--cells", type=int, default=1600)
    ap.add_argument("--leads", type=int, default=8)
    ap.add_argument("--cap-demand", type=int, default=2000)
    ap.add_argument("--cap-sites", type=int, default=100)
    ap.add_argument("--cap-p", type=int, default=10)
    ap.add_argument("--no-spopt", action="store_true")
    args = ap.parse_args()
    # warm-up: the first solve imports scipy.optimize and loads HiGHS
    max_coverage(_costs(instance(1, 5, 2)), np.ones(5), p=1, cutoff_min=CUTOFF_MIN)
    mclp_step(
        "1",
        n=args.demand,
        m=args.sites,
        p=args.p,
        args=args,
        limit=None,
        spopt_limit=args.spopt_time_limit,
    )
    mclp_step(
        "2",
        n=args.large_demand,
        m=args.large_sites,
        p=args.large_p,
        args=args,
        limit=args.time_limit,
        spopt_limit=args.spopt_time_limit,
    )
    grid_step(args)
    capacity_step(args)


if __name__ == "__main__":
    main()

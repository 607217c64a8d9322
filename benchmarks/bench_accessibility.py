"""Benchmark: spatial accessibility against PySAL ``access``, and at national-grid scale.

1. **Against access** on identical generated inputs: 2,000 origins x 300 sites, the full
   600,000-pair cost table (integer ids, rows by origin then site), a 30-minute catchment.
   2SFCA, E2SFCA (default zones), gravity (power and Gaussian decay) and 3SFCA, each run by
   ``access`` and by ``medalliance.accessibility`` in the same run: the largest relative
   difference, two timings (best of ``--repeat`` runs of ``access`` and ten times as many of
   ours, after one untimed warm-up each) and the peak memory of each (``tracemalloc``, in a
   fresh subprocess per measurement):

   - *end to end*, from the three table columns: ``Access(...)`` (DataFrames built before the
     clock starts) plus its method, against ``Population`` and ``Supply`` from arrays,
     ``costs_from_table(..., cutoff_min=30)`` (ids looked up, costs checked, duplicate pairs ruled
     out, CSR built) plus the measure;
   - *measure only*: the method of an ``Access`` object built before the clock starts (a fresh
     one per run: its 3SFCA writes into its cost table) against the measure on a cost
     structure built beforehand from the whole table (all 600,000 pairs; the measure applies
     the 30-minute cutoff, as ``access`` does), and on one built with the cutoff (the
     catchment's pairs only: how the structure is meant to be used).

   Then 2SFCA end to end on two other layouts of the same table, for both packages: rows
   shuffled, and string ids.
2. **Scale**: 1,000,000 population cells x 20,000 sites from coordinates (clustered around
   4,000 settlements over a 20 x 12 degree region), travel time at an assumed speed with a detour
   factor, 30-minute cutoff: 2SFCA end to end (KD-tree search and distances included), timed in
   a fresh subprocess, with its peak resident memory (``ru_maxrss``). ``access`` cannot take this
   input (it needs the pair table, and would call its weight function once per pair); an
   estimate from its measured per-pair throughput in step 1 is printed for scale, labelled as
   an estimate.

Run::

    python benchmarks/bench_accessibility.py                  # both steps, about 2 minutes
    python benchmarks/bench_accessibility.py --skip-scale     # only the comparison with access
    python benchmarks/bench_accessibility.py --skip-access --scale-repeat 1
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from typing import Any

import numpy as np

import medalliance
from medalliance import accessibility as acc

METHODS = ("2sfca", "e2sfca", "gravity-power", "gravity-gauss", "3sfca")
OURS_RUNS = 10
"""medalliance gets this many times ``--repeat`` runs: each takes milliseconds, so a best of a
few is at the mercy of one scheduler hiccup on a shared machine, while a run of ``access``
(tenths of a second to seconds) averages the noise within itself."""
THREE_STEP_ZONES = {10: 0.962, 20: 0.704, 30: 0.377}
"""Wan et al.-style zone weights ending at the cutoff: access normalises the 3SFCA selection
weight over its whole cost table, so weights that vanish beyond the cutoff make both normalise
over the same pairs (see docs/accessibility.md)."""


# --------------------------------------------------------------------------------------
# inputs


def comparison_inputs(seed: int, n: int, m: int) -> dict[str, np.ndarray[Any, Any]]:
    """A county-sized setting: travel minutes from coordinates at 40 km/h, every pair kept."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(29.9, 30.25, n)
    lon = rng.uniform(119.8, 120.2, n)
    slat = rng.uniform(29.9, 30.25, m)
    slon = rng.uniform(119.8, 120.2, m)
    p1, p2 = np.radians(lat)[:, None], np.radians(slat)[None, :]
    dl = np.radians(slon[None, :] - lon[:, None])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
    minutes = (km * 1.2 / 40 * 60).round(2)  # rounded: many costs fall exactly on 10/20/30
    return {
        "people": rng.integers(50, 5_000, n).astype(float),
        "beds": rng.integers(0, 200, m).astype(float),
        "origin_ids": np.arange(n),
        "site_ids": np.arange(m),
        "origin": np.repeat(np.arange(n), m),
        "dest": np.tile(np.arange(m), n),
        "cost": minutes.ravel(),
    }


def scale_inputs(seed: int, n: int, m: int) -> dict[str, np.ndarray[Any, Any]]:
    """Population cells and sites clustered around settlements of very unequal size."""
    rng = np.random.default_rng(seed)
    k = 4_000
    c_lat = rng.uniform(24, 36, k)
    c_lon = rng.uniform(100, 120, k)
    w = rng.pareto(1.5, k) + 1
    w /= w.sum()
    c = rng.choice(k, n, p=w)
    s = rng.choice(k, m, p=w)
    return {
        "lat": np.clip(c_lat[c] + rng.normal(0, 0.15, n), -90, 90),
        "lon": c_lon[c] + rng.normal(0, 0.15, n),
        "people": rng.gamma(1.2, 300, n),
        "slat": np.clip(c_lat[s] + rng.normal(0, 0.15, m), -90, 90),
        "slon": c_lon[s] + rng.normal(0, 0.15, m),
        "beds": rng.integers(5, 800, m).astype(float),
    }


# --------------------------------------------------------------------------------------
# the two implementations


def frames(data: dict[str, Any]) -> dict[str, Any]:
    """The DataFrames ``access`` reads (built outside every timing and memory measurement)."""
    import pandas as pd

    return {
        "demand_df": pd.DataFrame({"geoid": data["origin_ids"], "pop": data["people"]}),
        "supply_df": pd.DataFrame({"geoid": data["site_ids"], "beds": data["beds"]}),
        "cost_df": pd.DataFrame(
            {"origin": data["origin"], "dest": data["dest"], "cost": data["cost"]}
        ),
    }


def access_object(f: dict[str, Any]) -> Any:
    from access import Access

    out = Access(
        demand_df=f["demand_df"],
        demand_index="geoid",
        demand_value="pop",
        supply_df=f["supply_df"],
        supply_index="geoid",
        supply_value="beds",
        cost_df=f["cost_df"],
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    logging.getLogger("access").setLevel(logging.WARNING)  # no "Overwriting ..." chatter
    return out


def access_method(a: Any, method: str) -> Any:
    from access import weights

    with warnings.catch_warnings():  # access 1.1 uses pandas idioms pandas 3 deprecates
        warnings.simplefilter("ignore")
        if method == "2sfca":
            return a.two_stage_fca(max_cost=30)
        if method == "e2sfca":
            return a.enhanced_two_stage_fca(max_cost=30)
        if method == "gravity-power":
            return a.two_stage_fca(max_cost=30, weight_fn=weights.gravity(1.0, -1.5, 1.0))
        if method == "gravity-gauss":
            return a.two_stage_fca(max_cost=30, weight_fn=weights.gaussian(15))
        return a.three_stage_fca(max_cost=30, weight_fn=weights.step_fn(THREE_STEP_ZONES))


def access_values(out: Any, origin_ids: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    values: np.ndarray[Any, Any] = out.iloc[:, 0].reindex(origin_ids).to_numpy(dtype=float)
    return values


def access_end_to_end(f: dict[str, Any], method: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return access_method(access_object(f), method)


def ours_costs(
    data: dict[str, Any], cutoff_min: float | None
) -> tuple[acc.Population, acc.Supply, acc.CostMatrix]:
    pop = acc.Population(data["origin_ids"], data["people"])
    beds = acc.Supply(data["site_ids"], data["beds"])
    costs = acc.costs_from_table(
        data["origin"],
        data["dest"],
        data["cost"],
        origin_ids=pop.ids,
        site_ids=beds.ids,
        cutoff_min=cutoff_min,
    )
    return pop, beds, costs


def ours_method(
    pop: acc.Population, beds: acc.Supply, costs: acc.CostMatrix, method: str
) -> np.ndarray[Any, Any]:
    if method == "2sfca":
        r = acc.two_step_fca(costs, pop, beds, cutoff_min=30)
    elif method == "e2sfca":
        r = acc.enhanced_two_step_fca(costs, pop, beds, cutoff_min=30)
    elif method == "gravity-power":
        decay = acc.PowerDecay(beta=1.5, min_cost=1.0)
        r = acc.gravity(costs, pop, beds, decay=decay, cutoff_min=30)
    elif method == "gravity-gauss":
        r = acc.gravity(costs, pop, beds, decay=acc.GaussianDecay(sigma=15), cutoff_min=30)
    else:
        zones = acc.StepWeights.from_mapping(THREE_STEP_ZONES)
        r = acc.three_step_fca(costs, pop, beds, decay=zones, cutoff_min=30)
    return r.values


def ours_end_to_end(data: dict[str, Any], method: str) -> np.ndarray[Any, Any]:
    """From the table columns; the cutoff goes to the builder, as the structure is meant to."""
    return ours_method(*ours_costs(data, cutoff_min=30), method)


def best_of(repeat: int, fn: Any, *args: Any, setup: Any = None) -> tuple[float, Any]:
    """Best time of ``repeat`` calls after one untimed warm-up; ``setup()`` (untimed) gives args."""
    out = fn(*(setup() if setup else args))
    best = float("inf")
    for _ in range(repeat):
        call_args = setup() if setup else args
        t = time.perf_counter()
        out = fn(*call_args)
        best = min(best, time.perf_counter() - t)
        del call_args
    return best, out


def fresh_frames(f: dict[str, Any]) -> dict[str, Any]:
    """Copies of the DataFrames (access's 3SFCA writes a column into its cost table)."""
    return {k: v.copy() for k, v in f.items()}


# --------------------------------------------------------------------------------------
# subprocess workers (fresh interpreter per measurement)


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    if spec["task"] == "memory":
        data = comparison_inputs(spec["seed"], spec["n"], spec["m"])
        if spec["impl"] == "access":
            warm, f = frames(data), frames(data)
            access_end_to_end(warm, "2sfca")  # imports and caches outside the measurement
            del warm
            tracemalloc.start()
            access_end_to_end(f, spec["method"])
        else:
            ours_end_to_end(data, "2sfca")
            tracemalloc.start()
            ours_end_to_end(data, spec["method"])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"peak_bytes": peak}
    # scale
    t = time.perf_counter()
    import scipy.spatial  # noqa: F401  (import time is reported, not timed with the step)

    import_s = time.perf_counter() - t
    data = scale_inputs(spec["seed"], spec["n"], spec["m"])
    rss_inputs = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    pop = acc.Population(np.arange(spec["n"]), data["people"], lat=data["lat"], lon=data["lon"])
    beds = acc.Supply(np.arange(spec["m"]), data["beds"], lat=data["slat"], lon=data["slon"])
    t1 = time.perf_counter()
    costs = acc.costs_from_coordinates(
        pop, beds, speed_kmh=spec["speed"], cutoff_min=30, detour_factor=spec["detour"]
    )
    t2 = time.perf_counter()
    res = acc.two_step_fca(costs, pop, beds)
    t3 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    people = pop.people
    return {
        "import_s": import_s,
        "inputs_s": t1 - t0,
        "costs_s": t2 - t1,
        "fca_s": t3 - t2,
        "total_s": t3 - t0,
        "pairs": costs.n_pairs,
        "rss_inputs": rss_inputs,
        "rss_peak": rss,
        "conservation": abs(float(people @ res.values) - res.served_supply)
        / max(res.served_supply, 1.0),
        "unreached_share": float(people[res.values == 0].sum() / people.sum()),
    }


def spawn(spec: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------------------
# the two steps


def agreement(ours: np.ndarray[Any, Any], theirs: np.ndarray[Any, Any]) -> tuple[float, int, int]:
    """Largest relative difference where access is defined; origins it leaves undefined
    (NaN: no site in reach) where ours is not 0; how many it leaves undefined."""
    defined = ~np.isnan(theirs)
    rel = np.abs(ours[defined] - theirs[defined]) / np.maximum(np.abs(theirs[defined]), 1e-300)
    diff = float(rel.max()) if defined.any() else 0.0
    return diff, int((ours[~defined] != 0).sum()), int((~defined).sum())


def compare_with_access(args: argparse.Namespace) -> float:
    data = comparison_inputs(args.seed, args.origins, args.sites)
    f = frames(data)
    within = float((data["cost"] <= 30).mean())
    r = args.repeat
    print(
        f"\n1. against access: {args.origins:,} origins x {args.sites:,} sites, "
        f"{len(data['cost']):,} pairs ({within:.1%} within 30 min), 30-minute cutoff; "
        f"best of {r} runs of access and {r * OURS_RUNS} of ours, each after a warm-up"
    )
    ro = r * OURS_RUNS
    t_build, (pop, beds, near) = best_of(ro, ours_costs, data, 30)
    _, (_, _, wide) = best_of(1, ours_costs, data, None)
    print(
        f"medalliance: Population + Supply + costs_from_table(..., cutoff_min=30) from the table: "
        f"{t_build * 1e3:.2f} ms -> {near.n_pairs:,} pairs; measure-only runs use a structure "
        f"of all {wide.n_pairs:,} pairs"
    )
    rows_e2e, rows_measure = [], []
    per_pair = []
    for method in METHODS:
        t_access, out = best_of(
            r, access_end_to_end, setup=lambda method=method: (fresh_frames(f), method)
        )
        t_ours, ours = best_of(ro, ours_end_to_end, data, method)
        m_access, out_m = best_of(
            r, access_method, setup=lambda method=method: (access_object(fresh_frames(f)), method)
        )
        m_wide, ours_wide = best_of(ro, ours_method, pop, beds, wide, method)
        m_near, ours_near = best_of(ro, ours_method, pop, beds, near, method)
        theirs = access_values(out, data["origin_ids"])
        checks = [agreement(ours, theirs)]
        theirs_m = access_values(out_m, data["origin_ids"])
        checks += [agreement(x, theirs_m) for x in (ours_wide, ours_near)]
        diff = max(c[0] for c in checks)
        extra = sum(c[1] for c in checks)
        undefined = checks[0][2]
        mem = {
            impl: spawn(
                {
                    "task": "memory",
                    "impl": impl,
                    "method": method,
                    "seed": args.seed,
                    "n": args.origins,
                    "m": args.sites,
                }
            )["peak_bytes"]
            / 2**20
            for impl in ("access", "ours")
        }
        per_pair.append(t_access / len(data["cost"]))
        ok = "ok" if diff <= 1e-9 and extra == 0 else "MISMATCH"
        rows_e2e.append(
            f"{method:<14}{diff:>13.1e}  {ok:<9}"
            f"{t_access * 1e3:>10.1f}{t_ours * 1e3:>9.2f}{t_access / t_ours:>7.0f}x"
            f"{mem['access']:>12.1f}{mem['ours']:>7.1f}"
        )
        rows_measure.append(
            f"{method:<14}{m_access * 1e3:>10.1f}"
            f"{m_wide * 1e3:>13.2f}{m_access / m_wide:>7.0f}x"
            f"{m_near * 1e3:>13.2f}{m_access / m_near:>7.0f}x"
        )
    if undefined:
        print(f"({undefined} origins have no site within 30 min: NaN in access, 0 in ours)")
    print("end to end (from the table columns), and peak memory (tracemalloc, end to end):")
    print(
        f"{'method':<14}{'max rel diff':>13}  {'':<9}{'access ms':>10}{'ours ms':>9}{'ratio':>8}"
        f"{'peak MiB:':>12}{'access':>7}{'ours':>6}"
    )
    print("\n".join(rows_e2e))
    print(
        "measure only (structures built beforehand; ours on all 600,000 pairs with the cutoff "
        "in the measure, and on the structure built with the cutoff):"
    )
    print(
        f"{'method':<14}{'access ms':>10}{'ours, all ms':>13}{'ratio':>8}"
        f"{'ours, cut ms':>13}{'ratio':>8}"
    )
    print("\n".join(rows_measure))
    layouts(args, data)
    return float(np.median(per_pair))


def layouts(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """2SFCA end to end on other layouts of the same table, both packages."""
    print("2SFCA end to end on other layouts of the same table:")
    perm = np.random.default_rng(args.seed + 1).permutation(len(data["cost"]))
    shuffled = {**data, **{k: data[k][perm] for k in ("origin", "dest", "cost")}}
    o_names = np.array([f"v{i:06d}" for i in range(args.origins)])
    s_names = np.array([f"h{j:05d}" for j in range(args.sites)])
    named = {
        **data,
        "origin_ids": o_names,
        "site_ids": s_names,
        "origin": o_names[data["origin"]],
        "dest": s_names[data["dest"]],
    }
    for label, variant in (("rows shuffled", shuffled), ("string ids", named)):
        f = frames(variant)
        t_access, out = best_of(
            args.repeat, access_end_to_end, setup=lambda f=f: (fresh_frames(f), "2sfca")
        )
        t_ours, ours = best_of(args.repeat * OURS_RUNS, ours_end_to_end, variant, "2sfca")
        diff, extra, _ = agreement(ours, access_values(out, variant["origin_ids"]))
        ok = "ok" if diff <= 1e-9 and extra == 0 else "MISMATCH"
        print(
            f"  {label:<14} access {t_access * 1e3:7.1f} ms, ours {t_ours * 1e3:6.2f} ms: "
            f"{t_access / t_ours:5.0f}x  (max rel diff {diff:.1e}, {ok})"
        )


def scale(args: argparse.Namespace, access_s_per_pair: float | None) -> None:
    print(
        f"\n2. scale: {args.cells:,} population cells x {args.scale_sites:,} sites from "
        f"coordinates, {args.speed:g} km/h x detour {args.detour:g}, 30-minute cutoff, 2SFCA end "
        f"to end (best of {args.scale_repeat}, fresh subprocess each)"
    )
    spec = {
        "task": "scale",
        "seed": args.seed,
        "n": args.cells,
        "m": args.scale_sites,
        "speed": args.speed,
        "detour": args.detour,
    }
    runs = [spawn(spec) for _ in range(args.scale_repeat)]
    best = min(runs, key=lambda r: r["total_s"])
    print(
        f"pairs within 30 min: {best['pairs']:,} ({best['pairs'] / args.cells:.1f} per cell); "
        f"people with no site in reach: {best['unreached_share']:.1%}"
    )
    print(
        f"time: {best['total_s']:.2f} s (inputs {best['inputs_s']:.2f} s, KD-tree search and "
        f"travel times {best['costs_s']:.2f} s, 2SFCA {best['fca_s']:.2f} s); all runs: "
        + ", ".join(f"{r['total_s']:.2f} s" for r in runs)
        + f"  [target <= 10 s: {'met' if best['total_s'] <= 10 else 'NOT met'}]"
        + f" (importing scipy.spatial first took {best['import_s']:.2f} s, not included)"
    )
    peak = max(r["rss_peak"] for r in runs)
    print(
        f"peak resident memory: {peak / 2**30:.2f} GiB (process with inputs already generated: "
        f"{best['rss_inputs'] / 2**30:.2f} GiB)  [target <= 4 GB: "
        f"{'met' if peak <= 4e9 else 'NOT met'}]"
    )
    print(f"supply conservation, relative error: {best['conservation']:.1e}")
    if access_s_per_pair is not None:
        est = access_s_per_pair * best["pairs"]
        print(
            f"estimate for access on the same {best['pairs']:,} within-cutoff pairs, given as a "
            f"table (from its per-pair time in step 1, not measured): {est:,.1f} s "
            f"= {est / best['total_s']:,.1f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", type=int, default=2_000)
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of access (best)")
    ap.add_argument("--cells", type=int, default=1_000_000)
    ap.add_argument("--scale-sites", type=int, default=20_000)
    ap.add_argument("--speed", type=float, default=40.0, help="assumed speed, km/h")
    ap.add_argument("--detour", type=float, default=1.3, help="road / straight-line distance")
    ap.add_argument("--scale-repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-access", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    import scipy

    print(
        f"machine: {platform.platform()}, {platform.machine()}, Python "
        f"{sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"medalliance {medalliance.__version__}"
    )
    per_pair = None
    if not args.skip_access:
        import access
        import pandas as pd

        print(f"baseline: PySAL access {access.__version__}, pandas {pd.__version__}")
        per_pair = compare_with_access(args)
    if not args.skip_scale:
        scale(args, per_pair)


if __name__ == "__main__":
    main()

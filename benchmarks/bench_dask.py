"""Benchmark: tiled accessibility and partitioned referral on a Dask LocalCluster.

Inputs are generated from a seed in the run: ``--cells`` population cells uniform over a
square of ``--side-deg`` degrees and ``--sites`` sites over the same square; for referral,
``synthetic.national(scale=...)`` and ``--cases`` random cases. Measured in the same run:

* **tiled 2SFCA**, 1 worker vs 2 workers (processes, one thread each), ``--partitions``
  tiles sorted by latitude; the untiled in-memory 2SFCA is run too when ``--cells`` is at
  most ``--check-max`` and every value is checked equal (rtol 1e-12). The worker processes'
  peak resident memory is reported.
* **partitioned referral**: ``evaluate_partitions`` on the 2-worker cluster vs in-memory
  ``evaluate_many`` on one core (index compiled, as the in-memory side's is); throughput per
  core (cases/s/worker) and the ratio, warm (workers already hold the compiled registry), and
  the cold time of the first run, which ships the registry and compiles it on each worker;
  once with dask's default worker environment and once with ``array_workers()``.

Run::

    python benchmarks/bench_dask.py                                  # 2e6 cells, 1e6 cases
    python benchmarks/bench_dask.py --cells 100000000 --partitions 400 --check-max 0
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import resource
import statistics
import sys
import time
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster, wait

import medalliance as ma
from medalliance import accessibility as acc
from medalliance import synthetic
from medalliance.distributed import array_workers, evaluate_partitions, tiled_accessibility
from medalliance.referral import ReferralCases, evaluate_many

# distributed logs the comms it closes while a cluster shuts down (heartbeats of departing
# workers) with their tracebacks; the figures are what this script prints
QUIET = logging.CRITICAL


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def population_parts(cells: int, parts: int, side: float, seed: int) -> Any:
    """Cells generated on the workers, one partition per latitude band (nothing shipped)."""
    per = -(-cells // parts)

    def band(k: int) -> pd.DataFrame:
        rng = np.random.default_rng([seed, k])
        n = max(0, min(per, cells - k * per))
        lat = 30.0 + (k + rng.random(n)) * side / parts
        return pd.DataFrame(
            {
                "id": np.arange(k * per, k * per + n, dtype=np.int64),
                "lat": lat,
                "lon": 110.0 + rng.random(n) * side,
                "people": rng.integers(0, 300, n).astype(np.float64),
            }
        )

    meta = band(0).iloc[:0]
    return dd.from_delayed([dask.delayed(band)(k) for k in range(parts)], meta=meta)


def tiled_run(args: argparse.Namespace, workers: int, sites: acc.Supply) -> tuple[float, Any]:
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=QUIET,
        ) as cluster,
        Client(cluster) as client,
    ):
        pop = population_parts(args.cells, args.partitions, args.side_deg, args.seed)
        t = time.perf_counter()
        res = tiled_accessibility(
            pop, sites, speed_kmh=30, cutoff_min=args.cutoff, check_ids=args.check_ids
        )
        totals = (
            res.origins[["people"]]
            .assign(served=res.origins["people"] * res.origins["accessibility"])
            .sum()
            .compute()
        )
        elapsed = time.perf_counter() - t
        out = res.origins.compute() if args.cells <= args.check_max else None
        mem = client.run(peak_rss_mb)
    print(
        f"  {workers} worker(s): {elapsed:8.2f} s   peak RSS per worker "
        f"{max(mem.values()):8.0f} MB   served {float(totals['served']):.6g} "
        f"(supply with demand {res.served_supply:.6g})"
    )
    return elapsed, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", type=int, default=2_000_000)
    ap.add_argument("--sites", type=int, default=20_000)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--side-deg", type=float, default=8.0)
    ap.add_argument("--cutoff", type=float, default=30.0)
    ap.add_argument("--check-max", type=int, default=2_000_000)
    ap.add_argument("--check-ids", action="store_true", help="also count ids for duplicates")
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--case-partitions", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each referral side")
    ap.add_argument("--workers", default="1,2", help="worker counts of the tiled runs, e.g. 2")
    args = ap.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"medalliance {ma.__version__}, dask {dask.__version__}"
    )
    rng = np.random.default_rng(args.seed)
    sites = acc.Supply(
        [f"s{j}" for j in range(args.sites)],
        rng.integers(1, 50, args.sites).astype(float),
        lat=30.0 + rng.random(args.sites) * args.side_deg,
        lon=110.0 + rng.random(args.sites) * args.side_deg,
    )
    print(f"\ntiled 2SFCA: {args.cells:,} cells in {args.partitions} tiles, {args.sites:,} sites")
    runs = {w: tiled_run(args, w, sites) for w in sorted({int(w) for w in args.workers.split(",")})}
    if 1 in runs and 2 in runs:
        print(f"  2 workers vs 1: x{runs[1][0] / runs[2][0]:.2f}")
    outs = [out for _, out in runs.values() if out is not None]
    if outs:
        frame = population_parts(args.cells, args.partitions, args.side_deg, args.seed)
        frame = frame.compute(scheduler="sync")
        pop = acc.Population(frame["id"].to_numpy(), frame["people"], lat=frame["lat"],
                             lon=frame["lon"])  # fmt: skip
        t = time.perf_counter()
        costs = acc.costs_from_coordinates(pop, sites, speed_kmh=30, cutoff_min=args.cutoff)
        want = acc.two_step_fca(costs, pop, sites)
        print(f"  untiled in memory: {time.perf_counter() - t:8.2f} s (one process)")
        for out in outs:
            np.testing.assert_allclose(out["accessibility"], want.values, rtol=1e-12, atol=1e-300)
        print(f"  tiled == untiled (rtol 1e-12) with {' and '.join(map(str, runs))} worker(s)")
    if args.cases <= 0:
        return

    reg = synthetic.national(seed=args.seed, scale=args.scale)
    ids = np.array([i.id for i in reg.institutions])
    crit = np.array(["needs_inpatient_bed", "convalescence", "postop_recovery"])
    frame = pd.DataFrame(
        {
            "origin": ids[rng.integers(0, len(ids), args.cases)],
            "criterion": crit[rng.integers(0, len(crit), args.cases)],
        }
    )
    print(f"\npartitioned referral: {args.cases:,} cases, {len(ids):,} institutions")
    # warm, as the workers are after the cold run: the compiled core and every index it
    # builds on first use, from one untimed batch of the same cases
    whole = ReferralCases.from_arrays(origin=frame["origin"], criterion=frame["criterion"])
    evaluate_many(reg, whole)
    mem_times = []
    for _ in range(args.repeat):  # both sides read the case columns and decide them
        t = time.perf_counter()
        cases = ReferralCases.from_arrays(origin=frame["origin"], criterion=frame["criterion"])
        batch = evaluate_many(reg, cases)
        mem_times.append(time.perf_counter() - t)
    t_mem = statistics.median(mem_times)
    mem_rate = args.cases / t_mem
    print(
        f"  in memory (1 core, compiled, median of {args.repeat}): {t_mem:8.2f} s   "
        f"{mem_rate:12,.0f} cases/s (each run: {', '.join(f'{x:.2f}' for x in mem_times)} s)"
    )
    for label, setting in (
        ("dask's default worker environment", contextlib.nullcontext),
        ("array_workers()", array_workers),
    ):
        with setting():
            t_cold, dask_times = referral_on_cluster(args, reg, frame, batch)
        t_dask = statistics.median(dask_times)
        dask_rate = args.cases / t_dask / 2
        print(f"  2 workers, {label}:")
        print(f"    cold (ship + compile, results gathered): {t_cold:8.2f} s")
        print(
            f"    warm, results kept on the workers (median of {args.repeat}): {t_dask:8.2f} s"
            f"   {dask_rate:12,.0f} cases/s per worker (each run: "
            f"{', '.join(f'{x:.2f}' for x in dask_times)} s)"
        )
        print(
            f"    in-memory / partitioned throughput per core (warm): x{mem_rate / dask_rate:.2f}"
        )


def referral_on_cluster(
    args: argparse.Namespace, reg: Any, frame: Any, batch: Any
) -> tuple[float, list[float]]:
    """Cold run, then ``--repeat`` warm runs of evaluate_partitions on 2 local workers."""
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                     silence_logs=QUIET) as cluster,
        Client(cluster),
    ):  # fmt: skip
        parts = dd.from_pandas(frame, npartitions=args.case_partitions).persist()
        t = time.perf_counter()  # cold: the registry travels to each worker and is compiled there
        out = evaluate_partitions(reg, parts).compute()
        t_cold = time.perf_counter() - t
        dask_times = []
        for _ in range(args.repeat):  # warm: every worker holds the compiled registry
            t = time.perf_counter()
            result = evaluate_partitions(reg, parts).persist()  # results stay on the workers,
            wait(result)  # as the in-memory batch stays in its process
            dask_times.append(time.perf_counter() - t)
            assert result["eligible"].sum().compute() == int(batch.eligible.sum())
            del result  # released: the next run computes again (same keys)
            time.sleep(0.5)  # (untimed) let the scheduler forget them first
    assert out["eligible"].tolist() == batch.eligible.tolist()
    assert out["n_destinations"].tolist() == batch.n_destinations.tolist()
    return t_cold, dask_times


if __name__ == "__main__":
    main()

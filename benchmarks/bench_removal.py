"""Benchmark: removal impact of every institution at once vs a loop of ``removal_impact``.

Input: ``medalliance.synthetic.national(seed=..., scale=...)``. For each target,
``medalliance.coverage.removal_impact_all`` (one depth-first pass over the institution-channel
graph: blocks and cut points) is timed against the per-institution loop of
``medalliance.coverage.removal_impact`` (two multi-source searches per institution), and with
``hops=True`` (hop changes too: dominators of the shortest-path DAG). The loop
over every institution takes hours at national scale, so by default it runs on a random
sample of ``--sample`` institutions (always including the institutions that cut most origins
off), every sampled answer is checked equal, and the loop's total time is extrapolated from
the sample (``--sample 0`` runs the whole loop).

Run::

    python benchmarks/bench_removal.py --scale 0.2            # the issue's national scale 0.2
    python benchmarks/bench_removal.py --scale 0.01 --sample 0
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time

import numpy as np

import medalliance as ma
from medalliance import synthetic
from medalliance.compiled._cache import forget
from medalliance.coverage import ReachTarget, removal_impact, removal_impact_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample", type=int, default=200, help="institutions looped (0: all)")
    args = ap.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"medalliance {ma.__version__}, numpy {np.__version__}"
    )
    reg = synthetic.national(seed=args.seed, scale=args.scale)
    ids = [i.id for i in reg.institutions]
    print(f"registry: national(seed={args.seed}, scale={args.scale}): {len(ids):,} institutions")
    rng = np.random.default_rng(args.seed)
    for target in (ReachTarget(min_tier="secondary"), ReachTarget(min_tier="tertiary")):
        gc.collect()
        forget(reg)
        t = time.perf_counter()
        every = removal_impact_all(reg, target=target, all_specialties=True)
        t_all = time.perf_counter() - t
        t = time.perf_counter()
        shifts = removal_impact_all(reg, target=target, all_specialties=True, hops=True)
        t_hops = time.perf_counter() - t
        if args.sample and args.sample < len(ids):
            picked = set(rng.choice(len(ids), size=args.sample, replace=False).tolist())
            picked |= {ids.index(x) for x in every.critical()[:10]}
        else:
            picked = set(range(len(ids)))
        t = time.perf_counter()
        for k in sorted(picked):
            one = removal_impact(reg, ids[k], target=target, all_specialties=True)
            assert every.lost(ids[k]) == one.lost, ids[k]
            assert int(every.reachable_after[k]) == one.reachable_after, ids[k]
            assert shifts.changed(ids[k]) == one.changed, ids[k]
        t_loop = (time.perf_counter() - t) * len(ids) / len(picked)
        print(
            f"target {target.describe()}: {len(every.critical()):,} institutions cut someone "
            f"off, {int(every.lost_counts.sum()):,} (removed, origin) pairs; "
            f"{len(picked):,} loop answers checked equal"
        )
        kind = "measured" if len(picked) == len(ids) else "extrapolated"
        print(
            f"  removal_impact_all           {t_all:9.3f} s   loop ({kind}) {t_loop:10.1f} s   "
            f"x{t_loop / t_all:9.1f}"
        )
        n_changed = len(shifts.shifts.origin) if shifts.shifts is not None else 0
        print(
            f"  removal_impact_all(hops=True) {t_hops:8.3f} s   loop ({kind}) {t_loop:10.1f} s   "
            f"x{t_loop / t_hops:9.1f}   ({n_changed:,} hop changes)"
        )


if __name__ == "__main__":
    main()

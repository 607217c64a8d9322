"""Benchmark: referral-flow simulation against ciw, and exact analysis at national tier level.

1. **Against ciw** on the 4-node Jackson network of ``medalliance.flow.jackson_example``
   (township → county → city + a shared imaging centre, rates per hour), in the same run:
   ``--replications`` runs of ``--horizon`` hours each (the first tenth discarded) by ciw
   (one replication after another, as its users loop) and by the native engine, then
   ``--native-replications`` runs by the native engine in one pass (its design point: all
   replications advance together). Printed: services per second of each and the ratios, and
   for every node the utilisation and mean wait of ciw and of the large native run with
   their 95% confidence intervals beside the exact Jackson value, and whether each interval
   covers it.
2. **National tier level**: a synthetic national registry (``--scale``), its referral network
   built with :func:`medalliance.flow.referral_network` at ``level="tier"`` (the referral
   batch and the sparse institution-level traffic solve included), then :func:`analyse`;
   both timed, with peak memory (``tracemalloc``).

Run::

    python benchmarks/bench_flow.py                  # a few minutes (ciw dominates)
    python benchmarks/bench_flow.py --horizon 100 --replications 3 --native-replications 30 \
        --scale 0.002                                # tiny: checks that it runs
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from typing import Any, Literal

import numpy as np

from medalliance import synthetic
from medalliance.flow import analyse, jackson_example, referral_network, simulate


def _engines(horizon: float, replications: int, native_replications: int, seed: int) -> None:
    net = jackson_example()
    exact = analyse(net)
    runs: dict[str, Any] = {}
    engines: tuple[tuple[Literal["ciw", "native"], int], ...] = (
        ("ciw", replications),
        ("native", replications),
    )
    for engine, reps in engines:
        start = time.perf_counter()
        res = simulate(
            net, horizon=horizon, warmup=horizon / 10, replications=reps, seed=seed, engine=engine
        )
        seconds = time.perf_counter() - start
        services = res.events / 2  # an event is an arrival or a service completion
        runs[engine] = (res, seconds, services)
        print(
            f"{engine:>6}: {reps} x {horizon:g} h in {seconds:.2f} s, "
            f"{services / seconds:,.0f} services/s"
        )
    ciw_rate = runs["ciw"][2] / runs["ciw"][1]
    same_rate = runs["native"][2] / runs["native"][1]
    big = native_replications
    start = time.perf_counter()
    res = simulate(net, horizon=horizon, warmup=horizon / 10, replications=big, seed=seed)
    seconds = time.perf_counter() - start
    big_rate = res.events / 2 / seconds
    runs["native"] = (res, seconds, res.events / 2)
    print(
        f"native: {big} x {horizon:g} h in {seconds:.2f} s, {big_rate:,.0f} services/s "
        "(all replications in one pass)"
    )
    print(
        f"ratio native/ciw: {same_rate / ciw_rate:.1f}x with {replications} replications each; "
        f"{big_rate / ciw_rate:.1f}x with {big} native replications (the table below)"
    )
    print(f"\n{'node':<10} {'measure':<12} {'exact':>8}  {'ciw':>18}  {'native':>18}")
    for m in ("utilisation", "mean_wait"):
        for i, node in enumerate(net.nodes):
            cells = []
            for engine in ("ciw", "native"):
                r = runs[engine][0]
                mean, half = r.mean(m)[i], r.half_width(m)[i]
                inside = "in" if abs(mean - getattr(exact, m)[i]) <= half else "OUT"
                cells.append(f"{mean:.4f}±{half:.4f} {inside:>3}")
            print(
                f"{node:<10} {m:<12} {getattr(exact, m)[i]:>8.4f}  {cells[0]:>18}  {cells[1]:>18}"
            )


def _national(scale: float, seed: int) -> None:
    start = time.perf_counter()
    reg = synthetic.national(seed=seed, scale=scale)
    print(
        f"\nnational synthetic registry, scale {scale:g}: {len(reg.institutions):,} "
        f"institutions ({time.perf_counter() - start:.1f} s to generate)"
    )
    tracemalloc.start()
    start = time.perf_counter()
    built = referral_network(
        reg,
        referral_shares={
            "needs_inpatient_bed": 0.05,
            "critical_or_difficult": 0.02,
            "convalescence": 0.1,
        },
        arrivals_per_person=0.0002,
        service_rates={"village": 30.0, "primary": 0.25, "secondary": 0.15, "tertiary": 0.12},
        default_servers=1,
        level="tier",
    )
    build = time.perf_counter() - start
    start = time.perf_counter()
    res = analyse(built.network)
    solve = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"referral_network(level='tier'): {build:.2f} s ({len(built.routing_pairs):,} routes, "
        f"{len(built.unrouted):,} unrouted shares); analyse: {solve * 1e3:.2f} ms; "
        f"peak memory {peak / 2**20:.0f} MiB"
    )
    for row in res.rows():
        print(
            f"  {row['node']:<10} servers {row['servers']:>9,}  arrivals/day "
            f"{row['arrival_rate']:>12,.1f}  utilisation {row['utilisation']:.1%}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--horizon", type=float, default=2_000.0, help="hours per replication")
    p.add_argument("--replications", type=int, default=10, help="ciw replications")
    p.add_argument("--native-replications", type=int, default=1_000)
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    np.seterr(all="raise")
    _engines(args.horizon, args.replications, args.native_replications, args.seed)
    _national(args.scale, args.seed)


if __name__ == "__main__":
    main()

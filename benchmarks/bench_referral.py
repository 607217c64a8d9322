"""Referral decisions at national scale: batch vs one at a time vs the naive reference.

Usage (from the repository root, with the project installed)::

    python benchmarks/bench_referral.py    # scale 0.1: 104,000 institutions, 1,000,000 cases
    python benchmarks/bench_referral.py --scale 0.02 --cases 200000

Prints decisions per second of ``evaluate_many`` (the compiled, vectorised path), of
``evaluate`` called once per case (warm index) and of the naive reference
(``medalliance._reference.referral.evaluate_naive``), their ratios, the median latency of a warm
single ``evaluate``, and the memory the compiled index keeps. Every path is checked to agree
with the naive reference on a sample of the cases.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
import tracemalloc
from typing import Any

import numpy as np

import medalliance
from medalliance import synthetic
from medalliance._reference.referral import evaluate_naive
from medalliance.compiled import build_count
from medalliance.compiled._core import CompiledRegistry
from medalliance.coverage import ReachTarget, reachability
from medalliance.referral import ReferralCases, evaluate, evaluate_many
from medalliance.referral._index import RefIndex
from medalliance.referral.policy import default_policy
from medalliance.sharing import service_access

SERVICES = ["ct", "mri", "lab", "inpatient", "icu", "dialysis", "mdt", "ecg"]
SPECIALTIES = ["cardiology", "oncology", "geriatrics", "paediatrics", "neurology"]


def make_cases(reg: medalliance.Registry, n: int, seed: int) -> ReferralCases:
    """Random cases: origins uniform over institutions, every criterion, some needs."""
    return ReferralCases.from_arrays(**make_columns(reg, n, seed))


def make_columns(reg: medalliance.Registry, n: int, seed: int) -> dict[str, Any]:
    """The columns of :func:`make_cases`, not yet validated."""
    rng = np.random.default_rng(seed)
    ids = np.array([i.id for i in reg.institutions])
    criteria = [c.code for c in default_policy().criteria]
    origin = ids[rng.integers(0, len(ids), size=n)]
    criterion = np.array(criteria)[rng.integers(0, len(criteria), size=n)]
    specialty = np.where(
        rng.random(n) < 0.15, np.array(SPECIALTIES)[rng.integers(0, 5, size=n)], ""
    )
    k = rng.integers(0, 3, size=n)
    combos = [[], *[[s] for s in SERVICES], ["ct", "inpatient"], ["mri", "icu"]]
    pick = rng.integers(0, len(combos), size=n)
    services = [combos[p] if kk else [] for p, kk in zip(pick.tolist(), k.tolist(), strict=True)]
    urgency = np.array(["routine", "urgent", "emergency"])[rng.choice(3, size=n, p=[0.7, 0.2, 0.1])]
    home = np.where(rng.random(n) < 0.1, ids[rng.integers(0, len(ids), size=n)], "")
    return {
        "origin": origin,
        "criterion": criterion,
        "specialty": specialty,
        "services": services,
        "urgency": urgency,
        "home": home,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=3_000, help="cases for the one-at-a-time paths")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"Python {sys.version.split()[0]}, numpy {np.__version__}, medalliance "
        f"{medalliance.__version__}"
    )
    t = time.perf_counter()
    reg = synthetic.national(seed=args.seed, scale=args.scale)
    print(
        f"registry: {len(reg.institutions):,} institutions, {len(reg.alliances):,} alliances, "
        f"{len(reg.agreements):,} agreements (built in {time.perf_counter() - t:.1f} s)"
    )

    gc.collect()
    tracemalloc.start()
    t = time.perf_counter()
    index = RefIndex(CompiledRegistry(reg))
    build = time.perf_counter() - t
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"compiled index: built in {build:.2f} s, keeps {kept / 2**20:.0f} MiB "
        f"(peak while building {peak / 2**20:.0f} MiB; {index.n_channels:,} channels)"
    )
    del index

    t = time.perf_counter()
    columns = make_columns(reg, args.cases, args.seed)
    generated = time.perf_counter() - t
    t = time.perf_counter()
    cases = ReferralCases.from_arrays(**columns)
    validate_s = time.perf_counter() - t
    del columns
    print(
        f"cases: {len(cases):,} generated in {generated:.1f} s; columns validated "
        f"(ReferralCases.from_arrays) in {validate_s:.2f} s"
    )

    builds_before = build_count()
    evaluate_many(reg, make_cases(reg, 10, args.seed + 1))  # compile and cache the index
    times = []
    for _ in range(3):
        t = time.perf_counter()
        batch = evaluate_many(reg, cases)
        times.append(time.perf_counter() - t)
    batch_s = min(times)
    batch_rate = len(cases) / batch_s
    eligible = float(batch.eligible.mean())
    print(
        f"evaluate_many: {batch_s:.2f} s for {len(cases):,} cases = {batch_rate:,.0f} "
        f"decisions/s (best of 3; {eligible:.1%} eligible)"
    )
    verdict = "met" if validate_s < batch_s else "MISSED"
    print(
        f"target validating the columns < deciding them: {verdict} "
        f"({validate_s:.2f} s vs {batch_s:.2f} s, {validate_s / batch_s:.2f}x)"
    )

    rng = np.random.default_rng(args.seed + 2)
    sample = rng.choice(len(cases), size=min(args.sample, len(cases)), replace=False).tolist()
    sample_cases = [cases.case(i) for i in sample]
    lat = []
    for c in sample_cases:
        t = time.perf_counter()
        evaluate(reg, c)
        lat.append(time.perf_counter() - t)
    single_rate = len(lat) / sum(lat)
    median_us = statistics.median(lat) * 1e6
    t = time.perf_counter()
    naive = [evaluate_naive(reg, c) for c in sample_cases]
    naive_s = time.perf_counter() - t
    naive_rate = len(sample_cases) / naive_s
    mismatches = sum(batch[i] != d for i, d in zip(sample, naive, strict=True))
    print(
        f"evaluate, one case at a time (warm): {single_rate:,.0f} decisions/s, "
        f"median {median_us:.0f} µs, p90 {np.percentile(lat, 90) * 1e6:.0f} µs"
    )
    print(f"naive reference: {naive_rate:,.0f} decisions/s")
    print(
        f"ratios: evaluate_many / naive = {batch_rate / naive_rate:,.0f}x; "
        f"evaluate_many / evaluate = {batch_rate / single_rate:,.0f}x; "
        f"evaluate / naive = {single_rate / naive_rate:,.1f}x"
    )
    print(
        f"agreement with the naive reference on {len(sample):,} sampled cases: "
        f"{len(sample) - mismatches:,} equal, {mismatches} different"
    )
    reachability(reg, target=ReachTarget(min_tier="三级"))
    service_access(reg)
    print(
        f"compiled cores built for this registry by evaluate_many, evaluate, reachability and "
        f"service_access together: {build_count() - builds_before}"
    )
    if mismatches:
        sys.exit(f"{mismatches} decisions differ from the naive reference")


if __name__ == "__main__":
    main()

"""Benchmark: ``Registry.as_of`` on the national synthetic registry with dated records, and
batch referral with ``as_of=`` against batch referral on the view.

Input: ``medalliance.synthetic.national_data(seed=..., scale=...)`` given dated records by
``synthetic.add_history`` (seeded). Baselines are measured in the same run:

* **as_of** -- ``registry.as_of(day)`` (a fresh registry each repeat, so no cached view)
  against building a ``Registry`` from the records already filtered to that day (the view's
  own records, given as model instances). Target: within 2x.
* **batch referral** -- ``evaluate_many(registry, cases, as_of=day)`` against
  ``evaluate_many(view, cases)``, both with the view's compiled core already built. Target:
  no slower than 1.2x. The two batches must agree (checked).

Run::

    python benchmarks/bench_time.py                     # scale 0.1
    python benchmarks/bench_time.py --scale 0.002 --cases 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from medalliance import Registry, synthetic
from medalliance.io import registry_from_dict
from medalliance.referral import evaluate_many

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_referral import make_cases


def best(fn: Callable[[], Any], repeat: int) -> float:
    """The best wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--cases", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--day", default="2018-06-30")
    args = ap.parse_args()
    day = dt.date.fromisoformat(args.day)

    data = synthetic.add_history(synthetic.national_data(seed=args.seed, scale=args.scale), seed=0)
    reg = registry_from_dict(data)
    view = reg.as_of(day)
    print(
        f"registry: {len(reg.institutions):,} institutions, {len(reg.alliances):,} alliances, "
        f"{len(reg.agreements):,} agreements; on {day}: {len(view.alliances):,} alliances, "
        f"{sum(len(a.memberships) for a in view.alliances):,} memberships of "
        f"{sum(len(a.memberships) for a in reg.alliances):,}, {len(view.agreements):,} agreements"
    )

    fresh = [registry_from_dict(data) for _ in range(args.repeat)]
    it = iter(fresh)
    as_of_s = best(lambda: next(it).as_of(day), args.repeat)
    parts = {
        "institutions": view.institutions,
        "alliances": view.alliances,
        "agreements": view.agreements,
        "sources": view.sources,
        "title": view.title,
        "description": view.description,
    }
    build_s = best(lambda: Registry(**parts), args.repeat)
    assert Registry(**parts) == view
    print(
        f"as_of: {as_of_s:.3f} s; building from the filtered records: {build_s:.3f} s "
        f"({as_of_s / build_s:.2f}x; target <= 2x)"
    )

    cases = make_cases(view, args.cases, args.seed)
    evaluate_many(view, cases)  # build the view's compiled core once
    with_s = best(lambda: evaluate_many(reg, cases, as_of=day), args.repeat)
    without_s = best(lambda: evaluate_many(view, cases), args.repeat)
    a, b = evaluate_many(reg, cases, as_of=day), evaluate_many(view, cases)
    assert np.array_equal(a.eligible, b.eligible)
    print(
        f"batch referral of {args.cases:,} cases: with as_of {with_s:.3f} s, on the view "
        f"{without_s:.3f} s ({with_s / without_s:.2f}x; target <= 1.2x)"
    )


if __name__ == "__main__":
    main()

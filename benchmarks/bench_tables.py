"""Benchmark: pandas tables of a national-scale registry, against the dict round trip.

* **export** -- ``medalliance.io.tables.to_frames`` (one DataFrame per kind of record, typed
  columns) against ``medalliance.io.registry_to_dict`` (pydantic ``model_dump`` of the same
  registry to plain data, what the JSON and YAML writers start from).
* **import** -- ``medalliance.io.tables.from_frames`` (decodes every column, then validates the
  registry) against ``medalliance.io.registry_from_dict`` of the plain data (the same
  validation without the tables).
* **round trip** -- both directions; ``from_frames(to_frames(reg)) == reg`` is checked before
  any time is printed.

Input: ``medalliance.synthetic.national(seed=0, scale=...)``. Every time is the best of
``--repeat`` runs. The peak resident set size of the process is printed at the end.

Run::

    python benchmarks/bench_tables.py                  # scale 0.05 (~53,000 institutions)
    python benchmarks/bench_tables.py --scale 0.2 --repeat 2
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

import medalliance as ma
from medalliance import synthetic
from medalliance.io._files import registry_from_dict, registry_to_dict
from medalliance.io.tables import from_frames, to_frames


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(
        f"machine: {platform.platform()}, {platform.processor() or '?'}, "
        f"Python {sys.version.split()[0]}, medalliance {ma.__version__}, pandas {pd.__version__}"
    )
    start = time.perf_counter()
    reg = synthetic.national(seed=args.seed, scale=args.scale)
    print(
        f"input: synthetic.national(seed={args.seed}, scale={args.scale}): "
        f"{len(reg.institutions):,} institutions, {len(reg.alliances):,} alliances, "
        f"{len(reg.agreements):,} agreements (generated in {time.perf_counter() - start:.1f} s)"
    )

    t_frames, frames = best_of(lambda: to_frames(reg), args.repeat)
    t_dict, data = best_of(lambda: registry_to_dict(reg), args.repeat)
    t_from, back = best_of(lambda: from_frames(frames), args.repeat)
    t_valid, again = best_of(lambda: registry_from_dict(data), args.repeat)
    assert back == reg, "from_frames(to_frames(reg)) != reg"
    assert again == reg
    rows = sum(len(df) for _, df in frames.tables())
    print(f"tables: {rows:,} rows in {len(frames.tables())} tables")
    print()
    print(f"{'step':<12} {'medalliance':>14} {'baseline':>12} {'ratio':>7}  baseline")
    for step, mine, base, name in (
        ("export", t_frames, t_dict, "registry_to_dict"),
        ("import", t_from, t_valid, "registry_from_dict"),
        ("round trip", t_frames + t_from, t_dict + t_valid, "to_dict + from_dict"),
    ):
        print(f"{step:<12} {mine:>12.3f} s {base:>10.3f} s {mine / base:>6.2f}x  {name}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {peak:,.0f} MB")


if __name__ == "__main__":
    main()

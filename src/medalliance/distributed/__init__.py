"""National runs beyond one process: scenario sweeps, batch referral on Dask partitions.

An edge package (it needs the ``dask`` extra: ``pip install 'medalliance[dask]'``); nothing
below it imports Dask, and ``import medalliance`` does not import this package.

- :func:`scenario_sweep` runs ``fn(registry, scenario)`` for many scenarios on any
  ``concurrent.futures``-style executor (a process pool, or a Dask cluster's
  ``client.get_executor()``), and serially when the work is too small to pay for it.
- :func:`evaluate_partitions` decides a dask DataFrame of referral cases partition by
  partition with :func:`medalliance.referral.evaluate_many`.
- :func:`tiled_accessibility` computes the 2SFCA family, nearest cost and coverage for a
  population given as a dask DataFrame (one tile per partition, sites in memory), in two
  passes that move only site-length vectors.

Both ship the registry (a frozen model, never a networkx graph) to each worker once and
compile it there once; results equal the in-memory functions'. :func:`array_workers`
is an opt-in worker allocator setting that makes array-heavy tasks run at in-process speed.

Examples
--------
>>> from medalliance import examples
>>> sweep = scenario_sweep(examples.load("gangkou"), [1, 2],
...                        lambda reg, k: len(reg.institutions) * k)
>>> sweep.results
(5, 10)
"""

from __future__ import annotations

from medalliance.distributed._referral import (
    CASE_COLUMNS,
    RESULT_COLUMNS,
    cases_of_frame,
    evaluate_partitions,
)
from medalliance.distributed._sweep import MIN_WORK, Sweep, scenario_sweep
from medalliance.distributed._tiles import (
    MAX_TILE_CELLS,
    MAX_TILE_MB,
    ORIGIN_COLUMNS,
    POPULATION_COLUMNS,
    TiledAccessibility,
    duplicate_ids,
    tiled_accessibility,
)
from medalliance.distributed._workers import ARRAY_WORKER_ENVIRON, array_workers

__all__ = [
    "ARRAY_WORKER_ENVIRON",
    "CASE_COLUMNS",
    "MAX_TILE_CELLS",
    "MAX_TILE_MB",
    "MIN_WORK",
    "ORIGIN_COLUMNS",
    "POPULATION_COLUMNS",
    "RESULT_COLUMNS",
    "Sweep",
    "TiledAccessibility",
    "array_workers",
    "cases_of_frame",
    "duplicate_ids",
    "evaluate_partitions",
    "scenario_sweep",
    "tiled_accessibility",
]

"""medalliance.distributed on a real Dask LocalCluster (2 worker processes) and a process pool.

One cluster for the whole module (starting one costs seconds). Every distributed result is
compared with the in-memory function on the same input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medalliance import Registry, examples, synthetic
from medalliance.coverage import ReachTarget, removal_impact, removal_impact_all
from medalliance.errors import MedAllianceError
from medalliance.referral import ReferralCases, evaluate_many

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from medalliance.distributed import (  # noqa: E402 - after the optional imports are checked
    RESULT_COLUMNS,
    evaluate_partitions,
    scenario_sweep,
)

TARGET = ReachTarget(min_tier="二级")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def county() -> Registry:
    return synthetic.county(seed=3, townships=5, villages_per_township=4)


def lost_ids(registry: Registry, institution: str) -> tuple[str, ...]:
    """A sweep function: the origins cut off by removing ``institution``."""
    return removal_impact(registry, institution, target=TARGET).lost


def fail_on(registry: Registry, k: int) -> int:
    if k == 2:
        raise ValueError("scenario two fails")
    return k


def die_once(registry: Registry, marker: str) -> int:
    """Kill this worker process the first time (no marker yet); answer on the retry."""
    if not os.path.exists(marker):
        Path(marker).write_text("died once")
        os._exit(1)
    return len(registry.institutions)


# --------------------------------------------------------------------------------------
# scenario_sweep


def test_sweep_serial_below_min_work_and_without_executor(county: Registry) -> None:
    ids = [i.id for i in county.institutions]
    serial = [lost_ids(county, x) for x in ids]
    sweep = scenario_sweep(county, ids, lost_ids)
    assert sweep.results == tuple(serial)
    assert not sweep.parallel
    assert sweep.chunks == 0
    with ProcessPoolExecutor(max_workers=2) as pool:
        small = scenario_sweep(county, ids[:3], lost_ids, executor=pool)
    assert not small.parallel  # 3 scenarios of a small county: not worth a process
    assert small.results == tuple(serial[:3])


def test_sweep_on_a_process_pool_equals_serial_loop(county: Registry) -> None:
    ids = [i.id for i in county.institutions]
    with ProcessPoolExecutor(max_workers=2) as pool:
        sweep = scenario_sweep(county, ids, lost_ids, executor=pool, min_work=0, chunks=3)
    assert sweep.parallel
    assert sweep.chunks == 3
    assert sweep.results == tuple(lost_ids(county, x) for x in ids)
    every = removal_impact_all(county, target=TARGET)
    assert sweep.results == tuple(every.lost(x) for x in ids)
    assert sweep.rows()[0]["scenario"] == ids[0]


def test_sweep_on_a_dask_cluster_equals_serial_loop(client: Any, county: Registry) -> None:
    ids = [i.id for i in county.institutions]
    sweep = scenario_sweep(county, ids, lost_ids, executor=client.get_executor(), min_work=0)
    assert sweep.parallel
    assert sweep.results == tuple(lost_ids(county, x) for x in ids)


def test_sweep_names_the_failing_scenario() -> None:
    reg = examples.load("gangkou")
    with pytest.raises(ValueError, match="scenario two fails") as err:
        scenario_sweep(reg, [0, 1, 2, 3], fail_on)
    notes = getattr(err.value, "__notes__", ["in scenario 2: 2"])
    assert "in scenario 2: 2" in notes
    with ProcessPoolExecutor(max_workers=2) as pool, pytest.raises(ValueError, match="two"):
        scenario_sweep(reg, [0, 1, 2, 3], fail_on, executor=pool, min_work=0)


def test_sweep_bad_input_names_every_problem() -> None:
    reg = examples.load("gangkou")
    with pytest.raises(MedAllianceError) as err:
        scenario_sweep(reg, "abc", 3, executor=object(), min_work=-1, chunks=0)  # type: ignore[arg-type]
    text = str(err.value)
    for name in ("scenarios", "fn", "executor", "min_work", "chunks"):
        assert name in text


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_the_result_unchanged(client: Any, tmp_path: Path) -> None:
    reg = examples.load("gangkou")
    marker = str(tmp_path / "died")
    sweep = scenario_sweep(
        reg, [marker, marker], die_once, executor=client.get_executor(), min_work=0, chunks=2
    )
    assert Path(marker).exists()  # a worker process did die
    assert sweep.results == (len(reg.institutions), len(reg.institutions))
    client.wait_for_workers(2, timeout=60)


# --------------------------------------------------------------------------------------
# evaluate_partitions


def county_cases(reg: Registry, n: int, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    ids = np.array([i.id for i in reg.institutions])
    criteria = np.array(["needs_inpatient_bed", "convalescence", "postop_recovery"])
    return pd.DataFrame(
        {
            "origin": ids[rng.integers(0, len(ids), n)],
            "criterion": criteria[rng.integers(0, len(criteria), n)],
            "services": np.where(rng.random(n) < 0.3, "ct", ""),
        }
    )


def assert_same_as_in_memory(out: Any, reg: Registry, frame: Any) -> None:
    cases = ReferralCases.from_arrays(
        origin=frame["origin"].tolist(),
        criterion=frame["criterion"].tolist(),
        services=[tuple(s.split()) for s in frame["services"].tolist()],
    )
    batch = evaluate_many(reg, cases)
    assert list(out.columns) == list(RESULT_COLUMNS)
    assert out.index.tolist() == frame.index.tolist()
    assert out["eligible"].tolist() == batch.eligible.tolist()
    assert out["direction"].tolist() == batch.direction.tolist()
    assert out["n_destinations"].tolist() == batch.n_destinations.tolist()
    assert out["reasons"].tolist() == batch.reasons.tolist()
    assert out["best_flags"].tolist() == batch.best_flags.tolist()
    best = [batch.best_destination(i) for i in range(len(batch))]
    assert [None if pd.isna(b) else b for b in out["best"].tolist()] == best
    np.testing.assert_array_equal(out["best_distance_km"].to_numpy(), batch.best_distance_km)


def test_partitioned_referral_equals_in_memory(client: Any, county: Registry) -> None:
    frame = county_cases(county, 600, seed=1)
    cases = dd.from_pandas(frame, npartitions=4)
    out = evaluate_partitions(county, cases).compute()
    assert_same_as_in_memory(out, county, frame)


def test_partitioned_referral_sends_the_registry_once_per_cluster(
    client: Any, county: Registry
) -> None:
    """The box is scattered once; later graphs depend on the same future, not on the bytes."""
    from medalliance.distributed._ship import Shipped, on_cluster

    first = on_cluster(county, Shipped.of(county))
    assert on_cluster(county, Shipped.of(county)) is first
    assert len(client.who_has(first)[first.key]) == 2  # on both workers
    frame = county_cases(county, 80, seed=5)
    out = evaluate_partitions(county, dd.from_pandas(frame, npartitions=2))
    assert_same_as_in_memory(out.compute(), county, frame)


@pytest.mark.slow
def test_a_worker_that_joins_later_or_a_restart_gets_the_registry(county: Registry) -> None:
    frame = county_cases(county, 60, seed=6)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        first = evaluate_partitions(county, dd.from_pandas(frame, npartitions=2)).compute()
        assert_same_as_in_memory(first, county, frame)
        before = set(c.scheduler_info()["workers"])
        cluster.scale(2)
        c.wait_for_workers(2, timeout=60)
        c.retire_workers(list(before))  # only the new worker is left to decide
        assert len(c.scheduler_info()["workers"]) == 1
        out = evaluate_partitions(county, dd.from_pandas(frame, npartitions=4)).compute()
        assert_same_as_in_memory(out, county, frame)
        c.restart()  # every worker's store is emptied: the next graph scatters again
        out = evaluate_partitions(county, dd.from_pandas(frame, npartitions=3)).compute()
        assert_same_as_in_memory(out, county, frame)


def die_once_on_partition_one(frame: Any, marker: str, partition_info: Any = None) -> Any:
    """Kill this worker process while reading partition 1 the first time; pass it on after."""
    if (partition_info or {}).get("number") == 1 and not os.path.exists(marker):
        Path(marker).write_text("died once")
        os._exit(1)
    return frame


@pytest.mark.slow
def test_partitioned_referral_survives_a_killed_worker(county: Registry, tmp_path: Path) -> None:
    frame = county_cases(county, 120, seed=7)
    marker = str(tmp_path / "died")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster),
    ):
        parts = dd.from_pandas(frame, npartitions=4)
        dying = parts.map_partitions(die_once_on_partition_one, marker, meta=parts._meta)
        out = evaluate_partitions(county, dying).compute()
    assert os.path.exists(marker)  # a worker process did die
    assert_same_as_in_memory(out, county, frame)


def worker_environ() -> tuple[str | None, str | None, str | None]:
    return (
        os.environ.get("MALLOC_MMAP_THRESHOLD_"),
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        os.environ.get("OMP_NUM_THREADS"),
    )


@pytest.mark.slow
def test_array_workers_reach_the_worker_processes(county: Registry) -> None:
    from medalliance.distributed import ARRAY_WORKER_ENVIRON, array_workers

    frame = county_cases(county, 40, seed=8)
    with (
        array_workers(),
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        (env,) = c.run(worker_environ).values()
        out = evaluate_partitions(county, dd.from_pandas(frame, npartitions=2)).compute()
    assert env[:2] == (
        str(ARRAY_WORKER_ENVIRON["MALLOC_MMAP_THRESHOLD_"]),
        str(ARRAY_WORKER_ENVIRON["MALLOC_TRIM_THRESHOLD_"]),
    )
    assert env[2] == "1"  # dask's other settings are kept
    assert_same_as_in_memory(out, county, frame)


def test_partitioned_referral_local_scheduler(county: Registry) -> None:
    frame = county_cases(county, 50, seed=2)
    with dask.config.set(scheduler="sync"):  # even with the module's client running
        out = evaluate_partitions(county, dd.from_pandas(frame, npartitions=3))
        assert_same_as_in_memory(out.compute(), county, frame)


def test_partitioned_referral_bad_columns_at_once(county: Registry) -> None:
    frame = pd.DataFrame({"origin": ["x"], "kind": ["y"]})
    with pytest.raises(MedAllianceError) as err:
        evaluate_partitions(county, dd.from_pandas(frame, npartitions=1))
    text = str(err.value)
    assert "kind" in text
    assert "criterion" in text
    with pytest.raises(MedAllianceError, match="dask DataFrame"):
        evaluate_partitions(county, frame)


def test_partitioned_referral_names_the_partition(county: Registry) -> None:
    frame = county_cases(county, 9, seed=3)
    frame.loc[7, "origin"] = "Not An Id!"
    cases = dd.from_pandas(frame, npartitions=3)  # rows 6..8 in partition 2
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(MedAllianceError, match=r"partition\[2\]\.origin\[1\]"),
    ):
        evaluate_partitions(county, cases).compute()


def test_partitioned_referral_with_a_policy(county: Registry) -> None:
    from medalliance.referral import default_policy

    frame = county_cases(county, 40, seed=4)
    policy = default_policy()
    with dask.config.set(scheduler="sync"):
        out = evaluate_partitions(county, dd.from_pandas(frame, npartitions=2), policy=policy)
        assert_same_as_in_memory(out.compute(), county, frame)
    with pytest.raises(MedAllianceError, match="ReferralPolicy"):
        evaluate_partitions(county, dd.from_pandas(frame, npartitions=2), policy="strict")  # type: ignore[arg-type]


def test_missing_dask_names_the_extra(county: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = dd.from_pandas(county_cases(county, 4, seed=5), npartitions=1)
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ImportError, match=r"pip install 'medalliance\[dask\]'"):
        evaluate_partitions(county, frame)
    # a sweep needs no Dask: any concurrent.futures executor, or none
    assert scenario_sweep(county, [1], lambda reg, k: k).results == (1,)

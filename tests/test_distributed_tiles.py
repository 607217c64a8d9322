"""Tiled accessibility (medalliance.distributed) equals the in-memory functions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medalliance import accessibility as acc
from medalliance.errors import MedAllianceError

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

from medalliance.distributed import (  # noqa: E402 - after the optional imports are checked
    ORIGIN_COLUMNS,
    tiled_accessibility,
)

SPEED, CUTOFF = 30.0, 30.0


def cells(n: int, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": [f"c{k:05d}" for k in range(n)],
            "lat": 30.0 + rng.random(n) * 0.8,
            "lon": 120.0 + rng.random(n) * 0.8,
            "people": rng.integers(0, 2_000, n).astype(float),
        }
    )


def sites(m: int, seed: int) -> acc.Supply:
    rng = np.random.default_rng(seed)
    capacity = rng.integers(0, 50, m).astype(float)
    capacity[0] = 0.0  # a closed site
    return acc.Supply(
        [f"s{j:03d}" for j in range(m)],
        capacity,
        lat=29.9 + rng.random(m) * 1.0,
        lon=119.9 + rng.random(m) * 1.0,
    )


METHODS: list[tuple[str, dict[str, Any], Any]] = [
    ("2sfca", {}, acc.two_step_fca),
    ("e2sfca", {"zones": {10: 1.0, 20: 0.6, 30: 0.2}}, acc.enhanced_two_step_fca),
    ("gravity", {"decay": acc.GaussianDecay(sigma=12)}, acc.gravity),
    ("3sfca", {}, acc.three_step_fca),
]


def untiled(frame: Any, supply: acc.Supply, fn: Any, kw: dict[str, Any]) -> Any:
    pop = acc.Population(frame["id"].tolist(), frame["people"], lat=frame["lat"], lon=frame["lon"])
    costs = acc.costs_from_coordinates(pop, supply, speed_kmh=SPEED, cutoff_min=CUTOFF)
    return pop, costs, fn(costs, pop, supply, **kw)


@pytest.mark.parametrize(("method", "kw", "fn"), METHODS, ids=[m[0] for m in METHODS])
@pytest.mark.parametrize("spatial", [True, False], ids=["spatial-tiles", "random-tiles"])
def test_tiled_equals_untiled(method: str, kw: dict[str, Any], fn: Any, spatial: bool) -> None:
    frame = cells(1_500, seed=1)
    if spatial:
        frame = frame.sort_values("lat").reset_index(drop=True)
    supply = sites(40, seed=2)
    pop, costs, want = untiled(frame, supply, fn, kw)
    with dask.config.set(scheduler="sync"):
        got = tiled_accessibility(
            dd.from_pandas(frame, npartitions=5),
            supply,
            speed_kmh=SPEED,
            cutoff_min=CUTOFF,
            method=method,
            within_min=15,
            **kw,
        )
        out = got.origins.compute()
    assert list(out.columns) == list(ORIGIN_COLUMNS)
    assert out["id"].tolist() == frame["id"].tolist()
    np.testing.assert_allclose(got.site_demand, want.site_demand, rtol=1e-12, atol=0)
    np.testing.assert_allclose(got.site_ratios, want.site_ratios, rtol=1e-12, atol=0)
    np.testing.assert_allclose(out["accessibility"], want.values, rtol=1e-12, atol=1e-300)
    # supply conservation across tiles: Σ P_i A_i = Σ of the supply of sites with demand
    total = float((out["people"] * out["accessibility"]).sum())
    assert total == pytest.approx(got.served_supply, rel=1e-12)
    assert got.served_supply == pytest.approx(want.served_supply, rel=1e-12)
    near = acc.nearest_cost(costs, supply=supply)
    np.testing.assert_array_equal(out["nearest_min"].to_numpy(), near.cost)
    within = acc.coverage_within(costs, pop, cutoff_min=15, supply=supply)
    np.testing.assert_array_equal(out["within"].to_numpy(), within.covered)
    assert got.rows()[0]["site"] == "s000"


def die_once_on_partition_one(frame: Any, marker: str, partition_info: Any = None) -> Any:
    """Kill this worker process while reading partition 1 the first time; pass it on after."""
    if (partition_info or {}).get("number") == 1 and not os.path.exists(marker):
        Path(marker).write_text("died once")
        os._exit(1)
    return frame


def test_tiled_on_a_local_cluster(tmp_path: Path) -> None:
    """Equal to untiled on 2 worker processes, also when a worker dies mid-run (Dask retries)."""
    distributed = pytest.importorskip("distributed")
    frame = cells(800, seed=3)
    supply = sites(25, seed=4)
    _, _, want = untiled(frame, supply, acc.two_step_fca, {})
    marker = str(tmp_path / "died")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = tiled_accessibility(
            dd.from_pandas(frame, npartitions=4), supply, speed_kmh=SPEED, cutoff_min=CUTOFF
        )
        out = got.origins.compute()
        parts = dd.from_pandas(frame, npartitions=4)
        dying = parts.map_partitions(die_once_on_partition_one, marker, meta=parts._meta)
        again = tiled_accessibility(dying, supply, speed_kmh=SPEED, cutoff_min=CUTOFF)
        out_again = again.origins.compute()
        client.wait_for_workers(2, timeout=60)
    assert os.path.exists(marker)  # a worker process did die
    np.testing.assert_allclose(out["accessibility"], want.values, rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(out_again["accessibility"], out["accessibility"])
    assert "4 tiles" in repr(got)


def test_bad_arguments_all_at_once() -> None:
    frame = dd.from_pandas(
        pd.DataFrame({"id": ["a"], "lat": [30.0], "people": [1.0], "x": [1]}), npartitions=1
    )
    with pytest.raises(MedAllianceError) as err:
        tiled_accessibility(frame, "sites", speed_kmh=0, cutoff_min=-1)  # type: ignore[arg-type]
    text = str(err.value)
    for part in ("'lon' is missing", "population.x", "supply", "speed_kmh", "cutoff_min"):
        assert part in text
    with pytest.raises(MedAllianceError, match="dask DataFrame"):
        tiled_accessibility(pd.DataFrame(), sites(3, 0), speed_kmh=30, cutoff_min=30)
    good = dd.from_pandas(cells(10, 0), npartitions=2)
    with pytest.raises(MedAllianceError, match="gravity needs a decay"):
        tiled_accessibility(good, sites(3, 0), speed_kmh=30, cutoff_min=30, method="gravity")
    with pytest.raises(MedAllianceError, match="past the catchment"):
        tiled_accessibility(good, sites(3, 0), speed_kmh=30, cutoff_min=20, method="e2sfca")


def test_duplicate_ids_across_partitions_are_named() -> None:
    frame = cells(12, seed=5)
    frame.loc[10, "id"] = "c00001"
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(MedAllianceError, match=r"'c00001' is in partitions 0 and 2"),
    ):
        tiled_accessibility(
            dd.from_pandas(frame, npartitions=3), sites(5, 1), speed_kmh=SPEED, cutoff_min=CUTOFF
        )


def test_cells_without_coordinates_name_their_partition() -> None:
    frame = cells(12, seed=6)
    frame.loc[9, "lat"] = np.nan
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(MedAllianceError, match=r"partition\[2\]\.row\[1\]: no coordinates"),
    ):
        tiled_accessibility(
            dd.from_pandas(frame, npartitions=3), sites(5, 1), speed_kmh=SPEED, cutoff_min=CUTOFF
        )


def test_a_tile_too_large_is_refused_with_its_partition() -> None:
    frame = cells(12, seed=7)
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(MedAllianceError, match=r"partition\[[01]\]: 6 cells, more than"),
    ):
        tiled_accessibility(
            dd.from_pandas(frame, npartitions=2),
            sites(5, 1),
            speed_kmh=SPEED,
            cutoff_min=CUTOFF,
            max_tile_cells=5,
        )


def test_a_tile_over_the_memory_limit_is_refused_before_its_pairs_are_built() -> None:
    frame = cells(400, seed=7)
    supply = sites(300, seed=1)
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(MedAllianceError, match=r"partition\[[01]\]: about [0-9,]+ pairs") as e,
    ):
        tiled_accessibility(
            dd.from_pandas(frame, npartitions=2),
            supply,
            speed_kmh=SPEED,
            cutoff_min=CUTOFF,
            max_tile_mb=0.01,
        )
    assert "max_tile_mb=0.01" in str(e.value)
    with dask.config.set(scheduler="sync"):  # the default limit lets it through
        tiled_accessibility(dd.from_pandas(frame, npartitions=2), supply, speed_kmh=SPEED,
                            cutoff_min=CUTOFF)  # fmt: skip


@pytest.mark.parametrize("sample", [10_000, 37])
def test_pair_estimate_is_exact_on_small_tiles_and_close_on_samples(sample: int) -> None:
    from medalliance.accessibility._tiles import estimate_pairs

    frame = cells(3_000, seed=11)
    supply = sites(200, seed=12)
    pop, costs, _ = untiled(frame, supply, acc.two_step_fca, {})
    got = estimate_pairs(pop, supply, reach_km=CUTOFF / 60.0 * SPEED, sample=sample)
    if sample >= len(frame):
        assert got == costs.n_pairs
    else:
        assert abs(got - costs.n_pairs) <= 0.2 * costs.n_pairs


def test_tile_limits_must_be_positive() -> None:
    good = dd.from_pandas(cells(4, seed=1), npartitions=1)
    with pytest.raises(MedAllianceError) as e:
        tiled_accessibility(good, sites(3, 0), speed_kmh=SPEED, cutoff_min=CUTOFF,
                            max_tile_cells=0, max_tile_mb=-1)  # fmt: skip
    assert "max_tile_cells: must be a whole number > 0" in str(e.value)
    assert "max_tile_mb: must be a number > 0" in str(e.value)


def test_negative_people_named_by_partition() -> None:
    frame = cells(12, seed=8)
    frame.loc[5, "people"] = -3.0
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(MedAllianceError, match=r"partition\[1\]"),
    ):
        tiled_accessibility(
            dd.from_pandas(frame, npartitions=3), sites(5, 1), speed_kmh=SPEED, cutoff_min=CUTOFF
        )


# dask's parquet reader calls reset_index(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")
def test_population_from_parquet_and_results_to_parquet(tmp_path: Any) -> None:
    pytest.importorskip("pyarrow")
    frame = cells(600, seed=9)
    dd.from_pandas(frame, npartitions=3).to_parquet(tmp_path / "cells", write_index=False)
    supply = sites(15, seed=10)
    _, _, want = untiled(frame, supply, acc.two_step_fca, {})
    with dask.config.set(scheduler="sync"):
        population = dd.read_parquet(tmp_path / "cells")
        got = tiled_accessibility(population, supply, speed_kmh=SPEED, cutoff_min=CUTOFF)
        got.origins.to_parquet(tmp_path / "out", write_index=False)
        back = dd.read_parquet(tmp_path / "out").compute()
    assert len(list((tmp_path / "out").glob("*.parquet"))) == population.npartitions
    assert back["id"].tolist() == frame["id"].tolist()
    np.testing.assert_allclose(back["accessibility"], want.values, rtol=1e-12, atol=1e-300)

"""The benchmark scripts still run: each at a tiny size, in a subprocess.

Benchmarks reach into internals (to drop a cache, to read an oracle), so a refactor can break
them without any other test noticing. Nothing here looks at a time; only that each script
finishes and that its own agreement checks with its baselines pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "bench_referral": ["--scale", "0.002", "--cases", "2000", "--sample", "50"],
    "bench_coverage": ["--scale", "0.002", "--repeat", "1", "--sample", "20"],
    "bench_sharing": ["--scale", "0.002", "--members", "500", "--repeat", "1"],
    "bench_tables": ["--scale", "0.002", "--repeat", "1"],
    "bench_fhir": ["--counties", "1", "--repeat", "1"],
    "bench_accessibility": [
        *("--origins", "60", "--sites", "12", "--repeat", "1"),
        *("--cells", "2000", "--scale-sites", "50", "--scale-repeat", "1"),
    ],
    "bench_planning": [
        *("--demand", "200", "--sites", "20", "--p", "3", "--large-demand", "400"),
        *("--large-sites", "40", "--large-p", "4", "--cells", "100", "--leads", "4"),
        *("--time-limit", "5", "--no-spopt", "--cap-demand", "150", "--cap-sites", "15"),
        *("--cap-p", "3"),
    ],
    "bench_registry": ["--scale", "0.002", "--repeat", "1", "--no-memory"],
    "bench_removal": ["--scale", "0.001", "--sample", "0"],
    "bench_dask": [
        *("--cells", "20000", "--sites", "300", "--partitions", "4", "--side-deg", "2"),
        *("--scale", "0.002", "--cases", "5000", "--case-partitions", "3", "--repeat", "1"),
    ],
    "bench_yaml": ["--scale", "0.001", "--repeat", "1"],
    "bench_flow": [
        *("--horizon", "100", "--replications", "3", "--native-replications", "30"),
        *("--scale", "0.002"),
    ],
    "bench_time": ["--scale", "0.002", "--cases", "2000", "--repeat", "1"],
}


def test_every_benchmark_script_is_listed() -> None:
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("bench_*.py")}
    assert scripts == set(TINY)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmark_runs_at_a_tiny_size(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *TINY[name]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "Traceback" not in done.stderr

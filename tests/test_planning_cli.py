"""``medalliance plan``: the proposal, its JSON form, and every bad option named."""

from __future__ import annotations

import io
import json
from pathlib import Path

from medalliance.cli import main

FILES = Path(__file__).resolve().parents[1] / "docs" / "cli-examples"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _base() -> list[str]:
    return [
        "plan",
        "centre",
        str(FILES / "county.json"),
        "--alliance",
        "k-ccm",
        "--service",
        "ct",
        "--population",
        str(FILES / "villages.csv"),
    ]


def test_plan_json_matches_the_table() -> None:
    code, out, err = run(*_base(), "--cutoff-min", "20", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["providers"] == ["k-h", "k-t01"]
    assert len(doc["hosts"]) == 1
    assert doc["selection"]["status"] == "optimal"
    assert doc["selection"]["gap"] == 0.0
    assert set(doc["hosts"]) <= set(doc["selection"]["selected"])
    rows = {r["measure"]: r for r in doc["comparison"]}
    assert rows["people within cutoff"]["after"] == doc["selection"]["objective"]
    code, text, _ = run(*_base(), "--cutoff-min", "20")
    assert code == 0
    assert f"k-ccm: {doc['hosts'][0]}" in text


def test_plan_greedy_and_host_kinds() -> None:
    code, out, err = run(*_base(), "--method", "greedy", "--host-kind", "乡镇卫生院", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["selection"]["method"] == "greedy"
    assert all(h.startswith("k-t") for h in doc["hosts"])


def test_plan_errors_are_named_with_status_1() -> None:
    code, _, err = run(*_base(), "--p", "0", "--speed-kmh", "0")
    assert code == 1
    assert "--p: must be >= 1, got 0" in err
    assert "--speed-kmh: must be a finite number > 0, got 0" in err
    code, _, err = run(*_base()[:-2], "--population", str(FILES / "people.csv"))
    assert code == 1
    code, _, err = run(*_base(), "--p", "500")
    assert code == 1
    assert "candidate sites" in err

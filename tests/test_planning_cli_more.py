"""``medalliance plan sites|partition|check-grid|equity``: results, formats, bad input named."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from medalliance.accessibility import costs_from_table
from medalliance.cli import main
from medalliance.planning import check_grid_cover, equity_table, max_coverage, partition_grid

FILES = Path(__file__).resolve().parents[1] / "docs" / "cli-examples"
COSTS = str(FILES / "costs.csv")
PEOPLE = str(FILES / "people.csv")
UNITS = str(FILES / "streets.csv")
ADJ = str(FILES / "street_adjacency.csv")


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _sites(*extra: str) -> list[str]:
    return ["plan", "sites", "--costs", COSTS, "--population", PEOPLE, *extra]


# --------------------------------------------------------------------------------------
# plan sites


def test_sites_json_is_the_library_result() -> None:
    code, out, err = run(*_sites("--model", "max_coverage", "--p", "1", "--cutoff-min", "20"))
    assert code == 0, err
    code, out, err = run(
        *_sites("--model", "max_coverage", "--p", "1", "--cutoff-min", "20", "--json")
    )
    assert code == 0, err
    doc = json.loads(out)
    costs = costs_from_table(
        ["village-1", "village-1", "village-2", "village-2", "village-3"],
        ["township_centre", "county_hospital", "township_centre", "county_hospital",
         "county_hospital"],
        [8, 35, 14, 22, 18],
        origin_ids=["village-1", "village-2", "village-3"],
        site_ids=["township_centre", "county_hospital"],
    )  # fmt: skip
    lib = max_coverage(costs, [1200, 800, 2500], p=1, cutoff_min=20)
    assert doc["selected"] == lib.selected.tolist() == ["county_hospital"]
    assert doc["objective"] == lib.objective == 2500.0
    assert doc["status"] == "optimal"
    assert doc["sites"] == lib.rows()


@pytest.mark.parametrize("method", ["exact", "greedy"])
def test_sites_capacity_fixed_candidates_and_warm_start(tmp_path: Path, method: str) -> None:
    caps = write(
        tmp_path, "caps.csv", "site,capacity\ntownship_centre,1500\ncounty_hospital,3100\n"
    )
    code, out, err = run(
        *_sites("--model", "p_median", "--p", "2", "--capacity", caps, "--method", method),
        "--warm-start", "township_centre,county_hospital", "--fixed", "county_hospital",
        "--candidates", "township_centre,county_hospital", "--assignment", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["method"] == method
    assert doc["objective"] is not None
    served = {r["site"]: r["people"] for r in doc["sites"]}
    assert served["township_centre"] <= 1500 + 1e-6
    assert len(doc["assignment"]) == 3
    code, out, err = run(
        *_sites("--model", "p_median", "--p", "2", "--capacity", caps, "--format", "csv")
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["site"] for r in rows] == ["township_centre", "county_hospital"]


def test_sites_set_cover_and_p_center_without_population() -> None:
    code, out, err = run(
        "plan", "sites", "--costs", COSTS, "--model", "set_cover", "--cutoff-min", "20",
        "--backup",
    )  # fmt: skip
    assert code == 0, err
    assert "people within reach of two selected sites" in out
    code, out, err = run("plan", "sites", "--costs", COSTS, "--model", "p_center", "--p", "1")
    assert code == 0, err
    assert "longest minutes 35" in out


def test_sites_bad_options_and_files_are_named(tmp_path: Path) -> None:
    code, _, err = run(*_sites("--model", "max_coverage", "--backup", "--capacity", COSTS))
    assert code == 1
    assert "--p: required for max_coverage" in err
    assert "--cutoff-min: required for max_coverage" in err
    assert "--backup: applies to set_cover only" in err
    code, _, err = run(*_sites("--model", "p_median", "--p", "1", "--time-limit-s", "nan"))
    assert code == 1
    assert "--time-limit-s: must be a finite number > 0, got nan" in err
    code, _, err = run("plan", "sites", "--costs", "nowhere.csv", "--model", "p_center", "--p", "1")
    assert code == 1
    assert "nowhere.csv" in err
    assert "file not found" in err
    bad = write(tmp_path, "pop.csv", "id,people\nvillage-1,-5\nvillage-2,nan\nvillage-3,1\n")
    code, _, err = run(
        "plan", "sites", "--costs", COSTS, "--population", bad, "--model", "p_median", "--p", "1"
    )
    assert code == 1
    assert "row 2" in err
    assert "row 3" in err
    caps = write(tmp_path, "caps.csv", "site,volume\ntownship_centre,-1\n")
    code, _, err = run(*_sites("--model", "p_median", "--p", "1", "--capacity", caps))
    assert code == 1
    assert "unknown column 'volume'" in err
    assert "no column capacity" in err
    caps = write(tmp_path, "caps.csv", "site,capacity\ntownship_centre,-1\nelsewhere,5\n")
    code, _, err = run(*_sites("--model", "p_median", "--p", "1", "--capacity", caps))
    assert code == 1
    assert "row 2, column capacity: must be a number of people >= 0, got '-1'" in err
    caps = write(tmp_path, "caps.csv", "site,capacity\ntownship_centre,1\nelsewhere,5\n")
    code, _, err = run(*_sites("--model", "p_median", "--p", "1", "--capacity", caps))
    assert code == 1
    assert "site 'county_hospital' of the cost table has no capacity row" in err
    assert "site 'elsewhere' is not in the cost table" in err
    pop = write(tmp_path, "pop.csv", "id,people\nvillage-1,5\n")
    code, out, err = run(
        "plan", "sites", "--costs", COSTS, "--population", pop, "--model", "p_median", "--p",
        "1", "--json",
    )  # fmt: skip
    assert code == 1
    assert "row 4: origin 'village-2' is no point of" in err
    assert json.loads(out)["valid"] is False
    code, _, err = run(*_sites("--model", "p_median", "--p", "1", "--fixed", "nowhere"))
    assert code == 1
    assert "nowhere" in err


# --------------------------------------------------------------------------------------
# plan partition and check-grid


def test_partition_matches_the_library_and_writes_csv() -> None:
    code, out, err = run(
        "plan", "partition", "--units", UNITS, "--adjacency", ADJ, "--max-people", "45000",
        "--method", "exact", "--json", "--assignment",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    units = [f"s{i}" for i in range(1, 10)]
    people = [12000, 8000, 9000, 7000, 15000, 6000, 5000, 9000, 11000]
    text = Path(ADJ).read_text(encoding="utf-8")
    adj = [(r["unit"], r["neighbour"]) for r in csv.DictReader(io.StringIO(text))]
    lib = partition_grid(
        units, adj, leads=["s1", "s9"], people=people, max_people=45000, method="exact"
    )
    assert doc["status"] == "optimal"
    assert doc["objective"] == lib.objective
    assert doc["groups"] == lib.rows()
    assert doc["assignment"] == lib.assignment_rows()
    code, out, err = run(
        "plan", "partition", "--units", UNITS, "--adjacency", ADJ, "--leads", "s1,s5,s9",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    assert [r["lead"] for r in csv.DictReader(io.StringIO(out))] == ["s1", "s5", "s9"]


def test_partition_bad_files_are_named(tmp_path: Path) -> None:
    units = write(tmp_path, "u.csv", "unit,people,lead\na,-3,yes\nb,NaN,maybe\na,1,no\n,2,no\n")
    code, _, err = run("plan", "partition", "--units", units, "--adjacency", ADJ)
    assert code == 1
    assert "row 2, column people: must be a number of people >= 0, got '-3'" in err
    assert "row 3, column people: must be a number of people >= 0, got 'NaN'" in err
    assert "row 3, column lead: must be yes or no (是/否), got 'maybe'" in err
    assert "row 4, column unit: unit 'a' is listed twice" in err
    assert "row 5, column unit: missing" in err
    adj = write(tmp_path, "adj.csv", "unit,neighbour\ns1,s99\n")
    code, _, err = run("plan", "partition", "--units", UNITS, "--adjacency", adj)
    assert code == 1
    assert "row 2, column neighbour: unit 's99' is not in the units file" in err
    code, _, err = run(
        "plan", "partition", "--units", UNITS, "--adjacency", ADJ, "--leads", "s1,zz",
        "--max-moves", "5", "--method", "exact", "--min-people", "-1",
    )  # fmt: skip
    assert code == 1
    assert "--min-people: must be a finite number >= 0, got -1" in err
    assert "--max-moves: applies to --method greedy" in err
    code, _, err = run("plan", "partition", "--units", UNITS, "--adjacency", "missing.csv")
    assert code == 1
    assert "file not found" in err
    nolead = write(tmp_path, "n.csv", "unit,people\ns1,1\n")
    code, _, err = run("plan", "partition", "--units", nolead, "--adjacency", ADJ)
    assert code == 1


def test_check_grid_from_a_file_and_a_registry(tmp_path: Path) -> None:
    groups = str(FILES / "street_groups.csv")
    code, out, err = run("plan", "check-grid", "--units", UNITS, "--groups", groups, "--json")
    assert code == 1, err
    doc = json.loads(out)
    lib = check_grid_cover(
        [f"s{i}" for i in range(1, 10)],
        {
            "east-group": ["s1", "s2", "s4", "s5"],
            "west-group": ["s5", "s6", "s8", "s9", "s10"],
        },
    )
    assert doc["findings"] == lib.rows()
    assert doc["ok"] is False
    good = write(tmp_path, "g.csv", "group,unit\ng,s1\ng,s2\n")
    two = write(tmp_path, "u.csv", "unit\ns1\ns2\n")
    code, out, err = run("plan", "check-grid", "--units", two, "--groups", good)
    assert code == 0, err
    assert "every unit in exactly one group" in out
    streets = str(FILES / "luwan_streets.csv")
    code, out, err = run(
        "plan", "check-grid", "--units", streets, "--registry", "shanghai_luwan", "--format", "csv"
    )
    assert code == 1, err
    assert list(csv.DictReader(io.StringIO(out))) == [
        {"finding": "gap", "unit": "老西门街道", "groups": ""}
    ]
    code, _, err = run("plan", "check-grid", "--units", two, "--groups", good, "--as-of", "2020")
    assert code == 1
    assert "--as-of: applies with --registry only" in err


# --------------------------------------------------------------------------------------
# plan equity


def test_equity_matches_the_library(tmp_path: Path) -> None:
    access = str(FILES / "access.csv")
    code, out, err = run(
        "plan", "equity", access, "--value", "now", "--value", "with_centre", "--people-column",
        "people", "--poverty-line", "0.5", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    lib = equity_table(
        {"now": [0.8, 0.3, 0.1], "with_centre": [0.9, 0.7, 0.6]},
        [1200, 800, 2500],
        poverty_line=0.5,
    )
    assert doc["options"] == lib.rows()
    # the same people from a population file, matched by id
    code, out, err = run(
        "plan", "equity", access, "--value", "now", "--population", PEOPLE, "--format", "csv"
    )
    assert code == 0, err
    row = next(csv.DictReader(io.StringIO(out)))
    assert float(row["gini"]) == pytest.approx(lib.rows()[0]["gini"])
    # an access --json file and a rank column
    code, out, err = run(
        "access", str(FILES / "county.json"), "--population", str(FILES / "villages.csv"),
        "--json",
    )  # fmt: skip
    assert code == 0, err
    path = write(tmp_path, "acc.json", out)
    code, out, err = run(
        "plan", "equity", path, "--population", str(FILES / "villages.csv"), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["options"][0]["option"] == "acc"


def test_equity_bad_input_is_named(tmp_path: Path) -> None:
    values = write(tmp_path, "v.csv", "id,a,people\nx,nan,1\ny,-1,-2\nx,1,1\n")
    code, _, err = run("plan", "equity", values, "--value", "a", "--people-column", "people")
    assert code == 1
    assert "row 2, column a: must be a number of access >= 0, got 'nan'" in err
    assert "row 3, column people: must be a number of people >= 0, got '-2'" in err
    assert "row 4, column id: 'x' twice" in err
    code, _, err = run("plan", "equity", values, "--value", "b")
    assert code == 1
    assert "no column 'b'" in err
    code, _, err = run("plan", "equity", "none.csv", "--value", "a")
    assert code == 1
    assert "file not found" in err
    code, _, err = run("plan", "equity", values)
    assert code == 1
    assert "--value: name the value column(s)" in err
    bad = write(tmp_path, "bad.json", '{"rows": [{"origin": "x", "accessibility": -1}]}')
    code, _, err = run("plan", "equity", bad)
    assert code == 1
    assert "accessibility must be a number >= 0" in err
    other = write(tmp_path, "w.csv", "id,a\nx,1\nz,2\n")
    first = write(tmp_path, "f.csv", "id,a\nx,1\ny,2\n")
    code, _, err = run("plan", "equity", first, other, "--value", "a")
    assert code == 1
    code, _, err = run("plan", "equity", first, "--value", "a", "--poverty-line", "0")
    assert code == 1
    assert "--poverty-line: must be a finite number > 0" in err


def test_partition_leads_from_a_registry(tmp_path: Path) -> None:
    from medalliance import examples
    from medalliance.io import write_json

    reg = examples.load("shanghai_luwan")
    town = "瑞金二路街道"
    institutions = tuple(
        i.replace(region=i.region.replace(township=town)) if i.id == "ruijin" else i
        for i in reg.institutions
    )
    path = tmp_path / "luwan.json"
    write_json(reg.replace(institutions=institutions), path)
    units = write(tmp_path, "u.csv", "unit,people\n五里桥街道,10\n瑞金二路街道,40\n老西门街道,5\n")
    adj = write(
        tmp_path, "a.csv", "unit,neighbour\n五里桥街道,瑞金二路街道\n瑞金二路街道,老西门街道\n"
    )
    code, out, err = run(
        "plan", "partition", "--units", units, "--adjacency", adj, "--registry", str(path),
        "--json",
    )  # fmt: skip
    assert code == 0, err
    assert [g["lead"] for g in json.loads(out)["groups"]] == [town]
    code, _, err = run(
        "plan", "partition", "--units", units, "--adjacency", adj, "--registry", "shanghai_luwan"
    )
    assert code == 1
    assert "alliances.luwan_ruijin: its lead 'ruijin' has no township" in err
    code, _, err = run("plan", "partition", "--units", units, "--adjacency", adj, "--as-of", "2020")
    assert code == 1
    assert "--as-of: applies with --registry only" in err

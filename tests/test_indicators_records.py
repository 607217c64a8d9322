"""Record files for the indicators: activity (YAML/JSON, CSV), targets and population."""

from __future__ import annotations

from pathlib import Path

import pytest

from medalliance import examples
from medalliance.errors import MedAllianceError
from medalliance.indicators import IndicatorStatus, default_targets, evaluate_indicators

COUNTY = examples.load("county_township")


def test_read_activity_yaml_and_csv_agree(tmp_path: Path) -> None:
    from medalliance.io.records import read_activity, read_activity_csv

    (tmp_path / "a.yaml").write_text(
        "referrals:\n"
        "  - {period: '2017', origin: county_hospital, destination: township_centre, count: 45}\n"
        "  - {period: '2018', origin: county_hospital, destination: township_centre, count: 55}\n"
        "care:\n"
        "  - {period: '2018', kind: 门急诊, institution: township_centre, count: 70}\n",
        encoding="utf-8",
    )
    (tmp_path / "referrals.csv").write_text(
        "period,origin,destination,count\n"
        "2017,county_hospital,township_centre,45\n"
        "2018,county_hospital,township_centre,55\n",
        encoding="utf-8",
    )
    (tmp_path / "care.csv").write_text(
        "period,kind,institution,county,resident_county,count\n2018,门急诊,township_centre,,,70\n",
        encoding="utf-8",
    )
    from_yaml = read_activity(tmp_path / "a.yaml")
    from_csv = read_activity_csv(care=tmp_path / "care.csv", referrals=tmp_path / "referrals.csv")
    assert from_yaml == from_csv
    r = evaluate_indicators(COUNTY, from_csv, period="2018", previous_period="2017")
    assert r.result("down_referral_growth").status is IndicatorStatus.MET


def test_record_files_report_every_problem(tmp_path: Path) -> None:
    from medalliance.io.records import read_activity, read_activity_csv, read_targets

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "period,origin,destination,count\n1,a,b,many\n1,a,a,2\n1,a,b,3,extra\n", encoding="utf-8"
    )
    with pytest.raises(MedAllianceError) as exc:
        read_activity_csv(referrals=bad)
    assert exc.value.source == str(bad)
    # every problem, in row order, at its row and column as the file shows them
    assert [p.render() for p in exc.value.problems] == [
        "row 2, column count: must be a whole number, got 'many'",
        "row 3, column destination: a referral's destination must differ from its origin",
        "row 4: 5 cells but 4 columns: the row has more cells than the header names",
    ]
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(MedAllianceError, match="expected a mapping"):
        read_activity(listy)
    with pytest.raises(MedAllianceError, match="expected a mapping"):
        read_targets(listy)
    bundled = Path(__file__).parents[1] / "src/medalliance/data/indicator_targets.yaml"
    assert read_targets(bundled) == default_targets()
    wrong = tmp_path / "targets.yaml"
    wrong.write_text(
        "targets:\n  - {code: nope, name_zh: 某, name_en: x, comparison: '>=', value: 1,"
        " by_year: 2020, jurisdiction: 某省, source: s, uncertain: false}\n",
        encoding="utf-8",
    )
    with pytest.raises(MedAllianceError) as exc:
        read_targets(wrong)
    assert exc.value.source == str(wrong)
    assert exc.value.problems[0].render().startswith("targets[0].code: unknown indicator 'nope'")


def test_read_population_csv_json_and_errors(tmp_path: Path) -> None:
    from medalliance.io.records import read_population

    (tmp_path / "p.json").write_text(
        '[{"id": "v1", "people": 1200, "lat": 36.6, "lon": 101.7},'
        ' {"id": "v2", "people": 800.5, "lat": 36.7, "lon": 101.8}]',
        encoding="utf-8",
    )
    (tmp_path / "p.csv").write_text(
        "id,people,lat,lon\nv1,1200,36.6,101.7\nv2,800.5,36.7,101.8\n", encoding="utf-8"
    )
    a, b = read_population(tmp_path / "p.json"), read_population(tmp_path / "p.csv")
    assert a.ids.tolist() == b.ids.tolist() == ["v1", "v2"]
    assert a.people.tolist() == b.people.tolist() == [1200.0, 800.5]
    assert a.lat is not None
    assert b.lat is not None
    assert a.lat.tolist() == b.lat.tolist()
    (tmp_path / "nocoords.csv").write_text("id,people\nv1,3\n", encoding="utf-8")
    assert read_population(tmp_path / "nocoords.csv").lat is None
    (tmp_path / "bad.csv").write_text(
        "id,people,lat,lon,colour\nv1,-1,95,101,red\nv1,2,,101,blue\n", encoding="utf-8"
    )
    with pytest.raises(MedAllianceError) as exc:
        read_population(tmp_path / "bad.csv")
    assert [p.render() for p in exc.value.problems] == [
        "row 1: unknown column(s): colour; expected id (村名), people (人口), lat (纬度), "
        "lon (经度)",
        "row 2, column people: must be >= 0, got -1.0",
        "row 2, column lat: must be a number within ±90 degrees, got 95.0",
        "row 3, column id: duplicate id 'v1'",
        "row 3, column lat: missing",
    ]
    (tmp_path / "bad2.csv").write_text(
        "id,people,lat,lon\nv1,-1,95,101\nv1,2,30,101\n", encoding="utf-8"
    )
    with pytest.raises(MedAllianceError) as exc:
        read_population(tmp_path / "bad2.csv")
    rendered = [p.render() for p in exc.value.problems]
    assert "row 3, column id: duplicate id 'v1'" in rendered
    assert any(r.startswith("row 2, column people: must be >= 0") for r in rendered)
    assert any(r.startswith("row 2, column lat:") for r in rendered)
    (tmp_path / "obj.yaml").write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(MedAllianceError, match="expected a list of points"):
        read_population(tmp_path / "obj.yaml")


def test_read_population_reports_every_problem_at_once(tmp_path: Path) -> None:
    from medalliance.io.records import read_population

    def problems(name: str, text: str) -> list[str]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(MedAllianceError) as exc:
            read_population(tmp_path / name)
        assert exc.value.source == str(tmp_path / name)
        return [p.render() for p in exc.value.problems]

    # values that are not numbers and the checks of the rest: negative people, duplicate ids,
    # coordinates out of range (a cell already reported is not reported twice)
    assert problems(
        "mixed.csv",
        "id,people,lat,lon\np1,-5,21.6,108.3\np2,10,nan,108.3\np1,20,21.6,108.3\np3,abc,91,200\n",
    ) == [
        "row 2, column people: must be >= 0, got -5.0",
        "row 3, column lat: must be a number, got 'nan'",
        "row 4, column id: duplicate id 'p1'",
        "row 5, column people: must be a number, got 'abc'",
        "row 5, column lat: must be a number within ±90 degrees, got 91.0",
        "row 5, column lon: must be a number within ±180 degrees, got 200.0",
    ]
    assert problems(
        "mixed.yaml",
        "- {id: p1, people: -1, lat: .nan, lon: 108}\n- {id: p1, people: 5, lat: 21, lon: 108}\n",
    ) == [
        "points[0].people: must be >= 0, got -1.0",
        "points[0].lat: must be a finite number, got nan",
        "points[1].id: duplicate id 'p1'",
    ]
    # some points with coordinates, some without: the missing ones are named, not all dropped
    assert problems("partial.csv", "id,people,lat,lon\np1,1,21,108\np2,2,,\n") == [
        "row 3, column lat: missing",
        "row 3, column lon: missing",
    ]
    assert problems(
        "partial.json",
        '[{"id": "p1", "people": 1, "lat": 21, "lon": 108}, {"id": "p2", "people": 2}]',
    ) == ["points[1].lat: missing", "points[1].lon: missing"]
    # header problems once, not on every row
    assert problems("misspelt.csv", "id,populace,lat\np1,100,21.6\np2,5,21\n") == [
        "row 1: unknown column(s): populace; expected id (村名), people (人口), lat (纬度), "
        "lon (经度)",
        "row 1: missing column(s): people (人口), lon (经度)",
    ]
    # a row with too many cells keeps the numbers of the rows after it
    extra = problems("extra.csv", "id,people\np1,1,x\np1,-2\n")
    assert extra == [
        "row 2: 3 cells but 2 columns: the row has more cells than the header names",
        "row 3, column id: duplicate id 'p1'",
        "row 3, column people: must be >= 0, got -2.0",
    ]
    assert problems("empty.csv", "") == [
        "<root>: empty file: expected a header line id,people[,lat,lon] (or 村名,人口[,纬度,经度])"
    ]
    # a header alone is an empty population, with coordinates when it names them
    (tmp_path / "header.csv").write_text("id,people,lat,lon\n", encoding="utf-8")
    none = read_population(tmp_path / "header.csv")
    assert len(none) == 0
    assert none.has_coordinates

"""Command line (issue 12): validate NAME and its summary, FHIR Bundles in, list's sources,
coverage's travel options, and the indicators and access commands."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from medalliance import examples, synthetic, write_json
from medalliance.cli import main
from medalliance.cli._load import READERS, load_registry
from medalliance.io.fhir import to_fhir


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# -- validate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "report", "export"])
def test_every_reading_command_takes_a_bundled_name(command: str) -> None:
    extra = ["--format", "json"] if command == "export" else []
    code, out, err = run(command, "gangkou", *extra)
    assert code == 0, err
    assert "file not found" not in err
    if command == "validate":
        assert out.startswith("bundled example 'gangkou': valid (5 institutions, 1 alliance")


def test_validate_unknown_name_suggests_the_closest() -> None:
    code, _, err = run("validate", "gangkuo")
    assert code == 1
    assert "'gangkuo' is neither a bundled example nor a file; did you mean 'gangkou'?" in err
    assert "unknown file type" not in err


def _many_findings(tmp_path: Path) -> Path:
    """Benxi's alliance three times over: nine findings of one kind."""
    from medalliance.io import registry_to_dict

    data = registry_to_dict(examples.load("benxi_central"))
    [alliance] = data["alliances"]
    data["alliances"] = [{**alliance, "id": f"{alliance['id']}_{n}"} for n in range(3)]
    data["agreements"] = [{**g, "alliance": f"{alliance['id']}_0"} for g in data["agreements"]]
    path = tmp_path / "benxi3.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_summarises_findings_by_kind(tmp_path: Path) -> None:
    path = str(_many_findings(tmp_path))
    code, out, _ = run("validate", path, "--json")
    assert code == 0
    assert json.loads(out)["finding_counts"] == {"declared_exceeds_listed": 9}
    code, summary, _ = run("validate", path)
    assert code == 0
    assert summary.splitlines()[1:] == [
        "9 findings: declared_exceeds_listed 9",
        "  declared_exceeds_listed (9):",
        *[line for line in summary.splitlines() if line.startswith("    [info]")],
        "    ... and 6 more",
        "(the first 3 of each kind; --all lists every finding)",
    ]
    assert sum(line.startswith("    [info]") for line in summary.splitlines()) == 3
    code, full, _ = run("validate", path, "--all")
    assert code == 0
    assert sum(line.startswith("    [info]") for line in full.splitlines()) == 9
    assert "more" not in full
    # a few findings are listed as they come
    code, few, _ = run("validate", "benxi_central")
    assert code == 0
    assert [line[:9] for line in few.splitlines()[1:]] == ["  [info] "] * 3


def test_validate_summary_of_a_large_registry_is_short(tmp_path: Path) -> None:
    from medalliance.cli._validate import print_findings
    from medalliance.model.checks import Finding

    found = [
        Finding(code=f"kind{n % 3}", severity="info", subject=f"a{n}", message="declared")
        for n in range(8074)
    ]
    out = io.StringIO()
    print_findings(found, out, shown=3)
    lines = out.getvalue().splitlines()
    assert lines[0] == "8,074 findings: kind0 2692 · kind1 2691 · kind2 2691"
    assert len(lines) == 1 + 3 * (1 + 3 + 1) + 1
    out = io.StringIO()
    print_findings(found, out, shown=None)
    assert len(out.getvalue().splitlines()) == 1 + 3 + 8074


def test_validate_quiet_prints_nothing(tmp_path: Path) -> None:
    assert run("validate", "gangkou", "--quiet") == (0, "", "")
    bad = tmp_path / "bad.yaml"
    bad.write_text("institutions: [{id: x}]\n", encoding="utf-8")
    assert run("validate", str(bad), "-q") == (1, "", "")
    code, _, err = run("validate", "gangkou", "--quiet", "--json")
    assert code == 2
    assert "not allowed with" in err


# -- FHIR Bundles in --------------------------------------------------------------------------


def _bundle(tmp_path: Path, name: str = "xuzhou_mch", version: str = "R5") -> Path:
    path = tmp_path / f"{name}.fhir.json"
    bundle = to_fhir(examples.load(name), version=version)  # type: ignore[arg-type]
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("version", ["R5", "R4B"])
def test_a_fhir_bundle_is_read_by_validate_report_and_export(tmp_path: Path, version: str) -> None:
    path = _bundle(tmp_path, version=version)
    reg, origin = load_registry(str(path))
    assert reg == examples.load("xuzhou_mch")
    assert origin == str(path)
    code, out, err = run("validate", str(path))
    assert code == 0, err
    assert out.startswith(f"{path}: valid (7 institutions")
    code, out, _ = run("report", str(path))
    assert code == 0
    assert "徐州市妇幼健康服务联合体" in out
    code, out, _ = run("export", str(path), "--format", "json")
    assert code == 0
    assert out == run("export", "xuzhou_mch", "--format", "json")[1]


def test_a_broken_fhir_bundle_is_reported_with_its_file(tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entry"][0]["resource"]["resourceType"] = "Patient"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run("validate", str(path))
    assert code == 1
    assert f"in {path}:" in err
    assert "entry[0]" in err
    assert "Traceback" not in err


def test_a_fhir_resource_that_is_not_a_bundle_is_named(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    path.write_text('{"resourceType": "Organization", "id": "x"}', encoding="utf-8")
    code, _, err = run("validate", str(path))
    assert code == 1
    assert "resourceType: a FHIR 'Organization' resource, not a Bundle" in err


def test_unknown_file_type_lists_the_readers_table(tmp_path: Path) -> None:
    sheet = tmp_path / "sites.xls"
    sheet.write_bytes(b"PK")
    code, _, err = run("validate", str(sheet))
    assert code == 1
    assert "unknown file type '.xls'; use .json, .yaml, .yml, .graphml, .xlsx or .csv" in err
    assert "file not found" not in err
    assert set(READERS) == {".json", ".yaml", ".yml", ".graphml", ".xlsx", ".csv"}


# -- list and coverage ------------------------------------------------------------------------


def test_list_shows_the_source_articles_not_seed_files() -> None:
    code, out, _ = run("list")
    assert code == 0
    assert ".txt" not in out
    assert "http://www.mcys1996.com/jiankang/131222.html" in out
    assert "覆盖全省超千万老年人 浙江省老年病专科联盟暨高水平医联体成立" in out
    assert "published: 2017-06-25" in out
    code, out, _ = run("list", "--json")
    entries = json.loads(out)
    zhejiang = next(e for e in entries if e["name"] == "zhejiang_geriatric")
    assert zhejiang["sources"][0]["published"] == "2017-06-25"
    assert all("source_files" not in e for e in entries)


@pytest.mark.parametrize("option", [["--cutoff-min", "10"], ["--speed-kmh", "40"]])
def test_coverage_travel_options_without_population_are_an_error(option: list[str]) -> None:
    code, out, err = run("coverage", "gangkou", *option)
    assert code == 1
    assert out == ""
    assert f"{option[0]}: applies only with --population FILE" in err


# -- indicators -------------------------------------------------------------------------------

ACTIVITY = (
    "referrals:\n"
    "  - {period: '2017', origin: county_hospital, destination: township_centre, count: 45}\n"
    "  - {period: '2018', origin: county_hospital, destination: township_centre, count: 55}\n"
    "care:\n"
    "  - {period: '2018', kind: visit, institution: township_centre, count: 700}\n"
    "  - {period: '2018', kind: visit, institution: county_hospital, count: 300}\n"
)


def test_indicators_table_and_json(tmp_path: Path) -> None:
    activity = tmp_path / "activity.yaml"
    activity.write_text(ACTIVITY, encoding="utf-8")
    args = ["indicators", "county_township", "--activity", str(activity), "--period", "2018"]
    code, out, err = run(*args, "--previous-period", "2017")
    assert code == 0, err
    assert "indicators for period 2018 (growth against 2017)" in out
    row = next(line for line in out.splitlines() if line.startswith("  down_referral_growth"))
    assert "22.2%" in row
    assert "met" in row
    assert "grassroots_visit_share" in out
    assert "70.0%" in out
    code, out, _ = run(*args, "--previous-period", "2017", "--json")
    doc = json.loads(out)
    growth = next(r for r in doc["results"] if r["code"] == "down_referral_growth")
    assert round(growth["value"], 3) == 0.222
    assert growth["status"] == "met"
    assert doc["period"] == "2018"


def test_indicators_reads_csv_records_and_a_targets_file(tmp_path: Path) -> None:
    referrals = tmp_path / "referrals.csv"
    referrals.write_text(
        "period,origin,destination,count\n"
        "2017,county_hospital,township_centre,45\n2018,county_hospital,township_centre,55\n",
        encoding="utf-8",
    )
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  - {code: down_referral_growth, name_zh: 下转增长率, name_en: growth,"
        " comparison: '>=', value: 0.5, by_year: 2030, jurisdiction: test, source: a test,"
        " uncertain: false}\n",
        encoding="utf-8",
    )
    code, out, err = run(
        "indicators", "county_township", "--referrals", str(referrals), "--period", "2018",
        "--previous-period", "2017", "--targets", str(targets), "--json",
    )  # fmt: skip
    assert code == 0, err
    growth = next(r for r in json.loads(out)["results"] if r["code"] == "down_referral_growth")
    assert growth["status"] == "not_met"
    assert growth["target"] == ">= 0.5 by 2030"


def test_indicators_bad_input_names_every_problem(tmp_path: Path) -> None:
    code, _, err = run("indicators", "county_township", "--period", "2018")
    assert code == 1
    assert "--activity: required" in err
    activity = tmp_path / "activity.yaml"
    activity.write_text(ACTIVITY.replace("count: 45", "count: -45"), encoding="utf-8")
    code, _, err = run("indicators", "county_township", "--activity", str(activity),
                       "--period", "2018", "--referrals", str(activity))  # fmt: skip
    assert code == 1
    assert "give --activity or --referrals, not both" in err
    code, _, err = run("indicators", "county_township", "--activity", str(activity),
                       "--period", "2018")  # fmt: skip
    assert code == 1
    assert f"in {activity}" in err
    assert "referrals[0].count" in err


# -- access -----------------------------------------------------------------------------------


@pytest.fixture
def county(tmp_path: Path) -> tuple[Path, Path]:
    """A small synthetic county and its villages' people at their clinics' coordinates."""
    reg = synthetic.county(seed=0, townships=2, villages_per_township=2)
    path = tmp_path / "county.json"
    write_json(reg, path)
    villages = [i for i in reg.institutions if i.tier.value == "village"]
    population = tmp_path / "villages.csv"
    population.write_text(
        "id,people,lat,lon\n"
        + "".join(f"{v.id}-p,{v.population_served},{v.lat},{v.lon}\n" for v in villages),
        encoding="utf-8",
    )
    return path, population


def test_access_2sfca_from_coordinates(county: tuple[Path, Path]) -> None:
    from medalliance import read_json
    from medalliance.accessibility import (
        costs_from_coordinates,
        supply_from_registry,
        two_step_fca,
    )
    from medalliance.io import read_population

    registry, population = county
    code, out, err = run("access", str(registry), "--population", str(population), "--json")
    assert code == 0, err
    doc = json.loads(out)
    pop = read_population(population)
    supply = supply_from_registry(read_json(registry), skip_missing=True)
    costs = costs_from_coordinates(pop, supply, speed_kmh=30, cutoff_min=30)
    expected = two_step_fca(costs, pop, supply).rows()
    assert doc["rows"] == expected
    assert doc["measure"] == "2sfca"
    assert doc["left_out_institutions"] == list(supply.skipped)
    code, out, _ = run("access", str(registry), "--population", str(population))
    assert code == 0
    assert "2sfca: 8 population points" in out
    assert "per 1,000 people" in out
    assert "left out: 8 institutions without beds or coordinates: k-c00s00," in out


@pytest.mark.parametrize(
    ("measure", "extra"),
    [
        ("e2sfca", []),
        ("3sfca", ["--decay", "gaussian:10"]),
        ("gravity", ["--decay", "power:1.5"]),
        ("nearest", ["--tier", "primary"]),
        ("within", ["--cutoff-min", "10", "--kind", "乡镇卫生院"]),
    ],
)
def test_access_measures(county: tuple[Path, Path], measure: str, extra: list[str]) -> None:
    registry, population = county
    args = ["access", str(registry), "--population", str(population), "--measure", measure]
    code, out, err = run(*args, *extra)
    assert code == 0, err
    assert out.splitlines()[1].startswith(f"{measure}: 8 population points")
    code, out, err = run(*args, *extra, "--json")
    assert code == 0, err
    assert len(json.loads(out)["rows"]) == 8


def test_access_within_reports_the_share(county: tuple[Path, Path]) -> None:
    registry, population = county
    _, out, _ = run(
        "access", str(registry), "--population", str(population), "--measure", "within", "--json"
    )
    doc = json.loads(out)
    assert doc["cutoff_min"] == 15
    assert 0 <= doc["share"] <= 1
    assert doc["total_people"] == sum(r["people"] for r in doc["rows"])


def test_access_from_a_cost_table(tmp_path: Path) -> None:
    population = tmp_path / "people.csv"
    population.write_text("id,people\nv1,1000\nv2,3000\n", encoding="utf-8")
    costs = tmp_path / "costs.csv"
    costs.write_text(
        "origin,site,cost_min\nv1,township_centre,12\nv2,township_centre,25\n"
        "v2,county_hospital,40\n",
        encoding="utf-8",
    )
    code, out, err = run(
        "access", "county_township", "--population", str(population), "--costs", str(costs),
        "--measure", "nearest", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rows"] == [
        {"origin": "v1", "site": "township_centre", "cost": 12.0},
        {"origin": "v2", "site": "township_centre", "cost": 25.0},
    ]
    assert doc["left_out_cost_rows"] == 0  # county_hospital at 40 min: beyond the 30-min cutoff
    code, out, err = run(
        "access", "county_township", "--population", str(population), "--costs", str(costs),
        "--measure", "within", "--cutoff-min", "15",
    )  # fmt: skip
    assert code == 0, err
    assert "covered: 1000 of 4000 people (25.0%) within 15 min" in out


def test_access_bad_input_names_every_problem(tmp_path: Path) -> None:
    population = tmp_path / "people.csv"
    population.write_text("id,people\nv1,1000\n", encoding="utf-8")
    costs = tmp_path / "costs.csv"
    costs.write_text(
        "origin,site,cost_min\nv9,township_centre,12\nv1,mars,5\nv1,township_centre,x\n",
        encoding="utf-8",
    )
    base = ["access", "county_township", "--population", str(population)]
    code, _, err = run(*base, "--costs", str(costs), "--measure", "nearest")
    assert code == 1
    assert "row 4, column cost_min: must be a number of minutes >= 0, got 'x'" in err
    costs.write_text("origin,site,cost_min\nv9,township_centre,12\nv1,mars,5\n", encoding="utf-8")
    code, _, err = run(*base, "--costs", str(costs), "--measure", "nearest")
    assert code == 1
    assert "row 2: origin 'v9' is no population point" in err
    assert "row 3: site 'mars' is no institution of the registry" in err
    code, _, err = run(*base, "--costs", str(costs), "--speed-kmh", "40", "--decay", "power:1")
    assert code == 1
    assert "--speed-kmh: applies to travel times from coordinates, not with --costs" in err
    assert "--decay: applies to gravity, 3sfca and e2sfca, not 2sfca" in err
    code, _, err = run(*base, "--measure", "gravity")
    assert code == 1
    assert "--decay: required for gravity" in err
    code, _, err = run(*base, "--measure", "gravity", "--decay", "cauchy:3")
    assert "unknown decay 'cauchy:3'" in err
    code, _, err = run(*base, "--measure", "e2sfca", "--decay", "zones:10=one")
    assert "--decay: 'zones:10=one': not a number" in err
    code, _, err = run(*base, "--measure", "nearest")  # no coordinates in the example
    assert code == 1
    assert "no institution is a site: none of those selected has coordinates" in err

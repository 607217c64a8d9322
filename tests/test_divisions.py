"""Dated administrative division codes: the table, ``as_of`` against a naive oracle, the date
checks, the indicators' county matching and the files; and ``history.indicator_panel``."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from medalliance import Division, MedAllianceError, Registry, examples
from medalliance.checks import check_registry
from medalliance.graph import from_graph, to_graph
from medalliance.history import indicator_panel
from medalliance.indicators import Activity, evaluate_indicators
from medalliance.io import graph_for_graphml, graph_from_graphml
from medalliance.model.divisions import bundled_divisions
from strategies import dates, registries_with_divisions

# -- the naive oracle: a region's division on a day, written without model.divisions ----------


def _holds(first: dt.date | None, last: dt.date | None, day: dt.date) -> bool:
    return not (first is not None and day < first) and not (last is not None and day > last)


def _region_oracle(reg: Registry, region: Any, day: dt.date) -> tuple[Any, Any]:
    own = {d.code for d in reg.divisions}
    table = [d for d in bundled_divisions() if d.code not in own] + list(reg.divisions)
    if region.division_code is not None and region.township is None:
        start = [d for d in table if d.code == region.division_code]
    else:
        start = [
            d
            for d in table
            if d.level == "county"
            and (d.province, d.city, d.name) == (region.province, region.city, region.county)
        ]
    if not start:
        return region.county, region.division_code
    code = start[0].code
    found = None
    for _ in range(len(table) + 1):
        records = [d for d in table if d.code == code]
        now = [d for d in records if _holds(d.valid_from, d.valid_until, day)]
        if now:
            found = now[0]
            break
        ended = [d for d in records if d.valid_until is not None and d.valid_until < day]
        if not ended or ended[-1].successor is None:
            break
        code = ended[-1].successor
    if found is None or found.code == start[0].code:
        return region.county, region.division_code
    county_level = region.division_code is not None and region.township is None
    return found.name, found.code if county_level else region.division_code


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries_with_divisions(), day=dates)
def test_as_of_shows_the_division_of_the_day_like_the_naive_oracle(
    reg: Registry, day: dt.date
) -> None:
    view = reg.as_of(day)
    for i in view.institutions:
        stored = reg.institution(i.id).region
        assert (i.region.county, i.region.division_code) == _region_oracle(reg, stored, day)
    for a in view.alliances:
        stored = reg.alliance(a.id).region
        assert (a.region.county, a.region.division_code) == _region_oracle(reg, stored, day)
    assert view.as_of(day) == view  # idempotent
    assert Registry.model_validate(view.model_dump()) == view


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries_with_divisions(), day=dates)
def test_a_division_record_after_the_day_never_changes_the_view(
    reg: Registry, day: dt.date
) -> None:
    (last,) = [d for d in reg.divisions if d.valid_until is None]  # the chain's current end
    until = max(day, last.valid_from or day) + dt.timedelta(days=10)
    extra = Division(
        code="999999", name="后设区", level="county", valid_from=until + dt.timedelta(days=1)
    )
    ended = last.replace(valid_until=until, successor="999999")
    bigger = reg.replace(divisions=[*(d for d in reg.divisions if d is not last), ended, extra])
    assert _regions(bigger.as_of(day)) == _regions(reg.as_of(day))


def _regions(view: Registry) -> list[Any]:
    return [(i.id, i.region) for i in view.institutions] + [
        (a.id, a.region) for a in view.alliances
    ]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries_with_divisions())
def test_divisions_round_trip_through_json_and_graphml(reg: Registry) -> None:
    from medalliance.io import registry_to_json
    from medalliance.io._json_load import fast_registry_from_json

    assert Registry.model_validate_json(reg.model_dump_json()) == reg
    assert fast_registry_from_json(registry_to_json(reg), schema_version=1) == reg
    assert from_graph(graph_from_graphml(graph_for_graphml(to_graph(reg)))) == reg


def test_luwan_shows_its_code_before_the_merger_and_huangpu_after() -> None:
    reg = examples.load("shanghai_luwan")
    before, after = reg.as_of("2011-01-28"), reg.as_of("2012-01-01")
    assert before.institution("ruijin").region.division_code == "310103"
    assert before.institution("ruijin").region.county == "卢湾区"
    assert after.institution("ruijin").region.division_code == "310101"
    assert after.institution("ruijin").region.county == "黄浦区"
    assert after.institution("wuliqiao_chc").region.county == "黄浦区"  # matched by name
    assert after.institution("wuliqiao_chc").region.division_code is None
    assert after.alliance("luwan_ruijin").region.county == "黄浦区"
    assert reg.institution("ruijin").region.division_code == "310103"  # stored as recorded
    luwan = next(d for d in bundled_divisions() if d.code == "310103")
    assert luwan.uncertain
    assert luwan.successor == "310101"
    assert luwan.quote


def test_a_registry_table_replaces_the_bundled_records_of_its_codes() -> None:
    reg = examples.load("shanghai_luwan")
    own = reg.replace(
        divisions=[{"code": "310103", "name": "卢湾区", "level": "county", "province": "上海市"}]
    )
    assert own.as_of("2020-01-01").institution("ruijin").region.county == "卢湾区"
    assert own.subset(["luwan_ruijin"]).divisions == own.divisions  # a subset keeps the table
    assert own.as_of("2020-01-01").divisions == own.divisions


def test_every_division_problem_is_listed_with_its_path() -> None:
    data = examples.load("shanghai_luwan").model_dump(mode="json")
    data["divisions"] = [
        {"code": "31010", "name": "甲", "level": "county"},
        {
            "code": "110001",
            "name": "乙",
            "level": "county",
            "valid_from": "2010-01-01",
            "valid_until": "2009-01-01",
        },
        {"code": "110002", "name": "丙", "level": "district"},
    ]
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = "\n".join(p.render() for p in info.value.problems)
    assert "divisions[0].code: String should match pattern" in rendered, rendered
    assert "divisions[1].valid_until: valid_until (2009-01-01) before valid_from" in rendered
    assert "divisions[2].level" in rendered


def test_unknown_successors_and_cycles_are_errors() -> None:
    data = examples.load("shanghai_luwan").model_dump(mode="json")
    data["divisions"] = [
        {"code": "110001", "name": "甲", "level": "county", "valid_until": "2000-01-01",
         "successor": "110002"},
        {"code": "110002", "name": "乙", "level": "county", "valid_until": "2001-01-01",
         "successor": "110001"},
        {"code": "110003", "name": "丙", "level": "county", "valid_until": "2001-01-01",
         "successor": "120000"},
        {"code": "110003", "name": "丙", "level": "county", "valid_from": "2000-06-01"},
    ]  # fmt: skip
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = "\n".join(p.render() for p in info.value.problems)
    assert "successors form a cycle: 110001 -> 110002 -> 110001" in rendered, rendered
    assert "divisions[2].successor: unknown successor code '120000'" in rendered
    assert "code 110003 has two records in force on the same days" in rendered
    # and with an invalid institution beside them, still every problem at once
    data["institutions"][0]["beds"] = -1
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = "\n".join(p.render() for p in info.value.problems)
    assert "unknown successor code '120000'" in rendered
    assert "beds" in rendered


def test_date_checks_report_codes_outside_their_validity_and_unknown_codes() -> None:
    reg = examples.load("shanghai_luwan")
    codes = [f.code for f in check_registry(reg, today=dt.date(2024, 1, 1))]
    assert codes == ["division_expired"]  # one finding for the division, naming its records
    assert not check_registry(reg, today=dt.date(2011, 1, 28))
    own = reg.replace(
        divisions=[
            {"code": "310103", "name": "卢湾区", "level": "county", "province": "上海市",
             "valid_from": "2012-01-01"},
        ],
        institutions=[
            *reg.institutions[1:],
            reg.institutions[0].replace(
                region={"province": "上海市", "county": "某区", "division_code": "310104"}
            ),
        ],
    )  # fmt: skip
    found = {(f.code, f.severity.value) for f in check_registry(own, today=dt.date(2011, 1, 28))}
    assert ("division_not_started", "warning") in found
    assert ("division_unknown", "warning") in found
    wrong = reg.replace(
        institutions=[
            *reg.institutions[1:],
            reg.institutions[0].replace(
                region={"province": "上海市", "county": "静安区", "division_code": "310103"}
            ),
        ]
    )
    assert "division_name_mismatch" in {f.code for f in check_registry(wrong, today=None)}


def _residents_activity() -> Activity:
    """2010 care of residents coded 310103 (卢湾区) at the district's hospitals."""
    mine = {"period": "2010", "resident_county_code": "310103"}
    return Activity(
        care=[
            {**mine, "kind": "visit", "institution": "ruijin", "count": 60},
            {**mine, "kind": "visit", "institution": "wuliqiao_chc", "count": 30},
            {**mine, "kind": "visit", "county_code": "310104", "count": 10},
        ]
    )


def test_indicators_read_an_old_code_and_its_successor_as_one_county() -> None:
    reg, act = examples.load("shanghai_luwan"), _residents_activity()
    for code, day in (
        ("310101", None),  # no day: every code at its latest, 310103 -> 310101
        ("310103", None),
        ("310103", "2010-12-31"),  # on a day before the merger: 310103 itself
        ("310101", "2012-12-31"),
    ):
        report = evaluate_indicators(reg, act, period="2010", county_code=code, as_of=day)
        rate = report.result("within_county_care_rate")
        assert rate.value == pytest.approx(0.9), (code, day)
    for day, code in (("2010-12-31", "310101"), ("2010-12-31", "310103"), ("2012-01-01", "310103")):
        on_view = evaluate_indicators(reg.as_of(day), act, period="2010", county_code=code)
        assert on_view == evaluate_indicators(reg, act, period="2010", county_code=code, as_of=day)
    report = evaluate_indicators(reg, act, period="2010", county_code="310103")
    assert (report.county, report.county_code) == ("黄浦区", "310101")
    # before the merger 310101 is another county: none of these residents live there
    old = evaluate_indicators(reg, act, period="2010", county_code="310101", as_of="2010-12-31")
    assert old.result("within_county_care_rate").value is None
    # a record naming the old code at an institution now read as 310101 is no contradiction
    at = Activity(care=[{"period": "2010", "kind": "visit", "institution": "ruijin",
                         "county": "卢湾区", "county_code": "310103", "count": 1}])  # fmt: skip
    evaluate_indicators(reg, at, period="2010")


def _township_activity() -> Activity:
    """The seed's down-referrals: 55 in 2018, 22% more than the year before (so 45 in 2017)."""
    down = {"origin": "county_hospital", "destination": "township_centre"}
    return Activity(
        referrals=[{**down, "period": "2017", "count": 45}, {**down, "period": "2018", "count": 55}]
    )


def test_indicator_panel_is_evaluate_indicators_on_each_day() -> None:
    reg, act = examples.load("county_township"), _township_activity()
    periods: dict[str, dt.date | str] = {"2017": "2017-12-31", "2018": dt.date(2018, 12, 31)}
    p = indicator_panel(reg, act, periods, measures=["in_force", "members"])
    rows = p.rows()
    for (label, day), previous in zip(periods.items(), (None, "2017"), strict=True):
        report = evaluate_indicators(reg.as_of(day), act, period=label, previous_period=previous)
        for r in report.results:
            (row,) = [x for x in rows if x["period"] == label and x["measure"] == r.code]
            assert row["alliance"] == ""
            assert row["status"] == r.status.value
            assert row["reason"] == r.reason
            if r.value is None:
                assert math.isnan(row["value"])
            else:
                assert row["value"] == r.value
    growth = [x for x in rows if x["measure"] == "down_referral_growth"]
    assert [round(x["value"], 3) for x in growth][1] == 0.222
    in_force = [(x["period"], x["value"]) for x in rows if x["measure"] == "in_force"]
    assert in_force == [("2017", 0), ("2018", 1)]
    assert all(x["status"] == "computed" for x in rows if x["measure"] == "members")
    frame = p.to_frame()
    assert set(frame.columns) >= {"date", "period", "alliance", "measure", "value", "status"}


def test_indicator_panel_lists_every_bad_period() -> None:
    reg, act = examples.load("county_township"), _township_activity()
    with pytest.raises(MedAllianceError) as info:
        indicator_panel(reg, act, {"2017": "someday", "2018": "2018-12-31", " ": "2019-01-01",
                                   "2019": "2018-12-31"})  # fmt: skip
    paths = {p.path for p in info.value.problems}
    assert ("periods", "2017") in paths
    assert ("periods", "2019") in paths
    assert ("periods", "' '") in paths
    with pytest.raises(MedAllianceError, match="non-empty mapping"):
        indicator_panel(reg, act, {})


def test_every_file_format_carries_the_registry_divisions(tmp_path: Any) -> None:
    pytest.importorskip("pandas")
    from medalliance.io.fhir import from_fhir, to_fhir
    from medalliance.io.sheets import read_sheets, write_sheets
    from medalliance.io.tables import from_frames, to_frames

    reg = examples.load("shanghai_luwan").replace(
        divisions=[
            {"code": "310103", "name": "卢湾区", "level": "county", "province": "上海市",
             "valid_until": "2011-06-30", "successor": "310101", "uncertain": True,
             "source": "某报道", "quote": "两区建制撤销", "note": "日期存疑"},
            {"code": "310101", "name": "黄浦区", "level": "county", "province": "上海市"},
        ]
    )  # fmt: skip
    assert from_frames(to_frames(reg)) == reg
    assert from_fhir(to_fhir(reg)) == reg
    for name, headers in (("en.xlsx", "en"), ("zh.xlsx", "zh"), ("csv", "zh")):
        write_sheets(reg, tmp_path / name, headers=headers)  # type: ignore[arg-type]
        assert read_sheets(tmp_path / name) == reg
    frames = to_frames(reg)
    assert frames.divisions["uncertain"].tolist()[1] == "true"


# -- the panel command ------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str]:
    import io

    from medalliance.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def test_panel_command_prints_the_indicator_panel_and_its_json(tmp_path: Any) -> None:
    import json

    activity = tmp_path / "activity.yaml"
    activity.write_text(
        "referrals:\n"
        "  - {period: '2017', origin: county_hospital, destination: township_centre, count: 45}\n"
        "  - {period: '2018', origin: county_hospital, destination: township_centre, count: 55}\n",
        encoding="utf-8",
    )
    args = ("panel", "county_township", "--activity", str(activity), "--period",
            "2017=2017-12-31", "--period", "2018=2018-12-31")  # fmt: skip
    code, text = _cli(*args, "--measure", "members")
    assert code == 0, text
    assert "(area)" in text
    assert "down_referral_growth" in text
    code, text = _cli(*args, "--json")
    rows = json.loads(text)["rows"]
    growth = [r for r in rows if r["measure"] == "down_referral_growth"]
    assert [r["value"] is None for r in growth] == [True, False]
    assert growth[0]["status"] == "not_computable"
    assert growth[0]["reason"]


def test_panel_command_reports_every_misuse() -> None:
    code, text = _cli("panel", "qinghai_oncology")
    assert code != 0
    assert "--day DATE" in text
    code, text = _cli("panel", "qinghai_oncology", "--day", "2018-12-31", "--county", "x",
                      "--county-code", "630100")  # fmt: skip
    assert code != 0
    assert "--county: applies only with --period" in text
    assert "--county-code: applies only with --period" in text
    code, text = _cli("panel", "county_township", "--period", "2017", "--period", "=2018",
                      "--referrals", "nothing.csv")  # fmt: skip
    assert code != 0
    assert "expected P=DATE, got '2017'" in text
    assert "expected P=DATE, got '=2018'" in text
    code, text = _cli("panel", "qinghai_oncology", "--day", "2018-12-31", "--measure", "beds")
    assert code != 0
    assert "unknown measure 'beds'" in text


def test_timeline_and_diff_name_the_district_merger() -> None:
    """卢湾区 → 黄浦区: the timeline dates it on 卢湾区's last day, diff shows it across it."""
    import datetime as dt

    from medalliance import examples
    from medalliance.history import diff, timeline

    reg = examples.load("shanghai_luwan")
    events = [e for e in timeline(reg).events if e.kind == "division_changed"]
    assert events
    assert {e.date for e in events} == {dt.date(2011, 6, 7)}
    assert {e.detail for e in events} == {"310103 卢湾区 → 310101 黄浦区"}
    changed = diff(reg, "2010-12-31", "2012-12-31").differences
    moved = {x.subject: x for x in changed if x.kind == "institution_region_changed"}
    assert set(moved) == {e.subject for e in events}
    assert all("卢湾区" in (x.before or "") and "黄浦区" in (x.after or "") for x in moved.values())
    # on either side of the merger alone nothing moves
    for a, b in (("2010-01-01", "2011-06-07"), ("2011-06-08", "2020-01-01")):
        kinds = {x.kind for x in diff(reg, a, b).differences}
        assert "institution_region_changed" not in kinds

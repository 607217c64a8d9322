"""Official indicators from activity records: formulas, targets as data, never a wrong number."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import Registry, examples, synthetic
from medalliance.errors import MedAllianceError, UnknownIdError
from medalliance.indicators import (
    INDICATORS,
    Activity,
    IndicatorStatus,
    IndicatorTarget,
    IndicatorTargets,
    default_targets,
    evaluate_indicators,
)
from strategies import registries

COUNTY = examples.load("county_township")


def referrals(counts: dict[str, int], *, up: dict[str, int] | None = None) -> Activity:
    data: list[dict[str, Any]] = [
        {"period": p, "origin": "county_hospital", "destination": "township_centre", "count": n}
        for p, n in counts.items()
    ]
    data += [
        {"period": p, "origin": "township_centre", "destination": "county_hospital", "count": n}
        for p, n in (up or {}).items()
    ]
    return Activity(referrals=data)


def test_township_example_55_down_referrals_in_2018_up_22_percent_on_2017() -> None:
    # seed 003 (g), written in 2018: "18年以来，患者从县人民医院转入我院人次达到55人次，
    # 较去年同期增长22%" -- 55 is 2018 to date, compared with the same period of 2017
    report = evaluate_indicators(
        COUNTY, referrals({"2017": 45, "2018": 55}), period="2018", previous_period="2017"
    )
    growth = report.result("down_referral_growth")
    assert growth.value is not None
    assert growth.value == pytest.approx(10 / 45)
    assert round(100 * growth.value) == 22
    assert (growth.numerator, growth.denominator) == (55.0, 45.0)
    assert growth.status is IndicatorStatus.MET
    assert growth.target is not None
    assert (growth.target.value, growth.target.by_year) == (0.10, 2017)
    # the article counts 人次 and names nobody: the value counts referrals and says so
    assert growth.counted == "visits"
    assert "not persons" in (growth.note or "")
    assert "counts referrals (人次), not persons" in report.describe()


def test_growth_not_computable_without_a_base() -> None:
    r = evaluate_indicators(COUNTY, referrals({"2018": 55}), period="2018")
    g = r.result("down_referral_growth")
    assert g.status is IndicatorStatus.NOT_COMPUTABLE
    assert g.value is None
    assert "previous period" in (g.reason or "")
    r = evaluate_indicators(
        COUNTY, referrals({"2017": 0, "2018": 55}), period="2018", previous_period="2017"
    )
    g = r.result("down_referral_growth")
    assert g.status is IndicatorStatus.NOT_COMPUTABLE
    assert "undefined" in (g.reason or "")
    slow = evaluate_indicators(
        COUNTY, referrals({"2017": 50, "2018": 52}), period="2018", previous_period="2017"
    ).result("down_referral_growth")
    assert slow.status is IndicatorStatus.NOT_MET


def test_up_down_ratio_and_division_by_zero() -> None:
    r = evaluate_indicators(COUNTY, referrals({"2019": 40}, up={"2019": 100}), period="2019")
    ratio = r.result("up_down_ratio")
    assert ratio.value == 2.5
    assert ratio.status is IndicatorStatus.NO_TARGET  # no official number exists
    none_down = evaluate_indicators(COUNTY, referrals({}, up={"2019": 9}), period="2019")
    assert none_down.result("up_down_ratio").status is IndicatorStatus.NOT_COMPUTABLE


def test_lateral_referrals_are_not_counted() -> None:
    reg = synthetic.county(seed=2, townships=2, villages_per_township=1)
    towns = [i.id for i in reg.institutions if i.kind.value == "township_health_centre"]
    act = Activity(
        referrals=[{"period": "p", "origin": towns[0], "destination": towns[1], "count": 7}]
    )
    r = evaluate_indicators(reg, act, period="p")
    assert r.result("up_down_ratio").reason == (
        "the number of down-referrals (to a lower tier) is 0: the ratio is undefined"
    )


def care(*rows: tuple[str, str | None, int, str | None, str | None]) -> Activity:
    out = []
    for kind, inst, n, county, resident in rows:
        rec: dict[str, Any] = {"period": "2024", "kind": kind, "count": n}
        if inst:
            rec["institution"] = inst
        if county:
            rec["county"] = county
        if resident:
            rec["resident_county"] = resident
        out.append(rec)
    return Activity(care=out)


def county_registry() -> tuple[Registry, str, str, str]:
    reg = synthetic.county(seed=5, townships=2, villages_per_township=1)
    hospital = "k-h"
    town = next(i.id for i in reg.institutions if i.kind.value == "township_health_centre")
    county = reg.institution(hospital).region.county
    assert county is not None
    return reg, hospital, town, county


def test_within_county_rate_needs_out_of_county_records() -> None:
    reg, hospital, town, county = county_registry()
    only_inside = care(
        ("visit", town, 600, None, county), ("admission", hospital, 90, None, county)
    )
    r = evaluate_indicators(reg, only_inside, period="2024", county=county)
    rate = r.result("within_county_care_rate")
    assert rate.status is IndicatorStatus.NOT_COMPUTABLE
    assert (rate.reason or "").startswith("only a numerator")
    assert rate.numerator == 690.0
    # an explicit zero outside the county says none left
    zero_out = care(
        ("visit", town, 600, None, county),
        ("admission", hospital, 90, None, county),
        ("admission", None, 0, "省城区", county),
    )
    r = evaluate_indicators(reg, zero_out, period="2024", county=county)
    assert r.result("within_county_care_rate").value == 1.0
    assert r.result("within_county_inpatient_share").value == 1.0
    both = care(
        ("visit", town, 600, None, county),
        ("visit", None, 100, "省城区", county),
        ("admission", hospital, 90, None, county),
        ("admission", None, 10, "省城区", county),
        ("visit", town, 50, None, "邻县"),  # another county's residents: not in the rate
    )
    r = evaluate_indicators(reg, both, period="2024", county=county)
    assert r.result("within_county_care_rate").value == pytest.approx(690 / 800)
    assert r.result("within_county_care_rate").status is IndicatorStatus.NOT_MET
    inpatient = r.result("within_county_inpatient_share")
    assert inpatient.value == pytest.approx(0.9)
    # no official number: the 90% of the care rate is not borrowed (never met / not met)
    assert inpatient.status is IndicatorStatus.NO_TARGET
    assert inpatient.target is not None
    assert inpatient.target.value is None
    assert inpatient.target.describe() == "no official target"
    # grassroots share counts care delivered in the county, whoever the residents are
    share = r.result("grassroots_visit_share")
    assert share.value == pytest.approx(650 / 650)
    nowhere = evaluate_indicators(reg, both, period="2024")
    assert nowhere.result("within_county_care_rate").reason == (
        "needs a county (evaluate_indicators(..., county=...))"
    )
    # without a county the visit outside the registry cannot be classified
    assert nowhere.result("grassroots_visit_share").status is IndicatorStatus.NOT_COMPUTABLE


def test_grassroots_share_and_empty_scope() -> None:
    reg, hospital, town, county = county_registry()
    act = care(("visit", town, 634, None, None), ("visit", hospital, 366, None, None))
    r = evaluate_indicators(reg, act, period="2024", county=county)
    share = r.result("grassroots_visit_share")
    assert share.value == pytest.approx(0.634)  # F1: 63.4% in 2024, below the 65% target
    assert share.status is IndicatorStatus.NOT_MET
    empty = evaluate_indicators(reg, act, period="2023")
    assert empty.result("grassroots_visit_share").reason == "no visit (门急诊) records in scope"
    zero = evaluate_indicators(reg, care(("visit", town, 0, None, None)), period="2024")
    assert zero.result("grassroots_visit_share").status is IndicatorStatus.NOT_COMPUTABLE


def test_expert_postings_per_10k() -> None:
    reg, hospital, town, county = county_registry()
    tcm = "k-tcm"
    act = Activity(
        postings=[
            {"period": "2024", "host": hospital, "site": town, "count": 6},
            {"period": "2024", "host": tcm, "site": town, "count": 2},
            {"period": "2024", "host": town, "site": hospital, "count": 9},  # not to grassroots
            {"period": "2023", "host": hospital, "site": town, "count": 5},
        ],
        residents=[{"period": "2024", "county": county, "count": 400_000}],
    )
    r = evaluate_indicators(reg, act, period="2024", county=county)
    posts = r.result("expert_postings_per_10k")
    assert posts.value == pytest.approx(8 / 40)
    assert (posts.numerator, posts.denominator) == (8.0, 40.0)
    assert posts.status is IndicatorStatus.NO_TARGET
    no_pop = evaluate_indicators(reg, act, period="2024")
    assert no_pop.result("expert_postings_per_10k").status is IndicatorStatus.NOT_COMPUTABLE
    zero = Activity(postings=act.postings, residents=[{"period": "2024", "count": 0}])
    z = evaluate_indicators(reg, zero, period="2024").result("expert_postings_per_10k")
    assert z.reason == "the resident population is 0: the rate is undefined"


def test_targets_are_data_with_sources_and_uncertainty() -> None:
    t = default_targets()
    # every official indicator has an entry; the derived up/down ratio has none
    assert {x.code for x in t.targets} == {d.code for d in INDICATORS if d.official}
    assert all(x.source and x.jurisdiction for x in t.targets)
    # every number carries the year it is to be met by: the 2015 standard's and the 2016
    # family-doctor policy's figures were national targets "by 2017" ("到2017年")
    with_value = {x.code: (x.value, x.by_year) for x in t.targets if x.value is not None}
    assert with_value == {
        "grassroots_visit_share": (0.65, 2017),
        "within_county_care_rate": (0.90, 2017),
        "down_referral_growth": (0.10, 2017),
        "family_doctor_coverage": (0.30, 2017),
    }
    # only the 65%, quoted word for word by two sources, is not uncertain
    certain = {x.code for x in t.targets if not x.uncertain}
    assert certain == {"grassroots_visit_share"}
    assert "到2017年" in t.target("grassroots_visit_share").source  # type: ignore[union-attr]
    raw = yaml.safe_load(
        (Path(__file__).parents[1] / "src/medalliance/data/indicator_targets.yaml").read_text(
            encoding="utf-8"
        )
    )
    assert IndicatorTargets.model_validate(raw) == t
    share = t.target("grassroots_visit_share")
    assert share is not None
    assert share.name_zh == "基层医疗卫生机构诊疗量占总诊疗量比例"
    assert (share.comparison, share.value) == (">=", 0.65)


def test_target_numbers_and_flags_of_another_type_are_rejected_not_converted() -> None:
    base = {
        "code": "up_down_ratio",
        "name_zh": "上下转比",
        "name_en": "ratio",
        "comparison": ">=",
        "by_year": 2025,
        "jurisdiction": "某市",
        "source": "local plan",
        "uncertain": False,
    }
    assert IndicatorTarget.model_validate({**base, "value": 1}).value == 1.0
    for field, bad in (
        ("value", "0.65"),
        ("value", True),
        ("tolerance", "0.1"),
        ("tolerance", True),
        ("uncertain", "yes"),
        ("uncertain", 1),
        ("by_year", "2017"),
        ("by_year", 1800),
        ("jurisdiction", " "),
    ):
        with pytest.raises(MedAllianceError) as info:
            IndicatorTarget.model_validate({**base, "value": 0.5, field: bad})
        assert [p.path for p in info.value.problems] == [(field,)]


def test_custom_targets_and_comparisons() -> None:
    about = IndicatorTarget(
        code="up_down_ratio",
        name_zh="上下转比",
        name_en="ratio",
        comparison="≈",
        value=1.0,
        tolerance=0.5,
        by_year=2025,
        jurisdiction="某市",
        source="local plan",
        uncertain=False,
    )
    r = evaluate_indicators(
        COUNTY, referrals({"2019": 40}, up={"2019": 50}), period="2019", targets=[about]
    )
    assert r.result("up_down_ratio").status is IndicatorStatus.MET
    assert r.result("grassroots_visit_share").target is None
    assert about.met_by(1.6) is False
    at_most = about.replace(comparison="<=", tolerance=0.0)
    assert at_most.met_by(1.0)
    assert not at_most.met_by(1.01)
    assert at_most.describe() == "<= 1 by 2025"
    with pytest.raises(MedAllianceError, match="year it is to be met by"):
        about.replace(by_year=None)
    assert about.replace(value=None, by_year=None).describe() == "no official target"
    with pytest.raises(MedAllianceError, match="tolerance"):
        about.replace(tolerance=0.0)
    with pytest.raises(MedAllianceError, match="unknown indicator"):
        about.replace(code="beds_per_1000")
    with pytest.raises(MedAllianceError, match="second target"):
        IndicatorTargets(targets=(about, about))


def test_bad_records_name_every_problem() -> None:
    act = Activity(
        care=[{"period": "1", "kind": "visit", "institution": "ghost", "count": 1}],
        referrals=[{"period": "1", "origin": "county_hospital", "destination": "x", "count": 1}],
        postings=[{"period": "1", "host": "y", "site": "township_centre", "count": 1}],
    )
    with pytest.raises(UnknownIdError) as exc:
        evaluate_indicators(COUNTY, act, period="1")
    assert [p.render() for p in exc.value.problems] == [
        "care[0].institution: unknown institution 'ghost'",
        "referrals[0].destination: unknown institution 'x'",
        "postings[0].host: unknown institution 'y'",
    ]
    with pytest.raises(MedAllianceError) as exc2:
        Activity(
            care=[
                {"period": "1", "kind": "visit", "count": -1, "county": "a"},
                {"period": "1", "kind": "visit", "count": 1},
            ],
            referrals=[{"period": "1", "origin": "a", "destination": "a", "count": 1}],
        )
    assert [p.render() for p in exc2.value.problems] == [
        "care[0].count: Input should be greater than or equal to 0 (got -1)",
        "care[1].county: give the institution or the county the care was given in",
        "referrals[0].destination: a referral's destination must differ from its origin",
    ]
    reg, hospital, _, _ = county_registry()
    wrong = care(("visit", hospital, 1, "别的县", None))
    with pytest.raises(MedAllianceError, match="contradicts"):
        evaluate_indicators(reg, wrong, period="2024")
    with pytest.raises(MedAllianceError) as exc3:
        evaluate_indicators(reg, "x", period="", county=3)  # type: ignore[arg-type]
    assert len(exc3.value.problems) == 3


def test_report_rows_and_frame() -> None:
    r = evaluate_indicators(
        COUNTY, referrals({"2017": 45, "2018": 55}), period="2018", previous_period="2017"
    )
    assert len(r) == len(INDICATORS)
    assert [x.code for x in r] == [d.code for d in INDICATORS]
    rows = r.rows()
    growth = next(x for x in rows if x["code"] == "down_referral_growth")
    assert growth["status"] == "met"
    assert growth["target"] == ">= 0.1 by 2017"
    assert (growth["target_by_year"], growth["target_jurisdiction"]) == (
        2017,
        "national (分级诊疗试点地区)",
    )
    assert growth["counted"] == "visits"
    ratio = next(x for x in rows if x["code"] == "up_down_ratio")
    assert (ratio["official"], ratio["target"]) == (False, None)
    frame = r.to_frame()
    assert list(frame["code"]) == [d.code for d in INDICATORS]
    with pytest.raises(UnknownIdError):
        r.result("nope")


@st.composite
def activities(draw: st.DrawFn, reg: Registry) -> Activity:
    ids = [i.id for i in reg.institutions]
    periods = st.sampled_from(["p0", "p1"])
    counties = st.sampled_from(["A", "B", "C"])
    care_rows = []
    for _ in range(draw(st.integers(0, 8))):
        rec: dict[str, Any] = {
            "period": draw(periods),
            "kind": draw(st.sampled_from(["visit", "admission"])),
            "count": draw(st.integers(0, 50)),
        }
        if draw(st.booleans()):
            inst = draw(st.sampled_from(ids))
            rec["institution"] = inst
            if reg.institution(inst).region.county is None:
                rec["county"] = draw(counties)
        else:
            rec["county"] = draw(counties)
        if draw(st.booleans()):
            rec["resident_county"] = draw(counties)
        care_rows.append(rec)
    refs = []
    named = draw(st.booleans())  # every record one person's, or none
    if len(ids) >= 2:
        for _ in range(draw(st.integers(0, 8))):
            o, d = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
            ref: dict[str, Any] = {
                "period": draw(periods),
                "origin": o,
                "destination": d,
                "count": draw(st.integers(0, 30)),
            }
            if named:
                ref["person"] = draw(st.sampled_from(["p1", "p2", "p3", "p4"]))
            refs.append(ref)
    return Activity(care=care_rows, referrals=refs)


@settings(max_examples=40)
@given(registries(), st.data())
def test_values_equal_naive_formulas_and_are_never_inf_or_nan(reg: Registry, data: Any) -> None:
    act = data.draw(activities(reg))
    county = data.draw(st.sampled_from([None, "A", "B"]))
    before = act.model_dump()
    report = evaluate_indicators(reg, act, period="p1", previous_period="p0", county=county)
    assert act.model_dump() == before
    for r in report:
        if r.value is None:
            assert r.status is IndicatorStatus.NOT_COMPUTABLE
            assert r.reason
        else:
            assert math.isfinite(r.value)
            assert r.status is not IndicatorStatus.NOT_COMPUTABLE

    def place(c: Any) -> str | None:
        return c.county or reg.institution(c.institution).region.county

    # grassroots share, written plainly
    visits = [c for c in act.care if c.period == "p1" and c.kind.value == "visit"]
    share = report.result("grassroots_visit_share")
    if county is None or all(place(c) is not None for c in visits):
        scope = [c for c in visits if county is None or place(c) == county]
        if scope and all(c.institution for c in scope) and sum(c.count for c in scope):
            g = sum(c.count for c in scope if reg.institution(c.institution).is_grassroots)
            assert share.value == pytest.approx(g / sum(c.count for c in scope))
        else:
            assert share.value is None

    # referral counts, written plainly: the official down-referrals go from a non-grassroots
    # secondary or tertiary institution to a grassroots or nursing/rehabilitation one; persons
    # are counted when every record names one
    persons = bool(act.referrals) and all(r.person for r in act.referrals)

    def tally(records: list[Any]) -> int:
        if persons:
            return len({r.person for r in records if r.count > 0})
        return sum(r.count for r in records)

    def counts(period: str) -> tuple[int, int, int]:
        up, down, official = [], [], []
        for r in act.referrals:
            o, d = reg.institution(r.origin), reg.institution(r.destination)
            if r.period != period:
                continue
            if county is not None and county not in (o.region.county, d.region.county):
                continue
            if d.tier.rank > o.tier.rank:
                up.append(r)
            if d.tier.rank < o.tier.rank:
                down.append(r)
            receiver = d.is_grassroots or d.kind.value == "nursing_rehab"
            if o.tier.rank >= 2 and not o.is_grassroots and receiver:
                official.append(r)
        return tally(up), tally(down), tally(official)

    up1, down1, official1 = counts("p1")
    _, _, official0 = counts("p0")
    ratio = report.result("up_down_ratio")
    assert ratio.value == (up1 / down1 if down1 else None)
    growth = report.result("down_referral_growth")
    assert growth.value == ((official1 - official0) / official0 if official0 else None)
    if act.referrals and any(r.period in ("p0", "p1") for r in act.referrals):
        assert growth.counted == ("persons" if persons else "visits")

"""Issue 11 (indicators): the official down-referral formula, persons or referrals, grassroots
kinds, counties matched by division code, and the county-community monitoring indicators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from medalliance import Registry, examples
from medalliance.errors import MedAllianceError
from medalliance.indicators import (
    INDICATORS,
    Activity,
    IndicatorStatus,
    default_targets,
    evaluate_indicators,
)
from medalliance.model.institution import InstitutionKind, Tier


def inst(iid: str, kind: str, tier: str | None = None, **region: str) -> dict[str, Any]:
    d: dict[str, Any] = {"id": iid, "name": iid, "kind": kind}
    if tier is not None:
        d["tier"] = tier
    if region:
        d["region"] = region
    return d


def registry(*institutions: dict[str, Any]) -> Registry:
    return Registry.model_validate({"institutions": list(institutions)})


COUNTY = {"province": "某省", "city": "某市", "county": "某县"}
TIERS = registry(
    inst("city", "综合医院", "tertiary", **COUNTY),
    inst("county", "综合医院", "secondary", **COUNTY, division_code="123456"),
    inst("rehab", "康复医院", "secondary", **COUNTY),
    inst("elderly", "养老院", "primary", **COUNTY),
    inst("centre", "中心卫生院", "secondary", **COUNTY, township="某镇"),
    inst("town", "乡镇卫生院", **COUNTY, township="某乡"),
    inst("village", "村卫生室", **COUNTY, township="某乡"),
)


def refs(*rows: tuple[str, str, str, int, str | None]) -> Activity:
    out = []
    for period, origin, destination, n, person in rows:
        r: dict[str, Any] = {
            "period": period,
            "origin": origin,
            "destination": destination,
            "count": n,
        }
        if person is not None:
            r["person"] = person
        out.append(r)
    return Activity(referrals=out)


# -- down-referrals: "二、三级医院向基层医疗卫生机构、慢性病医疗机构转诊人数" -----------------


def test_only_secondary_and_tertiary_hospitals_to_grassroots_or_chronic_care_count() -> None:
    # the official indicator (分级诊疗试点工作考核评价标准, provincial copies) counts
    # "二、三级医院向基层医疗卫生机构、慢性病医疗机构转诊人数"
    act = refs(
        ("2018", "county", "town", 10, None),  # secondary hospital -> township centre: counts
        ("2018", "city", "village", 1, None),  # tertiary -> village clinic: counts
        ("2018", "county", "rehab", 4, None),  # -> 康复医院 (慢性病医疗机构): counts
        ("2018", "city", "county", 100, None),  # tertiary -> secondary: a hospital, not counted
        ("2018", "town", "village", 50, None),  # township -> village: not a 二、三级医院
        ("2018", "centre", "village", 30, None),  # a 二级 township centre is grassroots
        ("2018", "county", "elderly", 20, None),  # 养老院 is not a medical institution
        ("2017", "county", "town", 10, None),
    )
    r = evaluate_indicators(TIERS, act, period="2018", previous_period="2017")
    growth = r.result("down_referral_growth")
    assert (growth.numerator, growth.denominator) == (15.0, 10.0)
    assert growth.value == pytest.approx(0.5)
    # the derived ratio keeps every step down a tier: 10+1+100+50+30+20 (county -> rehab is
    # lateral; the elderly-care home is primary)
    ratio = r.result("up_down_ratio")
    assert ratio.denominator == 211.0
    assert ratio.official is False
    assert ratio.target is None
    assert ratio.status is IndicatorStatus.NO_TARGET
    assert "derived" in ratio.name_en


def test_persons_are_counted_when_every_record_names_one() -> None:
    act = refs(
        ("2018", "county", "town", 1, "a"),
        ("2018", "county", "town", 2, "a"),  # the same person referred again
        ("2018", "city", "village", 1, "b"),
        ("2018", "county", "village", 0, "c"),  # no referral
        ("2017", "county", "town", 3, "a"),
    )
    r = evaluate_indicators(TIERS, act, period="2018", previous_period="2017")
    growth = r.result("down_referral_growth")
    assert growth.counted == "persons"
    assert (growth.numerator, growth.denominator) == (2.0, 1.0)
    assert growth.note is not None
    assert "not persons" not in growth.note
    # one record without a person: the whole indicator counts referrals, and says so
    mixed = Activity(referrals=(*act.referrals, *refs(("2017", "city", "town", 2, None)).referrals))
    m = evaluate_indicators(TIERS, mixed, period="2018", previous_period="2017")
    g = m.result("down_referral_growth")
    assert g.counted == "visits"
    assert (g.numerator, g.denominator) == (4.0, 5.0)
    assert g.note is not None
    assert g.note.startswith("counts referrals (人次), not persons: 1 referral record(s)")
    assert "counts referrals (人次), not persons" in m.describe()
    assert m.rows()[3]["counted"] == "visits"


@pytest.mark.parametrize("label", ["诊所", "门诊部"])
def test_a_clinic_or_outpatient_department_visit_counts_as_grassroots(label: str) -> None:
    # 基层医疗卫生机构 include 门诊部 and 诊所 (e.g. 福建统计年鉴 2021, table 17-6 基层医疗卫生机构
    # 情况: 社区卫生服务中心(站), 卫生院, 门诊部, 诊所、卫生所、医务室, 村卫生室)
    kind = InstitutionKind.parse(label)
    assert kind.is_grassroots
    tier = min(kind.allowed_tiers, key=lambda t: t.rank)
    reg = registry(
        inst("county", "综合医院", "secondary", **COUNTY),
        {**inst("clinic", kind.value, **COUNTY), "tier": tier.value},
    )
    visit = {"period": "2024", "kind": "visit"}
    act = Activity(
        care=[
            {**visit, "institution": "clinic", "count": 30},
            {**visit, "institution": "county", "count": 70},
        ]
    )
    share = evaluate_indicators(reg, act, period="2024").result("grassroots_visit_share")
    assert share.value == pytest.approx(0.3)


def test_grassroots_share_carries_the_missing_clinics_caveat() -> None:
    d = next(x for x in INDICATORS if x.code == "grassroots_visit_share")
    assert d.caveat is not None
    assert "门诊部" in d.caveat
    assert "诊所" in d.caveat
    assert "biased low" in d.caveat
    act = Activity(care=[{"period": "1", "kind": "visit", "institution": "town", "count": 1}])
    share = evaluate_indicators(TIERS, act, period="1").result("grassroots_visit_share")
    assert share.note == d.caveat


# -- targets ---------------------------------------------------------------------------------


def test_a_borrowed_number_is_no_official_target() -> None:
    t = default_targets().target("within_county_inpatient_share")
    assert t is not None
    assert t.value is None
    assert "not borrowed" in (t.note or "")
    # hospital admissions: all inside the county, one outside with 0
    act = Activity(
        care=[
            {"period": "1", "kind": "admission", "institution": "county", "count": 5,
             "resident_county": "某县"},
            {"period": "1", "kind": "admission", "county": "省城", "count": 0,
             "resident_county": "某县"},
        ]
    )  # fmt: skip
    r = evaluate_indicators(TIERS, act, period="1", county="某县")
    res = r.result("within_county_inpatient_share")
    assert res.value == 1.0
    assert res.status is IndicatorStatus.NO_TARGET
    assert "no official target" in res.describe()


# -- counties: names repeat, codes do not ---------------------------------------------------

TWO_CHAOYANG = registry(
    inst("bj_h", "综合医院", "secondary", province="北京市", county="朝阳区",
         division_code="110105"),
    inst("bj_c", "社区卫生服务中心", province="北京市", county="朝阳区", township="某街道"),
    inst("cc_h", "综合医院", "secondary", province="吉林省", city="长春市", county="朝阳区",
         division_code="220104"),
    inst("cc_c", "社区卫生服务中心", province="吉林省", city="长春市", county="朝阳区",
         township="某街道"),
)  # fmt: skip
CHAOYANG_CARE = Activity(
    care=[
        {"period": "1", "kind": "visit", "institution": "bj_c", "count": 60},
        {"period": "1", "kind": "visit", "institution": "bj_h", "count": 40},
        {"period": "1", "kind": "visit", "institution": "cc_c", "count": 10},
        {"period": "1", "kind": "visit", "institution": "cc_h", "count": 90},
    ]
)


def test_an_ambiguous_county_name_raises_with_the_candidates() -> None:
    with pytest.raises(MedAllianceError) as exc:
        evaluate_indicators(TWO_CHAOYANG, CHAOYANG_CARE, period="1", county="朝阳区")
    [problem] = exc.value.problems
    assert problem.path == ("county",)
    assert "北京市 朝阳区 (110105)" in problem.message
    assert "吉林省 长春市 朝阳区 (220104)" in problem.message
    assert "county_code" in problem.message


def test_a_division_code_picks_the_county() -> None:
    bj = evaluate_indicators(TWO_CHAOYANG, CHAOYANG_CARE, period="1", county_code="110105")
    assert bj.result("grassroots_visit_share").value == pytest.approx(0.6)
    assert (bj.county, bj.county_code) == ("朝阳区", "110105")
    cc = evaluate_indicators(
        TWO_CHAOYANG, CHAOYANG_CARE, period="1", county="朝阳区", county_code="220104"
    )
    assert cc.result("grassroots_visit_share").value == pytest.approx(0.1)
    with pytest.raises(MedAllianceError, match="not the county of division code"):
        evaluate_indicators(
            TWO_CHAOYANG, CHAOYANG_CARE, period="1", county="鼓楼区", county_code="220104"
        )
    with pytest.raises(MedAllianceError, match="6-digit"):
        evaluate_indicators(TWO_CHAOYANG, CHAOYANG_CARE, period="1", county_code="1101")


def test_a_bare_name_in_a_record_is_never_silently_matched() -> None:
    outside = Activity(
        care=[
            *CHAOYANG_CARE.care,
            {"period": "1", "kind": "visit", "county": "朝阳区", "count": 5},
        ]
    )
    with pytest.raises(MedAllianceError) as exc:
        evaluate_indicators(TWO_CHAOYANG, outside, period="1", county_code="110105")
    [problem] = exc.value.problems
    assert problem.path == ("care", 4, "county")
    assert "give its county_code" in problem.message
    coded = Activity(
        care=[
            *CHAOYANG_CARE.care,
            {"period": "1", "kind": "visit", "county": "朝阳区", "county_code": "220104",
             "count": 5},
        ]
    )  # fmt: skip
    r = evaluate_indicators(TWO_CHAOYANG, coded, period="1", county_code="110105")
    assert r.result("grassroots_visit_share").value == pytest.approx(0.6)
    with pytest.raises(MedAllianceError, match="contradicts"):
        evaluate_indicators(
            TWO_CHAOYANG,
            Activity(care=[{"period": "1", "kind": "visit", "institution": "bj_c",
                            "county_code": "220104", "count": 1}]),
            period="1",
        )  # fmt: skip


def test_an_unambiguous_name_still_matches_by_name() -> None:
    reg = Registry(institutions=tuple(i for i in TWO_CHAOYANG.institutions if i.id[:2] == "bj"))
    act = Activity(care=[c for c in CHAOYANG_CARE.care if c.institution in ("bj_c", "bj_h")])
    r = evaluate_indicators(reg, act, period="1", county="朝阳区")
    assert r.result("grassroots_visit_share").value == pytest.approx(0.6)
    assert r.county_code == "110105"  # completed from the registry


# -- the 2024 county-community monitoring indicators -----------------------------------------


def test_ecg_village_coverage_from_the_registry() -> None:
    reg = registry(
        inst("h", "综合医院", "secondary", **COUNTY),
        {**inst("v1", "村卫生室", **COUNTY), "services": ["心电"]},
        inst("v2", "村卫生室", **COUNTY),
        inst("v3", "村卫生室", **COUNTY),
        {**inst("v4", "村卫生室", province="某省", county="邻县"), "services": ["ecg"]},
    )
    r = evaluate_indicators(reg, Activity(), period="2024", county="某县")
    cov = r.result("ecg_village_coverage")
    assert (cov.numerator, cov.denominator) == (1.0, 3.0)
    assert cov.status is IndicatorStatus.NO_TARGET
    everywhere = evaluate_indicators(reg, Activity(), period="2024")
    assert everywhere.result("ecg_village_coverage").value == pytest.approx(0.5)
    none_ = evaluate_indicators(TWO_CHAOYANG, Activity(), period="1").result("ecg_village_coverage")
    assert none_.reason == "no village clinics (村卫生室) in scope"


def money_care() -> Activity:
    def rec(kind: str, n: int, fund: float, cost: float, **where: Any) -> dict[str, Any]:
        return {"period": "2024", "kind": kind, "count": n, "resident_county": "某县",
                "insurance_fund_yuan": fund, "cost_yuan": cost, **where}  # fmt: skip

    prev = {"period": "2023", "kind": "admission", "institution": "county", "count": 10,
            "resident_county": "某县", "cost_yuan": 50_000}  # fmt: skip
    return Activity(
        care=[
            rec("visit", 600, 30_000, 60_000, institution="town", tcm=True),
            rec("visit", 400, 40_000, 80_000, institution="county", tcm=False),
            rec("admission", 20, 120_000, 180_000, institution="county"),
            rec("admission", 5, 60_000, 100_000, county="省城"),  # outside the county
            prev,
        ]
    )


def test_insurance_fund_shares_by_hand() -> None:
    r = evaluate_indicators(TIERS, money_care(), period="2024", county="某县")
    inside = r.result("insurance_fund_in_county_share")
    # (30,000 + 40,000 + 120,000) / (... + 60,000 outside) = 190,000 / 250,000
    assert (inside.numerator, inside.denominator) == (190_000.0, 250_000.0)
    assert inside.value == pytest.approx(0.76)
    grassroots = r.result("grassroots_fund_share")
    # care given in the county: the township centre's 30,000 of 190,000
    assert grassroots.value == pytest.approx(30_000 / 190_000)
    missing = Activity(care=[c.replace(insurance_fund_yuan=None) for c in money_care().care])
    m = evaluate_indicators(TIERS, missing, period="2024", county="某县")
    assert "give no insurance_fund_yuan" in (m.result("grassroots_fund_share").reason or "")
    assert m.result("insurance_fund_in_county_share").status is IndicatorStatus.NOT_COMPUTABLE


def test_inpatient_cost_and_growth_by_hand() -> None:
    r = evaluate_indicators(
        TIERS, money_care(), period="2024", previous_period="2023", county="某县"
    )
    cost = r.result("inpatient_cost_per_admission_yuan")
    assert cost.value == pytest.approx(180_000 / 20)  # the admission outside is not counted
    assert cost.unit == "yuan"
    growth = r.result("inpatient_cost_growth")
    assert growth.value == pytest.approx((9_000 - 5_000) / 5_000)
    no_base = evaluate_indicators(TIERS, money_care(), period="2024", county="某县")
    assert no_base.result("inpatient_cost_growth").reason == (
        "needs the previous period (previous_period=...)"
    )
    no_county = evaluate_indicators(TIERS, money_care(), period="2024")
    assert no_county.result("inpatient_cost_per_admission_yuan").status is (
        IndicatorStatus.NOT_COMPUTABLE
    )


def test_tcm_visit_share_by_hand() -> None:
    r = evaluate_indicators(TIERS, money_care(), period="2024", county="某县")
    assert r.result("tcm_visit_share").value == pytest.approx(0.6)
    reg = registry(inst("tcm", "中医院", "secondary", **COUNTY), inst("h", "综合医院", "secondary"))
    visit = {"period": "1", "kind": "visit"}
    act = Activity(
        care=[
            {**visit, "institution": "tcm", "count": 3},
            {**visit, "institution": "h", "count": 7},
        ]
    )
    unknown = evaluate_indicators(reg, act, period="1").result("tcm_visit_share")
    assert unknown.status is IndicatorStatus.NOT_COMPUTABLE
    assert (unknown.reason or "").startswith(
        "1 visit (门急诊) record does not say whether the care is TCM"
    )
    flagged = Activity(care=[act.care[0], act.care[1].replace(tcm=False)])
    assert evaluate_indicators(reg, flagged, period="1").result(
        "tcm_visit_share"
    ).value == pytest.approx(0.3)  # a TCM hospital's visits are TCM by default


def test_family_doctor_coverage_by_hand() -> None:
    act = Activity(
        residents=[
            {"period": "2024", "county": "某县", "count": 400_000, "signed": 150_000},
            {"period": "2024", "count": 1_000_000},
        ]
    )
    r = evaluate_indicators(TIERS, act, period="2024", county="某县")
    cov = r.result("family_doctor_coverage")
    assert cov.value == pytest.approx(0.375)
    assert cov.status is IndicatorStatus.MET
    assert cov.target is not None
    assert (cov.target.value, cov.target.by_year, cov.target.uncertain) == (0.30, 2017, True)
    whole = evaluate_indicators(TIERS, act, period="2024").result("family_doctor_coverage")
    assert whole.reason == "the resident count for period '2024' gives no signed residents"


def test_every_indicator_is_in_the_report_with_a_source() -> None:
    r = evaluate_indicators(TIERS, Activity(), period="1")
    assert [x.code for x in r] == [d.code for d in INDICATORS]
    text = r.describe()
    for d in INDICATORS:
        assert d.source
        assert d.code in text
        if d.source.startswith("indicator") or "2024版" in d.source:
            assert d.uncertain
    monitored = [d for d in INDICATORS if "监测指标体系（2024版）" in d.source]
    assert len(monitored) == 9


# -- records and files -------------------------------------------------------------------------


def test_new_record_fields_read_from_csv(tmp_path: Path) -> None:
    from medalliance.io.records import read_activity, read_activity_csv

    (tmp_path / "care.csv").write_text(
        "period,kind,institution,county_code,resident_county,count,insurance_fund_yuan,"
        "cost_yuan,tcm\n2024,住院,county,123456,某县,20,120000,180000.5,false\n",
        encoding="utf-8",
    )
    (tmp_path / "referrals.csv").write_text(
        "period,origin,destination,count,person\n2024,county,town,1,p-001\n", encoding="utf-8"
    )
    (tmp_path / "residents.csv").write_text(
        "period,county,count,signed\n2024,某县,400000,150000\n", encoding="utf-8"
    )
    act = read_activity_csv(
        care=tmp_path / "care.csv",
        referrals=tmp_path / "referrals.csv",
        residents=tmp_path / "residents.csv",
    )
    c = act.care[0]
    assert (c.insurance_fund_yuan, c.cost_yuan, c.tcm, c.county_code) == (
        120_000.0,
        180_000.5,
        False,
        "123456",
    )
    assert act.referrals[0].person == "p-001"
    assert act.residents[0].signed == 150_000
    (tmp_path / "a.yaml").write_text(
        "care:\n  - {period: '2024', kind: 住院, institution: county, county_code: '123456',"
        " resident_county: 某县, count: 20, insurance_fund_yuan: 120000, cost_yuan: 180000.5,"
        " tcm: false}\n",
        encoding="utf-8",
    )
    assert read_activity(tmp_path / "a.yaml").care == act.care
    (tmp_path / "bad.csv").write_text(
        "period,kind,county,count,tcm,cost_yuan\n2024,visit,某县,1,maybe,-3\n", encoding="utf-8"
    )
    with pytest.raises(MedAllianceError) as exc:
        read_activity_csv(care=tmp_path / "bad.csv")
    paths = [p.path for p in exc.value.problems]
    assert paths == [("row 2, column tcm",), ("row 2, column cost_yuan",)]


# -- bundled example, item 5 ------------------------------------------------------------------


def test_county_township_founded_may_2018_inferred() -> None:
    # seed 003 (g), a report written in 2018: "自今年5月份我院与县人民医院结成医共体以来"
    a = examples.load("county_township").alliance("county_township_community")
    assert a.founded == dt.date(2018, 5, 1)
    assert a.provenance is not None
    assert a.provenance.is_inferred("founded")
    assert a.provenance.quote == "自今年5月份我院与县人民医院结成医共体以来"
    assert "2018-05" in (a.provenance.note or "")


def test_tier_enum_is_ordered_as_the_formula_assumes() -> None:
    assert Tier.SECONDARY < Tier.TERTIARY

"""The indicators medalliance computes (:data:`INDICATORS`): names, units, formulas, sources."""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from medalliance.model.types import FrozenModel, NonEmptyText

MONITORING_2024 = (
    "紧密型县域医疗卫生共同体监测指标体系（2024版） (NHC, NHSA, NATCM, NDCPA), as listed in a "
    "Xinhua report of 2024-11-01 reposted at rmwrqy.a899.cn/html/42a499721.html; the official "
    "text was not found"
)
"""Where the 2024 county-community monitoring indicators are cited from (a secondary source)."""

PILOT_STANDARD_2015 = (
    "分级诊疗试点工作考核评价标准 (annex to 国办发〔2015〕70号), as quoted at "
    "news.ipathology.cn/tag909 and in provincial documents"
)
"""Where the 2015 tiered-care pilot indicators are cited from (secondary copies)."""


class IndicatorDefinition(FrozenModel):
    """An indicator medalliance computes: its code, names, unit, formula and source."""

    code: str
    """Machine code."""
    name_zh: str
    """Chinese name (the source's wording for an official indicator)."""
    name_en: str
    """English name."""
    unit: Literal["fraction", "ratio", "per_10k", "yuan"]
    """``fraction`` (0.65 = 65%), ``ratio``, ``per_10k`` (per 10,000 residents) or ``yuan``."""
    formula: str
    """How medalliance computes it."""
    official: StrictBool
    """Whether an official indicator system names it; ``False``: derived by medalliance."""
    source: NonEmptyText
    """Where the indicator is named (for a derived one: what it is derived from)."""
    uncertain: StrictBool
    """Whether the source is secondary or the formula is medalliance's reading of the name."""
    caveat: NonEmptyText | None = None
    """What the value may miss, e.g. institutions the model cannot hold yet."""


def _d(
    code: str,
    name_zh: str,
    name_en: str,
    unit: Literal["fraction", "ratio", "per_10k", "yuan"],
    formula: str,
    *,
    source: str,
    official: bool = True,
    uncertain: bool = True,
    caveat: str | None = None,
) -> IndicatorDefinition:
    return IndicatorDefinition(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        unit=unit,
        formula=formula,
        official=official,
        source=source,
        uncertain=uncertain,
        caveat=caveat,
    )


INDICATORS: tuple[IndicatorDefinition, ...] = (
    _d(
        "grassroots_visit_share",
        "基层医疗卫生机构诊疗量占总诊疗量比例",
        "Grassroots share of visits",
        "fraction",
        "visits at grassroots institutions / all visits",
        source=f"{PILOT_STANDARD_2015}; indicator 7 of the {MONITORING_2024}",
        caveat=(
            "基层医疗卫生机构 in the official statistics include 门诊部 (outpatient departments) "
            "and 诊所 (clinics); their visits count only when such institutions are in the "
            "registry with a grassroots kind, so a share computed without them is biased low"
        ),
    ),
    _d(
        "within_county_care_rate",
        "县域内就诊率",
        "Within-county care rate",
        "fraction",
        "county residents' visits and admissions inside the county / all of theirs",
        source=f"{PILOT_STANDARD_2015} (provincial copies: 甘肃, 新疆)",
    ),
    _d(
        "within_county_inpatient_share",
        "参保人县域内住院人次占比",
        "Within-county inpatient share",
        "fraction",
        "county residents' admissions inside the county / all their admissions",
        source=f"indicator 11 of the {MONITORING_2024}",
    ),
    _d(
        "down_referral_growth",
        "二、三级医院向基层医疗卫生机构、慢性病医疗机构转诊人数年增长率",
        "Growth of down-referrals from secondary and tertiary hospitals",
        "fraction",
        "(persons referred this period - previous period) / previous period, counting "
        "referrals from non-grassroots institutions of tier secondary or tertiary to grassroots "
        "or nursing/rehabilitation (chronic-care) institutions; referrals (人次) when the "
        "records name no persons",
        source=f"{PILOT_STANDARD_2015} (provincial copies: 甘肃, 新疆)",
        caveat=(
            "慢性病医疗机构 is read as the nursing_rehab kind (护理院, 康复医院/机构); 养老机构 "
            "(elderly_care) is not a medical institution and is not counted"
        ),
    ),
    _d(
        "up_down_ratio",
        "上转与下转之比（medalliance 派生比值，非官方指标）",
        "Up/down referral ratio (derived by medalliance, not an official indicator)",
        "ratio",
        "referrals to a higher tier / referrals to a lower tier (persons when every record "
        "names one, else referrals)",
        source=(
            "derived by medalliance from 双向转诊比例 (State Council executive meeting "
            "2017-04-12), which names no formula and no target"
        ),
        official=False,
        uncertain=False,
    ),
    _d(
        "expert_postings_per_10k",
        "二级及以上医疗卫生机构中级及以上医师到基层医疗卫生机构派驻人数（人）/每万常住人口",
        "Expert postings per 10,000 residents",
        "per_10k",
        "doctors posted by secondary and higher institutions to grassroots institutions / "
        "(residents / 10,000)",
        source=f"indicator 4 of the {MONITORING_2024}",
    ),
    _d(
        "ecg_village_coverage",
        "心电设备村级覆盖率",
        "Village ECG coverage",
        "fraction",
        "village clinics (村卫生室) offering ECG / all village clinics, from the registry",
        source=f"indicator 5 (影像心电中心服务开展与心电设备村级覆盖率, the coverage part) of the "
        f"{MONITORING_2024}",
        caveat="read from the registry's services (a snapshot), not from the period's records",
    ),
    _d(
        "insurance_fund_in_county_share",
        "医保基金县域内支出占比（不含药店）",
        "Share of the insurance fund spent inside the county (pharmacies excluded)",
        "fraction",
        "insurance fund paid for county residents' care inside the county / paid for all their "
        "care (care records only: pharmacy purchases are not care records)",
        source=f"indicator 8 of the {MONITORING_2024}",
    ),
    _d(
        "grassroots_fund_share",
        "县域内基层医疗卫生机构医保基金支出占比",
        "Grassroots share of the insurance fund spent in the county",
        "fraction",
        "insurance fund paid to grassroots institutions / paid for all care in scope",
        source=f"indicator 9 of the {MONITORING_2024}",
        caveat="as for grassroots_visit_share, 门诊部 and 诊所 count only when entered",
    ),
    _d(
        "inpatient_cost_per_admission_yuan",
        "参保人在县域内住院人均费用（元）",
        "Inpatient cost per admission inside the county (yuan)",
        "yuan",
        "total cost of county residents' admissions inside the county / their number",
        source=f"indicator 10 of the {MONITORING_2024}",
    ),
    _d(
        "inpatient_cost_growth",
        "参保人在县域内住院人均费用增长率",
        "Growth of inpatient cost per admission inside the county",
        "fraction",
        "(cost per admission this period - previous period) / previous period",
        source=f"indicator 10 of the {MONITORING_2024}",
    ),
    _d(
        "tcm_visit_share",
        "县域内中医类诊疗量占比",
        "TCM share of visits",
        "fraction",
        "TCM-class visits (a record's tcm flag; default true at a TCM hospital) / all visits",
        source=f"indicator 12 of the {MONITORING_2024}",
    ),
    _d(
        "family_doctor_coverage",
        "家庭医生签约服务覆盖率",
        "Family-doctor contract coverage",
        "fraction",
        "residents with a family-doctor contract / residents",
        source="the 2016 national family-doctor contract policy, as quoted (unnamed) in a journal "
        "abstract at ppdoc.com/periodical/16dd1ff6f716db161ad09c6bfa757ce0.html",
    ),
)
"""The indicators :func:`evaluate_indicators` computes, in report order."""

BY_CODE = {d.code: d for d in INDICATORS}
""":data:`INDICATORS` by code."""

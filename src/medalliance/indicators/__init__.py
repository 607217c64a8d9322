"""Official alliance indicators (医联体 / 医共体 考核和监测指标) computed from activity records.

:class:`Activity` holds what an alliance or a county reports: care delivered
(:class:`CareRecord`: visits and admissions by institution, period and the patients' county
of residence, with the insurance fund's spending, the cost and a TCM flag when known),
referrals by origin and destination (:class:`ReferralRecord`, optionally one person's),
expert postings (:class:`PostingRecord`) and resident populations (:class:`ResidentCount`,
with family-doctor contracts when known). :func:`evaluate_indicators` computes, for one period
(and optionally one county), every indicator of :data:`INDICATORS`:

- ``grassroots_visit_share`` (基层医疗卫生机构诊疗量占总诊疗量比例): visits at grassroots
  institutions ÷ all visits. The official 基层医疗卫生机构 include 门诊部 and 诊所: their
  visits count only when such institutions are entered, so without them the share is low;
- ``within_county_care_rate`` (县域内就诊率): care (visits and admissions) of the county's
  residents delivered inside the county ÷ all their care;
- ``within_county_inpatient_share`` (参保人县域内住院人次占比): the same for admissions only;
- ``down_referral_growth`` (二、三级医院向基层医疗卫生机构、慢性病医疗机构转诊人数年增长率):
  growth of the persons referred from secondary and tertiary (non-grassroots) institutions to
  grassroots or nursing/rehabilitation institutions — referrals (人次) when the records name no
  persons, which the result says (``counted``, ``note``);
- ``up_down_ratio``: referrals to a higher tier ÷ referrals to a lower tier, a ratio derived by
  medalliance (not an official indicator; no target);
- ``expert_postings_per_10k`` (每万常住人口派驻基层医师人数): doctors posted by secondary and
  higher institutions to grassroots institutions ÷ (residents ÷ 10,000);
- the county-community monitoring indicators of 2024 the records support:
  ``ecg_village_coverage`` (心电设备村级覆盖率, from the registry),
  ``insurance_fund_in_county_share`` (医保基金县域内支出占比), ``grassroots_fund_share``
  (县域内基层医疗卫生机构医保基金支出占比), ``inpatient_cost_per_admission_yuan`` and
  ``inpatient_cost_growth`` (参保人在县域内住院人均费用及增长率), ``tcm_visit_share``
  (县域内中医类诊疗量占比); and ``family_doctor_coverage`` (家庭医生签约服务覆盖率).

Each is compared with its :class:`IndicatorTarget` (data: ``medalliance/data/
indicator_targets.yaml``, with its year, jurisdiction, source and an ``uncertain`` flag),
giving ``met``, ``not_met``, ``no_target`` (no official number) or ``not_computable`` with
the reason.

Rules:

- **Never a wrong number.** A ratio whose denominator is zero, or whose inputs are missing,
  is ``not_computable`` with a reason (never ``inf`` or ``NaN``).
- **Only a numerator.** A within-county rate needs care given *outside* the county (e.g. from
  insurance settlement). Without any out-of-county record for the county's residents the
  rate is not computable; a record with ``count: 0`` outside the county states that none
  left, and makes the rate computable.
- **Scope.** With a county, visit shares count care delivered in the county, referrals count
  when either end is in the county, postings when the site is. Where care was delivered is
  the record's ``county``/``county_code``, else its institution's region.
- **Counties by code.** County names repeat (朝阳区, 鼓楼区): with ``county_code=`` places
  match by 6-digit division code; a bare name the data hold for two counties raises an error
  listing them, never a silent choice.
- **Direction.** A referral to a higher tier is up, to a lower tier down; lateral referrals
  are not counted.

Examples
--------
The township centre of seed article 003 reports 55 down-referrals "since 2018", 22% more
than the same period of 2017 (the article was written in 2018); with 45 for 2017:

>>> from medalliance import examples
>>> reg = examples.load("county_township")
>>> down = {"origin": "county_hospital", "destination": "township_centre"}
>>> activity = Activity(referrals=[{**down, "period": "2017", "count": 45},
...                                {**down, "period": "2018", "count": 55}])
>>> report = evaluate_indicators(reg, activity, period="2018", previous_period="2017")
>>> growth = report.result("down_referral_growth")
>>> round(growth.value, 3), growth.status.value, growth.target.value, growth.counted
(0.222, 'met', 0.1, 'visits')
"""

from __future__ import annotations

from medalliance.indicators._activity import (
    Activity,
    ActivityKind,
    CareRecord,
    PostingRecord,
    ReferralRecord,
    ResidentCount,
)
from medalliance.indicators._definitions import INDICATORS, IndicatorDefinition
from medalliance.indicators._evaluate import evaluate_indicators
from medalliance.indicators._referrals import CHRONIC_CARE_KINDS, is_official_down
from medalliance.indicators._report import IndicatorReport, IndicatorResult, IndicatorStatus
from medalliance.indicators._targets import IndicatorTarget, IndicatorTargets, default_targets

__all__ = [
    "CHRONIC_CARE_KINDS",
    "INDICATORS",
    "Activity",
    "ActivityKind",
    "CareRecord",
    "IndicatorDefinition",
    "IndicatorReport",
    "IndicatorResult",
    "IndicatorStatus",
    "IndicatorTarget",
    "IndicatorTargets",
    "PostingRecord",
    "ReferralRecord",
    "ResidentCount",
    "default_targets",
    "evaluate_indicators",
    "is_official_down",
]

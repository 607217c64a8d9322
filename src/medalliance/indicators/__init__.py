"""Official alliance indicators (医联体 / 医共体 考核指标) computed from activity records.

:class:`Activity` holds what an alliance or a county reports: care delivered
(:class:`CareRecord`: visits and admissions by institution, period and the patients' county
of residence), referrals by origin and destination (:class:`ReferralRecord`; the direction
follows the tiers in the registry), expert postings (:class:`PostingRecord`) and resident
populations (:class:`ResidentCount`). :func:`evaluate_indicators` computes, for one period
(and optionally one county):

- ``grassroots_visit_share`` (基层医疗卫生机构诊疗量占总诊疗量比例): visits at grassroots
  institutions ÷ all visits;
- ``within_county_care_rate`` (县域内就诊率): care (visits and admissions) of the county's
  residents delivered inside the county ÷ all their care;
- ``within_county_inpatient_share`` (参保人县域内住院人次占比): the same for admissions only;
- ``down_referral_growth`` (下转人次年增长率): (down this period − down the previous period)
  ÷ down the previous period;
- ``up_down_ratio`` (上转与下转人次之比): up-referrals ÷ down-referrals;
- ``expert_postings_per_10k`` (每万常住人口派驻基层医师人数): doctors posted by secondary and
  higher institutions to grassroots institutions ÷ (residents ÷ 10,000).

Each is compared with its :class:`IndicatorTarget` (data: ``medalliance/data/
indicator_targets.yaml``, with its source and an ``uncertain`` flag), giving ``met``,
``not_met``, ``no_target`` or ``not_computable`` with the reason.

Rules:

- **Never a wrong number.** A ratio whose denominator is zero, or whose inputs are missing,
  is ``not_computable`` with a reason (never ``inf`` or ``NaN``).
- **Only a numerator.** A within-county rate needs care given *outside* the county (e.g. from
  insurance settlement). Without any out-of-county record for the county's residents the
  rate is not computable; a record with ``count: 0`` outside the county states that none
  left, and makes the rate computable.
- **Scope.** With ``county`` given, visit shares count care delivered in the county,
  referrals count when either end is in the county, postings when the site is. Where care
  was delivered is the record's ``county``, else its institution's ``region.county``.
- **Direction.** A referral to a higher tier is up, to a lower tier down; lateral referrals
  are not counted.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("county_township")
>>> activity = Activity(referrals=[
...     {"period": "2018", "origin": "county_hospital", "destination": "township_centre",
...      "count": 45},
...     {"period": "2019", "origin": "county_hospital", "destination": "township_centre",
...      "count": 55}])
>>> report = evaluate_indicators(reg, activity, period="2019", previous_period="2018")
>>> growth = report.result("down_referral_growth")
>>> round(growth.value, 3), growth.status.value, growth.target.value
(0.222, 'met', 0.1)
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
from medalliance.indicators._evaluate import evaluate_indicators
from medalliance.indicators._report import IndicatorReport, IndicatorResult, IndicatorStatus
from medalliance.indicators._targets import (
    INDICATORS,
    IndicatorDefinition,
    IndicatorTarget,
    IndicatorTargets,
    default_targets,
)

__all__ = [
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
]

"""Every indicator's value for one evaluation, by code (internal)."""

from __future__ import annotations

from collections.abc import Iterator

from medalliance.indicators._activity import Activity, ActivityKind
from medalliance.indicators._formulas import (
    ecg_village_coverage,
    family_doctor,
    fund_in_county,
    grassroots_fund_share,
    grassroots_share,
    inpatient_cost,
    tcm_share,
    within_county,
)
from medalliance.indicators._places import Place, Places
from medalliance.indicators._referrals import postings, referral_values
from medalliance.indicators._values import Value
from medalliance.model.registry import Registry


def values(
    registry: Registry,
    activity: Activity,
    places: Places,
    *,
    period: str,
    previous_period: str | None,
) -> dict[str, Value]:
    """The value (or the reason there is none) of every indicator, by code."""
    care = [c for c in activity.care if c.period == period]
    return {
        "grassroots_visit_share": grassroots_share(registry, care, places),
        "within_county_care_rate": within_county(
            care, places, frozenset({ActivityKind.VISIT, ActivityKind.ADMISSION})
        ),
        "within_county_inpatient_share": within_county(
            care, places, frozenset({ActivityKind.ADMISSION})
        ),
        **referral_values(
            registry, activity, places, period=period, previous_period=previous_period
        ),
        "expert_postings_per_10k": postings(registry, activity, places, period),
        "ecg_village_coverage": ecg_village_coverage(registry, places),
        "insurance_fund_in_county_share": fund_in_county(care, places),
        "grassroots_fund_share": grassroots_fund_share(registry, care, places),
        **inpatient_cost(activity, places, period, previous_period),
        "tcm_visit_share": tcm_share(registry, care, places),
        "family_doctor_coverage": family_doctor(activity, places, period),
    }


def labelled_places(
    registry: Registry, activity: Activity, places: Places
) -> Iterator[tuple[tuple[str | int, ...], Place | None]]:
    """Every place the evaluation may match against the county, with its path."""
    for inst in registry.institutions:
        yield ("institutions", inst.id), places.of(inst)
    for i, c in enumerate(activity.care):
        if c.institution is None:
            yield ("care", i, "county"), places.where(c)
        yield ("care", i, "resident_county"), places.residence(c)
    for i, r in enumerate(activity.residents):
        yield ("residents", i, "county"), places.residents_place(r)

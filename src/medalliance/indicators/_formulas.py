"""The care formulas: each indicator's value from the care records, or the reason it has none."""

from __future__ import annotations

from collections.abc import Callable

from medalliance._words import count_noun
from medalliance.indicators._activity import Activity, ActivityKind, CareRecord
from medalliance.indicators._places import Places
from medalliance.indicators._referrals import residents_of
from medalliance.indicators._values import Value, growth, none, ratio
from medalliance.model.institution import InstitutionKind
from medalliance.model.registry import Registry

_VISITS = frozenset({ActivityKind.VISIT})
_ADMISSIONS = frozenset({ActivityKind.ADMISSION})
_ALL = frozenset(ActivityKind)
_NOUN = {_VISITS: "visit (门急诊)", _ADMISSIONS: "admission (住院)", _ALL: "care"}
"""What the records of each kind are called in reasons: 门急诊 visits, 住院 admissions."""
_NAMED = 3
"""Institutions named in a reason before "…"."""


def _records(n: int, noun: str, verb: tuple[str, str] = ("has", "have")) -> str:
    """``1 visit (门急诊) record has`` / ``2 visit (门急诊) records have``."""
    return f"{count_noun(n, noun + ' record')} {verb[0] if n == 1 else verb[1]}"


def _at(recs: list[CareRecord]) -> str:
    """The institutions of some records, for a reason: ``county-hosp, town-a, …``."""
    ids = list(dict.fromkeys(c.institution for c in recs if c.institution is not None))
    return ", ".join(ids[:_NAMED]) + (", …" if len(ids) > _NAMED else "")


def _no_county(recs: list[CareRecord], noun: str, consequence: str) -> Value:
    """The reason for records whose county is unknown: their institutions have none."""
    at = _at(recs)
    whose = f" (at {at}: no region.county, and the records give no county)" if at else ""
    return none(f"{_records(len(recs), noun)} no county{whose}: {consequence}")


def _delivered(
    care: list[CareRecord], places: Places, kinds: frozenset[ActivityKind]
) -> list[CareRecord] | Value:
    """The records of care given in scope, or why scope cannot be told."""
    recs = [c for c in care if c.kind in kinds]
    if places.scope is None:
        return recs
    unplaced = [c for c in recs if places.where(c) is None]
    if unplaced:
        return _no_county(unplaced, _NOUN[kinds], "scope unknown")
    return [c for c in recs if places.inside(places.where(c))]


def _amounts(recs: list[CareRecord], field: str, noun: str) -> list[float] | Value:
    """Each record's ``field`` (a money amount), or why not every record gives it."""
    missing = [c for c in recs if getattr(c, field) is None]
    if missing:
        at = _at(missing)
        where = f" (at {at})" if at else ""
        return none(f"{_records(len(missing), noun, ('gives', 'give'))} no {field}{where}")
    return [float(getattr(c, field)) for c in recs]


def _share_by_institution(
    registry: Registry,
    recs: list[CareRecord],
    weight: Callable[[CareRecord], float],
    *,
    noun: str,
    what: str,
) -> Value:
    """Grassroots institutions' share of ``weight`` over records that all name an institution."""
    unnamed = [c for c in recs if c.institution is None]
    if unnamed:
        return none(
            f"{_records(len(unnamed), noun, ('names', 'name'))} no institution: cannot tell "
            "whether the care was grassroots"
        )
    if not recs:
        return none(f"no {noun} records in scope")
    total = sum(weight(c) for c in recs)
    grassroots = sum(
        weight(c)
        for c in recs
        if c.institution is not None and registry.institution(c.institution).is_grassroots
    )
    return ratio(grassroots, total, what)


def grassroots_share(registry: Registry, care: list[CareRecord], places: Places) -> Value:
    """``grassroots_visit_share``: visits at grassroots institutions / all visits in scope."""
    recs = _delivered(care, places, _VISITS)
    if isinstance(recs, Value):
        return recs
    return _share_by_institution(
        registry, recs, lambda c: c.count, noun=_NOUN[_VISITS], what="the number of visits"
    )


def grassroots_fund_share(registry: Registry, care: list[CareRecord], places: Places) -> Value:
    """``grassroots_fund_share``: insurance fund paid to grassroots institutions / all in scope."""
    recs = _delivered(care, places, _ALL)
    if isinstance(recs, Value):
        return recs
    amounts = _amounts(recs, "insurance_fund_yuan", "care")
    if isinstance(amounts, Value):
        return amounts
    return _share_by_institution(
        registry,
        recs,
        lambda c: c.insurance_fund_yuan or 0.0,
        noun="care",
        what="the insurance fund paid",
    )


def _residents_care(
    care: list[CareRecord], places: Places, kinds: frozenset[ActivityKind]
) -> tuple[list[CareRecord], list[CareRecord]] | Value:
    """The county residents' care records, split into inside and outside the county."""
    if places.scope is None:
        return none("needs a county (evaluate_indicators(..., county=...))")
    mine = [c for c in care if c.kind in kinds and places.inside(places.residence(c))]
    if not mine:
        return none(f"no {_NOUN[kinds]} records for residents of {places.scope.label()!r}")
    unplaced = [c for c in mine if places.where(c) is None]
    if unplaced:
        return _no_county(unplaced, f"residents' {_NOUN[kinds]}", "place unknown")
    inside = [c for c in mine if places.inside(places.where(c))]
    outside = [c for c in mine if not places.inside(places.where(c))]
    return inside, outside


def _only_numerator(kinds: frozenset[ActivityKind]) -> str:
    return (
        f"only a numerator: no {_NOUN[kinds]} record outside the county (e.g. from insurance "
        "settlement); record count 0 outside the county if none left"
    )


def within_county(care: list[CareRecord], places: Places, kinds: frozenset[ActivityKind]) -> Value:
    """``within_county_care_rate`` / ``within_county_inpatient_share``."""
    split = _residents_care(care, places, kinds)
    if isinstance(split, Value):
        return split
    inside, outside = (sum(c.count for c in part) for part in split)
    if not split[1]:
        return none(_only_numerator(kinds), numerator=inside)
    return ratio(inside, inside + outside, "residents' care")


def fund_in_county(care: list[CareRecord], places: Places) -> Value:
    """``insurance_fund_in_county_share``: fund paid for residents' care inside / all of it."""
    split = _residents_care(care, places, _ALL)
    if isinstance(split, Value):
        return split
    amounts = [_amounts(part, "insurance_fund_yuan", "residents' care") for part in split]
    for a in amounts:
        if isinstance(a, Value):
            return a
    inside, outside = (sum(a) for a in amounts if not isinstance(a, Value))
    if not split[1]:
        return none(_only_numerator(_ALL), numerator=inside)
    return ratio(inside, inside + outside, "the insurance fund paid for residents' care")


def _cost_per_admission(care: list[CareRecord], places: Places) -> Value:
    split = _residents_care(care, places, _ADMISSIONS)
    if isinstance(split, Value):
        return split
    inside = split[0]
    costs = _amounts(inside, "cost_yuan", _NOUN[_ADMISSIONS])
    if isinstance(costs, Value):
        return costs
    return ratio(sum(costs), sum(c.count for c in inside), "the number of admissions")


def inpatient_cost(
    activity: Activity, places: Places, period: str, previous_period: str | None
) -> dict[str, Value]:
    """``inpatient_cost_per_admission_yuan`` and ``inpatient_cost_growth``."""
    now = _cost_per_admission([c for c in activity.care if c.period == period], places)
    if previous_period is None:
        grow = none("needs the previous period (previous_period=...)")
    elif now.value is None:
        grow = none(f"no cost per admission in {period!r}: {now.reason}")
    else:
        before = _cost_per_admission(
            [c for c in activity.care if c.period == previous_period], places
        )
        if before.value is None:
            grow = none(f"no cost per admission in {previous_period!r}: {before.reason}")
        else:
            grow = growth(now.value, before.value, previous_period, "cost per admission")
    return {"inpatient_cost_per_admission_yuan": now, "inpatient_cost_growth": grow}


def tcm_share(registry: Registry, care: list[CareRecord], places: Places) -> Value:
    """``tcm_visit_share``: TCM-class visits / all visits in scope."""
    recs = _delivered(care, places, _VISITS)
    if isinstance(recs, Value):
        return recs

    def is_tcm(c: CareRecord) -> bool | None:
        if c.tcm is not None:
            return c.tcm
        if c.institution is not None:
            kind = registry.institution(c.institution).kind
            if kind is InstitutionKind.TCM_HOSPITAL:
                return True
        return None

    unknown = [c for c in recs if is_tcm(c) is None]
    if unknown:
        at = _at(unknown)
        return none(
            f"{_records(len(unknown), _NOUN[_VISITS], ('does', 'do'))} not say whether the "
            f"care is TCM{f' (at {at})' if at else ''} (tcm: true/false; visits at a TCM hospital "
            "are TCM by default)"
        )
    if not recs:
        return none(f"no {_NOUN[_VISITS]} records in scope")
    return ratio(
        sum(c.count for c in recs if is_tcm(c)),
        sum(c.count for c in recs),
        "the number of visits",
    )


def family_doctor(activity: Activity, places: Places, period: str) -> Value:
    """``family_doctor_coverage``: signed residents / residents."""
    found = residents_of(activity, places, period)
    if isinstance(found, str):
        return none(found)
    if found.signed is None:
        return none(f"the resident count for period {period!r} gives no signed residents")
    return ratio(found.signed, found.count, "the resident population")


def ecg_village_coverage(registry: Registry, places: Places) -> Value:
    """``ecg_village_coverage``: village clinics offering ECG / all village clinics in scope."""
    villages = [
        i
        for i in registry.institutions
        if i.kind is InstitutionKind.VILLAGE_CLINIC and places.inside(places.of(i))
    ]
    if not villages:
        return none("no village clinics (村卫生室) in scope")
    with_ecg = sum(1 for i in villages if any(s.value == "ecg" for s in i.services))
    return ratio(with_ecg, len(villages), "the number of village clinics")

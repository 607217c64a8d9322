"""Evaluate the indicators for a period: check the records, compute, compare with targets."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable

from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.indicators._activity import Activity
from medalliance.indicators._compute import labelled_places, values
from medalliance.indicators._definitions import INDICATORS, IndicatorDefinition
from medalliance.indicators._places import Codes, Place, Places, institution_places
from medalliance.indicators._report import IndicatorReport, IndicatorResult, IndicatorStatus
from medalliance.indicators._targets import IndicatorTarget, IndicatorTargets, default_targets
from medalliance.indicators._values import Value
from medalliance.model._as_of import as_date, view_day
from medalliance.model._require import require_registry
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry

_CODE = re.compile(r"^[0-9]{6}$")


def _check_ids(registry: Registry, activity: Activity, day: _dt.date | None = None) -> None:
    """Every record naming an unknown institution, or a county its institution contradicts.

    Codes and names are compared as read on ``day`` (see ``_places``: an old code and its
    successor agree).
    """
    problems: list[Problem] = []
    codes = Codes(registry, day)
    places = institution_places(registry, codes)
    stored = institution_places(registry)
    for i, c in enumerate(activity.care):
        if c.institution is not None and not registry.has_institution(c.institution):
            problems.append(
                Problem(("care", i, "institution"), f"unknown institution {c.institution!r}")
            )
            continue
        if c.institution is None or c.institution not in places:
            continue
        own = places[c.institution]
        given = codes(Place(c.county, c.county_code))
        assert given is not None
        names = {own.name, stored[c.institution].name}
        if c.county is not None and not names & {c.county, given.name}:
            problems.append(
                Problem(
                    ("care", i, "county"),
                    f"county {c.county!r} contradicts institution {c.institution!r} in "
                    f"{own.name!r}",
                )
            )
        if c.county_code is not None and own.code is not None and own.code != given.code:
            problems.append(
                Problem(
                    ("care", i, "county_code"),
                    f"county code {c.county_code} contradicts institution {c.institution!r} in "
                    f"{own.label()}",
                )
            )
    for i, r in enumerate(activity.referrals):
        for fld in ("origin", "destination"):
            ref = getattr(r, fld)
            if not registry.has_institution(ref):
                problems.append(Problem(("referrals", i, fld), f"unknown institution {ref!r}"))
    for i, p in enumerate(activity.postings):
        for fld in ("host", "site"):
            ref = getattr(p, fld)
            if not registry.has_institution(ref):
                problems.append(Problem(("postings", i, fld), f"unknown institution {ref!r}"))
    if problems:
        raise UnknownIdError(problems)


def evaluate_indicators(
    registry: Registry,
    activity: Activity,
    *,
    period: str,
    previous_period: str | None = None,
    county: str | None = None,
    county_code: str | None = None,
    targets: IndicatorTargets | Iterable[IndicatorTarget] | None = None,
    as_of: _dt.date | str | None = None,
) -> IndicatorReport:
    """Compute the official indicators for ``period`` and compare them with their targets.

    Parameters
    ----------
    registry : Registry
        Institutions (their tiers, kinds and counties); not modified.
    activity : Activity
        The records; not modified.
    period : str
        The period evaluated (records of other periods are ignored).
    previous_period : str, optional
        The period down-referral growth is measured against.
    county : str, optional
        Limit to one county, by name (see the module rules); a county is required for the
        within-county indicators. A name the data hold for two different counties (朝阳区 of
        Beijing and of Changchun) is ambiguous and raises, listing the candidates.
    county_code : str, optional
        The county's 6-digit administrative division code (行政区划代码), matched against the
        institutions' ``region.division_code`` and the records' codes; a place without a code
        then matches by name only when no other county of that name could be meant.
    targets : IndicatorTargets or iterable of IndicatorTarget, optional
        Targets to compare with; :func:`default_targets` when omitted. An indicator without a
        target is reported as ``no_target``.
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    IndicatorReport
        One :class:`IndicatorResult` per indicator of :data:`INDICATORS`.

    Raises
    ------
    MedAllianceError
        For records naming unknown institutions, a record's county or code contradicting its
        institution's, an ambiguous county name (listing the candidates), or targets listing
        an indicator twice.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> activity = Activity(care=[
    ...     {"period": "2019", "kind": "visit", "institution": "township_centre", "count": 700},
    ...     {"period": "2019", "kind": "visit", "institution": "county_hospital", "count": 300}])
    >>> report = evaluate_indicators(reg, activity, period="2019")
    >>> share = report.result("grassroots_visit_share")
    >>> share.value, share.status.value, share.target.describe()
    (0.7, 'met', '>= 0.65 by 2017')
    >>> rate = report.result("within_county_care_rate")
    >>> rate.status.value, rate.reason
    ('not_computable', 'needs a county (evaluate_indicators(..., county=...))')

    The county-community monitoring indicators, for a synthetic county named by its division
    code: the insurance fund's spending, the inpatient cost, the TCM flag, family-doctor
    contracts, and village clinics' ECG from the registry.

    >>> from medalliance import synthetic
    >>> reg = synthetic.county(seed=5, townships=2, villages_per_township=1)
    >>> mine = {"period": "2024", "resident_county": "茂怀县"}
    >>> activity = Activity(
    ...     care=[
    ...         {**mine, "kind": "visit", "institution": "k-t00", "count": 80, "tcm": False,
    ...          "insurance_fund_yuan": 8_000},
    ...         {**mine, "kind": "visit", "institution": "k-tcm", "count": 20,
    ...          "insurance_fund_yuan": 2_000},
    ...         {**mine, "kind": "admission", "institution": "k-h", "count": 10,
    ...          "insurance_fund_yuan": 60_000, "cost_yuan": 90_000},
    ...         {**mine, "kind": "admission", "county": "省城", "count": 2,
    ...          "insurance_fund_yuan": 30_000, "cost_yuan": 50_000},
    ...         {**mine, "period": "2023", "kind": "admission", "institution": "k-h",
    ...          "count": 10, "cost_yuan": 80_000}],
    ...     residents=[{"period": "2024", "county_code": "461629", "count": 1_000,
    ...                 "signed": 400}])
    >>> report = evaluate_indicators(reg, activity, period="2024", previous_period="2023",
    ...                              county_code="461629")
    >>> for code in ("ecg_village_coverage", "insurance_fund_in_county_share",
    ...              "grassroots_fund_share", "inpatient_cost_per_admission_yuan",
    ...              "inpatient_cost_growth", "tcm_visit_share", "family_doctor_coverage"):
    ...     r = report.result(code)
    ...     print(code, round(r.value, 4), r.status.value)
    ecg_village_coverage 0.0 no_target
    insurance_fund_in_county_share 0.7 no_target
    grassroots_fund_share 0.1143 no_target
    inpatient_cost_per_admission_yuan 9000.0 no_target
    inpatient_cost_growth 0.125 no_target
    tcm_visit_share 0.2 no_target
    family_doctor_coverage 0.4 met
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    day = view_day(registry) if as_of is None else as_date(as_of)
    _check_arguments(
        activity,
        period=period,
        previous_period=previous_period,
        county=county,
        county_code=county_code,
    )
    _check_ids(registry, activity, day)
    if targets is None:
        tset = default_targets()
    elif isinstance(targets, IndicatorTargets):
        tset = targets
    else:
        tset = IndicatorTargets(targets=tuple(targets))
    places = Places(registry, activity, county, county_code, day)
    places.check(labelled_places(registry, activity, places))
    found = values(registry, activity, places, period=period, previous_period=previous_period)
    results = tuple(_result(d, found[d.code], tset.target(d.code)) for d in INDICATORS)
    scope = places.scope
    return IndicatorReport.model_construct(
        period=period,
        previous_period=previous_period,
        county=county if scope is None else scope.name,
        county_code=None if scope is None else scope.code,
        results=results,
    )


def _check_arguments(
    activity: Activity,
    *,
    period: str,
    previous_period: str | None,
    county: str | None,
    county_code: str | None,
) -> None:
    """Every problem with the arguments at once: the activity type, blank or non-text names."""
    problems = []
    if not isinstance(activity, Activity):
        problems.append(Problem(("activity",), "must be an Activity"))
    for name, arg, optional in (
        ("period", period, False),
        ("previous_period", previous_period, True),
        ("county", county, True),
    ):
        if (arg is None and not optional) or (
            arg is not None and (not isinstance(arg, str) or not arg.strip())
        ):
            problems.append(Problem((name,), f"must be non-blank text, got {arg!r}"))
    if county_code is not None and (
        not isinstance(county_code, str) or not _CODE.match(county_code)
    ):
        problems.append(
            Problem(("county_code",), f"must be a 6-digit division code, got {county_code!r}")
        )
    if problems:
        raise MedAllianceError(problems)


def _result(d: IndicatorDefinition, v: Value, target: IndicatorTarget | None) -> IndicatorResult:
    """One indicator's result: its value compared with its target."""
    if v.value is None:
        status = IndicatorStatus.NOT_COMPUTABLE
    else:
        met = target.met_by(v.value) if target is not None else None
        if met is None:
            status = IndicatorStatus.NO_TARGET
        else:
            status = IndicatorStatus.MET if met else IndicatorStatus.NOT_MET
    return IndicatorResult.model_construct(
        code=d.code,
        name_zh=d.name_zh,
        name_en=d.name_en,
        unit=d.unit,
        value=v.value,
        numerator=None if v.numerator is None else float(v.numerator),
        denominator=None if v.denominator is None else float(v.denominator),
        official=d.official,
        target=target,
        status=status,
        reason=v.reason,
        counted=v.counted,
        note="; ".join(n for n in (v.note, d.caveat) if n) or None,
    )

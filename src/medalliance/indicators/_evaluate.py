"""Evaluate the indicators for a period: check the records, compute, compare with targets."""

from __future__ import annotations

from collections.abc import Iterable

from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.indicators._activity import Activity
from medalliance.indicators._formulas import _Value, _values
from medalliance.indicators._report import IndicatorReport, IndicatorResult, IndicatorStatus
from medalliance.indicators._targets import (
    INDICATORS,
    IndicatorDefinition,
    IndicatorTarget,
    IndicatorTargets,
    default_targets,
)
from medalliance.model.registry import Registry


def _check_ids(registry: Registry, activity: Activity) -> None:
    """Every record naming an unknown institution, or a county its institution contradicts."""
    problems: list[Problem] = []
    for i, c in enumerate(activity.care):
        if c.institution is not None and not registry.has_institution(c.institution):
            problems.append(
                Problem(("care", i, "institution"), f"unknown institution {c.institution!r}")
            )
        elif c.institution is not None and c.county is not None:
            own = registry.institution(c.institution).region.county
            if own is not None and own != c.county:
                problems.append(
                    Problem(
                        ("care", i, "county"),
                        f"county {c.county!r} contradicts institution {c.institution!r} in {own!r}",
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
    targets: IndicatorTargets | Iterable[IndicatorTarget] | None = None,
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
        Limit to one county (see the module rules); required for the within-county rates.
    targets : IndicatorTargets or iterable of IndicatorTarget, optional
        Targets to compare with; :func:`default_targets` when omitted. An indicator without a
        target is reported as ``no_target``.

    Returns
    -------
    IndicatorReport
        One :class:`IndicatorResult` per indicator of :data:`INDICATORS`.

    Raises
    ------
    MedAllianceError
        For records naming unknown institutions, a record's county contradicting its
        institution's, or targets listing an indicator twice.

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
    (0.7, 'met', '>= 0.65')
    >>> rate = report.result("within_county_care_rate")
    >>> rate.status.value, rate.reason
    ('not_computable', 'needs a county (evaluate_indicators(..., county=...))')
    """
    _check_arguments(activity, period=period, previous_period=previous_period, county=county)
    _check_ids(registry, activity)
    if targets is None:
        tset = default_targets()
    elif isinstance(targets, IndicatorTargets):
        tset = targets
    else:
        tset = IndicatorTargets(targets=tuple(targets))
    values = _values(
        registry, activity, period=period, previous_period=previous_period, county=county
    )
    results = tuple(_result(d, values[d.code], tset.target(d.code)) for d in INDICATORS)
    return IndicatorReport.model_construct(
        period=period, previous_period=previous_period, county=county, results=results
    )


def _check_arguments(
    activity: Activity, *, period: str, previous_period: str | None, county: str | None
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
    if problems:
        raise MedAllianceError(problems)


def _result(d: IndicatorDefinition, v: _Value, target: IndicatorTarget | None) -> IndicatorResult:
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
        target=target,
        status=status,
        reason=v.reason,
    )

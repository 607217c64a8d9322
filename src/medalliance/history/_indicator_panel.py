"""Official indicators over reporting periods, as a long table: :func:`indicator_panel`."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from medalliance.errors import MedAllianceError, Problem
from medalliance.history._panel import Panel, panel
from medalliance.indicators import Activity, IndicatorTarget, IndicatorTargets
from medalliance.indicators import evaluate_indicators as _evaluate
from medalliance.model._as_of import as_date
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry

__all__ = ["indicator_panel"]


def _days(periods: Mapping[str, Any]) -> tuple[list[tuple[str, _dt.date]], list[Problem]]:
    """The ``(period, day)`` pairs of ``periods``, and every problem with them."""
    problems: list[Problem] = []
    pairs: list[tuple[str, _dt.date]] = []
    if not isinstance(periods, Mapping) or not periods:
        return [], [Problem(("periods",), "must be a non-empty mapping of period -> day")]
    seen: dict[_dt.date, str] = {}
    for label, day in periods.items():
        if not isinstance(label, str) or not label.strip():
            problems.append(Problem(("periods", repr(label)), "a period must be non-blank text"))
            continue
        try:
            parsed = as_date(day, where="periods")
        except MedAllianceError as exc:
            problems += [Problem(("periods", label), p.message) for p in exc.problems]
            continue
        if parsed in seen:
            problems.append(
                Problem(("periods", label), f"day {parsed} is also the day of {seen[parsed]!r}")
            )
        seen[parsed] = label
        pairs.append((label, parsed))
    return pairs, problems


def indicator_panel(
    registry: Registry,
    activity: Activity,
    periods: Mapping[str, _dt.date | str],
    *,
    county: str | None = None,
    county_code: str | None = None,
    targets: IndicatorTargets | Iterable[IndicatorTarget] | None = None,
    measures: Iterable[str] = (),
) -> Panel:
    """The official indicators of each reporting period, as a long table like :func:`panel`.

    Each period is evaluated by :func:`medalliance.indicators.evaluate_indicators` on
    ``registry.as_of(day)`` — the registry as it stood on the period's day (usually its last
    day) — with the previous period of the mapping as ``previous_period`` (so growth
    indicators have a base from the second period on). The indicators describe the area
    evaluated (the ``county``, or every record), not one alliance: their rows have
    ``alliance`` ``""``. A value that cannot be computed is ``nan`` with status
    ``not_computable`` and the reason; every row has its ``period``, ``status`` and ``reason``.
    Structural ``measures`` of :func:`panel` (e.g. ``"members"``) on the same days may be
    added; their status is ``computed``.

    Parameters
    ----------
    registry : Registry
        The registry with its dated records.
    activity : Activity
        The records of every period.
    periods : mapping of str to datetime.date or str
        Period label -> the day the registry is read on, in time order, e.g.
        ``{"2017": "2017-12-31", "2018": "2018-12-31"}``.
    county, county_code : str, optional
        The county evaluated (see :func:`~medalliance.indicators.evaluate_indicators`).
    targets : IndicatorTargets or iterable of IndicatorTarget, optional
        Targets (default: the bundled ones); they set each row's status (``met`` ...).
    measures : iterable of str
        Structural measures of :data:`~medalliance.history.MEASURES` to add.

    Raises
    ------
    MedAllianceError
        Naming every period whose day is not a date or repeats another's, and every problem
        :func:`~medalliance.indicators.evaluate_indicators` or :func:`panel` reports.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.indicators import Activity
    >>> reg = examples.load("county_township")
    >>> act = Activity(referrals=[
    ...     {"period": "2017", "origin": "county_hospital", "destination": "township_centre",
    ...      "count": 45},
    ...     {"period": "2018", "origin": "county_hospital", "destination": "township_centre",
    ...      "count": 55}])
    >>> p = indicator_panel(reg, act, {"2017": "2017-12-31", "2018": "2018-12-31"})
    >>> [(r["period"], round(r["value"], 3), r["status"]) for r in p.rows()
    ...  if r["measure"] == "down_referral_growth"]
    [('2017', nan, 'not_computable'), ('2018', 0.222, 'met')]
    """
    require_registry(registry)
    pairs, problems = _days(periods)
    if problems:
        raise MedAllianceError(problems)
    records: list[tuple[_dt.date, str, str, float]] = []
    notes: list[tuple[str, str, str | None]] = []
    codes: list[str] = []
    previous: str | None = None
    for label, day in pairs:
        report = _evaluate(
            registry,
            activity,
            period=label,
            previous_period=previous,
            county=county,
            county_code=county_code,
            targets=targets,
            as_of=day,
        )
        for r in report.results:
            value = math.nan if r.value is None else float(r.value)
            records.append((day, "", r.code, value))
            notes.append((label, r.status.value, r.reason))
            if r.code not in codes:
                codes.append(r.code)
        previous = label
    wanted = tuple(measures)
    if wanted:
        structural = panel(registry, [d for _, d in pairs], measures=wanted)
        label_of = {d: label for label, d in pairs}
        for rec in structural.records:
            records.append(rec)
            notes.append((label_of[rec[0]], "computed", None))
    return Panel(
        days=tuple(d for _, d in pairs),
        measures=(*codes, *wanted),
        records=tuple(records),
        notes=tuple(notes),
    )

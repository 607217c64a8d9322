"""What :func:`~medalliance.indicators.evaluate_indicators` returns: status, result, report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from medalliance.errors import Problem, UnknownIdError
from medalliance.indicators._targets import IndicatorTarget
from medalliance.model.types import FrozenModel, Tabular
from medalliance.model.vocab import LabelledEnum


class IndicatorStatus(LabelledEnum):
    """Outcome of one indicator."""

    MET = "met"
    NOT_MET = "not_met"
    NO_TARGET = "no_target"
    NOT_COMPUTABLE = "not_computable"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.MET: ("达标",),
            cls.NOT_MET: ("未达标",),
            cls.NO_TARGET: ("无目标值",),
            cls.NOT_COMPUTABLE: ("无法计算",),
        }


class IndicatorResult(FrozenModel):
    """One indicator: its value (or why there is none) against its target."""

    code: str
    """Indicator code."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    unit: str
    """Unit of :attr:`value`."""
    value: float | None
    """The value; ``None`` when not computable."""
    numerator: float | None
    """Numerator of the ratio (the current count for growth)."""
    denominator: float | None
    """Denominator (the previous count for growth; residents ÷ 10,000 for per-10k)."""
    target: IndicatorTarget | None
    """The target compared with, if any."""
    status: IndicatorStatus
    """met / not_met / no_target / not_computable."""
    reason: str | None = None
    """Why the value is not computable."""


class IndicatorReport(FrozenModel, Tabular):
    """What :func:`evaluate_indicators` returns."""

    period: str
    """The period evaluated."""
    previous_period: str | None
    """The period growth is measured against."""
    county: str | None
    """The county the indicators are limited to, if any."""
    results: tuple[IndicatorResult, ...]
    """One result per indicator, in :data:`INDICATORS` order."""

    def __iter__(self) -> Iterator[IndicatorResult]:  # type: ignore[override]
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def result(self, code: str) -> IndicatorResult:
        """The result of indicator ``code``.

        Raises
        ------
        UnknownIdError
            For an unknown code.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.indicators import Activity, evaluate_indicators
        >>> visit = {"period": "2019", "kind": "visit"}
        >>> activity = Activity(care=[{**visit, "institution": "township_centre", "count": 700},
        ...                           {**visit, "institution": "county_hospital", "count": 300}])
        >>> report = evaluate_indicators(examples.load("county_township"), activity, period="2019")
        >>> report.result("grassroots_visit_share").value
        0.7
        """
        for r in self.results:
            if r.code == code:
                return r
        raise UnknownIdError([Problem((), f"unknown indicator {code!r}")])

    def rows(self) -> list[dict[str, Any]]:
        """One row per indicator: code, names, value, target, status, reason.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.indicators import Activity, evaluate_indicators
        >>> visit = {"period": "2019", "kind": "visit"}
        >>> activity = Activity(care=[{**visit, "institution": "township_centre", "count": 700},
        ...                           {**visit, "institution": "county_hospital", "count": 300}])
        >>> report = evaluate_indicators(examples.load("county_township"), activity, period="2019")
        >>> row = report.rows()[0]
        >>> row["code"], row["value"], row["target"], row["status"]
        ('grassroots_visit_share', 0.7, '>= 0.65', 'met')
        """
        return [
            {
                "code": r.code,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "value": r.value,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "target": None if r.target is None else r.target.describe(),
                "target_uncertain": None if r.target is None else r.target.uncertain,
                "status": r.status.value,
                "reason": r.reason,
            }
            for r in self.results
        ]

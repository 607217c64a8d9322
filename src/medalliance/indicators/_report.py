"""What :func:`~medalliance.indicators.evaluate_indicators` returns: status, result, report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

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
            cls.NO_TARGET: ("无目标值", "无官方目标值", "no official target"),
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
    official: bool
    """Whether an official indicator system names the indicator (``False``: derived)."""
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
    counted: Literal["persons", "visits"] | None = None
    """For referral indicators: distinct ``persons``, or ``visits`` (referrals, 人次) when the
    records name no persons; ``None`` for the others."""
    note: str | None = None
    """What the value counts when it differs from the official definition (e.g. referrals
    instead of persons), and the indicator's standing caveat."""

    def describe(self) -> str:
        """The result in one line: name, value, status, target, notes.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.indicators import Activity, evaluate_indicators
        >>> down = {"origin": "county_hospital", "destination": "township_centre"}
        >>> activity = Activity(referrals=[{**down, "period": "2017", "count": 45},
        ...                                {**down, "period": "2018", "count": 55}])
        >>> report = evaluate_indicators(examples.load("county_township"), activity,
        ...                              period="2018", previous_period="2017")
        >>> text = report.result("down_referral_growth").describe()
        >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
        down_referral_growth (二、三级医院向基层医疗卫生机构、慢性病医疗机构转诊人数年增长率):
        22.2% met (target >= 0.1 by 2017, national (分级诊疗试点地区), uncertain);
        counts referrals (人次), not persons: 2 referral record(s) of the period(s) name no
        person; 慢性病医疗机构 is read as the nursing_rehab kind (护理院, 康复医院/机构); 养老机构
        (elderly_care) is not a medical institution and is not counted
        """
        if self.value is None:
            shown = "—"
        elif self.unit == "fraction":
            shown = f"{self.value:.1%}"
        elif self.unit == "yuan":
            shown = f"{self.value:,.2f} yuan"
        else:
            shown = f"{self.value:.4g}"
        status = self.status.value.replace("_", " ")
        if self.status is IndicatorStatus.NOT_COMPUTABLE:
            status += f": {self.reason}"
        t = self.target
        if t is None:
            target = "no target" if self.official else "no official target: derived by medalliance"
        elif t.value is None:
            target = t.describe()
        else:
            target = f"target {t.describe()}, {t.jurisdiction}"
            target += ", uncertain" if t.uncertain else ""
        line = f"{self.code} ({self.name_zh}): {shown} {status} ({target})"
        return f"{line}; {self.note}" if self.note else line


class IndicatorReport(FrozenModel, Tabular):
    """What :func:`evaluate_indicators` returns."""

    period: str
    """The period evaluated."""
    previous_period: str | None
    """The period growth is measured against."""
    county: str | None
    """The county the indicators are limited to, if any (as given, or as the data name it)."""
    county_code: str | None = None
    """The division code of that county, when given or known from the data."""
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

    def describe(self) -> str:
        """The report as text: the scope, then one line per indicator.

        Each line is :meth:`IndicatorResult.describe`.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.indicators import Activity, evaluate_indicators
        >>> visit = {"period": "2019", "kind": "visit"}
        >>> activity = Activity(care=[{**visit, "institution": "township_centre", "count": 700},
        ...                           {**visit, "institution": "county_hospital", "count": 300}])
        >>> report = evaluate_indicators(examples.load("county_township"), activity, period="2019")
        >>> print(report.describe().splitlines()[0])
        indicators for period 2019, all counties in the data
        """
        scope = "all counties in the data"
        if self.county is not None or self.county_code is not None:
            code = f"({self.county_code})" if self.county_code else None
            scope = " ".join(p for p in ("county", self.county, code) if p)
        head = f"indicators for period {self.period}"
        if self.previous_period is not None:
            head += f" (growth against {self.previous_period})"
        return "\n".join([f"{head}, {scope}", *(f"- {r.describe()}" for r in self.results)])

    def rows(self) -> list[dict[str, Any]]:
        """One row per indicator: code, names, value, target, status, reason, notes.

        The target comes with its year and jurisdiction; ``counted`` says what a referral
        indicator counts.

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
        ('grassroots_visit_share', 0.7, '>= 0.65 by 2017', 'met')
        """
        return [
            {
                "code": r.code,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "value": r.value,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "official": r.official,
                "target": None if r.target is None else r.target.describe(),
                "target_by_year": None if r.target is None else r.target.by_year,
                "target_jurisdiction": None if r.target is None else r.target.jurisdiction,
                "target_uncertain": None if r.target is None else r.target.uncertain,
                "status": r.status.value,
                "reason": r.reason,
                "counted": r.counted,
                "note": r.note,
            }
            for r in self.results
        ]

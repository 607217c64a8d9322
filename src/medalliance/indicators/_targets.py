"""The indicators computed (:data:`INDICATORS`) and their targets, with sources."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from medalliance._parse import bundled_yaml
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import FrozenModel, NonEmptyText


class IndicatorDefinition(FrozenModel):
    """An indicator medalliance computes: its code, names and unit."""

    code: str
    """Machine code."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    unit: Literal["fraction", "ratio", "per_10k"]
    """``fraction`` (0.65 = 65%), ``ratio``, or ``per_10k`` (per 10,000 residents)."""
    formula: str
    """How it is computed."""


INDICATORS: tuple[IndicatorDefinition, ...] = (
    IndicatorDefinition(
        code="grassroots_visit_share",
        name_zh="基层医疗卫生机构诊疗量占比",
        name_en="Grassroots share of visits",
        unit="fraction",
        formula="visits at grassroots institutions / all visits",
    ),
    IndicatorDefinition(
        code="within_county_care_rate",
        name_zh="县域内就诊率",
        name_en="Within-county care rate",
        unit="fraction",
        formula="county residents' visits and admissions inside the county / all of theirs",
    ),
    IndicatorDefinition(
        code="within_county_inpatient_share",
        name_zh="县域内住院人次占比",
        name_en="Within-county inpatient share",
        unit="fraction",
        formula="county residents' admissions inside the county / all their admissions",
    ),
    IndicatorDefinition(
        code="down_referral_growth",
        name_zh="下转人次年增长率",
        name_en="Down-referral growth",
        unit="fraction",
        formula="(down-referrals this period - previous period) / previous period",
    ),
    IndicatorDefinition(
        code="up_down_ratio",
        name_zh="上转与下转人次之比",
        name_en="Up/down referral ratio",
        unit="ratio",
        formula="up-referrals / down-referrals",
    ),
    IndicatorDefinition(
        code="expert_postings_per_10k",
        name_zh="每万常住人口派驻基层医师人数",
        name_en="Expert postings per 10,000 residents",
        unit="per_10k",
        formula="doctors posted by secondary+ institutions to grassroots / (residents / 10,000)",
    ),
)
"""The indicators :func:`evaluate_indicators` computes, in report order."""

_BY_CODE = {d.code: d for d in INDICATORS}


class IndicatorTarget(FrozenModel):
    """A target for one indicator, with its source and how certain it is."""

    code: str
    """Code of the indicator (one of :data:`INDICATORS`)."""
    name_zh: NonEmptyText
    """The indicator as the source words it."""
    name_en: NonEmptyText
    """English rendering of that name."""
    comparison: Literal[">=", "<=", "≈"]
    """``>=``: value at least target − tolerance; ``<=``: at most target + tolerance;
    ``≈``: within tolerance of the target."""
    value: Annotated[float, Field(strict=True)] | None
    """Target value in the indicator's unit; ``None`` when no official number exists."""
    tolerance: Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)] = 0.0
    """Slack in the indicator's unit (required > 0 for ``≈``)."""
    source: NonEmptyText
    """Where the target comes from."""
    uncertain: StrictBool
    """Whether the value could not be confirmed in its source (check before relying on it)."""
    note: NonEmptyText | None = None
    """How the target was read."""

    @model_validator(mode="after")
    def _check(self) -> IndicatorTarget:
        problems = []
        if self.code not in _BY_CODE:
            known = ", ".join(_BY_CODE)
            problems.append(Problem(("code",), f"unknown indicator {self.code!r}; known: {known}"))
        if self.comparison == "≈" and self.value is not None and self.tolerance <= 0:
            problems.append(Problem(("tolerance",), "a '≈' target needs a tolerance > 0"))
        if problems:
            raise MedAllianceError(problems)
        return self

    def met_by(self, value: float) -> bool | None:
        """Whether ``value`` meets the target (``None`` when there is no target value).

        Examples
        --------
        >>> t = default_targets().target("grassroots_visit_share")
        >>> t.met_by(0.634), t.met_by(0.65)
        (False, True)
        """
        if self.value is None:
            return None
        if self.comparison == ">=":
            return value >= self.value - self.tolerance
        if self.comparison == "<=":
            return value <= self.value + self.tolerance
        return abs(value - self.value) <= self.tolerance

    def describe(self) -> str:
        """The target in words, e.g. ``>= 0.65``.

        Examples
        --------
        >>> default_targets().target("grassroots_visit_share").describe()
        '>= 0.65'
        """
        if self.value is None:
            return "no target"
        tol = f" ± {self.tolerance:g}" if self.tolerance else ""
        return f"{self.comparison} {self.value:g}{tol}"


class IndicatorTargets(FrozenModel):
    """A set of targets, at most one per indicator.

    Examples
    --------
    >>> t = default_targets()
    >>> [x.code for x in t.targets if x.uncertain]
    ['within_county_care_rate', 'within_county_inpatient_share']
    """

    name: NonEmptyText | None = None
    """What the set is."""
    targets: tuple[IndicatorTarget, ...] = ()
    """The targets."""

    @model_validator(mode="after")
    def _check(self) -> IndicatorTargets:
        seen: set[str] = set()
        problems = []
        for i, t in enumerate(self.targets):
            if t.code in seen:
                problems.append(Problem(("targets", i, "code"), f"second target for {t.code!r}"))
            seen.add(t.code)
        if problems:
            raise MedAllianceError(problems)
        return self

    def target(self, code: str) -> IndicatorTarget | None:
        """The target for indicator ``code``, or ``None``.

        Examples
        --------
        >>> targets = default_targets()
        >>> targets.target("grassroots_visit_share").value, targets.target("no_such_code")
        (0.65, None)
        """
        for t in self.targets:
            if t.code == code:
                return t
        return None


@cache
def default_targets() -> IndicatorTargets:
    """The targets shipped with medalliance (``data/indicator_targets.yaml``).

    Uncertain targets (recalled, or borrowed from another indicator) carry
    ``uncertain=True``; targets without an official number have ``value=None``.

    Examples
    --------
    >>> t = default_targets().target("down_referral_growth")
    >>> t.describe(), t.uncertain
    ('>= 0.1', False)
    """
    return IndicatorTargets.model_validate(bundled_yaml("indicator_targets.yaml"))

"""Targets of the indicators, with their year, jurisdiction and source (data, not code)."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from medalliance._parse import bundled_yaml
from medalliance.errors import MedAllianceError, Problem
from medalliance.indicators._definitions import BY_CODE
from medalliance.model.types import FrozenModel, NonEmptyText

NO_OFFICIAL_TARGET = "no official target"
"""How a target without a value is described."""


class IndicatorTarget(FrozenModel):
    """A target for one indicator: the value, by when, where it applies, and its source.

    A target without a ``value`` records that no official number was found (or that the only
    number at hand belongs to another indicator): the indicator is then reported as
    ``no_target``, never as met or not met.

    Examples
    --------
    >>> IndicatorTarget(code="grassroots_visit_share", name_zh="基层诊疗量占比", name_en="share",
    ...                 comparison=">=", value=0.6, jurisdiction="某省", source="某省方案",
    ...                 uncertain=False)
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - by_year: a target with a value needs the year it is to be met by
    """

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
    by_year: Annotated[int, Field(ge=1949, le=2100, strict=True)] | None = None
    """Year the target is to be met by (required with a ``value``), e.g. 2017."""
    jurisdiction: NonEmptyText
    """Where the target applies, e.g. ``national (分级诊疗试点地区)`` or ``甘肃省``."""
    source: NonEmptyText
    """Where the target comes from."""
    uncertain: StrictBool
    """Whether the value could not be confirmed in its source (check before relying on it)."""
    note: NonEmptyText | None = None
    """How the target was read."""

    @model_validator(mode="after")
    def _check(self) -> IndicatorTarget:
        problems = []
        if self.code not in BY_CODE:
            known = ", ".join(BY_CODE)
            problems.append(Problem(("code",), f"unknown indicator {self.code!r}; known: {known}"))
        if self.comparison == "≈" and self.value is not None and self.tolerance <= 0:
            problems.append(Problem(("tolerance",), "a '≈' target needs a tolerance > 0"))
        if self.value is not None and self.by_year is None:
            problems.append(
                Problem(("by_year",), "a target with a value needs the year it is to be met by")
            )
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
        >>> default_targets().target("within_county_inpatient_share").met_by(0.95) is None
        True
        """
        if self.value is None:
            return None
        if self.comparison == ">=":
            return value >= self.value - self.tolerance
        if self.comparison == "<=":
            return value <= self.value + self.tolerance
        return abs(value - self.value) <= self.tolerance

    def describe(self) -> str:
        """The target in words, e.g. ``>= 0.65 by 2017``, or ``no official target``.

        Examples
        --------
        >>> default_targets().target("grassroots_visit_share").describe()
        '>= 0.65 by 2017'
        >>> default_targets().target("within_county_inpatient_share").describe()
        'no official target'
        """
        if self.value is None:
            return NO_OFFICIAL_TARGET
        tol = f" ± {self.tolerance:g}" if self.tolerance else ""
        return f"{self.comparison} {self.value:g}{tol} by {self.by_year}"


class IndicatorTargets(FrozenModel):
    """A set of targets, at most one per indicator.

    Examples
    --------
    >>> t = default_targets()
    >>> [x.code for x in t.targets if x.value is not None]
    ['grassroots_visit_share', 'within_county_care_rate', 'down_referral_growth', \
'family_doctor_coverage']
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
        >>> targets.target("grassroots_visit_share").value, targets.target("up_down_ratio")
        (0.65, None)
        """
        for t in self.targets:
            if t.code == code:
                return t
        return None


@cache
def default_targets() -> IndicatorTargets:
    """The targets shipped with medalliance (``data/indicator_targets.yaml``).

    Every official indicator has an entry with its source; those without an official number
    (or with only a number borrowed from another indicator) have ``value=None``. Values read
    from copies of a document that could not be seen carry ``uncertain=True``.

    Examples
    --------
    >>> t = default_targets().target("down_referral_growth")
    >>> t.describe(), t.jurisdiction, t.uncertain
    ('>= 0.1 by 2017', 'national (分级诊疗试点地区)', True)
    """
    return IndicatorTargets.model_validate(bundled_yaml("indicator_targets.yaml"))

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

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator

from medalliance._parse import bundled_yaml
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Id, NonEmptyText, NonNegInt, Tabular
from medalliance.model.vocab import LabelledEnum

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


# --------------------------------------------------------------------------------------
# activity records


class ActivityKind(LabelledEnum):
    """What a care record counts: outpatient and emergency visits, or inpatient admissions."""

    VISIT = "visit"
    ADMISSION = "admission"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.VISIT: ("诊疗人次", "门急诊", "门急诊人次", "就诊", "outpatient", "visits"),
            cls.ADMISSION: ("住院", "住院人次", "出院人次", "inpatient", "admissions"),
        }


class CareRecord(FrozenModel):
    """Care delivered in one period: a count of visits or admissions.

    ``institution`` is where the care was given (an institution of the registry); care given
    outside the registry (e.g. a hospital in another province, known from insurance
    settlement) has no institution but must name the ``county`` it was given in.
    """

    period: NonEmptyText
    """Reporting period, e.g. ``2019`` or ``2019-Q1``."""
    kind: ActivityKind
    """Visits or admissions."""
    count: NonNegInt
    """Number of visits (人次) or admissions."""
    institution: Id | None = None
    """Institution that gave the care, when it is in the registry."""
    county: NonEmptyText | None = None
    """County where the care was given (default: the institution's ``region.county``)."""
    resident_county: NonEmptyText | None = None
    """County of residence of the patients counted, when known."""

    @model_validator(mode="after")
    def _check(self) -> CareRecord:
        if self.institution is None and self.county is None:
            raise MedAllianceError(
                [Problem(("county",), "give the institution or the county the care was given in")]
            )
        return self


class ReferralRecord(FrozenModel):
    """Referrals from one institution to another in one period."""

    period: NonEmptyText
    """Reporting period."""
    origin: Id
    """Referring institution."""
    destination: Id
    """Receiving institution."""
    count: NonNegInt
    """Number of patients referred."""

    @model_validator(mode="after")
    def _check(self) -> ReferralRecord:
        if self.origin == self.destination:
            raise MedAllianceError(
                [Problem(("destination",), "a referral's destination must differ from its origin")]
            )
        return self


class PostingRecord(FrozenModel):
    """Doctors posted by one institution to another (派驻) in one period.

    The count is of mid-level and senior doctors (中级及以上医师), as the 2024 monitoring
    indicator counts them; the record states it, the registry cannot check titles.
    """

    period: NonEmptyText
    """Reporting period."""
    host: Id
    """Institution that posts the doctors."""
    site: Id
    """Institution they are posted to."""
    count: NonNegInt
    """Doctors posted (人)."""


class ResidentCount(FrozenModel):
    """Resident population (常住人口) of an area in one period."""

    period: NonEmptyText
    """Reporting period."""
    county: NonEmptyText | None = None
    """The county; ``None`` for the whole area the activity covers."""
    count: NonNegInt
    """Residents."""


class Activity(FrozenModel):
    """Activity records of an alliance or area: care, referrals, postings, residents.

    Examples
    --------
    >>> Activity(care=[{"period": "2019", "kind": "门急诊", "count": 10, "county": "某县"}]
    ...          ).care[0].kind
    <ActivityKind.VISIT: 'visit'>
    >>> Activity(residents=[{"period": "2019", "count": 5}, {"period": "2019", "count": 6}])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - residents[1]: a second resident count for period '2019' and county None
    """

    care: tuple[CareRecord, ...] = ()
    """Visits and admissions."""
    referrals: tuple[ReferralRecord, ...] = ()
    """Referrals by origin and destination."""
    postings: tuple[PostingRecord, ...] = ()
    """Expert postings."""
    residents: tuple[ResidentCount, ...] = ()
    """Resident populations, at most one per period and county."""

    @model_validator(mode="after")
    def _check(self) -> Activity:
        seen: set[tuple[str, str | None]] = set()
        problems = []
        for i, r in enumerate(self.residents):
            key = (r.period, r.county)
            if key in seen:
                problems.append(
                    Problem(
                        ("residents", i),
                        f"a second resident count for period {r.period!r} and county {r.county!r}",
                    )
                )
            seen.add(key)
        if problems:
            raise MedAllianceError(problems)
        return self


# --------------------------------------------------------------------------------------
# definitions and targets


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


# --------------------------------------------------------------------------------------
# results


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


# --------------------------------------------------------------------------------------
# computation


def _check_ids(registry: Registry, activity: Activity) -> None:
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


def _where(registry: Registry, c: CareRecord) -> str | None:
    if c.county is not None:
        return c.county
    assert c.institution is not None  # checked by CareRecord
    return registry.institution(c.institution).region.county


def _county_of(inst: Institution) -> str | None:
    return inst.region.county


class _Value:
    """A computed value or the reason there is none (internal)."""

    __slots__ = ("denominator", "numerator", "reason", "value")

    def __init__(
        self,
        value: float | None,
        numerator: float | None = None,
        denominator: float | None = None,
        reason: str | None = None,
    ) -> None:
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.reason = reason


def _none(reason: str, numerator: float | None = None, denominator: float | None = None) -> _Value:
    return _Value(None, numerator, denominator, reason)


def _ratio(num: float, den: float, what: str) -> _Value:
    if den == 0:
        return _none(f"{what} is 0: the ratio is undefined", num, den)
    return _Value(num / den, num, den)


def _grassroots_share(registry: Registry, care: list[CareRecord], county: str | None) -> _Value:
    visits = [c for c in care if c.kind is ActivityKind.VISIT]
    if county is not None:
        unplaced = sum(1 for c in visits if _where(registry, c) is None)
        if unplaced:
            return _none(f"{unplaced} visit record(s) have no county: scope unknown")
        visits = [c for c in visits if _where(registry, c) == county]
    unnamed = [c for c in visits if c.institution is None]
    if unnamed:
        return _none(
            f"{len(unnamed)} visit record(s) name no institution: cannot tell whether they are "
            "grassroots"
        )
    if not visits:
        return _none("no visits recorded in scope")
    total = sum(c.count for c in visits)
    grassroots = sum(
        c.count
        for c in visits
        if c.institution is not None and registry.institution(c.institution).is_grassroots
    )
    return _ratio(grassroots, total, "the number of visits")


def _within_county(
    registry: Registry, care: list[CareRecord], county: str | None, kinds: set[ActivityKind]
) -> _Value:
    if county is None:
        return _none("needs a county (evaluate_indicators(..., county=...))")
    mine = [c for c in care if c.kind in kinds and c.resident_county == county]
    if not mine:
        return _none(f"no records of care for residents of {county!r}")
    unplaced = sum(1 for c in mine if _where(registry, c) is None)
    if unplaced:
        return _none(f"{unplaced} record(s) of residents' care have no county: place unknown")
    inside = sum(c.count for c in mine if _where(registry, c) == county)
    outside = [c for c in mine if _where(registry, c) != county]
    if not outside:
        return _none(
            "only a numerator: no record of care outside the county (e.g. from insurance "
            "settlement); record count 0 outside the county if none left",
            numerator=inside,
        )
    return _ratio(inside, inside + sum(c.count for c in outside), "residents' care")


def _direction_counts(
    registry: Registry, referrals: list[ReferralRecord], county: str | None
) -> tuple[int, int]:
    up = down = 0
    for r in referrals:
        o, d = registry.institution(r.origin), registry.institution(r.destination)
        if county is not None and county not in (_county_of(o), _county_of(d)):
            continue
        if d.tier > o.tier:
            up += r.count
        elif d.tier < o.tier:
            down += r.count
    return up, down


def _postings(registry: Registry, activity: Activity, period: str, county: str | None) -> _Value:
    posted = 0
    for p in activity.postings:
        if p.period != period:
            continue
        host, site = registry.institution(p.host), registry.institution(p.site)
        if county is not None and _county_of(site) != county:
            continue
        if host.tier >= Tier.SECONDARY and site.is_grassroots:
            posted += p.count
    found = [r for r in activity.residents if r.period == period and r.county == county]
    if not found:
        where = f" of {county!r}" if county is not None else ""
        return _none(f"no resident population{where} for period {period!r}", numerator=posted)
    residents = found[0].count
    if residents == 0:
        return _none("the resident population is 0: the rate is undefined", numerator=posted)
    return _Value(posted / (residents / 10_000), posted, residents / 10_000)


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
    _check_ids(registry, activity)
    if targets is None:
        tset = default_targets()
    elif isinstance(targets, IndicatorTargets):
        tset = targets
    else:
        tset = IndicatorTargets(targets=tuple(targets))
    care = [c for c in activity.care if c.period == period]
    values: dict[str, _Value] = {
        "grassroots_visit_share": _grassroots_share(registry, care, county),
        "within_county_care_rate": _within_county(
            registry, care, county, {ActivityKind.VISIT, ActivityKind.ADMISSION}
        ),
        "within_county_inpatient_share": _within_county(
            registry, care, county, {ActivityKind.ADMISSION}
        ),
    }
    up, down = _direction_counts(
        registry, [r for r in activity.referrals if r.period == period], county
    )
    if previous_period is None:
        values["down_referral_growth"] = _none(
            "needs the previous period (previous_period=...)", numerator=down
        )
    else:
        _, before = _direction_counts(
            registry, [r for r in activity.referrals if r.period == previous_period], county
        )
        if before == 0:
            values["down_referral_growth"] = _none(
                f"no down-referrals in {previous_period!r}: growth is undefined", down, before
            )
        else:
            values["down_referral_growth"] = _Value((down - before) / before, down, before)
    values["up_down_ratio"] = _ratio(up, down, "the number of down-referrals")
    values["expert_postings_per_10k"] = _postings(registry, activity, period, county)
    results = []
    for d in INDICATORS:
        v = values[d.code]
        target = tset.target(d.code)
        if v.value is None:
            status = IndicatorStatus.NOT_COMPUTABLE
        else:
            met = target.met_by(v.value) if target is not None else None
            if met is None:
                status = IndicatorStatus.NO_TARGET
            else:
                status = IndicatorStatus.MET if met else IndicatorStatus.NOT_MET
        results.append(
            IndicatorResult.model_construct(
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
        )
    return IndicatorReport.model_construct(
        period=period, previous_period=previous_period, county=county, results=tuple(results)
    )

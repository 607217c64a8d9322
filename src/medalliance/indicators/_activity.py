"""Activity records: care delivered, referrals, expert postings and resident populations."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, model_validator

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.common import DivisionCode
from medalliance.model.types import FrozenModel, Id, NonEmptyText, NonNegInt
from medalliance.model.vocab import LabelledEnum

Yuan = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
"""An amount of money in yuan (元): a finite number >= 0 (an int is fine)."""


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
    settlement) has no institution but must name the ``county`` (or ``county_code``) it was
    given in. The money fields, when given, are the totals of the care the record counts.
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
    county_code: DivisionCode | None = None
    """6-digit administrative division code (行政区划代码) of that county, when known."""
    resident_county: NonEmptyText | None = None
    """County of residence of the patients counted (参保地), when known."""
    resident_county_code: DivisionCode | None = None
    """Division code of the county of residence, when known."""
    insurance_fund_yuan: Yuan | None = None
    """What the basic medical insurance fund paid for this care (医保基金支出), in yuan."""
    cost_yuan: Yuan | None = None
    """Total medical cost of this care (医疗费用), in yuan."""
    tcm: StrictBool | None = None
    """Whether the care is TCM-class (中医类诊疗); default: true at a TCM hospital, else unknown."""

    @model_validator(mode="after")
    def _check(self) -> CareRecord:
        if self.institution is None and self.county is None and self.county_code is None:
            raise MedAllianceError(
                [Problem(("county",), "give the institution or the county the care was given in")]
            )
        return self


class ReferralRecord(FrozenModel):
    """Referrals from one institution to another in one period.

    A record that names a ``person`` is that person's referrals (``count`` of them); the
    referral indicators count distinct persons when every record of the periods evaluated
    names one, and referrals (人次) otherwise.
    """

    period: NonEmptyText
    """Reporting period."""
    origin: Id
    """Referring institution."""
    destination: Id
    """Receiving institution."""
    count: NonNegInt
    """Number of referrals (人次); for a ``person``'s record, that person's referrals."""
    person: NonEmptyText | None = None
    """Pseudonymous id of the person referred, when the record is one person's."""

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
    """Resident population (常住人口) of an area in one period.

    Examples
    --------
    >>> ResidentCount(period="2024", count=100, signed=120)
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - signed: more signed residents (120) than residents (100)
    """

    period: NonEmptyText
    """Reporting period."""
    county: NonEmptyText | None = None
    """The county; ``None`` (with no ``county_code``) for the whole area the activity covers."""
    county_code: DivisionCode | None = None
    """Division code of the county, when known."""
    count: NonNegInt
    """Residents."""
    signed: NonNegInt | None = None
    """Residents with a family-doctor contract (家庭医生签约居民), when known."""

    @model_validator(mode="after")
    def _check(self) -> ResidentCount:
        if self.signed is not None and self.signed > self.count:
            raise MedAllianceError(
                [
                    Problem(
                        ("signed",),
                        f"more signed residents ({self.signed}) than residents ({self.count})",
                    )
                ]
            )
        return self


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
        seen: set[tuple[str, str | None, str | None]] = set()
        problems = []
        for i, r in enumerate(self.residents):
            key = (r.period, r.county, r.county_code)
            if key in seen:
                where = repr(r.county) + (f" ({r.county_code})" if r.county_code else "")
                problems.append(
                    Problem(
                        ("residents", i),
                        f"a second resident count for period {r.period!r} and county {where}",
                    )
                )
            seen.add(key)
        if problems:
            raise MedAllianceError(problems)
        return self

"""Declared figures: totals a source states without itemising them, kept with their source.

"42 grassroots units", "13,000+ beds radiated", "10 member MCH institutions of which 6 named":
such facts are :class:`DeclaredFigure` s of an alliance, never invented institutions. Counts
(every :class:`FigureUnit` except ``yuan`` and ``percent``) must be non-negative integers.

Examples
--------
>>> f = DeclaredFigure(metric="grassroots_members", value=42, unit="家", qualifier="以上")
>>> f.unit.value, f.qualifier.value
('institutions', 'at_least')
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field, model_validator

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.common import Provenance
from medalliance.model.types import FrozenModel, Id, NonEmptyText
from medalliance.model.vocab import LabelledEnum, ServiceKindField

__all__ = ["DeclaredFigure", "FigureUnit", "Qualifier"]


class FigureUnit(LabelledEnum):
    """Unit of a declared figure."""

    INSTITUTIONS = "institutions"
    BEDS = "beds"
    PEOPLE = "people"
    PATIENT_VISITS = "patient_visits"
    ITEMS = "items"
    TESTS = "tests"
    SESSIONS = "sessions"
    DEPARTMENTS = "departments"
    STAFF = "staff"
    YUAN = "yuan"
    PERCENT = "percent"

    @property
    def is_count(self) -> bool:
        """Whether values in this unit are counts (non-negative integers).

        Examples
        --------
        >>> FigureUnit.INSTITUTIONS.is_count, FigureUnit.YUAN.is_count
        (True, False)
        """
        return self not in {FigureUnit.YUAN, FigureUnit.PERCENT}

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        u = cls
        return {
            u.INSTITUTIONS: ("家", "机构", "institution"),
            u.BEDS: ("张", "床位", "bed"),
            u.PEOPLE: ("人", "persons", "person", "residents"),
            u.PATIENT_VISITS: ("人次", "patient-times", "visits"),
            u.ITEMS: ("件", "item"),
            u.TESTS: ("检测人次", "test"),
            u.SESSIONS: ("次", "session", "postings"),
            u.DEPARTMENTS: ("个科室", "department"),
            u.STAFF: ("名", "staff members"),
            u.YUAN: ("元", "cny", "rmb"),
            u.PERCENT: ("%", "百分比", "pct"),
        }


class Qualifier(LabelledEnum):
    """How a declared value is stated: exactly, at least (以上), more than (超/余), about (约)."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    ABOUT = "about"
    UP_TO = "up_to"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.EXACT: ("=", "exactly"),
            cls.AT_LEAST: ("以上", ">=", "at least"),
            cls.MORE_THAN: ("超", "余", "逾", "多", ">", "more than", "over"),
            cls.ABOUT: ("约", "近", "~", "approximately"),
            cls.UP_TO: ("至多", "<=", "at most"),
        }


class DeclaredFigure(FrozenModel):
    """A figure a source states but does not itemise, kept with its source.

    ``metric`` is a short snake_case name (e.g. ``grassroots_members``, ``beds_radiated``,
    ``service_volume``); ``subject`` optionally names the institution, centre or clinic the
    figure is about; ``service`` the service a volume counts. Counts (every unit except
    ``yuan`` and ``percent``) must be non-negative integers.
    """

    metric: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    """What is counted or measured (snake_case)."""
    value: int | float
    """The stated value."""
    unit: FigureUnit
    """Unit of the value."""
    qualifier: Qualifier = Qualifier.EXACT
    """Whether the value is exact, a lower bound, approximate, ..."""
    subject: Id | None = None
    """Id of the institution, shared centre, expert clinic or staff posting it is about."""
    service: ServiceKindField | None = None
    """Service a volume counts, when the figure is a service volume."""
    period: NonEmptyText | None = None
    """Period the figure refers to, as the source puts it (e.g. ``2018``, ``建设以来``)."""
    description: NonEmptyText | None = None
    """What the figure means, in a sentence."""
    provenance: Provenance | None = None
    """Source of the figure."""

    @model_validator(mode="before")
    @classmethod
    def _reject_bool(cls, data: Any) -> Any:
        value = data.get("value") if isinstance(data, dict) else None
        if isinstance(value, bool):
            raise MedAllianceError([Problem(("value",), "must be a number, not a boolean")])
        if isinstance(value, str | bytes):
            raise MedAllianceError([Problem(("value",), f"must be a number, not text: {value!r}")])
        return data

    @model_validator(mode="after")
    def _check(self) -> DeclaredFigure:
        v = self.value
        if isinstance(v, float) and not math.isfinite(v):
            raise MedAllianceError([Problem(("value",), "must be a finite number")])
        if self.unit.is_count and (not isinstance(v, int) or v < 0):
            raise MedAllianceError(
                [
                    Problem(
                        ("value",),
                        f"a count of {self.unit.value} must be a non-negative integer, got {v!r}",
                    )
                ]
            )
        return self

"""Small value models used by several entities: administrative region and provenance.

Examples
--------
>>> Region(province="青海省", city="西宁市").label()
'青海省 西宁市'
>>> Provenance(source="seed-000", inferred=("tier",)).is_inferred("tier")
True
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from medalliance.model.types import FrozenModel, Id, NonEmptyText, no_duplicates

__all__ = ["DivisionCode", "Provenance", "Region"]

DivisionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
"""A 6-digit administrative division code (行政区划代码), e.g. ``"630100"`` for 西宁市."""


class Region(FrozenModel):
    """An administrative region: province, city, county and township names (simplified Chinese).

    Every level is optional; ``division_code`` is the 6-digit code of the most specific level
    given, when known.
    """

    province: NonEmptyText | None = None
    """Province-level name, e.g. ``浙江省``."""
    city: NonEmptyText | None = None
    """Prefecture-level city or autonomous prefecture, e.g. ``防城港市``."""
    county: NonEmptyText | None = None
    """County, county-level city or urban district, e.g. ``港口区``."""
    township: NonEmptyText | None = None
    """Township, town or street (街道), e.g. ``光坡镇``."""
    division_code: DivisionCode | None = None
    """6-digit administrative division code of the most specific level, when known."""

    def label(self) -> str:
        """Return the named levels joined by spaces (``""`` when none is given).

        Examples
        --------
        >>> Region(province="上海市", county="卢湾区").label()
        '上海市 卢湾区'
        >>> Region().label()
        ''
        """
        parts = (self.province, self.city, self.county, self.township)
        return " ".join(p for p in parts if p)


class Provenance(FrozenModel):
    """Where a fact comes from and which of its values were inferred rather than stated.

    ``source`` names a :class:`~medalliance.model.registry.Source` of the registry (checked by the
    registry). ``inferred`` lists the field names whose values are the dataset author's
    inference rather than the source's statement.
    """

    source: Id
    """Id of the registry source the fact comes from."""
    quote: NonEmptyText | None = None
    """The source's own words for the fact, when useful (simplified Chinese)."""
    inferred: Annotated[tuple[NonEmptyText, ...], AfterValidator(no_duplicates)] = ()
    """Names of fields whose values were inferred, not stated by the source."""
    note: NonEmptyText | None = None
    """Free-text remark: uncertainty, how an inference was made."""

    def is_inferred(self, field: str) -> bool:
        """Whether the value of ``field`` was inferred rather than stated.

        Examples
        --------
        >>> p = Provenance(source="seed-003", inferred=("grade",))
        >>> p.is_inferred("grade"), p.is_inferred("name")
        (True, False)
        """
        return field in self.inferred

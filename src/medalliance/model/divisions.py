"""Administrative division codes with validity: which code and name a region has on a day.

Division codes (行政区划代码) change: when 卢湾区 (310103) was merged into 黄浦区 (310101) in
2011, the code 310103 went out of use. A :class:`Division` is one dated record of a code: its
name, level, first and last day of validity and, when it ended by a merger or a renaming,
the ``successor`` code that continued it.

**The table.** medalliance ships a small table of the changes its examples need
(``medalliance/data/divisions.yaml``, :func:`bundled_divisions`); a registry may carry its own
records (``Registry.divisions``), which replace the bundled records of the same code
(:func:`division_table`). Facts a source leaves unsure are marked ``uncertain: true`` with a
note, never silently taken as truth.

**How a stored region is read.** A region's ``division_code`` (and its county name) is read
as *the division when the record was made*. On a day ``d`` (``Registry.as_of``) a division
whose validity ended before ``d`` is replaced by its successor, repeatedly, until a division
in force on ``d`` is reached (:meth:`DivisionTable.on`): an institution recorded in 卢湾区
310103 shows 310103/卢湾区 in 2010 and 310101/黄浦区 in 2012. Nothing is rolled *back*: a
merger has several predecessors, so an institution recorded as 黄浦区 310101 stays 黄浦区 on
every day. A county-level region (no township) is matched by its code; a region without a
code, or with a township, by its province, city and county name.

The date rule is :func:`medalliance.model.dates.in_force` (inclusive ends, unknown never
excludes).

Examples
--------
>>> import datetime as dt
>>> table = division_table()
>>> table.on("310103", dt.date(2010, 1, 1)).name
'卢湾区'
>>> table.on("310103", dt.date(2012, 1, 1)).code
'310101'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError, field_validator, model_validator

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.common import DivisionCode, Region
from medalliance.model.types import FrozenModel, IsoDate, NonEmptyText

__all__ = [
    "Division",
    "DivisionLevel",
    "DivisionTable",
    "bundled_divisions",
    "check_division_table",
    "division_problems",
    "division_table",
    "raw_division_problems",
    "sorted_divisions",
]


class DivisionLevel(str, Enum):
    """The level of an administrative division (the 6-digit codes stop at the county)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


_YES_NO = {"true": True, "yes": True, "是": True, "false": False, "no": False, "否": False}


class Division(FrozenModel):
    """One dated record of an administrative division code.

    Examples
    --------
    >>> d = Division(code="310103", name="卢湾区", level="county", province="上海市",
    ...              valid_until="2011-06-07", successor="310101", uncertain=True)
    >>> d.successor, d.valid_until.year
    ('310101', 2011)
    >>> Division(code="3101", name="x", level="county")
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - code: String should match pattern '^[0-9]{6}$' (got '3101')
    """

    code: DivisionCode
    """The 6-digit code (行政区划代码)."""
    name: NonEmptyText
    """The division's name while the code is valid, e.g. ``卢湾区``."""
    level: DivisionLevel
    """``province``, ``city`` or ``county`` (county-level: 县, 县级市, 市辖区)."""
    province: NonEmptyText | None = None
    """The province it lies in (for a city or county), e.g. ``上海市``."""
    city: NonEmptyText | None = None
    """The prefecture-level city it lies in (for a county), when there is one."""
    valid_from: IsoDate | None = None
    """First day the code is valid (``None``: unknown or before the table's horizon)."""
    valid_until: IsoDate | None = None
    """Last day the code is valid, inclusive (``None``: still valid or unknown)."""
    successor: DivisionCode | None = None
    """The code that continues this division after ``valid_until`` (merger, renaming)."""
    uncertain: bool = False
    """Whether a date or the successor is uncertain (say why in ``note``)."""
    source: NonEmptyText | None = None
    """Where the record comes from: a publication, its date and address."""
    quote: NonEmptyText | None = None
    """The source's own words, when useful (simplified Chinese)."""
    note: NonEmptyText | None = None
    """Remarks: what is uncertain and why."""

    @field_validator("uncertain", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        """Tables write the flag as text: ``true``/``false`` (and 是/否) are read as yes/no."""
        if isinstance(value, str):
            return _YES_NO.get(value.strip().casefold(), value)
        return value

    @model_validator(mode="after")
    def _check_dates(self) -> Division:
        problems = []
        first, last = self.valid_from, self.valid_until
        if first is not None and last is not None and last < first:
            problems.append(
                Problem(("valid_until",), f"valid_until ({last}) before valid_from ({first})")
            )
        if self.successor is not None and self.successor == self.code:
            problems.append(Problem(("successor",), "a division cannot succeed itself"))
        if self.successor is not None and last is None:
            problems.append(
                Problem(("successor",), "a successor needs the last day (valid_until) it follows")
            )
        if problems:
            raise MedAllianceError(problems)
        return self


def _in_force(d: Any, on: _dt.date) -> bool:
    from medalliance.model.dates import in_force

    return in_force(d.valid_from, d.valid_until, on)


class DivisionTable:
    """Division records by code, with the lookups ``as_of`` and the checks use.

    Build it with :func:`division_table`.
    """

    def __init__(self, divisions: Iterable[Division]) -> None:
        self.divisions: tuple[Division, ...] = tuple(
            sorted(divisions, key=lambda d: (d.code, d.valid_from or _dt.date.min))
        )
        self.by_code: dict[str, tuple[Division, ...]] = {}
        for d in self.divisions:
            self.by_code[d.code] = (*self.by_code.get(d.code, ()), d)
        self.by_name: dict[tuple[str | None, str | None, str], tuple[Division, ...]] = {}
        for d in self.divisions:
            if d.level is DivisionLevel.COUNTY:
                key = (d.province, d.city, d.name)
                self.by_name[key] = (*self.by_name.get(key, ()), d)
        self.dated = any(d.valid_from or d.valid_until for d in self.divisions)
        ending = [d for d in self.divisions if d.valid_until is not None and d.successor]
        self._ending_codes = {d.code for d in ending}
        self._ending_names = {
            (d.province, d.city, d.name) for d in ending if d.level is DivisionLevel.COUNTY
        }

    def __len__(self) -> int:
        return len(self.divisions)

    def __repr__(self) -> str:
        return f"DivisionTable({len(self)} divisions)"

    def record(self, code: str, on: _dt.date | None = None) -> Division | None:
        """The record of ``code`` in force on ``on`` (any record of it when ``on`` is ``None``).

        Examples
        --------
        >>> import datetime as dt
        >>> division_table().record("310103", dt.date(2012, 1, 1)) is None
        True
        """
        records = self.by_code.get(code, ())
        if on is None:
            return records[-1] if records else None
        return next((d for d in records if _in_force(d, on)), None)

    def on(self, code: str, day: _dt.date) -> Division | None:
        """The division that ``code`` stands for on ``day``, following successors.

        ``None`` when the table does not know ``code``, or when ``day`` is before the code's
        first day (nothing is rolled back) or after its last day with no successor.

        Examples
        --------
        >>> import datetime as dt
        >>> division_table().on("310101", dt.date(2000, 1, 1)).name
        '黄浦区'
        """
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            records = self.by_code.get(current, ())
            found = next((d for d in records if _in_force(d, day)), None)
            if found is not None:
                return found
            ended = [d for d in records if d.valid_until is not None and d.valid_until < day]
            current = ended[-1].successor if ended else None
        return None

    def latest(self, code: str) -> Division | None:
        """The last division of ``code``'s line of successors (``None``: code unknown).

        Examples
        --------
        >>> division_table().latest("310103").name
        '黄浦区'
        """
        seen: set[str] = set()
        found: Division | None = None
        current: str | None = code
        while current is not None and current not in seen and current in self.by_code:
            seen.add(current)
            found = self.by_code[current][-1]
            current = found.successor
        return found

    def of_region(self, region: Region) -> tuple[Division, ...]:
        """The records a region names: by code (county-level region), else by name.

        Examples
        --------
        >>> from medalliance import Region
        >>> [d.code for d in division_table().of_region(Region(province="上海市", county="卢湾区",
        ...                                                     township="五里桥街道"))]
        ['310103']
        """
        if region.division_code is not None and region.township is None:
            return self.by_code.get(region.division_code, ())
        if region.county is None:
            return ()
        return self.by_name.get((region.province, region.city, region.county), ())

    def region_on(self, region: Region, day: _dt.date) -> Region:
        """``region`` with the division in force on ``day`` (the same object when unchanged).

        Examples
        --------
        >>> import datetime as dt
        >>> from medalliance import Region
        >>> r = Region(province="上海市", county="卢湾区", division_code="310103")
        >>> division_table().region_on(r, dt.date(2012, 1, 1)).label()
        '上海市 黄浦区'
        """
        records = self.of_region(region)
        if not records:
            return region
        now = self.on(records[0].code, day)
        if now is None or now.code == records[0].code:
            return region
        changes: dict[str, Any] = {"county": now.name}
        if region.division_code is not None and region.township is None:
            changes["division_code"] = now.code
        return region.model_copy(update=changes)

    def changes_region(self, region: Region) -> bool:
        """Whether some day shows ``region`` with another division than the stored one.

        Examples
        --------
        >>> from medalliance import Region
        >>> division_table().changes_region(Region(province="上海市", county="黄浦区"))
        False
        """
        if region.division_code is not None and region.township is None:
            return region.division_code in self._ending_codes
        key = (region.province, region.city, region.county)
        return region.county is not None and key in self._ending_names


def sorted_divisions(divisions: tuple[Division, ...]) -> tuple[Division, ...]:
    """``divisions`` in their canonical order: by code, then first day (unknown first).

    Examples
    --------
    >>> [d.code for d in sorted_divisions(tuple(reversed(bundled_divisions())))]
    ['310101', '310103']
    """
    key = [(d.code, d.valid_from or _dt.date.min) for d in divisions]
    if key == sorted(key):
        return divisions
    return tuple(d for _, d in sorted(zip(key, divisions, strict=True), key=lambda p: p[0]))


def _load_bundled() -> tuple[Division, ...]:
    import yaml

    text = (
        resources.files("medalliance")
        .joinpath("data")
        .joinpath("divisions.yaml")
        .read_text("utf-8")
    )
    data = yaml.safe_load(text)
    return tuple(Division.model_validate(d) for d in data["divisions"])


@cache
def bundled_divisions() -> tuple[Division, ...]:
    """The division records shipped with medalliance (``medalliance/data/divisions.yaml``).

    Examples
    --------
    >>> [d.code for d in bundled_divisions() if d.successor]
    ['310103']
    """
    return _load_bundled()


@cache
def _table(own: tuple[Division, ...]) -> DivisionTable:
    codes = {d.code for d in own}
    return DivisionTable([*(d for d in bundled_divisions() if d.code not in codes), *own])


def division_table(own: Iterable[Division] = ()) -> DivisionTable:
    """The bundled table with ``own`` records (a registry's ``divisions``) in place of its own.

    A code given in ``own`` replaces every bundled record of that code.

    Examples
    --------
    >>> d = Division(code="310103", name="卢湾区", level="county", province="上海市")
    >>> division_table([d]).on("310103", __import__("datetime").date(2020, 1, 1)).name
    '卢湾区'
    """
    return _table(tuple(own))


def division_problems(divisions: Sequence[Any]) -> list[Problem]:
    """Cross-record problems of a registry's ``divisions`` (records or raw mappings).

    A successor unknown to the table (the records with the bundled ones), successors that
    form a cycle, and two records of one code whose periods overlap; paths start at
    ``divisions``.

    Examples
    --------
    >>> bad = [Division(code="110000", name="甲", level="county", valid_until="2000-01-01",
    ...                 successor="120000")]
    >>> [p.render() for p in division_problems(bad)]
    ["divisions[0].successor: unknown successor code '120000'"]
    """
    own = [d for d in divisions if isinstance(d, Division)]
    if len(own) != len(divisions):
        return []  # invalid records: their own validation reports them
    table = division_table(own)
    problems: list[Problem] = []
    for i, d in enumerate(own):
        if d.successor is not None and d.successor not in table.by_code:
            problems.append(
                Problem(("divisions", i, "successor"), f"unknown successor code {d.successor!r}")
            )
        chain, current = [d.code], d.successor
        while current is not None and current in table.by_code:
            if current in chain:
                cycle = " -> ".join([*chain[chain.index(current) :], current])
                problems.append(
                    Problem(("divisions", i, "successor"), f"successors form a cycle: {cycle}")
                )
                break
            chain.append(current)
            current = next((x.successor for x in table.by_code[current] if x.successor), None)
        for j in range(i):
            other = own[j]
            if other.code == d.code and _overlap(other, d):
                problems.append(
                    Problem(
                        ("divisions", i, "valid_from"),
                        f"code {d.code} has two records in force on the same days "
                        f"(see divisions[{j}])",
                    )
                )
    return problems


def raw_division_problems(data: dict[str, Any]) -> list[Problem]:
    """:func:`division_problems` of raw registry input whose division records are all valid.

    For the error path of a registry with invalid records elsewhere, so that one error still
    lists every problem.

    Examples
    --------
    >>> raw_division_problems({"divisions": [{"code": "110000", "name": "甲", "level": "county",
    ...                                       "valid_until": "2000-01-01", "successor": "110000"}]})
    []
    """
    raw = data.get("divisions")
    if not isinstance(raw, list | tuple) or not raw:
        return []
    try:
        return division_problems([Division.model_validate(d) for d in raw])
    except (ValidationError, MedAllianceError):
        return []  # the records' own validation reports them


def _overlap(a: Division, b: Division) -> bool:
    a0, a1 = a.valid_from or _dt.date.min, a.valid_until or _dt.date.max
    b0, b1 = b.valid_from or _dt.date.min, b.valid_until or _dt.date.max
    return a0 <= b1 and b0 <= a1


def check_division_table(divisions: Iterable[Any]) -> None:
    """Raise one :class:`MedAllianceError` for every problem of a division table.

    Examples
    --------
    >>> check_division_table(bundled_divisions())
    """
    problems = division_problems(tuple(divisions))
    if problems:
        raise MedAllianceError(problems)

"""Which county a record or an institution is in, and whether it is the county evaluated.

County names repeat across China (朝阳区 is a district of Beijing and of Changchun; 鼓楼区 of
four cities), so a bare name is not an identity. A *place* is a county name with what else is
known of it: its 6-digit administrative division code (行政区划代码) and the province and city
of the registry's institutions. Two places are the same county when their names agree and
every fact both know agrees (same code, same province, same city).

- An institution's place is its ``region``: the county name, the province and city, and the
  division code — the region's own when it is a county-level region (no township), else the
  code another institution of the same province, city and county carries.
- A record's place is the county name and code it gives (a care record at an institution takes
  the institution's place).
- **Codes that changed.** Every code (the institutions', the records' and ``county_code=``)
  is read through the division table (:mod:`medalliance.model.divisions`: the bundled
  table with the registry's ``divisions``): on the day evaluated (``as_of=``) a code whose
  validity ended is replaced by its successor in force that day; without ``as_of`` by the
  last of its successors. So a record of 2010 coded 310103 (卢湾区) and an institution now
  coded 310101 (黄浦区) are the same county — after the merger, or without a day; on a day
  before the merger 310103 and 310101 stay two counties. A county *name* without a code is
  not translated (names repeat; give the code).
- The county evaluated (``county=``, ``county_code=``) is matched against these places. With a
  bare name, if the data hold two different counties of that name, the name is **ambiguous**
  and evaluation stops with a :class:`~medalliance.errors.MedAllianceError` listing the
  candidates (pass ``county_code=``). With a code, a place without a code matches by name only
  when no other county of that name could be meant; otherwise the record is listed as
  ambiguous. medalliance never picks one silently.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from medalliance.errors import MedAllianceError, Problem
from medalliance.indicators._activity import Activity, CareRecord, ResidentCount
from medalliance.model.divisions import division_table
from medalliance.model.institution import Institution
from medalliance.model.registry import Registry


class Place(NamedTuple):
    """A county as far as it is known (internal)."""

    name: str | None
    code: str | None = None
    province: str | None = None
    city: str | None = None

    def label(self) -> str:
        """The place in words, e.g. ``北京市 朝阳区 (110105)``."""
        parts = " ".join(p for p in (self.province, self.city, self.name) if p)
        return f"{parts} ({self.code})" if self.code else parts or "(no county)"


def compatible(a: Place, b: Place) -> bool:
    """Whether ``a`` and ``b`` can be the same county: every fact both know agrees."""
    if a.code is not None and b.code is not None:
        return a.code == b.code
    if a.name is None or b.name is None or a.name != b.name:
        return False
    return all(x is None or y is None or x == y for x, y in zip(a[2:], b[2:], strict=True))


class Codes:
    """Reads places' division codes on one day, or at their latest (see the module rules)."""

    def __init__(self, registry: Registry, day: _dt.date | None) -> None:
        self.table = division_table(registry.divisions)
        self.day = day

    def __call__(self, p: Place | None) -> Place | None:
        """``p`` with the code (and its name) of the day; ``p`` itself when unchanged."""
        if p is None or p.code is None or not self.table.dated:
            return p
        d = self.table.on(p.code, self.day) if self.day else self.table.latest(p.code)
        if d is None or d.code == p.code:
            return p
        old = {r.name for r in self.table.by_code.get(p.code, ())}
        name = d.name if p.name is None or p.name in old else p.name
        return p._replace(code=d.code, name=name)


def institution_places(registry: Registry, read: Codes | None = None) -> dict[str, Place]:
    """The place of every institution with a county (or a county-level code), by id."""
    codes: dict[tuple[str | None, str | None, str], set[str]] = {}
    for inst in registry.institutions:
        r = inst.region
        if r.county is not None and r.township is None and r.division_code is not None:
            codes.setdefault((r.province, r.city, r.county), set()).add(r.division_code)
    out: dict[str, Place] = {}
    for inst in registry.institutions:
        r = inst.region
        if r.county is None:
            continue
        found = codes.get((r.province, r.city, r.county), set())
        code = next(iter(found)) if len(found) == 1 else None
        place = Place(r.county, code, r.province, r.city)
        out[inst.id] = place if read is None else read(place) or place
    return out


class Places:
    """The places of a registry and an activity, and the county evaluated (internal)."""

    def __init__(
        self,
        registry: Registry,
        activity: Activity,
        county: str | None,
        county_code: str | None,
        day: _dt.date | None = None,
    ) -> None:
        self.registry = registry
        self.codes = Codes(registry, day)
        self.by_institution = institution_places(registry, self.codes)
        known = {
            *self.by_institution.values(),
            *(self.codes(p) or p for p in _record_places(activity)),
        }
        self.by_name: dict[str | None, list[Place]] = {}
        for p in sorted(known, key=lambda q: tuple(x or "" for x in q)):
            self.by_name.setdefault(p.name, []).append(p)
        if county_code is not None:
            asked = self.codes(Place(county, county_code))
            if asked is not None:
                county, county_code = asked.name, asked.code
        self.scope = _scope(self.by_name, county, county_code)

    def of(self, inst: Institution) -> Place | None:
        """The place of an institution (``None`` when its region names no county)."""
        return self.by_institution.get(inst.id)

    def where(self, c: CareRecord) -> Place | None:
        """Where the care of a record was given (``None`` when unknown)."""
        if c.institution is not None:
            own = self.by_institution.get(c.institution)
            if own is not None:
                if own.code or not c.county_code:
                    return own
                return self.codes(own._replace(code=c.county_code))
        if c.county is None and c.county_code is None:
            return None
        return self.codes(Place(c.county, c.county_code))

    def residence(self, c: CareRecord) -> Place | None:
        """The county of residence of a record's patients (``None`` when unknown)."""
        if c.resident_county is None and c.resident_county_code is None:
            return None
        return self.codes(Place(c.resident_county, c.resident_county_code))

    def residents_place(self, r: ResidentCount) -> Place | None:
        """The county of a resident count (``None``: the whole area)."""
        if r.county is None and r.county_code is None:
            return None
        return self.codes(Place(r.county, r.county_code))

    def inside(self, place: Place | None) -> bool:
        """Whether ``place`` is the county evaluated (everything is, with no county given)."""
        if self.scope is None:
            return True
        return place is not None and compatible(place, self.scope)

    def check(self, labelled: Iterable[tuple[tuple[str | int, ...], Place | None]]) -> None:
        """Raise for every place that matches the county evaluated only by an ambiguous name."""
        if self.scope is None:
            return
        problems = []
        for path, place in labelled:
            if place is None or place.code is not None or not compatible(place, self.scope):
                continue
            others = [
                q
                for q in self.by_name.get(place.name, ())
                if compatible(q, place) and not compatible(q, self.scope)
            ]
            if others:
                listed = "; ".join(sorted({q.label() for q in [self.scope, *others]}))
                problems.append(
                    Problem(
                        path,
                        f"county {place.name!r} without a division code could be any of: "
                        f"{listed}; give its county_code",
                    )
                )
        if problems:
            raise MedAllianceError(problems)


def _record_places(activity: Activity) -> Iterator[Place]:
    for c in activity.care:
        if c.institution is None and (c.county is not None or c.county_code is not None):
            yield Place(c.county, c.county_code)
        if c.resident_county is not None or c.resident_county_code is not None:
            yield Place(c.resident_county, c.resident_county_code)
    for r in activity.residents:
        if r.county is not None or r.county_code is not None:
            yield Place(r.county, r.county_code)


def _scope(
    by_name: dict[str | None, list[Place]], county: str | None, county_code: str | None
) -> Place | None:
    """The county evaluated, completed from the data; raise when a bare name is ambiguous."""
    if county is None and county_code is None:
        return None
    if county_code is not None:
        coded = [p for places in by_name.values() for p in places if p.code == county_code]
        names = {p.name for p in coded if p.name is not None}
        if county is not None and names and county not in names:
            raise MedAllianceError(
                [
                    Problem(
                        ("county",),
                        f"{county!r} is not the county of division code {county_code} in the "
                        f"data ({', '.join(sorted(names))})",
                    )
                ]
            )
        name = county if county is not None else (min(names) if len(names) == 1 else None)
        provinces = {p.province for p in coded if p.province is not None}
        cities = {p.city for p in coded if p.city is not None}
        return Place(
            name,
            county_code,
            next(iter(provinces)) if len(provinces) == 1 else None,
            next(iter(cities)) if len(cities) == 1 else None,
        )
    distinct = _distinct(by_name.get(county, []))
    if len(distinct) > 1:
        listed = "; ".join(p.label() for p in distinct)
        raise MedAllianceError(
            [
                Problem(
                    ("county",),
                    f"{county!r} is ambiguous: the data hold {len(distinct)} counties of that "
                    f"name ({listed}); pass county_code= (行政区划代码) to choose",
                )
            ]
        )
    return distinct[0] if distinct else Place(county)


def _distinct(places: list[Place]) -> list[Place]:
    """Places merged while they are compatible; more than one means different counties."""
    merged: list[Place] = []
    for p in places:
        for k, m in enumerate(merged):
            if compatible(m, p):
                merged[k] = Place(*(x if x is not None else y for x, y in zip(m, p, strict=True)))
                break
        else:
            merged.append(p)
    return merged

"""Measures of every alliance on a sequence of days, as a long table: :func:`panel`."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from medalliance.coverage import registry_coverage
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._as_of import as_date
from medalliance.model._require import require_registry
from medalliance.model.dates import agreement_in_force
from medalliance.model.institution import Tier
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular

__all__ = ["MEASURES", "Panel", "panel"]

_COVERAGE = ("beds_computed", "population_computed", "areas_covered", "members_elsewhere")

MEASURES: dict[str, str] = {
    "in_force": "1 when the alliance exists on the day, else 0 (a row for every alliance)",
    "members": "members on the day, leads included",
    "members_by_tier": "members of each tier (measures members_tertiary ... members_village)",
    "grassroots_members": "members of a grassroots kind",
    "agreements_in_force": "agreements of the alliance in force on the day",
    "coverage": "structural coverage (registry_coverage): " + ", ".join(_COVERAGE),
}
"""The measures :func:`panel` computes, and what each is."""


@dataclass(frozen=True)
class Panel(Tabular):
    """A long table: one row per day × alliance × measure (``value`` a number)."""

    days: tuple[_dt.date, ...]
    """The days, in the order given."""
    measures: tuple[str, ...]
    """The measures asked for (keys of :data:`MEASURES`)."""
    records: tuple[tuple[_dt.date, str, str, float], ...]
    """``(day, alliance, measure, value)`` rows."""
    notes: tuple[tuple[str, str, str | None], ...] = ()
    """For an indicator panel (:func:`~medalliance.history.indicator_panel`): the
    ``(period, status, reason)`` of each record, in the same order; empty otherwise."""

    def __len__(self) -> int:
        return len(self.records)

    def rows(self) -> list[dict[str, Any]]:
        """One row per day × alliance × measure (``date`` a ``datetime.date``).

        An indicator panel's rows also have ``period``, ``status`` and ``reason``.

        Examples
        --------
        >>> from medalliance import examples
        >>> p = panel(examples.load("shanghai_luwan"), ["2010-12-31"], measures=["in_force"])
        >>> p.rows()
        [{'date': datetime.date(2010, 12, 31), 'alliance': 'luwan_ruijin', 'measure': 'in_force', 'value': 0}]
        """  # noqa: E501
        rows = [{"date": d, "alliance": a, "measure": m, "value": v} for d, a, m, v in self.records]
        for row, (period, status, reason) in zip(rows, self.notes, strict=False):
            row.update(period=period, status=status, reason=reason)
        return rows

    def __repr__(self) -> str:
        return (
            f"Panel({len(self.days)} days, {len(self.measures)} measures, {len(self)} rows: "
            f"{', '.join(self.measures)})"
        )


def _alliance_rows(view: Registry, measures: Sequence[str]) -> dict[str, list[tuple[str, Any]]]:
    """Measure values of every alliance of ``view`` (the registry on one day)."""
    out: dict[str, list[tuple[str, Any]]] = {a.id: [] for a in view.alliances}
    agreements: dict[str, int] = {}
    for g in view.agreements:
        if agreement_in_force(g):
            agreements[g.alliance] = agreements.get(g.alliance, 0) + 1
    for a in view.alliances:
        rows = out[a.id]
        members = [view.institution(m) for m in a.members]
        if "members" in measures:
            rows.append(("members", len(members)))
        if "members_by_tier" in measures:
            for tier in sorted(Tier, reverse=True):
                rows.append((f"members_{tier.value}", sum(1 for i in members if i.tier is tier)))
        if "grassroots_members" in measures:
            rows.append(("grassroots_members", sum(1 for i in members if i.is_grassroots)))
        if "agreements_in_force" in measures:
            rows.append(("agreements_in_force", agreements.get(a.id, 0)))
    if "coverage" in measures:
        for row in registry_coverage(view).rows():
            out[row["alliance"]] += [(k, row[k]) for k in _COVERAGE]
    return out


def panel(
    registry: Registry,
    days: Iterable[_dt.date | str],
    *,
    measures: Iterable[str] = ("in_force", "members", "agreements_in_force"),
) -> Panel:
    """Measures of every alliance of ``registry`` on each of ``days``, as a long table.

    Each day's values are those of ``registry.as_of(day)``. ``in_force`` has a row for every
    alliance of the registry on every day (0 before founding and after dissolution), so a
    balanced panel can be built from it; the other measures have rows for the alliances in
    force that day. ``panel(...).to_frame()`` gives a pandas DataFrame with columns ``date``,
    ``alliance``, ``measure``, ``value`` (pivot it with ``pivot_table``).

    Parameters
    ----------
    registry : Registry
        The registry with its dated records.
    days : iterable of datetime.date or str
        The days, e.g. the ends of each year.
    measures : iterable of str
        Keys of :data:`MEASURES`.

    Raises
    ------
    MedAllianceError
        Naming every day that is not a date and every unknown measure.

    Examples
    --------
    >>> from medalliance import examples
    >>> p = panel(examples.load("qinghai_oncology"), ["2017-12-31", "2018-12-31"])
    >>> [(str(r["date"]), r["measure"], r["value"]) for r in p.rows()][:3]
    [('2017-12-31', 'in_force', 0), ('2018-12-31', 'in_force', 1), ('2018-12-31', 'members', 13)]
    """
    require_registry(registry)
    wanted = tuple(measures)
    problems = [
        Problem(("measures", i), f"unknown measure {m!r}; known: {', '.join(MEASURES)}")
        for i, m in enumerate(wanted)
        if m not in MEASURES
    ]
    parsed: list[_dt.date] = []
    for i, d in enumerate(days):
        try:
            parsed.append(as_date(d, where="days"))
        except MedAllianceError as exc:
            problems += [Problem(("days", i), p.message) for p in exc.problems]
    if problems:
        raise MedAllianceError(problems)
    records: list[tuple[_dt.date, str, str, Any]] = []
    for day in parsed:
        view = registry.as_of(day)
        values = _alliance_rows(view, wanted)
        for a in registry.alliances:
            if "in_force" in wanted:
                records.append((day, a.id, "in_force", int(a.id in values)))
            records += [(day, a.id, m, v) for m, v in values.get(a.id, ())]
    return Panel(days=tuple(parsed), measures=wanted, records=tuple(records))

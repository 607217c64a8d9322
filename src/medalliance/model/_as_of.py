"""The state of a registry on a day: :meth:`~medalliance.model.registry.Registry.as_of`.

Every date comparison goes through :mod:`medalliance.model.dates` (the one rule). The view
keeps every reference valid by construction: what is not in force that day is left out
together with what refers to it, and dated changes up to the day are applied (the view holds
the values of the day and no changes). End dates
that lie on or after the day (``left``, ``dissolved``, ``closed``) are events still to come
and are not part of the state on it; changes and former names after the day neither.
Agreement terms (``valid_from``/``valid_until``) are part of the agreement and stay.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.agreement import Agreement
from medalliance.model.alliance import Alliance, MemberRole, Membership, SharedCentre
from medalliance.model.dates import (
    alliance_in_force,
    clinic_in_force,
    in_force,
    institution_in_force,
    membership_in_force,
    posting_in_force,
)
from medalliance.model.divisions import DivisionTable, division_table
from medalliance.model.institution import Institution
from medalliance.model.types import _iso_date

__all__ = ["VIEW_DAY", "as_date", "has_dates", "registry_as_of", "view_day"]


def as_date(value: Any, *, where: str = "as_of") -> _dt.date:
    """``value`` (a ``date`` or text such as ``2018-12-31``) as a date.

    Raises
    ------
    MedAllianceError
        If it is not a date.

    Examples
    --------
    >>> as_date("2018/12/31")
    datetime.date(2018, 12, 31)
    """
    try:
        parsed = _iso_date(value)
    except ValueError as exc:
        raise MedAllianceError([Problem((where,), f"{exc} (got {value!r})")]) from None
    assert isinstance(parsed, _dt.date)
    return parsed


def has_dates(registry: Any) -> bool:
    """Whether any record of ``registry`` has a date that can take it out of force.

    Examples
    --------
    >>> from medalliance import Registry
    >>> has_dates(Registry())
    False
    """
    if any(i.opened or i.closed or i.former_names for i in registry.institutions) or (
        _regions_change(registry, division_table(registry.divisions))
    ):
        return True
    if any(g.valid_from or g.valid_until for g in registry.agreements):
        return True
    for a in registry.alliances:
        if a.founded or a.dissolved or a.changes:
            return True
        if any(m.joined or m.left for m in a.memberships):
            return True
        if any(c.start for c in a.expert_clinics) or any(
            p.start or p.end for p in a.staff_postings
        ):
            return True
    return False


def _regions_change(registry: Any, table: DivisionTable) -> bool:
    """Whether some region of ``registry`` names a division that ends with a successor."""
    if not table.dated:
        return False
    records = (*registry.institutions, *registry.alliances)
    return any(r.region is not None and table.changes_region(r.region) for r in records)


def _institution_on(i: Institution, on: _dt.date, table: DivisionTable) -> Institution:
    """``i`` on ``on``: the name and division it had then, earlier names, no closing date."""
    region = table.region_on(i.region, on)
    if region is not i.region:
        i = i.replace(region=region)
    if i.closed is None and not i.former_names:
        return i
    name = i.name
    for former in i.former_names:
        if on <= former.until:
            name = former.name
            break
    before = tuple(f for f in i.former_names if f.until < on)
    return i.replace(name=name, former_names=before, closed=None)


def _alliance_on(
    a: Alliance, on: _dt.date, open_ids: set[str], table: DivisionTable
) -> Alliance | None:
    """The alliance as it stands on ``on``, or ``None`` when no lead of it is a member then."""
    if a.region is not None:
        region = table.region_on(a.region, on)
        if region is not a.region:
            a = a.replace(region=region)
    memberships = [
        m for m in a.memberships if m.institution in open_ids and membership_in_force(m, on)
    ]
    changes = tuple(c for c in a.changes if c.date <= on)
    form, tightness, lead = a.form, a.tightness, a.lead
    for change in changes:
        form = change.form or form
        tightness = change.tightness or tightness
        lead = change.lead or lead
    present = {m.institution for m in memberships}
    lead = tuple(x for x in lead if x in present)
    if not lead:
        return None
    if (
        len(memberships) == len(a.memberships)
        and a.dissolved is None
        and not any(m.left for m in memberships)
        and not a.changes
        and (form, tightness, lead) == (a.form, a.tightness, a.lead)
        and all(clinic_in_force(c, on) for c in a.expert_clinics)
        and all(posting_in_force(p, on) for p in a.staff_postings)
    ):
        return a
    leads = set(lead)
    memberships = [_with_role(m, leads) for m in memberships]
    memberships = [m.replace(left=None) if m.left is not None else m for m in memberships]
    centres: list[SharedCentre] = []
    for centre in a.shared_centres:
        if centre.host not in present:
            continue
        if centre.serves != "all":
            serves = tuple(s for s in centre.serves if s in present)
            if centre.serves and not serves:
                continue  # every member it served is gone
            if serves != centre.serves:
                centre = centre.replace(serves=serves)  # noqa: PLW2901
        centres.append(centre)
    clinics = tuple(
        c
        for c in a.expert_clinics
        if c.host in present and c.site in present and clinic_in_force(c, on)
    )
    postings = tuple(
        p
        for p in a.staff_postings
        if p.host in present and p.site in present and posting_in_force(p, on)
    )
    # a declared figure about a record left out is left out with it
    subjects = present | {a.id} | {c.id for c in centres}
    subjects |= {c.id for c in clinics} | {p.id for p in postings}
    return a.replace(
        dissolved=None,
        form=form,
        tightness=tightness,
        lead=lead,
        memberships=tuple(memberships),
        changes=(),
        shared_centres=tuple(centres),
        expert_clinics=clinics,
        staff_postings=postings,
        declared=tuple(f for f in a.declared if f.subject is None or f.subject in subjects),
    )


def _with_role(m: Membership, leads: set[str]) -> Membership:
    """``m`` with role ``lead`` if it leads, and ``member`` if it no longer does."""
    if m.institution in leads and m.role is not MemberRole.LEAD:
        return m.replace(role=MemberRole.LEAD)
    if m.institution not in leads and m.role is MemberRole.LEAD:
        return m.replace(role=MemberRole.MEMBER)
    return m


def _agreement_kept(g: Agreement, on: _dt.date, alliances: dict[str, Alliance]) -> bool:
    """An agreement stays when its dates cover ``on`` and its parties are members then.

    Its stored status is kept as it is: a ``proposed`` agreement without dates stays
    proposed (and opens no channel), as in the registry as stored.
    """
    a = alliances.get(g.alliance)
    if a is None or not in_force(g.valid_from, g.valid_until, on):
        return False
    members = set(a.members)
    return all(p in members for p in g.parties)


_EMPTY = DivisionTable(())


def registry_as_of(registry: Any, on: _dt.date) -> Any:
    """The records of ``registry`` in force on ``on`` (see ``Registry.as_of``)."""
    if not has_dates(registry):
        return registry
    table = division_table(registry.divisions)
    if not _regions_change(registry, table):
        table = _EMPTY  # nothing to map: skip the per-region lookups
    institutions = tuple(
        _institution_on(i, on, table) for i in registry.institutions if institution_in_force(i, on)
    )
    open_ids = {i.id for i in institutions}
    alliances: dict[str, Alliance] = {}
    for a in registry.alliances:
        if alliance_in_force(a, on):
            kept = _alliance_on(a, on, open_ids, table)
            if kept is not None:
                alliances[a.id] = kept
    for aid, a in list(alliances.items()):
        if a.part_of is not None and a.part_of not in alliances:
            parent = registry.alliance(a.part_of)
            alliances[aid] = a.replace(part_of=None, part_of_name=parent.name)
    fields = {
        "title": registry.title,
        "description": registry.description,
        "sources": registry.sources,
        "institutions": institutions,
        "alliances": tuple(alliances.values()),
        "agreements": tuple(g for g in registry.agreements if _agreement_kept(g, on, alliances)),
        "divisions": registry.divisions,
    }
    view = type(registry)._from_valid_records(fields)
    view.__dict__[VIEW_DAY] = on  # not a field: equality and files ignore it
    return view


VIEW_DAY = "_medalliance_view_day"
"""Where a view made by :func:`registry_as_of` keeps its day (read with :func:`view_day`)."""


def view_day(registry: Any) -> _dt.date | None:
    """The day ``registry`` is a view of (``Registry.as_of``), or ``None`` for a stored one.

    Analyses that read codes on a day (the indicators' county matching) use it, so an
    analysis on ``registry.as_of(d)`` equals the analysis with ``as_of=d``.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> view_day(reg), view_day(reg.as_of("2012-01-01"))
    (None, datetime.date(2012, 1, 1))
    """
    day = getattr(registry, "__dict__", {}).get(VIEW_DAY)
    return day if isinstance(day, _dt.date) else None

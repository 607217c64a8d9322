"""Rows of the flat tables -> Registry: the one conversion every table reader shares.

Private to :mod:`medalliance.io`. :func:`~medalliance.io.tables.from_frames` (pandas) and the
spreadsheet reader (:mod:`medalliance.io.sheets`) decode their cells into Python values, one
list per column, and hand them here; this module builds the records (nested ``region`` and
``provenance``, child rows under their alliance, former names under their institution,
memberships from an institution's ``alliance``/``role`` cells), validates the registry, and
reports every problem at ``(table, row, column, ...)`` with ``row`` the position in the
table. No pandas here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from medalliance.errors import MedAllianceError, Problem
from medalliance.io.tables._columns import (
    _CHILDREN,
    _SPECS,
    _TOP,
    MEMBERSHIP_COLUMNS,
    _Column,
)
from medalliance.model.alliance import FigureUnit, MemberRole
from medalliance.model.registry import Registry

MISSING: Any = object()
"""Marks a missing cell: the key is left out of the record (the field's default applies)."""

Path = tuple[Any, ...]


def records(
    table: str,
    values: Mapping[str, list[Any]],
    nrows: int,
    problems: list[Problem],
    reported: set[Path],
) -> list[dict[str, Any]]:
    """One record dict per row (nested region / provenance), in row order.

    ``values`` holds the decoded cells of each column present, by column name, with
    :data:`MISSING` where a cell is missing.

    Examples
    --------
    >>> records("sources", {"id": ["s"], "title": ["某文"]}, 1, [], set())
    [{'id': 's', 'title': '某文'}]
    """
    if nrows == 0:
        return []
    columns = [c for c in _SPECS[table] if c.name in values]
    flat = [c for c in columns if len(c.path) == 1]
    keys = [c.path[0] for c in flat]
    out = [
        {k: v for k, v in zip(keys, cells, strict=True) if v is not MISSING}
        for cells in zip(*(values[c.name] for c in flat), strict=True)
    ] or [{} for _ in range(nrows)]
    required = {c.path[0]: c.name for c in flat if c.required}
    for row, rec in enumerate(out):
        if required and not required.keys() <= rec.keys():
            for key, name in required.items():
                where = (table, row, name)
                if key not in rec and where not in reported:
                    problems.append(Problem(where, "required value is missing"))
                    reported.add(where)
    for outer in ("region", "provenance"):
        nested = [c for c in columns if len(c.path) == 2 and c.path[0] == outer]
        if nested:
            _nest(table, outer, nested, values, out, problems=problems, reported=reported)
    if table == "declared":
        for rec in out:
            _figure_value(rec)
    if table == "changes":  # an empty lead cell: the change keeps the lead
        for rec in out:
            if "lead" in rec and not rec["lead"]:
                del rec["lead"]
    return out


def _nest(
    table: str,
    outer: str,
    nested: Sequence[_Column],
    values: Mapping[str, list[Any]],
    out: list[dict[str, Any]],
    *,
    problems: list[Problem],
    reported: set[Path],
) -> None:
    inner = [c.path[1] for c in nested]
    for row, cells in enumerate(zip(*(values[c.name] for c in nested), strict=True)):
        given = {k: v for k, v in zip(inner, cells, strict=True) if v is not MISSING}
        if outer == "provenance" and "source" not in given:
            where = (table, row, "provenance_source")
            if any(given.values()) and where not in reported:
                problems.append(
                    Problem(
                        where,
                        "required when provenance_quote, provenance_inferred or "
                        "provenance_note is given",
                    )
                )
                reported.add(where)
            continue
        if given:
            out[row][outer] = given


def _figure_value(rec: dict[str, Any]) -> None:
    """A whole float for a count unit becomes an int (as for count columns)."""
    v, unit = rec.get("value"), rec.get("unit")
    if isinstance(v, float) and math.isfinite(v) and v == math.floor(v):
        parsed = FigureUnit.table().lookup(unit) if isinstance(unit, str) else None
        if parsed is not None and parsed.is_count:
            rec["value"] = int(v)


def _column_path(rest: Path) -> Path:
    """A model field path inside a record to the column path of its table."""
    if len(rest) >= 2 and rest[0] == "region":
        return rest[1:]
    if rest and rest[0] == "provenance":
        return (f"provenance_{rest[1]}", *rest[2:]) if len(rest) >= 2 else ("provenance_source",)
    return rest


class _Alliances:
    """Finds an alliance row by id, or by a name no other alliance has."""

    def __init__(self, alliances: list[dict[str, Any]]) -> None:
        self.by_id: dict[Any, int] = {}
        names: dict[Any, list[int]] = {}
        for pos, rec in enumerate(alliances):
            aid, name = rec.get("id"), rec.get("name")
            if isinstance(aid, str):
                self.by_id.setdefault(aid, pos)
            if isinstance(name, str):
                names.setdefault(name, []).append(pos)
        self.by_name = names

    def find(self, ref: Any) -> int | str:
        """The row of the alliance ``ref`` names, or why there is none."""
        found = self.by_id.get(ref) if isinstance(ref, str) else None
        if found is not None:
            return found
        rows = self.by_name.get(ref, []) if isinstance(ref, str) else []
        if len(rows) == 1:
            return rows[0]
        if rows:
            return f"alliance name {ref!r} is ambiguous (alliances rows {rows}): use the id"
        return f"unknown alliance {ref!r} (not an id or name in the alliances table)"


def _memberships_of_institutions(
    institutions: list[dict[str, Any]], problems: list[Problem]
) -> list[tuple[dict[str, Any], int]]:
    """Membership rows (with their institutions row) from the ``alliance``/``role`` cells."""
    out = []
    for row, rec in enumerate(institutions):
        refs, roles = (rec.pop(key, ()) for key in MEMBERSHIP_COLUMNS)
        if not refs:
            if roles:
                problems.append(
                    Problem(("institutions", row, "role"), "a role needs the alliance it is in")
                )
            continue
        if len(roles) not in (0, 1, len(refs)):
            problems.append(
                Problem(
                    ("institutions", row, "role"),
                    f"{len(roles)} roles for {len(refs)} alliances: give one role, "
                    "or one for each alliance",
                )
            )
            continue
        for i, ref in enumerate(refs):
            member: dict[str, Any] = {"alliance": ref}
            if "id" in rec:
                member["institution"] = rec["id"]
            if roles:
                member["role"] = roles[i if len(roles) > 1 else 0]
            out.append((member, row))
    return out


def _default_leads(
    alliances: list[dict[str, Any]], problems: list[Problem], reported: set[Path]
) -> None:
    """An alliance without ``lead`` gets the members whose role is lead, in member order."""
    table = MemberRole.table()
    for pos, rec in enumerate(alliances):
        if "lead" in rec:
            continue
        leads = tuple(
            m["institution"]
            for m in rec.get("memberships", ())
            if "institution" in m
            and isinstance(role := m.get("role"), str)
            and table.lookup(role) is MemberRole.LEAD
        )
        if leads:
            rec["lead"] = leads
        else:  # without members, "has no rows in the memberships table" says it all
            where = ("alliances", pos, "lead")
            if "memberships" in rec:
                message = "no lead: fill in the lead (牵头单位), or give a member the role lead"
                problems.append(Problem(where, message))
            reported.add(where)


Origins = dict[str, list[dict[str, list[Path]]]]
"""For ``alliances`` and ``institutions``: per record, the ``(table, row)`` of each nested row."""


def _link_former_names(
    recs: dict[str, list[dict[str, Any]]], origins: Origins, problems: list[Problem]
) -> None:
    """Put the rows of the former-names table under their institution (by id), in row order."""
    by_id: dict[Any, int] = {}
    for pos, rec in enumerate(recs["institutions"]):
        if isinstance(rec.get("id"), str):
            by_id.setdefault(rec["id"], pos)
    for row, rec in enumerate(recs.get("former_names", [])):
        ref = rec.pop("institution", None)
        if ref is None:
            continue  # reported as a missing required value
        found = by_id.get(ref) if isinstance(ref, str) else None
        if found is None:
            message = f"unknown institution {ref!r} (not an id in the institutions table)"
            problems.append(Problem(("former_names", row, "institution"), message))
            continue
        recs["institutions"][found].setdefault("former_names", []).append(rec)
        origins["institutions"][found].setdefault("former_names", []).append(("former_names", row))


def _link_children(
    recs: dict[str, list[dict[str, Any]]], problems: list[Problem], reported: set[Path]
) -> Origins:
    """Put nested rows under their record; return each nested row's origin ``(table, row)``."""
    alliances = _Alliances(recs["alliances"])
    every: Origins = {t: [{} for _ in recs[t]] for t in ("alliances", "institutions")}
    origins = every["alliances"]
    _link_former_names(recs, every, problems)
    derived = _memberships_of_institutions(recs["institutions"], problems)
    rows: dict[str, list[tuple[dict[str, Any], Path]]] = {
        child: [(rec, (child, row)) for row, rec in enumerate(recs.get(child, []))]
        for child in _CHILDREN
    }
    rows["memberships"] += [(rec, ("institutions", row)) for rec, row in derived]
    for child in _CHILDREN:
        for rec, origin in rows[child]:
            ref = rec.pop("alliance", None)
            if ref is None:
                continue  # reported as a missing required value
            found = alliances.find(ref)
            if isinstance(found, str):
                problems.append(Problem((*origin, "alliance"), found))
                continue
            recs["alliances"][found].setdefault(child, []).append(rec)
            origins[found].setdefault(child, []).append(origin)
    for rec in recs["agreements"]:  # an agreement's alliance may be named too
        found = alliances.find(rec.get("alliance"))
        if isinstance(found, int):
            rec["alliance"] = recs["alliances"][found].get("id")
    for pos, rec in enumerate(recs["alliances"]):
        if "memberships" not in rec:
            where = ("alliances", pos, "id")
            problems.append(
                Problem(where, f"alliance {rec.get('id')!r} has no rows in the memberships table")
            )
            reported.add(where)
    _default_leads(recs["alliances"], problems, reported)
    return every


def _locate(path: Path, origins: Origins) -> Path:
    """A problem path of the registry to ``(table, row, column, ...)``."""
    if len(path) < 2 or not isinstance(path[1], int) or path[0] not in _TOP:
        return path
    head, pos, rest = path[0], path[1], path[2:]
    nested = _CHILDREN if head == "alliances" else ("former_names",)
    if head in origins and rest and rest[0] in nested:
        rows = origins[head][pos].get(rest[0], [])
        if len(rest) >= 2 and isinstance(rest[1], int) and rest[1] < len(rows):
            origin, inner = rows[rest[1]], _column_path(rest[2:])
            if origin[0] != "institutions":
                return (*origin, *inner)
            column = {"institution": "id", "role": "role"}.get(inner[0] if inner else "")
            return (*origin, column or "alliance")
        return (head, pos, "id")
    return (head, pos, *_column_path(rest))


def assemble(
    recs: dict[str, list[dict[str, Any]]],
    *,
    title: Any = None,
    description: Any = None,
    problems: list[Problem],
    reported: set[Path],
) -> Registry:
    """Validate the records of every table (from :func:`records`) into a registry.

    ``problems`` already found (while decoding cells) are reported together with the
    registry's own, at ``(table, row, column, ...)``; paths in ``reported`` are not
    reported twice.

    Raises
    ------
    MedAllianceError
        Listing every problem.

    Examples
    --------
    >>> recs = {"sources": [], "agreements": [], "alliances": [], "memberships": [],
    ...         "shared_centres": [], "expert_clinics": [], "staff_postings": [], "declared": [],
    ...         "institutions": [{"id": "t", "name": "某镇卫生院", "kind": "乡镇卫生院"}]}
    >>> assemble(recs, problems=[], reported=set()).institution("t").tier.value
    'primary'
    """
    origins = _link_children(recs, problems, reported)
    data: dict[str, Any] = {name: recs.get(name, []) for name in _TOP}
    if title is not None:
        data["title"] = title
    if description is not None:
        data["description"] = description
    try:
        registry = Registry.model_validate(data)
    except MedAllianceError as exc:
        for p in exc.problems:
            path = _locate(p.path, origins)
            if path not in reported:
                problems.append(Problem(path, p.message))
        raise MedAllianceError(problems) from None
    if problems:
        raise MedAllianceError(problems)
    return registry

"""DataFrames -> Registry, reporting every problem at its table, row and column.

Private to :mod:`medalliance.io.tables`.
"""

from __future__ import annotations

import math
from typing import Any

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.io.tables._columns import _CHILDREN, _SPECS, _TOP
from medalliance.io.tables._decode import _MISSING, _column_values
from medalliance.io.tables._frames import RegistryFrames
from medalliance.model.alliance import FigureUnit
from medalliance.model.registry import Registry


def _check_table(pd: Any, name: str, df: Any, problems: list[Problem]) -> bool:
    """Check that ``df`` is a DataFrame with the required columns and no unknown ones."""
    if df is None or (isinstance(df, pd.DataFrame) and df.shape == (0, 0)):
        return True  # no table, or an empty one without columns
    if not isinstance(df, pd.DataFrame):
        problems.append(Problem((name,), f"expected a pandas DataFrame, got {type(df).__name__}"))
        return False
    spec = _SPECS[name]
    known = {c.name for c in spec}
    ok = True
    seen: set[Any] = set()
    for col in df.columns:
        if col in seen:
            problems.append(Problem((name, str(col)), "duplicate column"))
            ok = False
        seen.add(col)
        if col not in known:
            problems.append(
                Problem(
                    (name, str(col)),
                    f"unknown column; the {name} table has columns: "
                    + ", ".join(c.name for c in spec),
                )
            )
            ok = False
    for c in spec:
        if c.required and c.name not in seen:
            problems.append(Problem((name, c.name), "required column is missing"))
            ok = False
    return ok


def _records(
    df: Any, table: str, problems: list[Problem], reported: set[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    """One record dict per row of ``df`` (nested region / provenance), in row order."""
    if df is None or len(df) == 0:
        return []
    columns = [c for c in _SPECS[table] if c.name in df.columns]
    values = {}
    for c in columns:
        before = len(problems)
        values[c.name] = _column_values(df, table, c, problems)
        reported.update(p.path for p in problems[before:])
    flat = [c for c in columns if len(c.path) == 1]
    keys = [c.path[0] for c in flat]
    records = [
        {k: v for k, v in zip(keys, cells, strict=True) if v is not _MISSING}
        for cells in zip(*(values[c.name] for c in flat), strict=True)
    ] or [{} for _ in range(len(df))]
    required = {c.path[0]: c.name for c in flat if c.required}
    for row, rec in enumerate(records):
        if required and not required.keys() <= rec.keys():
            for key, name in required.items():
                where = (table, row, name)
                if key not in rec and where not in reported:
                    problems.append(Problem(where, "required value is missing"))
                    reported.add(where)
    for outer in ("region", "provenance"):
        nested = [c for c in columns if len(c.path) == 2 and c.path[0] == outer]
        if not nested:
            continue
        inner = [c.path[1] for c in nested]
        for row, cells in enumerate(zip(*(values[c.name] for c in nested), strict=True)):
            given = {k: v for k, v in zip(inner, cells, strict=True) if v is not _MISSING}
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
                records[row][outer] = given
    if table == "declared":
        for rec in records:
            _figure_value(rec)
    return records


def _figure_value(rec: dict[str, Any]) -> None:
    """A whole float for a count unit becomes an int (as for count columns)."""
    v, unit = rec.get("value"), rec.get("unit")
    if isinstance(v, float) and math.isfinite(v) and v == math.floor(v):
        parsed = FigureUnit.table().lookup(unit) if isinstance(unit, str) else None
        if parsed is not None and parsed.is_count:
            rec["value"] = int(v)


def _column_path(rest: tuple[Any, ...]) -> tuple[Any, ...]:
    """A model field path inside a record to the column path of its table."""
    if len(rest) >= 2 and rest[0] == "region":
        return rest[1:]
    if rest and rest[0] == "provenance":
        return (f"provenance_{rest[1]}", *rest[2:]) if len(rest) >= 2 else ("provenance_source",)
    return rest


def from_frames(frames: RegistryFrames) -> Registry:
    """Validate tables (as :func:`~medalliance.io.tables.to_frames` writes them) into a registry.

    Parameters
    ----------
    frames : RegistryFrames
        The tables; not modified. Columns of optional fields may be left out, and a table
        left as ``None`` is empty.

    Returns
    -------
    Registry
        The validated registry; ``from_frames(to_frames(reg)) == reg``.

    Raises
    ------
    MedAllianceError
        Listing every problem, each at ``table[row].column`` (``row`` is the position in the
        table): a table that is not a DataFrame, missing required or unknown columns, missing
        required values, values of the wrong type (a string where a tuple belongs, a count
        that is not a whole number, a date with a time of day), child rows of an unknown
        alliance, and every problem of the registry itself (unknown ids, a lead that is not
        a member, invalid labels, ...).
    ImportError
        When pandas is not installed (``pip install 'medalliance[tables]'``).

    Examples
    --------
    >>> import pandas as pd
    >>> frames = RegistryFrames(
    ...     institutions=pd.DataFrame({
    ...         "id": ["county", "town"], "name": ["某县人民医院", "某镇卫生院"],
    ...         "kind": ["综合医院", "乡镇卫生院"], "tier": ["二级", None],
    ...         "beds": [320.0, float("nan")]}),
    ...     alliances=pd.DataFrame({"id": ["a"], "name": ["某县医共体"], "form": ["县域医共体"],
    ...                             "lead": [("county",)]}),
    ...     memberships=pd.DataFrame({"alliance": ["a", "a"], "institution": ["county", "town"],
    ...                               "role": ["lead", "hub"]}))
    >>> reg = from_frames(frames)
    >>> reg.institution("county").beds, reg.institution("town").tier.value
    (320, 'primary')
    >>> bad = RegistryFrames(institutions=frames.institutions.assign(beds=[12.5, None]),
    ...                      alliances=frames.alliances,
    ...                      memberships=frames.memberships.assign(alliance=["a", "b"]))
    >>> from_frames(bad)
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - institutions[0].beds: must be a whole number, got 12.5
      - memberships[1].alliance: unknown alliance 'b' (not in the alliances table)
    """
    pd = require("pandas", extra="tables")
    if not isinstance(frames, RegistryFrames):
        raise MedAllianceError(
            [Problem((), f"expected RegistryFrames, got {type(frames).__name__}")]
        )
    problems: list[Problem] = []
    ok = [_check_table(pd, name, df, problems) for name, df in frames.tables()]
    if not all(ok):
        raise MedAllianceError(problems)
    reported: set[tuple[Any, ...]] = set()
    recs = {name: _records(df, name, problems, reported) for name, df in frames.tables()}

    alliance_pos: dict[Any, int] = {}
    for pos, rec in enumerate(recs["alliances"]):
        aid = rec.get("id")
        if isinstance(aid, str):
            alliance_pos.setdefault(aid, pos)
    child_rows: list[dict[str, list[int]]] = [{} for _ in recs["alliances"]]
    for child in _CHILDREN:
        for row, rec in enumerate(recs[child]):
            aid = rec.pop("alliance", None)
            if aid is None:
                continue  # reported as a missing required value
            found = alliance_pos.get(aid) if isinstance(aid, str) else None
            if found is None:
                problems.append(
                    Problem(
                        (child, row, "alliance"),
                        f"unknown alliance {aid!r} (not in the alliances table)",
                    )
                )
                continue
            recs["alliances"][found].setdefault(child, []).append(rec)
            child_rows[found].setdefault(child, []).append(row)
    for pos, rec in enumerate(recs["alliances"]):
        if "memberships" not in rec:
            where = ("alliances", pos, "id")
            problems.append(
                Problem(where, f"alliance {rec.get('id')!r} has no rows in the memberships table")
            )
            reported.add(where)

    data: dict[str, Any] = {name: recs[name] for name in _TOP}
    for key in ("title", "description"):
        value = getattr(frames, key)
        if value is not None:
            data[key] = value

    def locate(path: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(path) < 2 or not isinstance(path[1], int) or path[0] not in _TOP:
            return path
        head, pos, rest = path[0], path[1], path[2:]
        if head == "alliances" and rest and rest[0] in _CHILDREN:
            rows = child_rows[pos].get(rest[0], [])
            if len(rest) >= 2 and isinstance(rest[1], int) and rest[1] < len(rows):
                return (rest[0], rows[rest[1]], *_column_path(rest[2:]))
            return ("alliances", pos, "id")
        return (head, pos, *_column_path(rest))

    try:
        registry = Registry.model_validate(data)
    except MedAllianceError as exc:
        for p in exc.problems:
            path = locate(p.path)
            if path not in reported:
                problems.append(Problem(path, p.message))
        raise MedAllianceError(problems) from None
    if problems:
        raise MedAllianceError(problems)
    return registry

"""DataFrames -> Registry, reporting every problem at its table, row and column.

Private to :mod:`medalliance.io.tables`.
"""

from __future__ import annotations

from typing import Any

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.io.tables._assemble import assemble, records
from medalliance.io.tables._columns import _SPECS
from medalliance.io.tables._decode import _column_values
from medalliance.io.tables._frames import RegistryFrames
from medalliance.io.tables._headers import resolve
from medalliance.model.registry import Registry


def _check_table(pd: Any, name: str, df: Any, problems: list[Problem]) -> dict[str, Any] | None:
    """The header of each column of ``df`` by column name, or ``None`` if it is unusable.

    Checks that ``df`` is a DataFrame whose headers (names or aliases, see
    :data:`~medalliance.io.tables._headers.ALIASES`) are known, not repeated, and include the
    required columns.
    """
    if df is None or (isinstance(df, pd.DataFrame) and df.shape == (0, 0)):
        return {}  # no table, or an empty one without columns
    if not isinstance(df, pd.DataFrame):
        problems.append(Problem((name,), f"expected a pandas DataFrame, got {type(df).__name__}"))
        return None
    headers = list(df.columns)
    found, bad = resolve(name, headers)
    problems.extend(Problem((name, str(headers[pos])), message) for pos, message in bad)
    missing = [c.name for c in _SPECS[name] if c.required and c.name not in found]
    problems.extend(Problem((name, c), "required column is missing") for c in missing)
    if bad or missing:
        return None
    return {column: headers[pos] for column, pos in found.items()}


def _records(
    df: Any,
    table: str,
    headers: dict[str, Any],
    problems: list[Problem],
    reported: set[tuple[Any, ...]],
) -> list[dict[str, Any]]:
    """One record dict per row of ``df``, in row order."""
    if df is None or len(df) == 0:
        return []
    values = {}
    for c in _SPECS[table]:
        if c.name in headers:
            before = len(problems)
            values[c.name] = _column_values(df[headers[c.name]], table, c, problems)
            reported.update(p.path for p in problems[before:])
    return records(table, values, len(df), problems, reported)


def from_frames(frames: RegistryFrames) -> Registry:
    """Validate tables (as :func:`~medalliance.io.tables.to_frames` writes them) into a registry.

    Parameters
    ----------
    frames : RegistryFrames
        The tables; not modified. Columns of optional fields may be left out, and a table
        left as ``None`` is empty. Headers may be the column names or their Chinese and
        English aliases (``机构名称``, ``床位数``, ...), and the institutions table may have
        the input-only columns ``level`` (``等级``), ``alliance`` (``所属医联体``) and
        ``role`` (``角色``); see the module documentation.

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
        that is not a whole number, a date with a time of day, an empty item in a list
        cell), child rows of an unknown alliance, and every problem of the registry itself (unknown ids, a lead that is not
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
      - memberships[1].alliance: unknown alliance 'b' (not an id or name in the alliances table)

    A health bureau's shape: Chinese headers, a level column, list cells, and the alliance
    (by id or name) and role of each institution in its own row; the lead comes from the
    roles:

    >>> bureau = RegistryFrames(
    ...     institutions=pd.DataFrame({
    ...         "机构编码": ["county", "town"], "机构名称": ["某县人民医院", "某镇卫生院"],
    ...         "机构类别": ["综合医院", "乡镇卫生院"], "等级": ["二级甲等", None],
    ...         "专科": ["心血管内科、神经内科", None],
    ...         "所属医联体": ["某县医共体", "某县医共体"], "角色": ["牵头单位", "成员单位"]}),
    ...     alliances=pd.DataFrame({"编号": ["a"], "医联体名称": ["某县医共体"],
    ...                             "组织形式": ["县域医共体"]}))
    >>> reg = from_frames(bureau)
    >>> county = reg.institution("county")
    >>> county.tier.value, county.grade.value, [s.value for s in county.specialties]
    ('secondary', 'A', ['cardiology', 'neurology'])
    >>> reg.alliance("a").lead
    ('county',)
    """  # noqa: E501
    pd = require("pandas", extra="tables")
    if not isinstance(frames, RegistryFrames):
        raise MedAllianceError(
            [Problem((), f"expected RegistryFrames, got {type(frames).__name__}")]
        )
    problems: list[Problem] = []
    headers = {name: _check_table(pd, name, df, problems) for name, df in frames.tables()}
    if problems:
        raise MedAllianceError(problems)
    reported: set[tuple[Any, ...]] = set()
    recs = {
        name: _records(df, name, headers[name] or {}, problems, reported)
        for name, df in frames.tables()
    }
    return assemble(
        recs,
        title=frames.title,
        description=frames.description,
        problems=problems,
        reported=reported,
    )

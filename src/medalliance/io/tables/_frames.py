"""The container of a registry's tables. Private to :mod:`medalliance.io.tables`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from medalliance.io.tables._columns import _SPECS


@dataclass(frozen=True, eq=False)
class RegistryFrames:
    """The tables of a registry: one pandas DataFrame per kind of record.

    Returned by :func:`~medalliance.io.tables.to_frames`;
    :func:`~medalliance.io.tables.from_frames` reads it back. Build one by hand to load your
    own tables: a table left as ``None`` is empty, and columns of optional fields may be left
    out (see the module documentation for the columns and encoding rules).

    Attributes
    ----------
    institutions, alliances, memberships, agreements, shared_centres, expert_clinics, \
staff_postings, declared, changes, former_names, sources, divisions : pandas.DataFrame or None
        The tables (``None``: no rows).
    title, description : str or None
        The registry's title and description.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.io.tables import to_frames
    >>> frames = to_frames(examples.load("gangkou"))
    >>> frames
    RegistryFrames(institutions=5, alliances=1, memberships=5, agreements=0, shared_centres=4, \
expert_clinics=0, staff_postings=0, declared=22, changes=0, former_names=0, sources=1, \
divisions=0)
    >>> [name for name, table in frames.tables()][:3]
    ['institutions', 'alliances', 'memberships']
    """

    institutions: Any = None
    alliances: Any = None
    memberships: Any = None
    agreements: Any = None
    shared_centres: Any = None
    expert_clinics: Any = None
    staff_postings: Any = None
    declared: Any = None
    changes: Any = None
    former_names: Any = None
    sources: Any = None
    divisions: Any = None
    title: str | None = None
    description: str | None = None

    def tables(self) -> tuple[tuple[str, Any], ...]:
        """The ``(name, DataFrame or None)`` pairs, in field order.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.io.tables import to_frames
        >>> [(name, len(df)) for name, df in to_frames(examples.load("gangkou")).tables()][:3]
        [('institutions', 5), ('alliances', 1), ('memberships', 5)]
        """
        return tuple((f.name, getattr(self, f.name)) for f in fields(self) if f.name in _SPECS)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.tables())

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}={_length(df)}" for name, df in self.tables())
        return f"RegistryFrames({parts})"

    def _repr_html_(self) -> str:
        from medalliance.display import frames_html

        return frames_html(self)


def _length(df: Any) -> str:
    if df is None:
        return "0"
    try:
        return str(len(df))
    except TypeError:
        return "?"

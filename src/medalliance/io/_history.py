"""Refuse to write dated history a file format cannot carry yet (nothing is dropped silently).

JSON, YAML, GraphML and FHIR carry every dated field. The tables and sheets carry the dates
(``opened``, ``closed``, ``founded``, ``dissolved``, ``joined``, ``left``, agreement terms) but
not yet an alliance's dated ``changes`` or an institution's ``former_names``. Writing a
registry with more history to such a format raises
:class:`~medalliance.errors.MedAllianceError` naming every record concerned.
"""

from __future__ import annotations

from collections.abc import Collection

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.registry import Registry

__all__ = ["TABLE_HISTORY", "refuse_history"]

TABLE_HISTORY = frozenset({"changes", "former_names"})
"""History the tables and sheets cannot carry."""


def refuse_history(registry: Registry, fmt: str, fields: Collection[str]) -> None:
    """Raise when ``registry`` uses any of ``fields``, which format ``fmt`` cannot write.

    Raises
    ------
    MedAllianceError
        Listing every record that uses one of ``fields``, with its path.

    Examples
    --------
    >>> from medalliance import examples
    >>> refuse_history(examples.load("gangkou"), "the tables", TABLE_HISTORY)
    """
    problems: list[Problem] = []

    def note(path: tuple[str | int, ...], field: str) -> None:
        problems.append(Problem((*path, field), f"{fmt} cannot carry {field!r} yet"))

    for i, inst in enumerate(registry.institutions):
        for f in ("opened", "closed", "former_names"):
            if f in fields and getattr(inst, f):
                note(("institutions", i), f)
    for i, a in enumerate(registry.alliances):
        for f in ("dissolved", "changes"):
            if f in fields and getattr(a, f):
                note(("alliances", i), f)
        if "left" in fields:
            for j, m in enumerate(a.memberships):
                if m.left is not None:
                    note(("alliances", i, "memberships", j), "left")
    if problems:
        raise MedAllianceError(problems)

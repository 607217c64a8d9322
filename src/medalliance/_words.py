"""Counts in words: one helper for "1 alliance" / "2 alliances" everywhere.

Reprs, notebook displays, error messages and the command line all say how many of something
there are; they use :func:`count_noun` so that a count of one is never followed by a plural.

Examples
--------
>>> count_noun(1, "alliance"), count_noun(2, "shared centre"), count_noun(0, "row")
('1 alliance', '2 shared centres', '0 rows')
"""

from __future__ import annotations

__all__ = ["count_noun"]


def count_noun(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` with thousands separators, then ``noun``, in the plural unless it is one.

    Parameters
    ----------
    count : int
        How many.
    noun : str
        The noun in the singular (``"alliance"``, ``"shared centre"``).
    plural : str, optional
        The plural when it is not ``noun + "s"`` (``"entries"``).

    Returns
    -------
    str
        E.g. ``"1 alliance"``, ``"1,234 institutions"``.

    Examples
    --------
    >>> count_noun(1_234, "institution")
    '1,234 institutions'
    >>> count_noun(1, "entry", "entries"), count_noun(3, "entry", "entries")
    ('1 entry', '3 entries')
    """
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"

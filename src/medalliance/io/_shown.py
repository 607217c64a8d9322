"""A value quoted in a message, cut to a readable length (internal to :mod:`medalliance.io`).

The record and FHIR readers quote the values they refuse; a value can be a cell of 100,000
characters, a list of thousands of items or an integer of more digits than Python prints
(4,300 by default), so what is quoted is bounded here, in one place.
"""

from __future__ import annotations

import math

SHOWN_CHARACTERS = 40
"""At most about this many characters of a value are quoted in a message."""


def shown(value: object) -> str:
    """``repr(value)`` cut to about :data:`SHOWN_CHARACTERS` characters.

    Examples
    --------
    >>> shown("1" * 100)
    "'1111111111111111111111111111111111111111…' (100 characters)"
    >>> shown(10**5000)
    'a number of 5001 digits'
    >>> shown([1, 2])
    '[1, 2]'
    """
    if isinstance(value, str) and len(value) > SHOWN_CHARACTERS:
        return f"{value[:SHOWN_CHARACTERS]!r}"[:-1] + f"…' ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a number of {_digits(value)} digits"
    try:
        text = repr(value)
    except ValueError:  # it holds an integer past Python's digit limit
        return f"a {type(value).__name__} with a very long number"
    return text if len(text) <= SHOWN_CHARACTERS + 2 else text[:SHOWN_CHARACTERS] + "…"


def _digits(value: int) -> int:
    """The number of decimal digits of ``value`` (without printing it)."""
    magnitude = abs(value)
    guess = int(magnitude.bit_length() * math.log10(2))  # the count is guess or guess + 1
    return guess + 1 if magnitude >= 10**guess else guess

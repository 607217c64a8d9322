"""Resource limits of the readers and of error messages: documented settings.

Every file medalliance reads goes through the checked parser, which refuses input past these
limits with a :class:`~medalliance.errors.MedAllianceError` that names the limit, so that a
hostile or broken file is stopped in well under a second instead of exhausting memory. The
same settings bound how much an error message says.

=========================  ================  ===============================================
setting                    default           what it bounds
=========================  ================  ===============================================
``max_file_bytes``         536,870,912       bytes read from one file (512 MiB; a national
                                             registry at full scale is about 390 MB of JSON)
``max_alias_nodes``        100,000           values YAML aliases (``*name``) add to a
                                             document by repeating what they refer to
``max_digits``             100               digits of one integer in JSON or YAML (counts in
                                             the model stop at 2**53 - 1, 16 digits)
``max_problems_listed``    100               lines an error message lists; every problem is
                                             still in the error's ``problems``
``max_quoted_chars``       200               characters of a value an error message quotes
=========================  ================  ===============================================

Change them for the whole process with :func:`configure`, or for one block of code (in the
current thread or task only) with :func:`override`; :func:`current` tells what applies.

Examples
--------
>>> from medalliance import limits
>>> limits.current().max_digits
100
>>> with limits.override(max_digits=20):
...     limits.current().max_digits
20
>>> limits.current().max_digits
100
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Limits", "configure", "current", "override"]


@dataclass(frozen=True)
class Limits:
    """The limits that apply to reading files and to error messages.

    Every value is a whole number >= 1; see the module documentation for what each bounds.

    Examples
    --------
    >>> Limits().max_problems_listed
    100
    >>> Limits(max_digits=0)
    Traceback (most recent call last):
    ...
    ValueError: limit max_digits must be a whole number >= 1, got 0
    """

    max_file_bytes: int = 512 * 1024 * 1024
    """Bytes read from one file at most."""
    max_alias_nodes: int = 100_000
    """Values that YAML aliases may add to one document by repeating what they refer to."""
    max_digits: int = 100
    """Digits of one integer in a JSON or YAML file at most."""
    max_problems_listed: int = 100
    """Lines an error message lists at most (the error keeps every problem)."""
    max_quoted_chars: int = 200
    """Characters of a value an error message quotes at most."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"limit {field.name} must be a whole number >= 1, got {value!r}"
                raise ValueError(msg)


_process_limits = Limits()
_context_limits: ContextVar[Limits | None] = ContextVar("medalliance_limits", default=None)


def current() -> Limits:
    """The limits in force here: those of an enclosing :func:`override`, else the process's.

    Examples
    --------
    >>> current().max_file_bytes
    536870912
    """
    return _context_limits.get() or _process_limits


def configure(**changes: int) -> Limits:
    """Change limits for the whole process; return the new limits.

    Parameters
    ----------
    **changes : int
        New values by name (``max_file_bytes=...``); the others keep their values.

    Raises
    ------
    TypeError
        For a name that is not a limit.
    ValueError
        For a value that is not a whole number >= 1.

    Examples
    --------
    >>> old = current()
    >>> configure(max_file_bytes=2 * 1024**3).max_file_bytes
    2147483648
    >>> configure(**dataclasses.asdict(old)) == old
    True
    """
    global _process_limits  # noqa: PLW0603 - the one process-wide setting, by design
    _process_limits = dataclasses.replace(_process_limits, **changes)
    return _process_limits


@contextmanager
def override(**changes: int) -> Iterator[Limits]:
    """Change limits inside a ``with`` block (this thread or task only).

    Parameters
    ----------
    **changes : int
        New values by name; the others are those in force when the block starts.

    Examples
    --------
    >>> with override(max_problems_listed=5) as lim:
    ...     lim.max_problems_listed, current().max_problems_listed
    (5, 5)
    >>> current().max_problems_listed
    100
    """
    token = _context_limits.set(dataclasses.replace(current(), **changes))
    try:
        yield current()
    finally:
        _context_limits.reset(token)

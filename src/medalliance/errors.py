"""Errors raised by medalliance.

Every error the library raises on bad input is a :class:`MedAllianceError`, which is a
:class:`ValueError`. It carries the full list of :class:`Problem` entries found, each with
the path of the offending value, so one call reports *every* problem at once.

Examples
--------
>>> from medalliance.errors import MedAllianceError, Problem
>>> err = MedAllianceError([Problem(("institutions", 3, "beds"), "must be >= 0, got -5")])
>>> isinstance(err, ValueError)
True
>>> print(err)
1 problem:
  - institutions[3].beds: must be >= 0, got -5
"""

from __future__ import annotations

import functools
import math
import re
import reprlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from medalliance.limits import current as current_limits

__all__ = [
    "LabelError",
    "MedAllianceError",
    "Problem",
    "SchemaError",
    "UnknownIdError",
    "duplicate_problems",
    "format_path",
    "quote",
    "render_problems",
]

PathItem = str | int


def format_path(path: Sequence[PathItem]) -> str:
    """Render a location tuple as ``a.b[3].c``.

    Parameters
    ----------
    path : sequence of str or int
        Keys (str) and positions (int) from the outermost container inwards.

    Returns
    -------
    str
        The dotted path; ``"<root>"`` for an empty path.

    Examples
    --------
    >>> format_path(("alliances", 0, "memberships", 2, "institution"))
    'alliances[0].memberships[2].institution'
    >>> format_path(())
    '<root>'
    """
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f".{item}" if out else str(item)
    return out or "<root>"


@dataclass(frozen=True)
class Problem:
    """One problem in the input: where it is and what is wrong.

    Examples
    --------
    >>> Problem(("alliances", 0, "lead"), "lead 'x' is not a member").render()
    "alliances[0].lead: lead 'x' is not a member"
    """

    path: tuple[PathItem, ...]
    message: str

    def render(self) -> str:
        """Return ``path: message``."""
        return f"{format_path(self.path)}: {self.message}"


class _ShortRepr(reprlib.Repr):
    """``reprlib`` with bounded work for every type, huge integers included."""

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 1_000:  # str() of it may be refused (4,300 digits) and is slow
            return _huge_int(x)
        return super().repr_int(x, level)


def _huge_int(x: int) -> str:
    digits = math.floor(abs(x).bit_length() * math.log10(2)) + 1
    return f"<an integer of about {digits:,} digits>"


def quote(value: object) -> str:
    """The ``repr`` of ``value`` for an error message, bounded in length and in work.

    At most :attr:`medalliance.limits.Limits.max_quoted_chars` characters of a string are
    quoted, followed by ``… (N characters)``; a list or mapping shows its first items only,
    and an integer too long to print says how many digits it has. Quoting never walks a
    whole large value.

    Examples
    --------
    >>> quote("三级甲等")
    "'三级甲等'"
    >>> quote("x" * 1_000_000)[-29:]
    "xxxx'… (1,000,000 characters)"
    >>> quote(10**5000)
    '<an integer of about 5,001 digits>'
    >>> quote(list(range(1_000_000)))
    '[0, 1, 2, 3, 4, 5, ...]'
    """
    limit = current_limits().max_quoted_chars
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1_000:
        return _huge_int(value)
    short = _ShortRepr()
    short.maxstring = short.maxother = limit
    text = short.repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


ACCEPTED_MARK = "; accepted: "
"""A message that lists accepted labels puts the list after this mark; an error with many
problems prints each such list once, below the problems."""
_GROUP_FROM = 4
"""A message repeated at this many paths or more is listed once, with a count."""
_PATHS_SHOWN = 3


def render_problems(problems: Sequence[Problem]) -> list[str]:
    r"""The lines listing ``problems`` in an error message, summarised and bounded.

    A message repeated at many paths is one line with the first few paths and a count; a
    list of accepted labels shared by several problems is printed once, below them; at
    most :attr:`medalliance.limits.Limits.max_problems_listed` lines are listed, then how
    many more there are.

    Examples
    --------
    >>> ps = [Problem(("institutions", i, "beds"), "must be >= 0") for i in range(1000)]
    >>> print("\n".join(render_problems(ps)))
      - institutions[0].beds, institutions[1].beds, institutions[2].beds and 997 more: must be >= 0
    >>> ps = [Problem(("k", i), f"unknown kind 'x{i}'; accepted: a, b, c") for i in range(3)]
    >>> print("\n".join(render_problems(ps)))
      - k[0]: unknown kind 'x0'; accepted: see [1] below
      - k[1]: unknown kind 'x1'; accepted: see [1] below
      - k[2]: unknown kind 'x2'; accepted: see [1] below
      [1] accepted: a, b, c
    """
    tails: Counter[str] = Counter()
    for p in problems:
        at = p.message.find(ACCEPTED_MARK)
        if at >= 0:
            tails[p.message[at + len(ACCEPTED_MARK) :]] += 1
    shared = {tail for tail, n in tails.items() if n > 1}
    notes: dict[str, int] = {}

    def short(message: str) -> str:
        at = message.find(ACCEPTED_MARK)
        if at < 0 or message[at + len(ACCEPTED_MARK) :] not in shared:
            return message
        number = notes.setdefault(message[at + len(ACCEPTED_MARK) :], len(notes) + 1)
        return f"{message[:at]}{ACCEPTED_MARK}see [{number}] below"

    counts = Counter(p.message for p in problems)
    entries: dict[object, tuple[str, list[str]]] = {}  # first occurrence -> (message, paths)
    for k, p in enumerate(problems):
        key: object = p.message if counts[p.message] >= _GROUP_FROM else k
        entry = entries.get(key)
        if entry is None:
            entries[key] = (p.message, [format_path(p.path)])
        elif len(entry[1]) < _PATHS_SHOWN:
            entry[1].append(format_path(p.path))
    limit = current_limits().max_problems_listed
    lines: list[str] = []
    shown = 0
    for message, paths in list(entries.values())[:limit]:
        n = counts[message] if counts[message] >= _GROUP_FROM else 1
        more = f" and {n - len(paths):,} more" if n > len(paths) else ""
        lines.append(f"  - {', '.join(paths)}{more}: {short(message)}")
        shown += n
    if shown < len(problems):
        rest = len(problems) - shown
        lines.append(
            f"  … and {rest:,} more problem{'s' if rest != 1 else ''} "
            f"(the error's .problems lists every one; limits.max_problems_listed = {limit:,})"
        )
    lines.extend(f"  [{n}] accepted: {tail}" for tail, n in notes.items())
    return lines


class MedAllianceError(ValueError):
    """Invalid input, with every problem found and where it is.

    Parameters
    ----------
    problems : iterable of Problem or str
        The problems. A bare string is a problem at the root.
    source : str, optional
        Where the input came from (a file name), shown in the message.
    """

    def __init__(self, problems: Iterable[Problem | str], *, source: str | None = None) -> None:
        items = tuple(p if isinstance(p, Problem) else Problem((), str(p)) for p in problems)
        if not items:
            items = (Problem((), "invalid input"),)
        self.problems: tuple[Problem, ...] = items
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        head = f"{count:,} problem{'s' if count != 1 else ''}"
        if self.source:
            head += f" in {self.source}"
        if count == 1 and not self.problems[0].path and not self.source:
            return self.problems[0].message
        return head + ":\n" + "\n".join(render_problems(self.problems))

    def with_prefix(self, prefix: Sequence[PathItem]) -> MedAllianceError:
        """Return the same error with every path prefixed by ``prefix``.

        Examples
        --------
        >>> err = MedAllianceError([Problem(("beds",), "must be >= 0")])
        >>> err.with_prefix(("institutions", 2)).problems[0].render()
        'institutions[2].beds: must be >= 0'
        """
        return type(self)(
            [Problem((*prefix, *p.path), p.message) for p in self.problems], source=self.source
        )

    def with_source(self, source: str) -> MedAllianceError:
        """Return the same error naming the input it came from.

        Examples
        --------
        >>> print(MedAllianceError([Problem(("x",), "bad")]).with_source("a.yaml"))
        1 problem in a.yaml:
          - x: bad
        """
        return type(self)(self.problems, source=source)

    @classmethod
    def from_validation_error(cls, exc: Any, *, source: str | None = None) -> MedAllianceError:
        """Convert a pydantic ``ValidationError`` into a MedAllianceError.

        Errors raised as a MedAllianceError inside validators are expanded into their own
        problems, prefixed by the location pydantic reports for them; enum and pattern errors
        get messages that list accepted labels or explain the rule.

        Examples
        --------
        >>> from pydantic import BaseModel, ValidationError
        >>> class Ward(BaseModel):
        ...     beds: int
        >>> try:
        ...     Ward(beds="many")
        ... except ValidationError as exc:
        ...     print(MedAllianceError.from_validation_error(exc))  # doctest: +ELLIPSIS
        1 problem:
          - beds: Input should be a valid integer, ... (got 'many')
        """
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            loc = tuple(err.get("loc", ()))
            inner = (err.get("ctx") or {}).get("error")
            if isinstance(inner, MedAllianceError):
                problems.extend(Problem((*loc, *p.path), p.message) for p in inner.problems)
                continue
            special = None
            if err.get("type") == "enum":
                special = _label_message(err)
            elif err.get("type") == "string_pattern_mismatch":
                special = _pattern_message(err)
            if special is not None:
                problems.append(Problem(loc, special))
                continue
            msg = str(err.get("msg", "invalid"))
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            if err.get("type") in {"missing", "extra_forbidden"}:
                pass
            elif err.get("input") is not None and not isinstance(err["input"], dict | list | tuple):
                msg += f" (got {quote(err['input'])})"
            problems.append(Problem(loc, msg))
        return cls(problems, source=source)


TEXT_PATTERN = (
    r"^[^\x00-\x08\x0B-\x1F\x7F\x{FFFE}\x{FFFF}]*"
    r"[^\s\x00-\x1F\x7F\x{FFFE}\x{FFFF}]"
    r"[^\x00-\x08\x0B-\x1F\x7F\x{FFFE}\x{FFFF}]*$"
)
"""Pattern (Rust regex syntax, checked in pydantic-core) of non-blank text without control
characters other than tab and newline."""
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
"""Pattern of an id."""
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def _text_message(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        return "must not be empty or only whitespace"
    bad = _CONTROL.search(value)
    if bad is not None:
        return (
            f"contains control character U+{ord(bad.group()):04X}; only tab and newline are allowed"
        )
    return "must be non-blank text without control characters"  # pragma: no cover


def _pattern_message(err: Mapping[str, Any]) -> str | None:
    pattern = (err.get("ctx") or {}).get("pattern")
    if pattern == TEXT_PATTERN:
        return _text_message(err.get("input"))
    if pattern == ID_PATTERN:
        return (
            f"invalid id {quote(err.get('input'))}: use ASCII letters, digits, '_', '.' and '-', "
            "starting with a letter or digit, at most 128 characters"
        )
    return None


_LABEL_ENUMS: dict[frozenset[str], Any] = {}
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def register_label_enum(cls: Any) -> None:
    """Register an enum whose pydantic "enum" errors should list its accepted labels.

    :class:`~medalliance.model.vocab.LabelledEnum` subclasses register themselves.

    Examples
    --------
    >>> from medalliance import Tier
    >>> frozenset(t.value for t in Tier) in _LABEL_ENUMS
    True
    """
    _LABEL_ENUMS[frozenset(str(m.value) for m in cls)] = cls
    _label_enum.cache_clear()


@functools.lru_cache(maxsize=256)
def _label_enum(expected: str) -> Any:
    """The registered enum whose values pydantic lists in ``expected`` (None if none is)."""
    return _LABEL_ENUMS.get(frozenset(_QUOTED.findall(expected)))


def _label_message(err: Mapping[str, Any]) -> str | None:
    expected = (err.get("ctx") or {}).get("expected")
    if not isinstance(expected, str):
        return None
    cls = _label_enum(expected)
    if cls is None:
        return None
    try:
        cls.table().parse(err.get("input"))
    except MedAllianceError as exc:
        return exc.problems[0].message
    return None


def duplicate_problems(
    field: str, keys: Sequence[Any], *, key: str = "id", what: str = "id"
) -> list[Problem]:
    """One problem for every repeat of a key in ``keys`` (the first occurrence is kept).

    Examples
    --------
    >>> [p.render() for p in duplicate_problems("entries", ["I10", "E11", "I10"], key="code",
    ...                                          what="code")]
    ["entries[2].code: duplicate code 'I10'"]
    """
    seen: set[Any] = set()
    out = []
    for i, k in enumerate(keys):
        if k in seen:
            out.append(Problem((field, i, key), f"duplicate {what} {quote(k)}"))
        seen.add(k)
    return out


class LabelError(MedAllianceError):
    """A label (tier, grade, kind, ...) that is not recognised; lists the accepted ones."""


class SchemaError(MedAllianceError):
    """A file or graph that does not follow the medalliance schema."""


class UnknownIdError(MedAllianceError):
    """An id that refers to nothing (unknown institution, alliance or agreement)."""

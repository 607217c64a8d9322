"""JSON text to plain data: no duplicate keys, bounded integers, hints on errors (internal)."""

from __future__ import annotations

import json
import re
from typing import Any

from medalliance._parse._text import FULLWIDTH, fullwidth_hint, line_column
from medalliance.errors import Problem, SchemaError, quote
from medalliance.limits import current as current_limits

__all__ = ["TOO_DEEP", "loads_json"]

TOO_DEEP = "malformed {}: lists or mappings nested too deeply to read"


class _DuplicateKeyError(Exception):
    pass


class _TooManyDigitsError(Exception):
    pass


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dupes = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
        raise _DuplicateKeyError(f"duplicate key {quote(dupes[0])}")
    return out


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?')


def _long_integer_at(text: str, limit: int) -> int:
    """Position of the first integer outside strings with more than ``limit`` digits."""
    for m in _TOKENS.finditer(text):
        digits = m.group().lstrip("-")
        if digits.isdigit() and len(digits) > limit:
            return m.start()
    return 0  # pragma: no cover - the parser found one


def loads_json(text: str, *, source: str | None = None) -> Any:
    """Parse JSON text into plain data.

    A key written twice in one object, an integer of more than
    :attr:`~medalliance.limits.Limits.max_digits` digits and malformed JSON are errors
    naming the line and column; full-width punctuation where the error is gets a hint.

    Raises
    ------
    SchemaError
        For any of these.

    Examples
    --------
    >>> loads_json('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: duplicate key 'a' in a JSON object
    >>> loads_json('{"name"：1}')
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 2 problems:
      - <root>: full-width colon '：' at line 1, column 8: use ':'
      - <root>: malformed JSON at line 1, column 8: Expecting ':' delimiter
    """
    limit = current_limits().max_digits

    def parse_int(digits: str) -> int:
        if len(digits) > limit and len(digits.lstrip("-")) > limit:
            raise _TooManyDigitsError
        return int(digits)

    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_pairs, parse_int=parse_int)
    except json.JSONDecodeError as exc:
        problems = []
        if exc.pos < len(text) and text[exc.pos] in FULLWIDTH:
            problems.append(Problem((), fullwidth_hint(text[exc.pos], exc.lineno, exc.colno)))
        msg = f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        problems.append(Problem((), msg))
        raise SchemaError(problems, source=source) from None
    except _DuplicateKeyError as exc:
        raise SchemaError([Problem((), f"{exc} in a JSON object")], source=source) from None
    except _TooManyDigitsError:
        line, column = line_column(text, _long_integer_at(text, limit))
        msg = (
            f"an integer of more than {limit:,} digits at line {line}, column {column}; the "
            "limit is medalliance.limits max_digits"
        )
        raise SchemaError([Problem((), msg)], source=source) from None
    except RecursionError:
        raise SchemaError([Problem((), TOO_DEEP.format("JSON"))], source=source) from None

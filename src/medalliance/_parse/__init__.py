"""The one checked parser of text into plain data (internal; below every reader).

JSON and YAML text become plain Python data here, with the same guarantees everywhere:

- bytes are UTF-8 (or UTF-16/UTF-32 with a byte-order mark); anything else is reported with
  its offset and a likely encoding (:func:`decode_text`);
- YAML builds only text, numbers, booleans, null, dates, lists and mappings: every other
  tag is an error, as are a value its tag cannot hold (``!!int x``) and a list or mapping
  used as a key;
- a key written twice in one mapping is an error in both formats;
- aliases may not repeat more than ``max_alias_nodes`` values, integers may not have more
  than ``max_digits`` digits (:mod:`medalliance.limits`); nesting too deep to parse is an
  error, not a crash;
- every error names the line and column, and full-width punctuation typed by a Chinese
  input method (``：``, ``，``, ``；``) where YAML or JSON expects ASCII gets a hint.

YAML is parsed and written by libyaml (PyYAML's C extension) when it is installed, else by
PyYAML's pure-Python code; both give the same data and the same bytes.

:mod:`medalliance.io` uses it for every user file; the analysis packages use only
:func:`bundled_yaml`, for the data files shipped inside the package (the default referral
policy, the indicator targets); no analysis opens a user's file.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from medalliance._gc import paused_gc
from medalliance._parse import _yaml
from medalliance._parse._json import TOO_DEEP, loads_json
from medalliance._parse._keys import json_keys_unique, model_keys
from medalliance._parse._text import (
    decode_text,
    fullwidth_hints,
    line_column,
    with_fullwidth_hints,
)
from medalliance.errors import Problem, SchemaError

__all__ = [
    "TOO_DEEP",
    "bundled_yaml",
    "decode_text",
    "dump_yaml",
    "fullwidth_hints",
    "json_keys_unique",
    "load_plain_yaml",
    "loads_json",
    "model_keys",
    "with_fullwidth_hints",
]

_NESTING = "exceeded maximum nesting depth"  # libyaml's own limit (1,000 levels)


def load_plain_yaml(text: str, *, source: str | None = None) -> Any:
    r"""Parse YAML (or JSON) text into plain data.

    Raises
    ------
    SchemaError
        For malformed or unsafe YAML, naming line and column.

    Examples
    --------
    >>> load_plain_yaml("a: [1, 2]")
    {'a': [1, 2]}
    >>> load_plain_yaml("a: 1\na: 2")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: malformed or unsafe YAML at line 2, column 1: duplicate key 'a'
    >>> load_plain_yaml("beds: !!int many")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: ... at line 1, column 7: 'many' is not an integer (!!int); ...
    """
    try:
        with paused_gc():
            node = _yaml.compose(text)
            return _yaml.plain_data(node, shared="*" in text)
    except yaml.YAMLError as exc:
        raise SchemaError(_yaml_problems(text, exc), source=source) from None
    except RecursionError:
        raise SchemaError([Problem((), TOO_DEEP.format("YAML"))], source=source) from None
    except UnicodeEncodeError as exc:  # text with a lone surrogate, which no file can hold
        line, column = line_column(text, exc.start)
        msg = f"character U+{ord(text[exc.start]):04X} at line {line}, column {column} is not text"
        raise SchemaError([Problem((), msg)], source=source) from None


def _yaml_problems(text: str, exc: yaml.YAMLError) -> list[Problem]:
    problem = str(getattr(exc, "problem", None) or "")
    if problem == _NESTING:
        return [Problem((), TOO_DEEP.format("YAML"))]
    if isinstance(exc, yaml.reader.ReaderError):
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
        pos = bad.start() if bad is not None else 0
        line, column = line_column(text, pos)
        char = f"U+{ord(text[pos]):04X}" if bad is not None else "a character"
        msg = f"malformed YAML: {char} at line {line}, column {column} is not allowed in YAML"
        return [Problem((), msg)]
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return [
        *fullwidth_hints(text),
        Problem((), f"malformed or unsafe YAML{where}: {problem or exc}"),
    ]


def dump_yaml(data: Any) -> str:
    """YAML text of plain data (keys in order, Chinese as text, lines of at most 100).

    Examples
    --------
    >>> print(dump_yaml({"title": "某县", "beds": 20}), end="")
    title: 某县
    beds: 20
    """
    with paused_gc():
        return _yaml.dump_yaml(data)


def bundled_yaml(name: str) -> Any:
    """Plain data of ``medalliance/data/<name>``, a YAML file shipped with the package.

    Examples
    --------
    >>> "criteria" in bundled_yaml("referral_policy.yaml")
    True
    """
    text = resources.files("medalliance").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return load_plain_yaml(text, source=f"medalliance/data/{name}")

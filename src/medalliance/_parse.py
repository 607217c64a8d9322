"""The one checked parser of text into plain data (internal; below every reader).

JSON and YAML text become plain Python data here, with the same guarantees everywhere: bytes
that are not UTF-8 are reported with their offset and a likely encoding; YAML is read with a
safe loader (tags that construct objects are errors); a key written twice in one mapping is an
error in both formats; nesting too deep to parse is an error, not a crash.

:mod:`medalliance.io` uses it for every user file; the analysis packages use only
:func:`bundled_yaml`, for the data files shipped inside the package (the default referral
policy, the indicator targets); no analysis opens a user's file.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import yaml

from medalliance._gc import paused_gc
from medalliance.errors import Problem, SchemaError


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dupes = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
        msg = f"duplicate key {dupes[0]!r}"
        raise _DuplicateKeyError(msg)
    return out


class _DuplicateKeyError(Exception):
    pass


TOO_DEEP = "malformed {}: lists or mappings nested too deeply to read"


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys."""


def _construct_mapping(
    loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    """Construct a mapping; a key written twice is an error (``<<`` merges may be overridden)."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            msg = f"duplicate key {key!r} at line {mark.line + 1}, column {mark.column + 1}"
            raise yaml.constructor.ConstructorError(None, None, msg, mark)
        seen.add(key)
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:  # merged keys first, explicit keys override them
        out[loader.construct_object(key_node, deep=deep)] = loader.construct_object(
            value_node, deep=deep
        )
    return out


_StrictSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def load_plain_yaml(text: str, *, source: str | None = None) -> Any:
    r"""Parse YAML (or JSON) text into plain data with the strict safe loader.

    Only plain data is built (tags that construct objects are errors) and a key written twice
    in one mapping is an error.

    Raises
    ------
    SchemaError
        For malformed or unsafe YAML, naming line and column.

    Examples
    --------
    >>> load_plain_yaml("a: [1, 2]")
    {'a': [1, 2]}
    >>> load_plain_yaml("a: 1\na: 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: malformed or unsafe YAML at line 2, column 1: duplicate key ...
    """
    try:
        with paused_gc():
            return yaml.load(text, Loader=_StrictSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SchemaError(
            [Problem((), f"malformed or unsafe YAML{where}: {problem}")], source=source
        ) from None
    except RecursionError:
        raise SchemaError([Problem((), TOO_DEEP.format("YAML"))], source=source) from None


def decode_utf8(raw: bytes, *, source: str | None = None) -> str:
    """Decode UTF-8 bytes (a leading BOM is allowed); report anything else precisely.

    Raises
    ------
    MedAllianceError
        Naming the first bad byte, its line, and a likely encoding (e.g. GBK) when one fits.

    Examples
    --------
    >>> decode_utf8("三级甲等医院".encode("gbk"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: not UTF-8: byte 0xc8 at offset 0 (line 1) ... as GB18030/GBK ...
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        hint = ""
        for enc, name in (("gb18030", "GB18030/GBK"), ("big5", "Big5")):
            try:
                raw.decode(enc)
            except UnicodeDecodeError:
                continue
            hint = f"; the bytes decode as {name} - re-save the file as UTF-8"
            break
        msg = (
            f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}) "
            f"cannot be decoded{hint}"
        )
        raise SchemaError([Problem((), msg)], source=source) from None


def loads_json(text: str, *, source: str | None = None) -> Any:
    """Parse JSON text into plain data; a duplicate key or bad syntax is a SchemaError.

    Examples
    --------
    >>> loads_json('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: duplicate key 'a' in a JSON object
    """
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_pairs)
    except json.JSONDecodeError as exc:
        msg = f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise SchemaError([Problem((), msg)], source=source) from None
    except _DuplicateKeyError as exc:
        raise SchemaError([Problem((), f"{exc} in a JSON object")], source=source) from None
    except RecursionError:
        raise SchemaError([Problem((), TOO_DEEP.format("JSON"))], source=source) from None


def bundled_yaml(name: str) -> Any:
    """Plain data of ``medalliance/data/<name>``, a YAML file shipped with the package.

    Examples
    --------
    >>> "criteria" in bundled_yaml("referral_policy.yaml")
    True
    """
    text = resources.files("medalliance").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return load_plain_yaml(text, source=f"medalliance/data/{name}")

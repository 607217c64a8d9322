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
import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from itertools import chain
from operator import attrgetter
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

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


# -- duplicate keys of JSON validated straight from text (the fast load path) -----------------

_KEY_END = re.compile(r'"[ \t\r\n]*:')
_FIELDS_SET = attrgetter("__pydantic_fields_set__")


def json_keys_unique(text: str, distinct_keys: int) -> bool:
    """Whether ``text`` certainly has no key written twice in one object.

    ``distinct_keys`` is the number of distinct keys of the objects it was validated into
    (:func:`model_keys` counts them for models). Every key of a JSON object is followed by a
    ``:`` outside strings, so the number of ``:`` - or, more tightly, of ``"`` followed by
    optional whitespace and ``:`` - is at least the number of keys written, which is at least
    the number of distinct keys; if the count equals ``distinct_keys``, no key was written
    twice. ``False`` means only *perhaps*: the caller then parses with
    :func:`loads_json`, which finds the duplicate or shows there is none. Both counts run at
    C speed, so validating JSON text directly and checking it this way costs far less than
    the Python hook of :func:`loads_json` on every object.

    Examples
    --------
    >>> json_keys_unique('{"a": 1, "b": "x:y"}', 2)
    True
    >>> json_keys_unique('{"a": 1, "a": 2}', 1)
    False
    """
    if text.count(":") == distinct_keys:
        return True
    return len(_KEY_END.findall(text)) == distinct_keys


def model_keys(models: Iterable[BaseModel]) -> int:
    """Number of keys given for ``models`` and every model nested in them.

    Counts the fields each instance was given (``model_fields_set``), walking the fields that
    hold a model (or ``None``) or a tuple of models of one class, with C-speed ``map`` over a
    field of a whole group at once. For JSON validated into these models this is the number of
    distinct keys of their objects, provided no ``mode="before"`` validator adds keys to its
    input (none does). Fields it does not walk (a union of several model classes, or a model
    default that was given keys) are counted short: :func:`json_keys_unique` then says
    "perhaps" and the caller takes the checked path - slower, never wrong.

    Examples
    --------
    >>> from medalliance.model.common import Region
    >>> model_keys([Region(province="青海省", city="西宁市"), Region()])
    2
    """
    models = list(models)
    kinds = set(map(type, models))
    if len(kinds) == 1:
        return _keys_of(kinds.pop(), models)
    return sum(_keys_of(cls, [m for m in models if type(m) is cls]) for cls in kinds)


def _keys_of(cls: type[BaseModel], objs: Iterable[BaseModel]) -> int:
    """Keys given for ``objs`` (instances of ``cls``) and the models nested in them."""
    leaves, tuples_of_leaves, deeper = _nested_model_fields(cls)
    if not (leaves or tuples_of_leaves or deeper):
        return sum(map(len, map(_FIELDS_SET, objs)))
    group = objs if isinstance(objs, list) else list(objs)
    total = sum(map(len, map(_FIELDS_SET, group)))
    # models without models inside are counted alike, whatever their class: one pass for all
    if leaves:
        total += sum(map(len, map(_FIELDS_SET, filter(None, _values(group, leaves)))))
    if tuples_of_leaves:
        inner = chain.from_iterable(_values(group, tuples_of_leaves))
        total += sum(map(len, map(_FIELDS_SET, inner)))
    for name, many, target in deeper:
        column: Iterator[Any] = map(attrgetter(name), group)
        total += _keys_of(target, chain.from_iterable(column) if many else filter(None, column))
    return total


def _values(group: list[BaseModel], names: tuple[str, ...]) -> Iterator[Any]:
    """The values of fields ``names`` of every object of ``group``, one after another."""
    if len(names) == 1:
        return map(attrgetter(names[0]), group)
    return chain.from_iterable(map(attrgetter(*names), group))


_Walk = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, bool, type[BaseModel]], ...]]


@cache
def _nested_model_fields(cls: type[BaseModel]) -> _Walk:
    """The fields of ``cls`` that :func:`model_keys` walks.

    A field is walked when it holds a tuple of one model class, or one model class or
    ``None`` with a default that gives no key. Returned as the names of fields holding a
    model without models inside, the names of tuples of such models, and ``(name, holds a
    tuple, model class)`` of the others.
    """
    leaves: list[str] = []
    tuples_of_leaves: list[str] = []
    deeper: list[tuple[str, bool, type[BaseModel]]] = []
    for name, info in cls.model_fields.items():
        members = [m for m in _union_members(info.annotation) if m is not type(None)]
        if len(members) != 1:
            continue
        (tp,) = members
        default = info.default
        if _is_model(tp) and (
            default is None or (isinstance(default, tp) and model_keys([default]) == 0)
        ):
            many = False
        elif get_origin(tp) is tuple:
            args = [a for a in get_args(tp) if a is not ...]
            if len(args) != 1 or not _is_model(args[0]):
                continue
            many, tp = True, args[0]
        else:
            continue
        if _nested_model_fields(tp) != ((), (), ()):
            deeper.append((name, many, tp))
        else:
            (tuples_of_leaves if many else leaves).append(name)
    return tuple(leaves), tuple(tuples_of_leaves), tuple(deeper)


def _union_members(annotation: Any) -> tuple[Any, ...]:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        return tuple(m for a in get_args(annotation) for m in _union_members(a))
    return (annotation,)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def bundled_yaml(name: str) -> Any:
    """Plain data of ``medalliance/data/<name>``, a YAML file shipped with the package.

    Examples
    --------
    >>> "criteria" in bundled_yaml("referral_policy.yaml")
    True
    """
    text = resources.files("medalliance").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return load_plain_yaml(text, source=f"medalliance/data/{name}")

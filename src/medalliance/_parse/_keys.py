"""Whether JSON text validated straight into models had a key written twice (internal).

The fast load path of :mod:`medalliance.io` validates JSON text into the models without first
building Python objects, so no ``object_pairs_hook`` sees the keys; these two functions decide,
at C speed, whether a duplicate key is impossible. When they cannot say, the caller parses with
:func:`medalliance._parse.loads_json`, which finds the duplicate or shows there is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import chain
from operator import attrgetter
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["json_keys_unique", "model_keys"]

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

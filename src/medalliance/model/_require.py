"""Checks of the Python types of public arguments (internal).

Every public function that takes a registry calls :func:`require_registry` first, so a wrong
argument (``None``, a path, a dict) ends in one clear :class:`~medalliance.errors.MedAllianceError`
naming the argument instead of an internal ``AttributeError`` or a weak-reference error from
the cache.

Examples
--------
>>> require_registry(None)
Traceback (most recent call last):
...
medalliance.errors.MedAllianceError: 1 problem:
  - registry: must be a medalliance Registry, got NoneType
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.registry import Registry

__all__ = ["require", "require_items", "require_registry", "require_sequence"]

_T = TypeVar("_T")


def require(value: object, cls: type[_T], name: str, what: str | None = None) -> _T:
    """Return ``value`` when it is an instance of ``cls``; else raise naming the argument.

    Parameters
    ----------
    value : object
        The argument as given.
    cls : type
        The type it must have.
    name : str
        The argument's name (the path of the problem).
    what : str, optional
        How to call the type in the message (default: ``a`` and the class name).

    Raises
    ------
    MedAllianceError
        ``<name>: must be <what>, got <type of value>``.

    Examples
    --------
    >>> from medalliance.model import Institution
    >>> require("v1", Institution, "institution")
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - institution: must be an Institution, got str
    """
    if isinstance(value, cls):
        return value
    article = "an" if cls.__name__[:1] in "AEIOU" else "a"
    expected = what or f"{article} {cls.__name__}"
    message = f"must be {expected}, got {type(value).__name__}"
    raise MedAllianceError([Problem((name,), message)])


def require_registry(value: object, name: str = "registry") -> Registry:
    """Return ``value`` when it is a :class:`~medalliance.model.registry.Registry`.

    Parameters
    ----------
    value : object
        The argument as given.
    name : str, default "registry"
        The argument's name, used as the path of the problem.

    Raises
    ------
    MedAllianceError
        ``registry: must be a medalliance Registry, got NoneType`` (or the type given).

    Examples
    --------
    >>> from medalliance import examples
    >>> require_registry(examples.load("gangkou")).title
    '防城港市港口区医共体'
    >>> require_registry({"institutions": []})
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - registry: must be a medalliance Registry, got dict
    """
    return require(value, Registry, name, "a medalliance Registry")


def require_sequence(value: object, name: str, what: str | None = None) -> tuple[Any, ...]:
    """Return the items of ``value``, a list, tuple, set or other iterable of ``what``.

    A string, bytes or a mapping is refused even though Python can iterate over it: a
    single label where a list of labels belongs would otherwise be read one character at a
    time.

    Parameters
    ----------
    value : object
        The argument as given.
    name : str
        The argument's name (the path of the problem).
    what : str, optional
        What the items are, for the message (default: ``name``).

    Raises
    ------
    MedAllianceError
        ``<name>: must be a list of <what>, got <type of value>``.

    Examples
    --------
    >>> require_sequence(["二级", "三级"], "tiers")
    ('二级', '三级')
    >>> require_sequence("二级", "tiers")
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - tiers: must be a list of tiers, got str
    """
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray | Mapping):
        return tuple(value)
    message = f"must be a list of {what or name}, got {type(value).__name__}"
    raise MedAllianceError([Problem((name,), message)])


def require_items(value: object, cls: type[_T], name: str) -> tuple[_T, ...]:
    """Return the items of ``value`` when it is an iterable of ``cls`` instances.

    Every item of another type is named with its position.

    Parameters
    ----------
    value : object
        The argument as given.
    cls : type
        The type every item must have.
    name : str
        The argument's name (the first part of each problem's path).

    Raises
    ------
    MedAllianceError
        ``<name>: must be a list of <cls>, got ...`` or ``<name>[i]: must be a <cls>, got ...``
        for every bad item.

    Examples
    --------
    >>> from medalliance.model import Region
    >>> require_items([Region(), "浙江省", None], Region, "regions")
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - regions[1]: must be a Region, got str
      - regions[2]: must be a Region, got NoneType
    """
    items = require_sequence(value, name, f"{cls.__name__} objects")
    article = "an" if cls.__name__[:1] in "AEIOU" else "a"
    problems = [
        Problem((name, i), f"must be {article} {cls.__name__}, got {type(x).__name__}")
        for i, x in enumerate(items)
        if not isinstance(x, cls)
    ]
    if problems:
        raise MedAllianceError(problems)
    return items

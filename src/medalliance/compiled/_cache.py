"""The one cache of everything derived from a registry (internal).

A :class:`~medalliance.model.registry.Registry` is frozen, so what is compiled from it stays
true for as long as it lives. :func:`compiled` builds the :class:`CompiledRegistry` of a
registry on first use and returns the same object afterwards; analyses hang their own derived
indices on it with :meth:`CompiledRegistry.memo`, so there is one cache mechanism, not one per
module. An entry is keyed by the registry's identity (registries are compared by value, and
hashing a national registry would cost more than compiling it), holds the registry only
weakly, and is dropped when the registry is garbage collected. A lock makes the first build
happen once even when several threads ask at the same time.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from medalliance._gc import paused_gc
from medalliance.compiled._core import CompiledRegistry
from medalliance.model._require import require_registry

if TYPE_CHECKING:
    from medalliance.model.registry import Registry

__all__ = ["build_count", "compiled", "forget"]

# reentrant: a registry freed while a core is being built runs _drop in the same thread
_LOCK = threading.RLock()
_CORES: dict[int, tuple[weakref.ref[Registry], CompiledRegistry]] = {}
_BUILDS = [0]


def compiled(registry: Registry) -> CompiledRegistry:
    """The compiled core of ``registry``: built on first use, then cached with it.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> compiled(reg) is compiled(reg)
    True
    """
    require_registry(registry)
    found = _CORES.get(id(registry))
    if found is not None and found[0]() is registry:
        return found[1]
    with _LOCK:
        found = _CORES.get(id(registry))
        if found is not None and found[0]() is registry:
            return found[1]
        with paused_gc():  # millions of small objects, no cycles: skip the collector's rescans
            core = CompiledRegistry(registry)
        _CORES[id(registry)] = (weakref.ref(registry), core)
        _BUILDS[0] += 1
        weakref.finalize(registry, _drop, id(registry))
    return core


def _drop(key: int) -> None:
    with _LOCK:
        found = _CORES.get(key)
        if found is not None and found[0]() is None:
            del _CORES[key]


def forget(registry: Registry) -> bool:
    """Drop the compiled core of ``registry`` so the next analysis builds it again.

    Only benchmarks need this (to time a first, "cold" call); a registry's core is otherwise
    dropped when the registry is garbage collected. Returns whether a core was cached.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> core = compiled(reg)
    >>> forget(reg), forget(reg)
    (True, False)
    >>> compiled(reg) is core
    False
    """
    with _LOCK:
        found = _CORES.get(id(registry))
        if found is None or found[0]() is not registry:
            return False
        del _CORES[id(registry)]
        return True


def build_count() -> int:
    """How many compiled cores this process has built (for tests and benchmarks).

    Examples
    --------
    >>> from medalliance import Registry
    >>> reg = Registry(institutions=[{"id": "v", "name": "某村卫生室", "kind": "村卫生室"}])
    >>> before = build_count()
    >>> _ = compiled(reg), compiled(reg)
    >>> build_count() - before
    1
    """
    return _BUILDS[0]

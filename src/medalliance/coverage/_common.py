"""Shared pieces of :mod:`medalliance.coverage`: count tables and the GC pause."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from typing_extensions import ParamSpec

from medalliance._gc import paused_gc
from medalliance.model.alliance import MemberRole

Counts = tuple[tuple[str, int], ...]
_ROLE_ORDER = tuple(MemberRole)
P = ParamSpec("P")
R = TypeVar("R")


def _without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic garbage collector paused.

    Results of national registries allocate many small objects next to the registry's
    millions; each collection would rescan all of them (seconds each). Nothing here creates
    reference cycles, and reference counting still frees memory as usual.
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return fn(*args, **kwargs)

    return run

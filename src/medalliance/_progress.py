"""Progress bars on long work (internal): on standard error, only where someone is watching.

Functions that can run for long (reading and writing large files, synthetic generation, FHIR
export, travel times for many origins) take ``progress: bool | None = None``:

- ``None`` (the default): a bar only when the work is large **and** someone is watching -
  standard error is a terminal, or the code runs in a Jupyter notebook;
- ``True``: a bar whatever the size and wherever standard error goes;
- ``False``: never a bar.

Bars are drawn by `tqdm <https://tqdm.github.io>`_ (the ``progress`` extra:
``pip install 'medalliance[progress]'``), imported only when a bar is shown; without it
every bar is a no-op. :func:`quiet` turns the default off for a block (the command line's
``--quiet`` uses it). Nothing here prints anything else.

Examples
--------
>>> with bar(total=3, desc="demo", progress=False) as b:
...     for _ in range(3):
...         b.update()
>>> list(track(range(3), desc="demo", progress=False))
[0, 1, 2]
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["Bar", "bar", "quiet", "track", "wanted"]

T = TypeVar("T")

_DEFAULT: ContextVar[bool | None] = ContextVar("medalliance_progress", default=None)


@contextmanager
def quiet() -> Iterator[None]:
    """Show no progress bar in this block unless a call asks with ``progress=True``.

    Examples
    --------
    >>> with quiet():
    ...     wanted(None, size=10**9, large=1)
    False
    """
    token = _DEFAULT.set(False)
    try:
        yield
    finally:
        _DEFAULT.reset(token)


def _in_notebook() -> bool:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def _watched() -> bool:
    """Whether someone sees standard error: a terminal, or a notebook's output."""
    if _in_notebook():
        return True
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # closed or unusual streams
        return False


def wanted(progress: bool | None, *, size: float, large: float) -> bool:
    """Whether to show a bar: as asked, else (``None``) for large work someone watches.

    Examples
    --------
    >>> wanted(True, size=1, large=100), wanted(False, size=10**9, large=1)
    (True, False)
    """
    if progress is not None:
        return bool(progress)
    default = _DEFAULT.get()
    if default is not None:
        return default
    return size >= large and _watched()


class Bar:
    """A progress bar (or nothing): :meth:`update` after each unit of work."""

    __slots__ = ("_tqdm",)

    def __init__(self, tqdm_bar: Any = None) -> None:
        self._tqdm = tqdm_bar

    def update(self, n: float = 1) -> None:
        """Count ``n`` more units done."""
        if self._tqdm is not None:
            self._tqdm.update(n)

    def stage(self, name: str) -> None:
        """Say which stage the work is in (shown after the bar)."""
        if self._tqdm is not None:
            self._tqdm.set_postfix_str(name, refresh=True)


def _tqdm_class() -> Any:
    """The bar class: a notebook bar in a notebook with widgets, else text; None without tqdm."""
    try:
        from tqdm import tqdm as text_tqdm
    except ImportError:
        return None
    if _in_notebook() and _has("ipywidgets"):  # (without widgets tqdm draws text, and warns)
        from tqdm.notebook import tqdm as notebook_tqdm

        return notebook_tqdm
    return text_tqdm


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@contextmanager
def bar(
    *,
    total: float | None,
    desc: str,
    progress: bool | None,
    size: float = 0,
    large: float = 1,
    unit: str = "it",
    unit_scale: bool = False,
) -> Iterator[Bar]:
    """A :class:`Bar` for ``total`` units of work, drawn when :func:`wanted` says so.

    ``size`` (compared with ``large``) decides the automatic case; it defaults to ``total``
    when ``total`` is given.

    Examples
    --------
    >>> with bar(total=2, desc="demo", progress=False) as b:
    ...     b.update(2)
    """
    measured = size or (total or 0)
    cls = _tqdm_class() if wanted(progress, size=measured, large=large) else None
    if cls is None:
        yield Bar()
        return
    shown = cls(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit_scale,
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
    )
    try:
        yield Bar(shown)
    finally:
        shown.close()


def track(
    items: Iterable[T],
    *,
    desc: str,
    progress: bool | None,
    total: int | None = None,
    size: float = 0,
    large: float = 1,
    unit: str = "it",
) -> Iterator[T]:
    """Iterate ``items``, with a bar when :func:`wanted` says so.

    Examples
    --------
    >>> sum(track([1, 2, 3], desc="demo", progress=False))
    6
    """
    if total is None and isinstance(items, Sized):
        total = len(items)
    with bar(total=total, desc=desc, progress=progress, size=size, large=large, unit=unit) as b:
        for item in items:
            yield item
            b.update()

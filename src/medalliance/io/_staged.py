"""Reading and writing registry files in stages, with a progress bar on large ones (internal).

Parsing and validating a file, or serialising a registry, is one call that cannot report
how far it got, so the bar counts stages (read, validate; serialise, write) and shows the
elapsed time of each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from medalliance._progress import bar
from medalliance.model.registry import Registry

__all__ = [
    "LARGE_FILE",
    "LARGE_RECORDS",
    "file_size",
    "records",
    "staged_read",
    "staged_write",
    "stages",
]

LARGE_FILE = 10_000_000
"""Bytes from which reading a file shows a progress bar by default (when someone watches)."""
LARGE_RECORDS = 30_000
"""Records from which writing a file shows a progress bar by default (about 10 MB)."""


def file_size(path: Path) -> int:
    """Size of ``path`` in bytes; 0 when it cannot be read (the reader reports why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def records(registry: Registry) -> int:
    """Institutions, alliances and agreements of ``registry``."""
    return len(registry.institutions) + len(registry.alliances) + len(registry.agreements)


def stages(desc: str, progress: bool | None, size: float, large: float) -> Any:
    """A bar of two stages (reading then validating, or serialising then writing)."""
    return bar(total=2, desc=desc, unit="step", progress=progress, size=size, large=large)


def staged_read(
    path: str | Path,
    read_text: Callable[[Path], str],
    parse: Callable[..., Registry],
    progress: bool | None,
) -> Registry:
    """Read ``path`` with ``read_text`` and ``parse`` its text (a ``registry_from_*``)."""
    p = Path(path)
    with stages(f"reading {p.name}", progress, file_size(p), LARGE_FILE) as b:
        b.stage("read")
        text = read_text(p)
        b.update()
        b.stage("validate")
        registry = parse(text, source=str(path))
        b.update()
    return registry


def staged_write(
    registry: Registry,
    path: str | Path,
    serialise: Callable[[], str | bytes],
    progress: bool | None,
    write: Callable[[Path, str | bytes], None],
) -> None:
    """Write what ``serialise`` returns to ``path`` with ``write`` (the atomic writer)."""
    p = Path(path)
    with stages(f"writing {p.name}", progress, records(registry), LARGE_RECORDS) as b:
        b.stage("serialise")
        data = serialise()
        b.update()
        b.stage("write")
        write(p, data)
        b.update()

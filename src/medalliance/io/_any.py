"""``read_registry``: a registry file of any format, told by its suffix."""

from __future__ import annotations

from pathlib import Path

from medalliance.errors import Problem, SchemaError
from medalliance.io._files import PathLike, read_json, read_yaml
from medalliance.io._graphml import read_graphml
from medalliance.model.registry import Registry

__all__ = ["read_registry"]


def read_registry(path: PathLike, *, progress: bool | None = None) -> Registry:
    """Read a registry from a ``.json``, ``.yaml``/``.yml`` or ``.graphml`` file.

    Parameters
    ----------
    path : str or Path
        The file to read; its suffix says the format.
    progress : bool, optional
        Show a progress bar (its stages) on standard error: ``None`` (default) for files of
        10 MB or more when standard error is a terminal or in a notebook; ``True`` always;
        ``False`` never (needs the ``progress`` extra; without it, no bar).

    Raises
    ------
    MedAllianceError
        For an unknown suffix (and a missing file or a directory) or any reading problem.

    Examples
    --------
    >>> read_registry("data.csv")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 2 problems in data.csv:
      - <root>: file not found
      - <root>: unknown file type '.csv'; use .json, .yaml, .yml or .graphml
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        return read_json(p, progress=progress)
    if suffix in {".yaml", ".yml"}:
        return read_yaml(p, progress=progress)
    if suffix == ".graphml":
        return read_graphml(p, progress=progress)
    if p.is_dir():
        raise SchemaError([Problem((), "is a directory, not a file")], source=str(path))
    problems = [] if p.exists() else [Problem((), "file not found")]
    problems.append(
        Problem((), f"unknown file type {p.suffix!r}; use .json, .yaml, .yml or .graphml")
    )
    raise SchemaError(problems, source=str(path))

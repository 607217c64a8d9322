"""Loading the registry a ``NAME|FILE`` argument names: one function, one suffix table.

:func:`load_registry` is the only place the command line turns a target into a registry.
A file is read by the reader its suffix names in :data:`READERS`; adding a format (a
spreadsheet, say) is one entry there, and the "unknown file type" message lists the table's
suffixes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from medalliance import examples
from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.model._as_of import as_date

if TYPE_CHECKING:
    from medalliance.model.registry import Registry

__all__ = ["READERS", "load_registry"]


def _read_json(path: Path) -> Registry:
    """A registry file in JSON, or a FHIR Bundle (told apart by its ``resourceType``)."""
    from medalliance.io._files import read_text
    from medalliance.io._staged import staged_read

    return staged_read(path, read_text, _registry_or_bundle, None)


def _registry_or_bundle(text: str, *, source: str) -> Registry:
    """The registry in JSON ``text``: a registry file (fast path first) or a FHIR Bundle."""
    from medalliance._gc import paused_gc
    from medalliance._parse import loads_json
    from medalliance.io._files import SCHEMA_VERSION, registry_from_dict
    from medalliance.io._json_load import fast_registry_from_json

    with paused_gc():
        fast = fast_registry_from_json(text, schema_version=SCHEMA_VERSION)
        if fast is not None:  # a valid registry file (a FHIR Bundle never is one)
            return fast
        data = loads_json(text, source=source)
        if not isinstance(data, dict) or "resourceType" not in data:
            return registry_from_dict(data, source=source)
    if data["resourceType"] != "Bundle":
        msg = (
            f"a FHIR {data['resourceType']!r} resource, not a Bundle: medalliance reads a "
            "registry from the Bundle `medalliance export --format fhir` writes"
            if isinstance(data["resourceType"], str)
            else "resourceType must be the string 'Bundle' for a FHIR Bundle"
        )
        raise SchemaError([Problem(("resourceType",), msg)], source=source)
    from medalliance.io.fhir import from_fhir

    try:
        return from_fhir(data)
    except MedAllianceError as exc:
        raise exc.with_source(source) from None


def _read_yaml(path: Path) -> Registry:
    from medalliance.io._files import read_yaml

    return read_yaml(path)


def _read_graphml(path: Path) -> Registry:
    from medalliance.io._graphml import read_graphml

    return read_graphml(path)


def _read_sheets(path: Path) -> Registry:
    """A spreadsheet workbook, or a CSV file of a folder of table files (the folder is read)."""
    from medalliance.io.sheets import read_sheets

    return read_sheets(path)


READERS: dict[str, Callable[[Path], Registry]] = {
    ".json": _read_json,
    ".yaml": _read_yaml,
    ".yml": _read_yaml,
    ".graphml": _read_graphml,
    ".xlsx": _read_sheets,
    ".csv": _read_sheets,
}
"""The reader of each registry file suffix (lower case). ``.json`` reads a registry file or a
FHIR Bundle (``"resourceType": "Bundle"``); ``.xlsx`` a workbook and ``.csv`` the folder of
table files it is in (``pip install 'medalliance[sheets]'`` for ``.xlsx``)."""


def load_registry(target: str | None, as_of: str | None = None) -> tuple[Registry, str]:
    """The registry a ``NAME|FILE`` argument names (on day ``as_of``), and where it came from.

    ``None`` is the default example; a bundled example's name wins over a file of the same
    name in the working directory (write ``./gangkou`` for the file). With ``as_of`` (the
    ``--as-of`` option of every command that reads a registry) the registry is
    ``registry.as_of(as_of)`` and the origin says so.

    Raises
    ------
    MedAllianceError
        For an unknown example name or file type, a missing file, or any problem of the file.

    Examples
    --------
    >>> reg, origin = load_registry("gangkou")
    >>> origin, len(reg.institutions)
    ("bundled example 'gangkou'", 5)
    >>> load_registry("qinghai_oncology", "2018-01-01")[1]
    "bundled example 'qinghai_oncology' as of 2018-01-01"
    >>> load_registry("gangkuo")
    Traceback (most recent call last):
    ...
    medalliance.errors.UnknownIdError: 'gangkuo' is neither a bundled example nor a file; did you mean 'gangkou'? `medalliance list` shows the examples
    >>> load_registry("sites.xls")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 2 problems in sites.xls:
      - <root>: file not found
      - <root>: unknown file type '.xls'; use .json, .yaml, .yml, .graphml, .xlsx or .csv
    """  # noqa: E501
    reg, origin = _load(target)
    if as_of is None:
        return reg, origin
    view = reg.as_of(as_of)
    return view, f"{origin} as of {as_date(as_of).isoformat()}"


def _load(target: str | None) -> tuple[Registry, str]:
    if target is None:
        return examples.load(examples.DEFAULT), f"bundled example {examples.DEFAULT!r}"
    if target in examples.names():
        return examples.load(target), f"bundled example {target!r}"
    path = Path(target)
    reader = READERS.get(path.suffix.lower())
    if reader is not None:
        return reader(path), target
    if path.is_dir():
        raise SchemaError([Problem((), "is a directory, not a file")], source=target)
    if not path.exists() and not path.suffix:
        raise _unknown_name(target)
    problems = [] if path.exists() else [Problem((), "file not found")]
    *first, last = list(READERS)
    known = f"{', '.join(first)} or {last}"
    problems.append(Problem((), f"unknown file type {path.suffix!r}; use {known}"))
    raise SchemaError(problems, source=target)


def _unknown_name(target: str) -> MedAllianceError:
    from medalliance.errors import UnknownIdError

    close = difflib.get_close_matches(target, examples.names(), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    msg = (
        f"{target!r} is neither a bundled example nor a file; "
        f"{hint}`medalliance list` shows the examples"
    )
    return UnknownIdError([msg])

r"""Reading and writing registries: JSON, YAML, GraphML, and the JSON Schema.

File format (JSON or YAML, UTF-8):

    schema_version: 1
    title: ...            # optional
    description: ...      # optional
    sources: [...]        # Source records
    institutions: [...]   # Institution records
    alliances: [...]      # Alliance records
    agreements: [...]     # Agreement records

Writers emit keys in the models' field order (``schema_version`` first), omit values equal
to their defaults, keep Chinese as text (no ``\\u`` escapes), and list records sorted by id, so
the same registry always produces the same bytes. Readers accept only plain data: YAML is
loaded with a safe loader (tags that construct objects are errors), duplicate keys are
errors in both formats, and bytes that are not UTF-8 are reported with their position
rather than guessed. ``read(write(r)) == r`` for every registry.

Examples
--------
>>> import tempfile, pathlib
>>> from medalliance import examples
>>> reg = examples.load("beijing_tongren")
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d) / "tongren.yaml"
...     write_yaml(reg, p)
...     read_yaml(p) == reg
True
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from medalliance._gc import paused_gc
from medalliance._parse import (
    decode_text,
    dump_yaml,
    load_plain_yaml,
    loads_json,
    with_fullwidth_hints,
)
from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.io._json_load import fast_registry_from_json
from medalliance.io._staged import (
    staged_read,
    staged_write,
)
from medalliance.limits import current as current_limits
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry

__all__ = [
    "SCHEMA_VERSION",
    "json_schema",
    "read_json",
    "read_yaml",
    "registry_from_dict",
    "registry_from_json",
    "registry_from_yaml",
    "registry_to_dict",
    "registry_to_json",
    "registry_to_yaml",
    "write_json",
    "write_yaml",
]

SCHEMA_VERSION = 1
"""Version of the file format written by this library and accepted by its readers."""

PathLike = str | Path


# -- dict level ------------------------------------------------------------------------------


def registry_to_dict(registry: Registry) -> dict[str, Any]:
    """Return the canonical plain-data form of ``registry`` (JSON-compatible types only).

    Examples
    --------
    >>> from medalliance import examples
    >>> d = registry_to_dict(examples.load("beijing_tongren"))
    >>> list(d)[:3]
    ['schema_version', 'title', 'description']
    """
    require_registry(registry)
    body = registry.model_dump(mode="json", exclude_defaults=True)
    return {"schema_version": SCHEMA_VERSION, **body}


def registry_from_dict(data: object, *, source: str | None = None) -> Registry:
    """Validate plain data (as loaded from JSON or YAML) into a :class:`Registry`.

    Parameters
    ----------
    data : object
        A mapping in the file format above.
    source : str, optional
        Name of the input (a file name), used in error messages.

    Raises
    ------
    MedAllianceError
        Listing every problem with its path.

    Examples
    --------
    >>> registry_from_dict({"schema_version": 1, "institutions": [{"id": "x"}]})
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - institutions[0].name: Field required
      - institutions[0].kind: Field required
    """
    if not isinstance(data, Mapping):
        raise SchemaError(
            [
                Problem(
                    (),
                    "expected a mapping with institutions/alliances/agreements, "
                    f"got {type(data).__name__}",
                )
            ],
            source=source,
        )
    body = dict(data)
    version = body.pop("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise SchemaError(
            [
                Problem(
                    ("schema_version",),
                    f"unsupported schema_version {version!r}; "
                    f"this version of medalliance reads {SCHEMA_VERSION}",
                )
            ],
            source=source,
        )
    try:
        return Registry.model_validate(body)
    except MedAllianceError as exc:
        raise exc.with_source(source) if source else exc from None


# -- JSON ------------------------------------------------------------------------------------


def registry_to_json(registry: Registry, *, indent: int | None = 2) -> str:
    """Serialise ``registry`` to canonical JSON text (UTF-8 characters kept as text).

    Examples
    --------
    >>> from medalliance import examples
    >>> text = registry_to_json(examples.load("beijing_tongren"))
    >>> "北京同仁医院" in text
    True
    """
    require_registry(registry)
    if indent is not None and (isinstance(indent, bool) or not isinstance(indent, int)):
        problem = Problem(("indent",), f"must be None or an integer, got {type(indent).__name__}")
        raise MedAllianceError([problem])
    return json.dumps(registry_to_dict(registry), ensure_ascii=False, indent=indent) + "\n"


def registry_from_json(text: str, *, source: str | None = None) -> Registry:
    """Parse and validate JSON text.

    Raises
    ------
    MedAllianceError
        For malformed JSON (with line and column), duplicate keys, or invalid content.

    Examples
    --------
    >>> registry_from_json('{"institutions": [}')
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: malformed JSON at line 1, column 19: Expecting value
    """
    with paused_gc():
        fast = fast_registry_from_json(text, schema_version=SCHEMA_VERSION)
        if fast is not None:
            return fast
        data = loads_json(text, source=source)
        return registry_from_dict(data, source=source)


def write_json(
    registry: Registry, path: PathLike, *, indent: int | None = 2, progress: bool | None = None
) -> None:
    """Write ``registry`` to ``path`` as canonical UTF-8 JSON.

    Parameters
    ----------
    registry : Registry
        The registry to write.
    path : str or Path
        The file to write.
    indent : int, optional
        Spaces per level (default 2); ``None`` for one line.
    progress : bool, optional
        Show a progress bar (its stages) on standard error: ``None`` (default) for registries
        of 30,000 records or more when standard error is a terminal or in a notebook;
        ``True`` always; ``False`` never (needs the ``progress`` extra; without it, no bar).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from medalliance import examples
    >>> reg = examples.load("beijing_tongren")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "r.json"
    ...     write_json(reg, p)
    ...     read_json(p) == reg
    True
    """
    require_registry(registry)
    _require_path(path)
    staged_write(
        registry, path, lambda: registry_to_json(registry, indent=indent), progress, _atomic_write
    )


def read_json(path: PathLike, *, progress: bool | None = None) -> Registry:
    """Read a registry from a UTF-8 JSON file.

    Parameters
    ----------
    path : str or Path
        The file to read.
    progress : bool, optional
        Show a progress bar (its stages) on standard error: ``None`` (default) for files of
        10 MB or more when standard error is a terminal or in a notebook; ``True`` always;
        ``False`` never (needs the ``progress`` extra; without it, no bar).

    Raises
    ------
    MedAllianceError
        For a missing file, bytes that are not UTF-8, malformed JSON or invalid content;
        every message names the file.

    Examples
    --------
    >>> read_json("no/such/file.json")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in no/such/file.json:
      - <root>: file not found
    """
    return staged_read(path, read_text, registry_from_json, progress)


# -- YAML ------------------------------------------------------------------------------------


def registry_to_yaml(registry: Registry) -> str:
    """Serialise ``registry`` to canonical YAML text (Chinese kept as text).

    Lists start at their key's indentation; text holding a line break other than a newline
    (U+0085, U+2028, U+2029, a carriage return) is written double-quoted with escapes, so
    it reads back unchanged.

    Examples
    --------
    >>> from medalliance import examples
    >>> print(registry_to_yaml(examples.load("beijing_tongren")).splitlines()[0])
    schema_version: 1
    """
    require_registry(registry)
    return dump_yaml(registry_to_dict(registry))


def registry_from_yaml(text: str, *, source: str | None = None) -> Registry:
    r"""Parse (safely) and validate YAML text.

    Raises
    ------
    MedAllianceError
        For malformed YAML, object-constructing tags, duplicate keys or invalid content.

    Examples
    --------
    >>> registry_from_yaml("institutions: !!python/object:os.system {}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: malformed or unsafe YAML at line 1, column 15: tag !!python/...
    >>> registry_from_yaml("institutions:\n  - name：某县人民医院\n")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 2 problems:
      - <root>: full-width colon '：' at line 2, column 9: use ':'
      - institutions[0]: Input should be a valid dictionary ...
    """
    data = load_plain_yaml(text, source=source)
    try:
        return registry_from_dict(data, source=source)
    except MedAllianceError as exc:
        raise with_fullwidth_hints(exc, text) from None


def write_yaml(registry: Registry, path: PathLike, *, progress: bool | None = None) -> None:
    """Write ``registry`` to ``path`` as canonical UTF-8 YAML.

    Parameters
    ----------
    registry : Registry
        The registry to write.
    path : str or Path
        The file to write.
    progress : bool, optional
        Show a progress bar (its stages) on standard error: ``None`` (default) for registries
        of 30,000 records or more when standard error is a terminal or in a notebook;
        ``True`` always; ``False`` never (needs the ``progress`` extra; without it, no bar).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from medalliance import examples
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "r.yaml"
    ...     write_yaml(examples.load("beijing_tongren"), p)
    ...     p.read_text(encoding="utf-8").startswith("schema_version: 1")
    True
    """
    require_registry(registry)
    _require_path(path)
    staged_write(registry, path, lambda: registry_to_yaml(registry), progress, _atomic_write)


def read_yaml(path: PathLike, *, progress: bool | None = None) -> Registry:
    r"""Read a registry from a UTF-8 YAML file (safe loading only).

    Parameters
    ----------
    path : str or Path
        The file to read.
    progress : bool, optional
        Show a progress bar (its stages) on standard error: ``None`` (default) for files of
        10 MB or more when standard error is a terminal or in a notebook; ``True`` always;
        ``False`` never (needs the ``progress`` extra; without it, no bar).

    Raises
    ------
    MedAllianceError
        For a missing file, bytes that are not UTF-8, malformed or unsafe YAML, or invalid
        content; every message names the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "bad.yaml"
    ...     _ = p.write_text("institutions:\n  - {id: x, name: 某院, kind: 村卫生室, beds: -1}\n")
    ...     read_yaml(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem in .../bad.yaml:
      - institutions[0].beds: Input should be greater than or equal to 0 (got -1)
    """
    return staged_read(path, read_text, registry_from_yaml, progress)


def read_text(path: PathLike) -> str:
    """Read a text file (see :func:`~medalliance._parse.decode_text` for the encodings).

    At most :attr:`~medalliance.limits.Limits.max_file_bytes` bytes are read: a bigger file,
    or a device or pipe that does not end, is an error.

    Raises
    ------
    SchemaError
        For a missing file, a directory, an unreadable or too big file, or bad bytes.

    Examples
    --------
    >>> read_text("missing.txt")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in missing.txt:
      - <root>: file not found
    """
    return decode_text(_read_bytes(path), source=str(path))


def _read_bytes(path: PathLike) -> bytes:
    limit = current_limits().max_file_bytes
    try:
        with Path(path).open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            raw = f.read(limit + 1) if size <= limit else b""
    except FileNotFoundError:
        raise SchemaError([Problem((), "file not found")], source=str(path)) from None
    except IsADirectoryError:
        raise SchemaError([Problem((), "is a directory, not a file")], source=str(path)) from None
    except OSError as exc:
        raise SchemaError([Problem((), f"cannot read: {exc.strerror}")], source=str(path)) from None
    if size > limit or len(raw) > limit:
        what = f"{size:,} bytes" if size > limit else "more bytes than that"
        msg = (
            f"the file is too big to read: {what}; the limit is {limit:,} bytes "
            "(medalliance.limits max_file_bytes)"
        )
        raise SchemaError([Problem((), msg)], source=str(path))
    return raw


# -- schema ----------------------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the registry file format (validation mode).

    Label parsing (``三甲``, ``社区卫生服务中心``...) is more lenient than the schema's enums,
    which list the canonical values files are written with.

    Examples
    --------
    >>> s = json_schema()
    >>> s["properties"]["schema_version"]["const"]
    1
    >>> sorted(s["properties"])[:3]
    ['agreements', 'alliances', 'description']
    """
    schema = Registry.model_json_schema(mode="validation")
    props = {"schema_version": {"const": SCHEMA_VERSION, "title": "Schema Version"}}
    props.update(schema.get("properties", {}))
    schema["properties"] = props
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "medalliance registry"
    return _ecma_patterns(schema)  # type: ignore[no-any-return]


def _ecma_patterns(node: Any) -> Any:
    """Rewrite the Rust-regex escapes pydantic-core checks (x{FFFE}) in ECMA-262 form."""
    if isinstance(node, dict):
        return {
            k: (v.replace("\\x{FFFE}", "\\uFFFE").replace("\\x{FFFF}", "\\uFFFF"))
            if k == "pattern" and isinstance(v, str)
            else _ecma_patterns(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_ecma_patterns(v) for v in node]
    return node


# -- atomic writes ---------------------------------------------------------------------------


def _require_path(path: Any) -> None:
    """Refuse a ``path`` that is not a file path (before any work is done)."""
    if not isinstance(path, str | os.PathLike):
        problem = Problem(("path",), f"must be a file path, got {type(path).__name__}")
        raise MedAllianceError([problem])


def _atomic_write(path: PathLike, data: str | bytes) -> None:
    """Replace the file at ``path`` with ``data`` (text is written as UTF-8) in one step.

    The bytes go to a new temporary file in the same folder, which is flushed to disk and
    then renamed over ``path`` (:func:`os.replace`), so a reader sees the old file or the
    new one, never an empty, truncated or mixed one, however many processes write at once;
    when anything fails (a full disk, an interrupt) the temporary file is removed and the
    old file is left as it was. The new file gets the old one's permission bits (a new path
    gets the usual ones under the umask); a symbolic link is followed, so the file it points
    to is replaced. A path that exists but is not a regular file (``/dev/stdout``, a pipe)
    is written directly: there is no file to replace.

    Every writer of medalliance (registry files, GraphML, the CLI's ``-o``) writes through
    this function; ``docs/security.md`` says what is atomic.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "out.txt"
    ...     _atomic_write(p, "某县")
    ...     _atomic_write(p, "某县人民医院".encode())
    ...     p.read_text(encoding="utf-8"), sorted(x.name for x in pathlib.Path(d).iterdir())
    ('某县人民医院', ['out.txt'])
    """
    _require_path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
        if not target.is_file():
            if target.is_dir():
                raise IsADirectoryError(21, "Is a directory", str(path))
            with target.open("wb") as direct:  # a device or a pipe: nothing to replace
                direct.write(payload)
            return
    except FileNotFoundError:
        mode = None
    while True:
        temp = target.with_name(f".{target.name[:64]}.{os.urandom(6).hex()}.tmp")
        try:  # created like any new file (0o666 under the umask), never over another one
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise

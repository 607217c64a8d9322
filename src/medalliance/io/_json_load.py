"""The fast path of loading a registry from JSON text (internal).

:func:`medalliance.io.registry_from_json` first validates the text straight into the models
with pydantic-core (no intermediate Python dicts), checks with
:func:`medalliance._parse.json_keys_unique` that no key was written twice, and builds the
registry from the validated records without validating them again. Anything unusual - invalid
content, malformed JSON, a possible duplicate key, a run of digits longer than the
:mod:`medalliance.limits` allow, an unsupported ``schema_version`` - sends
the text down the checked path (:func:`medalliance._parse.loads_json` and
:meth:`Registry.model_validate`), which produces the error messages; so both paths accept
exactly the same files and every message comes from one place.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from medalliance._parse import json_keys_unique, model_keys
from medalliance.errors import MedAllianceError
from medalliance.limits import current as current_limits
from medalliance.model.agreement import Agreement
from medalliance.model.alliance import Alliance
from medalliance.model.divisions import Division
from medalliance.model.institution import Institution
from medalliance.model.registry import Registry, Source
from medalliance.model.types import NonEmptyText

__all__ = ["fast_registry_from_json"]


class _RegistryFile(TypedDict, total=False):
    """The registry file format: the fields of :class:`Registry` and ``schema_version``."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    schema_version: Any
    title: NonEmptyText | None
    description: NonEmptyText | None
    sources: tuple[Source, ...]
    institutions: tuple[Institution, ...]
    alliances: tuple[Alliance, ...]
    agreements: tuple[Agreement, ...]
    divisions: tuple[Division, ...]


_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))


def _has_digit_run(text: str, length: int) -> bool:
    """Whether ``text`` may hold ``length`` ASCII digits in a row (C speed, about 2 ns a byte).

    Characters outside ASCII are dropped first, so digits they separate count as one run: a
    "perhaps" that sends the text down the checked path, never a missed run.

    Examples
    --------
    >>> _has_digit_run('{"a": 12345}', 5), _has_digit_run('{"a": 12345}', 6)
    (True, False)
    """
    digits = text.encode("ascii", "ignore").translate(_DIGITS_ONLY)
    return b"0" * length in digits


@cache
def _adapter() -> TypeAdapter[_RegistryFile]:
    return TypeAdapter(_RegistryFile)


def fast_registry_from_json(text: str, *, schema_version: int) -> Registry | None:
    """The registry in ``text`` if it is valid, has no duplicate key and the given version.

    ``None`` means "not certain": the caller takes the checked path, which reports problems.

    Examples
    --------
    >>> fast_registry_from_json('{"schema_version": 1, "institutions": []}', schema_version=1)
    Registry(institutions=0, alliances=0, agreements=0)
    >>> fast_registry_from_json('{"institutions": [], "institutions": []}', schema_version=1)
    """
    if _has_digit_run(text, current_limits().max_digits + 1):
        return None  # an integer the checked parser may refuse (or digits in a text: rare)
    try:
        parts: dict[str, Any] = dict(_adapter().validate_json(text))
    except ValidationError:
        return None
    given = len(parts) + sum(
        model_keys(parts.get(name, ()))
        for name in ("sources", "institutions", "alliances", "agreements", "divisions")
    )
    if not json_keys_unique(text, given):
        return None
    version = parts.pop("schema_version", schema_version)
    if version != schema_version or isinstance(version, bool):
        return None
    try:
        return Registry._from_valid_records(parts)
    except MedAllianceError:
        return None

"""The columns of each table: name, field path, encoding.

Private to :mod:`medalliance.io.tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from medalliance.model.agreement import AgreementStatus
from medalliance.model.alliance import (
    AllianceForm,
    AllianceUnit,
    CentreKind,
    FigureUnit,
    MemberRole,
    Qualifier,
    Tightness,
)
from medalliance.model.divisions import DivisionLevel
from medalliance.model.institution import Grade, InstitutionKind, Ownership, Tier
from medalliance.model.staffing import ProfessionalTitle
from medalliance.model.vocab import ServiceKind, Specialty

_Kind = Literal[
    "text", "enum", "tuple", "count", "float", "date", "value", "serves", "tightness", "flag"
]

PER_MEMBER = "per_member"
"""Cell of the alliances' ``tightness`` column for an alliance whose tightness is set member
by member (``Alliance.tightness`` is ``None``); a missing cell means the default, loose."""


@dataclass(frozen=True)
class _Column:
    """One column: its name, where its value sits in a record, how it is encoded."""

    name: str
    path: tuple[str, ...]
    kind: _Kind
    required: bool = False
    enum: type[Enum] | None = None
    written: bool = True
    """Whether :func:`~medalliance.io.tables.to_frames` writes the column; input-only columns
    (an institution's ``level``, ``alliance`` and ``role``) are accepted by the readers only."""


def _text(name: str, *, required: bool = False, path: tuple[str, ...] = ()) -> _Column:
    return _Column(name, path or (name,), "text", required)


def _enum(name: str, enum: type[Enum], *, required: bool = False) -> _Column:
    return _Column(name, (name,), "enum", required, enum)


def _tuple(name: str, *, required: bool = False, path: tuple[str, ...] = ()) -> _Column:
    return _Column(name, path or (name,), "tuple", required)


def _of(kind: _Kind, name: str, *, required: bool = False) -> _Column:
    return _Column(name, (name,), kind, required)


_REGION = tuple(
    _text(f, path=("region", f))
    for f in ("province", "city", "county", "township", "division_code")
)
_PROVENANCE = (
    _text("provenance_source", path=("provenance", "source")),
    _text("provenance_quote", path=("provenance", "quote")),
    _tuple("provenance_inferred", path=("provenance", "inferred")),
    _text("provenance_note", path=("provenance", "note")),
)
_ALLIANCE_ID = _text("alliance", required=True)

_SPECS: dict[str, tuple[_Column, ...]] = {
    "sources": (
        _text("id", required=True),
        _text("title", required=True),
        _text("file"),
        _text("url"),
        _of("date", "published"),
        _text("note"),
    ),
    "institutions": (
        _text("id", required=True),
        _text("name", required=True),
        _text("name_en"),
        _tuple("aliases"),
        _enum("kind", InstitutionKind, required=True),
        _enum("tier", Tier),
        _enum("grade", Grade),
        _enum("ownership", Ownership),
        *_REGION,
        _of("float", "lat"),
        _of("float", "lon"),
        _of("count", "beds"),
        _tuple("specialties"),
        _tuple("services"),
        _of("count", "population_served"),
        _of("date", "opened"),
        _of("date", "closed"),
        *_PROVENANCE,
        # input only: a level label split into tier and grade by the model (parse_level), and
        # the alliances the institution belongs to with its role there (membership rows)
        _Column("level", ("level",), "text", written=False),
        _Column("alliance", ("alliance",), "tuple", written=False),
        _Column("role", ("role",), "tuple", written=False),
    ),
    "alliances": (
        _text("id", required=True),
        _text("name", required=True),
        _text("name_en"),
        _tuple("aliases"),
        _enum("form", AllianceForm, required=True),
        _enum("unit", AllianceUnit),
        _text("part_of"),
        _text("part_of_name"),
        _Column("tightness", ("tightness",), "tightness", enum=Tightness),
        _tuple("lead"),  # left out: the members whose role is lead
        _enum("specialty", Specialty),
        *_REGION,
        _of("date", "founded"),
        _of("date", "dissolved"),
        _tuple("provisions"),
        _tuple("policy_basis"),
        _text("description"),
        *_PROVENANCE,
    ),
    "memberships": (
        _ALLIANCE_ID,
        _text("institution", required=True),
        _enum("role", MemberRole),
        _enum("tightness", Tightness),
        _of("date", "joined"),
        _of("date", "left"),
        *_PROVENANCE,
    ),
    "shared_centres": (
        _ALLIANCE_ID,
        _text("id", required=True),
        _enum("kind", CentreKind, required=True),
        _text("host", required=True),
        _text("name"),
        _tuple("services"),
        _of("serves", "serves"),
        _of("count", "capacity_per_day"),
        *_PROVENANCE,
    ),
    "expert_clinics": (
        _ALLIANCE_ID,
        _text("id", required=True),
        _text("host", required=True),
        _text("site", required=True),
        _enum("department", Specialty, required=True),
        _tuple("weekdays", required=True),
        _of("date", "start"),
        *_PROVENANCE,
    ),
    "staff_postings": (
        _ALLIANCE_ID,
        _text("id", required=True),
        _text("host", required=True),
        _text("site", required=True),
        _text("person"),
        _of("count", "count"),
        _enum("title", ProfessionalTitle),
        _enum("specialty", Specialty),
        _of("date", "start"),
        _of("date", "end"),
        *_PROVENANCE,
    ),
    "declared": (
        _ALLIANCE_ID,
        _text("metric", required=True),
        _of("value", "value", required=True),
        _enum("unit", FigureUnit, required=True),
        _enum("qualifier", Qualifier),
        _text("subject"),
        _enum("service", ServiceKind),
        _text("period"),
        _text("description"),
        *_PROVENANCE,
    ),
    "changes": (
        _ALLIANCE_ID,
        _of("date", "date", required=True),
        _enum("form", AllianceForm),
        _enum("tightness", Tightness),
        _tuple("lead"),
        _text("note"),
        *_PROVENANCE,
    ),
    "former_names": (
        _text("institution", required=True),
        _text("name", required=True),
        _of("date", "until", required=True),
    ),
    "divisions": (
        _text("code", required=True),
        _text("name", required=True),
        _enum("level", DivisionLevel, required=True),
        _text("province"),
        _text("city"),
        _of("date", "valid_from"),
        _of("date", "valid_until"),
        _text("successor"),
        _of("flag", "uncertain"),
        _text("source"),
        _text("quote"),
        _text("note"),
    ),
    "agreements": (
        _text("id", required=True),
        _text("alliance", required=True),
        _tuple("parties", required=True),
        _tuple("items", required=True),
        _text("title"),
        _of("date", "signed"),
        _of("date", "valid_from"),
        _of("date", "valid_until"),
        _enum("status", AgreementStatus),
        *_PROVENANCE,
    ),
}
# nested alliance collections and the table each is stored in (same names)
_CHILDREN = (
    "memberships",
    "shared_centres",
    "expert_clinics",
    "staff_postings",
    "declared",
    "changes",
)
_TOP = ("sources", "institutions", "alliances", "agreements", "divisions")
_NESTED = (*_CHILDREN, "former_names")
"""Every table of records nested in another record (same names as the fields)."""
OWNER: dict[str, tuple[str, str]] = {
    **dict.fromkeys(_CHILDREN, ("alliances", "alliance")),
    "former_names": ("institutions", "institution"),
}
"""For each nested table: the table of the records it is nested in, and the column of its
rows that names that record (an alliance by id or name, an institution by id)."""
MEMBERSHIP_COLUMNS = ("alliance", "role")
"""Input-only institutions columns that give membership rows (所属医联体, 角色)."""


def written(table: str) -> tuple[_Column, ...]:
    """The columns of ``table`` that the writers write, in order."""
    return tuple(c for c in _SPECS[table] if c.written)

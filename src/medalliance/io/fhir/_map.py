"""Shared pieces of the FHIR mapping: URLs, code tables, resource ids, reference resolution.

Private to :mod:`medalliance.io.fhir`; see that module and the "Export to FHIR" page.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.agreement import AgreementStatus, CooperationItem
from medalliance.model.alliance import (
    Alliance,
    AllianceForm,
    AllianceUnit,
    CentreKind,
    FigureUnit,
    MemberRole,
    Qualifier,
    Tightness,
)
from medalliance.model.institution import Grade, InstitutionKind, Ownership, Tier
from medalliance.model.registry import Registry
from medalliance.model.staffing import ProfessionalTitle
from medalliance.model.vocab import ServiceKind, Specialty
from medalliance.referral.policy import Direction

BASE_URL = "https://medalliance.readthedocs.io/fhir"
"""Base of every URL medalliance defines for FHIR: extensions are
``{BASE_URL}/StructureDefinition/<name>``, code systems ``{BASE_URL}/CodeSystem/<name>`` and
identifier systems ``{BASE_URL}/NamingSystem/<name>``."""

Json = dict[str, Any]

_EXT = BASE_URL + "/StructureDefinition/"
_CS = BASE_URL + "/CodeSystem/"
_NS = BASE_URL + "/NamingSystem/"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE_URL)
_NAMESPACE_BYTES = _NAMESPACE.bytes

_HL7_ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
_HL7_ORG_ROLE = "http://hl7.org/fhir/organization-role"
_SNOMED = "http://snomed.info/sct"
_TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
_DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
_MAX_UNSIGNED = 2_147_483_647
_MAX_ID = 64

# -- code systems ----------------------------------------------------------------------------

_ENUM_SYSTEMS: dict[str, type[Enum]] = {
    "institution-kind": InstitutionKind,
    "tier": Tier,
    "grade": Grade,
    "ownership": Ownership,
    "alliance-form": AllianceForm,
    "alliance-unit": AllianceUnit,
    "tightness": Tightness,
    "member-role": MemberRole,
    "cooperation-item": CooperationItem,
    "agreement-status": AgreementStatus,
    "centre-kind": CentreKind,
    "specialty": Specialty,
    "service-kind": ServiceKind,
    "figure-unit": FigureUnit,
    "figure-qualifier": Qualifier,
    "professional-title": ProfessionalTitle,
    "referral-direction": Direction,
}
_TEXT_SYSTEMS: dict[str, dict[str, str]] = {
    "organization-type": {"medical-alliance": "医联体"},
    "service-category": {
        "institution-services": "机构自有服务",
        "shared-centre": "资源共享中心",
        "expert-clinic": "专家坐诊",
    },
}
_CRITERION_SYSTEM = _CS + "referral-criterion"


_DIVISION_KEYS = {
    "code": "valueCode",
    "name": "valueString",
    "level": "valueCode",
    "province": "valueString",
    "city": "valueString",
    "valid_from": "valueDate",
    "valid_until": "valueDate",
    "successor": "valueCode",
    "uncertain": "valueBoolean",
    "source": "valueString",
    "quote": "valueString",
    "note": "valueString",
}
"""The sub-extensions of a ``division`` extension (on the registry header) and their types."""


def _display(member: Enum) -> str:
    label = getattr(member, "label_zh", None)
    return str(label) if label else str(member.value)


_CODINGS: dict[str, dict[str, Json]] = {
    name: {
        str(m.value): {"system": _CS + name, "code": str(m.value), "display": _display(m)}
        for m in cls
    }
    for name, cls in _ENUM_SYSTEMS.items()
}
for _name, _codes in _TEXT_SYSTEMS.items():
    _CODINGS[_name] = {
        c: {"system": _CS + _name, "code": c, "display": d} for c, d in _codes.items()
    }
_DECODE: dict[str, dict[str, Any]] = {
    _CS + name: {str(m.value): m for m in cls} for name, cls in _ENUM_SYSTEMS.items()
}
for _name, _codes in _TEXT_SYSTEMS.items():
    _DECODE[_CS + _name] = {c: c for c in _codes}


def _coding(system: str, member: Any) -> Json:
    """A fresh Coding dict for an enum member (or a text code) of a medalliance code system."""
    return dict(_CODINGS[system][str(getattr(member, "value", member))])


def _cc(system: str, member: Any) -> Json:
    return {"coding": [_coding(system, member)]}


# -- ids and references ------------------------------------------------------------------------


def _rid(prefix: str, key: str, index: int | None = None) -> str:
    """The FHIR resource id for medalliance id ``key`` (and a position) under ``prefix``.

    FHIR ids allow ``[A-Za-z0-9.-]{1,64}``; medalliance ids also allow ``_`` and 128
    characters. An id without ``_`` is kept (``org-ruijin``); an id with ``_`` but no ``-``
    has ``_`` turned into ``-`` behind a ``.`` (``net.luwan-ruijin``); anything else, or any
    result longer than 64 characters, becomes a readable prefix and a SHA-256 digest behind
    ``..``. The three forms cannot collide, and the original id is always in ``identifier``.
    """
    suffix = "" if index is None else f"-{index}"
    if "_" not in key:
        rid = f"{prefix}-{key}{suffix}"
    elif "-" not in key:
        rid = f"{prefix}.{key.replace('_', '-')}{suffix}"
    else:
        rid = ""
    if rid and len(rid) <= _MAX_ID:
        return rid
    digest = hashlib.sha256(f"{key}\x00{suffix}".encode()).hexdigest()[:24]
    room = _MAX_ID - len(prefix) - len(digest) - 3
    readable = re.sub(r"[^A-Za-z0-9]+", "-", key)[:room].strip("-") or "x"
    return f"{prefix}..{readable}.{digest}"


def _full_url(resource_type: str, rid: str) -> str:
    """Deterministic ``urn:uuid`` fullUrl of a resource (the same ids give the same URL).

    The UUID is ``uuid.uuid5(_NAMESPACE, f"{resource_type}/{rid}")``, computed here without
    the ``uuid`` module's per-call overhead (it is the hot spot of an export).
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{resource_type}/{rid}".encode()).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = digest[:16].hex()
    return f"urn:uuid:{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:32]}"


def _org_url(institution: str) -> str:
    return _full_url("Organization", _rid("org", institution))


def _ref(url: str) -> Json:
    return {"reference": url}


def _ext(name: str, key: str, value: Any) -> Json:
    return {"url": _EXT + name, key: value}


def _identifier(kind: str, value: str) -> Json:
    return {"system": _NS + kind, "value": value}


# -- what a FHIR value can carry (one rule for export and import) -----------------------------

_WHITESPACE = re.compile(r"\s")
_FHIR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _count_problem(value: int, key: str = "valueUnsignedInt") -> str | None:
    """Why the count ``value`` cannot be written as FHIR value ``key``, or None.

    ``valueUnsignedInt`` holds 0 to 2**31 - 1, ``valuePositiveInt`` 1 to 2**31 - 1.
    """
    kind, low = ("positiveInt", 1) if key == "valuePositiveInt" else ("unsignedInt", 0)
    if low <= value <= _MAX_UNSIGNED:
        return None
    shown = str(value) if value.bit_length() <= 64 else "a number of more than 19 digits"
    if value < low:
        return f"{shown} is below FHIR's {kind} range ({low} to {_MAX_UNSIGNED})"
    return f"{shown} exceeds FHIR's {kind} limit ({_MAX_UNSIGNED})"


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a FHIR ``url``, or None."""
    return "a FHIR url cannot contain whitespace" if _WHITESPACE.search(url) else None


def _date_problem(value: str) -> str | None:
    """Why ``value`` is not a date as :func:`to_fhir` writes it (``YYYY-MM-DD``), or None."""
    if _FHIR_DATE.match(value):
        return None
    return "expected a date written YYYY-MM-DD"


def _check_version(version: object) -> None:
    if version not in ("R5", "R4B"):
        raise MedAllianceError(
            [Problem(("version",), f"unknown FHIR version {version!r}; use 'R5' or 'R4B'")]
        )


def _part_of(registry: Registry) -> dict[str, str]:
    """Institution id -> the lead it is ``partOf``: non-lead members joined tightly.

    A non-lead member joined tightly (its tightness, :meth:`Alliance.tightness_of`, is tight
    or merged) to one or more alliances whose first leads are one and the same institution is
    part of it; institutions that lead with a tight or merged membership themselves, or that
    are joined tightly under different leads, are part of nothing (``partOf`` is 0..1).
    """
    leads: dict[str, set[str]] = {}
    leading: set[str] = set()
    for a in registry.alliances:
        for m in a.memberships:
            level = a.tightness_of(m.institution)
            if level is None or level < Tightness.TIGHT:
                continue
            if m.role is MemberRole.LEAD:
                leading.add(m.institution)
            else:
                leads.setdefault(m.institution, set()).add(a.lead[0])
    return {
        i: next(iter(heads)) for i, heads in leads.items() if len(heads) == 1 and i not in leading
    }


def _served_centres(alliance: Alliance) -> dict[str, list[str]]:
    """Member id -> ids of the alliance's centres it hosts or is served by, in centre order."""
    out: dict[str, list[str]] = {}
    members = alliance.members
    for c in alliance.shared_centres:
        served = set(members if c.serves == "all" else c.serves)
        served.add(c.host)
        for m in members:
            if m in served:
                out.setdefault(m, []).append(c.id)
    return out


# -- references ------------------------------------------------------------------------------

_RESTFUL = re.compile(r"^(https?://\S+)/([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")
_RELATIVE = re.compile(r"^[A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def _resolve(reference: str, base: str | None, by_url: Mapping[str, int]) -> int | None:
    """Entry index a reference resolves to under FHIR's bundle rules, or ``None``.

    An absolute reference (``urn:uuid:...``, ``https://...``) must equal an entry's fullUrl; a
    relative one (``Organization/x``) is read against the service base of the referring
    entry's fullUrl when that is a RESTful ``http(s)`` URL.
    """
    found = by_url.get(reference)
    if found is None and base is not None and _RELATIVE.match(reference):
        found = by_url.get(f"{base}/{reference}")
    return found


def _base(full_url: object) -> str | None:
    m = _RESTFUL.match(full_url) if isinstance(full_url, str) else None
    return m.group(1) if m else None


def _walk_references(node: Any, path: tuple[Any, ...]) -> Iterable[tuple[tuple[Any, ...], str]]:
    """Every ``reference`` string inside ``node`` with its path (a depth-first walk)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if key == "reference" and isinstance(value, str):
                    yield (*where, key), value
                elif isinstance(value, Mapping | list):
                    stack.append((value, (*where, key)))
        elif isinstance(item, list):
            stack.extend(
                (v, (*where, j)) for j, v in enumerate(item) if isinstance(v, Mapping | list)
            )


def _collect_references(node: Any, out: list[str]) -> None:
    """Append every ``reference`` string inside ``node`` to ``out`` (no paths: the fast pass)."""
    items = node.items() if isinstance(node, Mapping) else enumerate(node)
    for key, value in items:
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool:
            if key == "reference" and kind is str:
                out.append(value)
        elif kind is dict or kind is list or isinstance(value, Mapping | list):
            _collect_references(value, out)


def _reference_problems(bundle: Mapping[str, Any]) -> list[Problem]:
    """Problems with fullUrls and references of a bundle, in time linear in its size.

    Every entry needs a unique fullUrl; every reference must resolve to an entry (``#id``
    references to a resource's ``contained`` resources are checked against them). fullUrls
    are indexed in a dict; a resource's references are first checked without paths, and
    only a resource with a broken one is walked again to name where it is.
    """
    problems: list[Problem] = []
    entries = bundle.get("entry") or []
    by_url: dict[str, int] = {}
    if not isinstance(entries, list):
        return [Problem(("entry",), "must be a list")]
    for k, e in enumerate(entries):
        url = e.get("fullUrl") if isinstance(e, Mapping) else None
        if not isinstance(url, str):
            problems.append(Problem(("entry", k, "fullUrl"), "missing fullUrl"))
        elif url in by_url:
            problems.append(
                Problem(
                    ("entry", k, "fullUrl"),
                    f"duplicate fullUrl {url!r} (also entry[{by_url[url]}])",
                )
            )
        else:
            by_url[url] = k
    refs: list[str] = []
    for k, e in enumerate(entries):
        if not isinstance(e, Mapping) or not isinstance(e.get("resource"), Mapping):
            continue
        resource = e["resource"]
        base = _base(e.get("fullUrl"))
        contained = {c.get("id") for c in resource.get("contained") or () if isinstance(c, Mapping)}
        refs.clear()
        _collect_references(resource, refs)

        def broken(ref: str, base: str | None = base, contained: set[Any] = contained) -> bool:
            if ref.startswith("#"):
                return ref != "#" and ref[1:] not in contained
            return _resolve(ref, base, by_url) is None

        if not any(broken(r) for r in refs):
            continue
        for path, ref in _walk_references(resource, ("entry", k, "resource")):
            if not broken(ref):
                continue
            if ref.startswith("#"):
                problems.append(Problem(path, f"no contained resource {ref!r}"))
            else:
                problems.append(
                    Problem(path, f"reference {ref!r} does not resolve to an entry of the bundle")
                )
    return problems

"""HL7 FHIR: a registry as a FHIR Bundle (R5 or R4B) and back; referral decisions as requests.

:func:`to_fhir` writes a ``collection`` Bundle as plain JSON-ready dicts:

- every **institution** is an ``Organization`` (kind, tier and grade as ``type`` codes) with a
  ``Location`` (region as ``address``, coordinates as ``position``) and, when it lists services
  or specialties, a ``HealthcareService`` it provides;
- every **alliance** is an ``Organization`` acting as a network (``partOf`` the network it is
  a unit of); each **membership** is an ``OrganizationAffiliation`` (``organization`` = the
  first lead, ``participatingOrganization`` = the member, ``network`` = the alliance,
  ``code`` = the role, ``period.start`` = joined);
- every **agreement** is one ``OrganizationAffiliation`` per party after the first
  (``organization`` = first party, ``code`` = the cooperation items, ``period`` = the term);
- **shared centres** (teleconsultation centres included) and **expert clinics** are
  ``HealthcareService`` s, **staff postings** ``PractitionerRole`` s; a non-lead member joined
  tightly (tight or merged) under exactly one lead is ``partOf`` that lead;
- **sources** are ``DocumentReference`` s; the registry's title and description a ``List``.

What FHIR has no element for (alliance form and tightness, ownership, beds, provenance, declared
figures, ...) goes into extensions under :data:`BASE_URL`, and every medalliance code into a
code system there (:func:`code_systems`). :func:`from_fhir` reads such a bundle back into the
identical registry (``from_fhir(to_fhir(r)) == r`` in both versions) and rejects anything it
cannot read faithfully, naming every problem with its path. :func:`referral_to_fhir` turns a
referral decision into a ``ServiceRequest``; :func:`validate_fhir` validates any of these with
the ``fhir.resources`` models (the ``fhir`` extra) and checks that every reference in a bundle
resolves. The docs page "Export to FHIR" has the full mapping table.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("beijing_tongren")
>>> bundle = to_fhir(reg)
>>> bundle["resourceType"], bundle["type"]
('Bundle', 'collection')
>>> sorted({e["resource"]["resourceType"] for e in bundle["entry"]})[:3]
['DocumentReference', 'HealthcareService', 'List']
>>> from_fhir(bundle) == reg
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from medalliance._gc import paused_gc
from medalliance.errors import MedAllianceError, Problem
from medalliance.io.fhir import _map as _fhir_map
from medalliance.io.fhir._export import _Exporter
from medalliance.io.fhir._import import _Reader
from medalliance.io.fhir._map import (
    _CODINGS,
    _CRITERION_SYSTEM,
    _CS,
    _DATA_ABSENT,
    _MAX_ID,
    _SNOMED,
    Json,
    _cc,
    _check_version,
    _coding,
    _ext,
    _identifier,
    _org_url,
    _reference_problems,
)
from medalliance.model._require import require_registry
from medalliance.model.agreement import CooperationItem
from medalliance.model.registry import Registry
from medalliance.referral.policy import Direction

if TYPE_CHECKING:
    from medalliance.referral import ReferralDecision

__all__ = [
    "BASE_URL",
    "FhirVersion",
    "code_systems",
    "from_fhir",
    "referral_to_fhir",
    "to_fhir",
    "validate_fhir",
]

BASE_URL = _fhir_map.BASE_URL
"""Base of every URL medalliance defines for FHIR: extensions are
``{BASE_URL}/StructureDefinition/<name>``, code systems ``{BASE_URL}/CodeSystem/<name>`` and
identifier systems ``{BASE_URL}/NamingSystem/<name>``."""

FhirVersion = Literal["R5", "R4B"]
"""The FHIR versions written: ``"R5"`` (the default) and ``"R4B"``."""

# -- export ----------------------------------------------------------------------------------


def to_fhir(
    registry: Registry,
    *,
    version: FhirVersion = "R5",
    validate: bool = False,
    progress: bool | None = None,
) -> Json:
    """Return ``registry`` as a FHIR ``collection`` Bundle of plain JSON-ready dicts.

    Parameters
    ----------
    registry : Registry
        The registry to export (not modified).
    version : {"R5", "R4B"}
        FHIR version to write (R5 by default).
    validate : bool
        Also validate the bundle with the ``fhir.resources`` models and check that every
        reference resolves (:func:`validate_fhir`; needs the ``fhir`` extra).
    progress : bool, optional
        Show a progress bar on standard error: ``None`` (default) for registries of 50,000
        records or more when standard error is a terminal or in a notebook; ``True`` always;
        ``False`` never (needs the ``progress`` extra; without it, no bar).

    Returns
    -------
    dict
        The Bundle. Resource ids and ``urn:uuid`` fullUrls are derived from the medalliance
        ids, so exporting the same registry twice gives the same bundle.

    Raises
    ------
    MedAllianceError
        For an unknown ``version``, or values FHIR cannot carry: a count above FHIR's
        ``unsignedInt`` limit (2,147,483,647) or a source URL containing whitespace.

    Examples
    --------
    >>> from medalliance import examples
    >>> bundle = to_fhir(examples.load("shanghai_luwan"), version="R4B")
    >>> org = next(e["resource"] for e in bundle["entry"]
    ...            if e["resource"]["id"] == "org-ruijin")
    >>> org["name"], [c["coding"][0]["code"] for c in org["type"]]
    ('上海交通大学医学院附属瑞金医院', ['prov', 'general_hospital', 'tertiary', 'A'])
    """
    require_registry(registry)
    _check_version(version)
    bundle = _Exporter(registry, version).bundle(progress=progress)
    if validate:
        validate_fhir(bundle, version=version)
    return bundle


# -- validation with fhir.resources ----------------------------------------------------------


def validate_fhir(resource: Mapping[str, Any], *, version: FhirVersion = "R5") -> Any:
    """Validate a FHIR resource or Bundle with the ``fhir.resources`` models.

    Beyond what the models check, resource ids must have at most 64 characters and, in a
    Bundle, every entry needs a unique fullUrl and every reference must resolve to an entry
    (checked in one pass over the bundle, with a dict index of fullUrls).

    Parameters
    ----------
    resource : mapping
        A resource as JSON-ready data (e.g. what :func:`to_fhir` returns).
    version : {"R5", "R4B"}
        The FHIR version to validate against.

    Returns
    -------
    fhir.resources model
        The validated model object (e.g. ``fhir.resources.bundle.Bundle``).

    Raises
    ------
    MedAllianceError
        Listing every problem with its path, e.g. ``entry[3].resource.id``.
    ImportError
        When ``fhir.resources`` is not installed (``pip install 'medalliance[fhir]'``).

    Examples
    --------
    >>> from medalliance import examples
    >>> validate_fhir(to_fhir(examples.load("benxi_central"))).type
    'collection'
    >>> validate_fhir({"resourceType": "Organization", "id": "a_b"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - id: String should match pattern ...
    """
    from medalliance._optional import require

    _check_version(version)
    module = require("fhir.resources" if version == "R5" else "fhir.resources.R4B", extra="fhir")
    get_class: Callable[[str], Any] = module.get_fhir_model_class
    if not isinstance(resource, Mapping):
        raise MedAllianceError(
            [f"expected a FHIR resource (a JSON object), got {type(resource).__name__}"]
        )
    problems: list[Problem] = []
    resources: list[tuple[tuple[Any, ...], Any]] = [((), resource)]
    entries = resource.get("entry") if resource.get("resourceType") == "Bundle" else None
    if isinstance(entries, list):
        resources += [
            (("entry", k, "resource"), e.get("resource"))
            for k, e in enumerate(entries)
            if isinstance(e, Mapping)
        ]
    for path, res in resources:
        if not isinstance(res, Mapping):
            continue
        rt = res.get("resourceType")
        try:
            get_class(str(rt))
        except (KeyError, ValueError):  # fhir.resources raises either for an unknown type
            problems.append(Problem((*path, "resourceType"), f"unknown resource type {rt!r}"))
        rid = res.get("id")
        if isinstance(rid, str) and len(rid) > _MAX_ID:
            problems.append(Problem((*path, "id"), f"a FHIR id has at most {_MAX_ID} characters"))
    if problems:
        raise MedAllianceError(problems)
    with paused_gc():
        model = _validated(resource, entries, get_class, problems)
    if isinstance(entries, list):
        problems.extend(_reference_problems(resource))
    if problems:
        raise MedAllianceError(problems)
    return model


def _validated(
    resource: Mapping[str, Any],
    entries: Any,
    get_class: Callable[[str], Any],
    problems: list[Problem],
) -> Any:
    """Validate with fhir.resources; append problems with their paths.

    A Bundle's resources are validated each with its own model first (twice as fast as the
    Bundle model's polymorphic path), then the Bundle around the validated resources.
    """
    from pydantic import ValidationError

    def check(data: Mapping[str, Any], prefix: tuple[Any, ...]) -> Any:
        try:
            return get_class(str(data.get("resourceType"))).model_validate(data)
        except ValidationError as exc:
            error = MedAllianceError.from_validation_error(exc).with_prefix(prefix)
            problems.extend(error.problems)
            return None

    if not isinstance(entries, list):
        return check(resource, ())
    shell = []
    for k, e in enumerate(entries):
        if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping):
            shell.append({**e, "resource": check(e["resource"], ("entry", k, "resource"))})
        else:
            shell.append(e)
    if problems:
        return None
    return check({**resource, "entry": shell}, ())


def from_fhir(bundle: Mapping[str, Any]) -> Registry:
    """Read a Bundle written by :func:`to_fhir` (R5 or R4B) back into a :class:`Registry`.

    The reader accepts both versions' spellings and needs no ``fhir.resources``. It reads
    every element, extension, identifier and code of the medalliance mapping (see the module
    docstring and the "Export to FHIR" page) and rejects anything else, because it would be
    lost: only ``meta``, ``text``, ``language``, the ``display`` of codings and references and
    the Bundle's own ``id``, ``meta``, ``identifier`` and ``timestamp`` are ignored. It accepts
    what :func:`to_fhir` can write and refuses what it refuses to write, by the same rules: a
    ``collection`` Bundle only, counts within ``unsignedInt``, URLs without whitespace, dates
    ``YYYY-MM-DD``, JSON objects where lists hold objects, no empty or null elements. Elements
    derived from others (``partOf``, a membership's ``organization``, ``specialty`` and
    ``healthcareService``, an agreement's ``active``, a Location's ``name``) may be left out,
    but must agree with the data when present. The bundle is not modified.

    Parameters
    ----------
    bundle : mapping
        A FHIR Bundle as JSON-ready data.

    Returns
    -------
    Registry
        The registry; ``from_fhir(to_fhir(r)) == r`` for every registry ``r``.

    Raises
    ------
    MedAllianceError
        Listing every problem with its path (e.g. ``entry[3].resource.network[0].reference``):
        a resource type outside the mapping, a missing or duplicate fullUrl or id, a reference
        that does not resolve or points to the wrong kind of resource, an unknown code, a
        missing required extension, an element that would be lost, and every rule of the
        registry (reported at the entry it comes from).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("xuzhou_mch")
    >>> from_fhir(to_fhir(reg, version="R4B")) == reg
    True
    >>> from_fhir({"resourceType": "Bundle", "type": "collection", "entry": [
    ...     {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient"}}]})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - entry[0].resource.resourceType: unsupported resource type 'Patient'; a medalliance ...
    """
    return _Reader(bundle).registry()


# -- referral decisions ----------------------------------------------------------------------


def _priority(urgency: str, green_channel: bool) -> str:
    """The FHIR request priority of a referral (the rule is in :func:`referral_to_fhir`)."""
    if urgency == "emergency":
        return "stat"
    if urgency == "urgent":
        return "asap" if green_channel else "urgent"
    return "routine"


def referral_to_fhir(
    decision: ReferralDecision,
    *,
    rank: int = 0,
    version: FhirVersion = "R5",
    patient: str | None = None,
    validate: bool = False,
) -> Json:
    """Return the destination of rank ``rank`` in a referral decision as a ``ServiceRequest``.

    The request is a ``draft`` ``proposal`` in category *Patient referral* (SNOMED CT
    3457005): ``requester`` is the origin institution, ``performer`` the destination, ``code``
    the direction (up / down / lateral), ``reason`` (R4B ``reasonCode``) the criterion code
    and the condition, ``performerType`` the specialty needed. ``priority`` follows the
    case's urgency and the destination's green channel: emergency → ``stat``; urgent →
    ``asap`` through a green channel, else ``urgent``; routine → ``routine`` (a green channel
    is a fast track for cases that are urgent, not a reason to hurry a routine one).
    Extensions carry the services needed, the priority flags and the agreements that give
    the channel. Organisation references carry the institution's identifier and the same
    ``urn:uuid`` as in :func:`to_fhir`, so they resolve once the request is added to the
    registry's bundle.

    Parameters
    ----------
    decision : ReferralDecision
        An eligible decision (from :func:`medalliance.referral.evaluate`).
    rank : int
        The 0-based rank of the destination to request in ``decision.destinations``
        (0: the best, 1: the second best, ...).
    version : {"R5", "R4B"}
        FHIR version to write.
    patient : str, optional
        A reference to the patient (e.g. ``"Patient/123"``); without it ``subject`` carries
        the data-absent reason ``unknown``.
    validate : bool
        Also validate the request with ``fhir.resources`` (the ``fhir`` extra).

    Returns
    -------
    dict
        The ServiceRequest.

    Raises
    ------
    MedAllianceError
        If the decision is not eligible or ``rank`` is out of range.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.referral import ReferralCase, evaluate
    >>> reg = examples.load("county_township")
    >>> case = ReferralCase(origin="township_centre", criterion="needs_equipment_or_exam",
    ...                     services=("ct",), urgency="urgent")
    >>> request = referral_to_fhir(evaluate(reg, case))
    >>> request["priority"], request["code"]["concept"]["coding"][0]["code"]
    ('urgent', 'up')
    >>> request["performer"][0]["identifier"]["value"]
    'county_hospital'
    """
    _check_version(version)
    if not decision.eligible or not decision.destinations:
        raise MedAllianceError(
            [Problem(("eligible",), "the decision is not eligible: there is nothing to request")]
        )
    n = len(decision.destinations)
    if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < n:
        raise MedAllianceError(
            [Problem(("rank",), f"must be a rank from 0 to {n - 1}, got {rank!r}")]
        )
    r5 = version == "R5"
    case = decision.case
    dest = decision.destinations[rank]
    flags = tuple(str(f) for f in dest.flags)
    ext: list[Json] = [
        _ext("referral-service", "valueCoding", _coding("service-kind", s)) for s in case.services
    ]
    ext += [
        _ext("priority-flag", "valueCoding", _coding("cooperation-item", CooperationItem(f)))
        for f in flags
    ]
    ext += [
        _ext("channel-agreement", "valueIdentifier", _identifier("agreement", g))
        for g in dest.agreements
    ]
    direction = _cc(
        "referral-direction", Direction(str(getattr(dest.direction, "value", dest.direction)))
    )
    reasons: list[Json] = [{"coding": [{"system": _CRITERION_SYSTEM, "code": case.criterion}]}]
    if case.condition is not None:
        reasons.append({"text": case.condition})
    request: Json = {"resourceType": "ServiceRequest"}
    if ext:
        request["extension"] = ext
    request["status"] = "draft"
    request["intent"] = "proposal"
    request["category"] = [
        {"coding": [{"system": _SNOMED, "code": "3457005", "display": "Patient referral"}]}
    ]
    request["priority"] = _priority(str(case.urgency.value), "green_channel" in flags)
    request["code"] = {"concept": direction} if r5 else direction
    if patient is not None:
        request["subject"] = {"reference": patient}
    else:
        request["subject"] = {"extension": [{"url": _DATA_ABSENT, "valueCode": "unknown"}]}
    request["requester"] = _org_reference(case.origin)
    request["performer"] = [_org_reference(dest.institution)]
    if case.specialty is not None:
        request["performerType"] = _cc("specialty", case.specialty)
    if r5:
        request["reason"] = [{"concept": r} for r in reasons]
    else:
        request["reasonCode"] = reasons
    if validate:
        validate_fhir(request, version=version)
    return request


def _org_reference(institution: str) -> Json:
    return {
        "reference": _org_url(institution),
        "type": "Organization",
        "identifier": _identifier("institution", institution),
    }


# -- code systems ----------------------------------------------------------------------------


def code_systems() -> Json:
    """Every medalliance code system as a FHIR ``CodeSystem`` resource, in a Bundle.

    One CodeSystem per vocabulary (``{BASE_URL}/CodeSystem/<name>``: institution kinds,
    tiers, grades, alliance forms, tightness, member roles, cooperation items, centre kinds,
    specialties, services, ...), each complete, with the Chinese label as ``display``. Load
    them into a terminology server to validate the codes of exported bundles. Valid in R5
    and R4B alike. Referral criterion codes (``{BASE_URL}/CodeSystem/referral-criterion``)
    are those of the referral policy in use and are not listed.

    Returns
    -------
    dict
        A ``collection`` Bundle of CodeSystem resources.

    Examples
    --------
    >>> systems = code_systems()
    >>> tier = next(e["resource"] for e in systems["entry"]
    ...             if e["resource"]["id"] == "tier")
    >>> tier["url"]
    'https://medalliance.readthedocs.io/fhir/CodeSystem/tier'
    >>> [c["code"] for c in tier["concept"]]
    ['village', 'primary', 'secondary', 'tertiary']
    """
    entries = []
    for name in sorted(_CODINGS):
        concepts = [{"code": c["code"], "display": c["display"]} for c in _CODINGS[name].values()]
        title = name.replace("-", " ").capitalize()
        resource: Json = {
            "resourceType": "CodeSystem",
            "id": name,
            "url": _CS + name,
            "name": "".join(part.capitalize() for part in name.split("-")),
            "title": f"medalliance {title.lower()}",
            "status": "active",
            "caseSensitive": True,
            "content": "complete",
            "count": len(concepts),
            "concept": concepts,
        }
        entries.append({"fullUrl": _CS + name, "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}

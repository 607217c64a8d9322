"""FHIR export and import: lossless round trips, validation with fhir.resources, references,
import errors with paths, referral ServiceRequests, code systems, the CLI option."""

from __future__ import annotations

import copy
import importlib
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import MedAllianceError, Registry, Tightness, examples
from medalliance.cli import main
from medalliance.errors import ID_PATTERN, format_path
from medalliance.io._files import registry_to_dict
from medalliance.io.fhir import (
    BASE_URL,
    FhirVersion,
    code_systems,
    from_fhir,
    referral_to_fhir,
    to_fhir,
    validate_fhir,
)
from medalliance.referral import ReferralCase, evaluate
from strategies import registries

VERSIONS: tuple[FhirVersion, ...] = ("R5", "R4B")
EXT = BASE_URL + "/StructureDefinition/"
CS = BASE_URL + "/CodeSystem/"
NS = BASE_URL + "/NamingSystem/"


def bundle_model(version: FhirVersion) -> Any:
    """The Bundle model class of fhir.resources for ``version``."""
    package = "fhir.resources" if version == "R5" else "fhir.resources.R4B"
    return importlib.import_module(f"{package}.bundle").Bundle


def entries(bundle: dict[str, Any], resource_type: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (k, e["resource"])
        for k, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == resource_type
    ]


def find(bundle: dict[str, Any], resource_id: str) -> tuple[int, dict[str, Any]]:
    [found] = [
        (k, e["resource"])
        for k, e in enumerate(bundle["entry"])
        if e["resource"].get("id") == resource_id
    ]
    return found


def url_of(bundle: dict[str, Any], kind: str, mid: str) -> str:
    """fullUrl of the resource with the medalliance identifier ``kind``/``mid``."""
    [url] = [
        str(e["fullUrl"])
        for e in bundle["entry"]
        if {"system": NS + kind, "value": mid} in e["resource"].get("identifier", [])
    ]
    return url


def problems_of(exc: pytest.ExceptionInfo[MedAllianceError]) -> list[str]:
    return [p.render() for p in exc.value.problems]


# -- a naive reference checker (the oracle for the O(n) one) -----------------------------------


def _naive_references(node: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(((*path, key), value))
            else:
                found += _naive_references(value, (*path, key))
    elif isinstance(node, list):
        for j, value in enumerate(node):
            found += _naive_references(value, (*path, j))
    return found


def _naive_unresolved(bundle: dict[str, Any]) -> set[str]:
    """Paths of references that match no entry, by scanning every entry for each reference."""
    out = set()
    for k, e in enumerate(bundle["entry"]):
        for path, ref in _naive_references(e["resource"], ("entry", k, "resource")):
            ok = False
            for other in bundle["entry"]:
                if other.get("fullUrl") == ref:
                    ok = True
                m = re.match(r"^(https?://\S+)/[A-Za-z]+/[A-Za-z0-9\-.]+$", e.get("fullUrl", ""))
                if m and other.get("fullUrl") == f"{m.group(1)}/{ref}":
                    ok = True
            if not ok:
                out.add(format_path(path))
    return out


def _unresolved(bundle: dict[str, Any]) -> set[str]:
    from medalliance.io.fhir._map import _reference_problems

    return {
        format_path(p.path) for p in _reference_problems(bundle) if "does not resolve" in p.message
    }


def restful(bundle: dict[str, Any], base: str = "https://fhir.example.org/r5") -> dict[str, Any]:
    """The same bundle with RESTful fullUrls and relative references (``Type/id``)."""
    out = copy.deepcopy(bundle)
    mapping = {
        e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in out["entry"]
    }

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "reference" and isinstance(value, str) and value in mapping:
                    node[key] = mapping[value]
                else:
                    fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    for e in out["entry"]:
        fix(e["resource"])
        e["fullUrl"] = f"{base}/{mapping[e['fullUrl']]}"
    return out


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", examples.names())
def test_every_example_round_trips_and_validates(name: str, version: FhirVersion) -> None:
    reg = examples.load(name)
    bundle = to_fhir(reg, version=version)
    snapshot = copy.deepcopy(bundle)
    bundle_model(version).model_validate(bundle)  # the fhir.resources models accept it
    validate_fhir(bundle, version=version)
    assert _unresolved(bundle) == set() == _naive_unresolved(bundle)
    back = from_fhir(bundle)
    assert back == reg
    assert registry_to_dict(back) == registry_to_dict(reg)  # same value types too
    assert bundle == snapshot  # from_fhir does not modify its input
    assert json.loads(json.dumps(bundle)) == bundle  # plain JSON data
    assert from_fhir(json.loads(json.dumps(bundle, ensure_ascii=False))) == reg
    assert to_fhir(reg, version=version) == bundle  # deterministic


@pytest.mark.slow
@settings(max_examples=40)
@given(reg=registries(history="all"), version=st.sampled_from(VERSIONS))
def test_generated_registries_round_trip_and_validate(reg: Registry, version: FhirVersion) -> None:
    bundle = to_fhir(reg, version=version)
    bundle_model(version).model_validate(bundle)
    assert _unresolved(bundle) == set() == _naive_unresolved(bundle)
    assert from_fhir(bundle) == reg
    assert from_fhir(restful(bundle)) == reg


@pytest.mark.parametrize("version", VERSIONS)
def test_restful_urls_and_relative_references_are_read(version: FhirVersion) -> None:
    reg = examples.load("dingzhou")
    bundle = restful(to_fhir(reg, version=version))
    validate_fhir(bundle, version=version)
    assert from_fhir(bundle) == reg


def tricky_registry() -> Registry:
    long_a = "a" + "_b" * 60 + "c"  # 122 characters with underscores
    long_b = "L" * 128
    ids = ["a_b", "a-b", "a.b", "a_b-c", "x" * 70, long_a, long_b, "Z9"]
    institutions = [
        {"id": i, "name": f"卫生院{n}", "kind": "乡镇卫生院", "beds": 2_147_483_647}
        for n, i in enumerate(ids)
    ]
    return Registry.model_validate(
        {
            "sources": [{"id": "s_1", "title": "来源", "url": "https://example.org/a?b=c"}],
            "institutions": institutions,
            "alliances": [
                {
                    "id": long_b,
                    "name": "某医共体",
                    "form": "county_medical_community",
                    "tightness": "tight",
                    "lead": ["a_b"],
                    "memberships": [
                        {"institution": i, "role": "lead" if i == "a_b" else "member"} for i in ids
                    ],
                    "shared_centres": [
                        {"id": long_a, "kind": "lab", "host": "a_b", "serves": []},
                        {"id": "c-1", "kind": "imaging", "host": "a-b", "serves": ["a.b", "a_b"]},
                    ],
                    "expert_clinics": [
                        {
                            "id": "a_b",
                            "host": "a_b",
                            "site": long_b,
                            "department": "心内科",
                            "weekdays": ["周五", "周一"],
                        }
                    ],
                    "declared": [
                        {"metric": "x", "value": 1.5, "unit": "percent", "subject": "a_b"},
                        {"metric": "y", "value": 10**30, "unit": "yuan", "subject": long_a},
                        {
                            "metric": "z",
                            "value": -3,
                            "unit": "yuan",
                            "subject": long_b,
                            "provenance": {"source": "s_1", "inferred": ["value"]},
                        },
                    ],
                }
            ],
            "agreements": [
                {
                    "id": long_a,
                    "alliance": long_b,
                    "parties": [long_b, "a_b", "a-b"],
                    "items": ["双向转诊", "远程会诊"],
                    "status": "ended",
                    "provenance": {"source": "s_1", "quote": "引文"},
                }
            ],
        }
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_ids_with_underscores_and_128_characters(version: FhirVersion) -> None:
    reg = tricky_registry()
    bundle = to_fhir(reg, version=version, validate=True)
    ids = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", i) for _, i in ids)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert from_fhir(bundle) == reg
    # the original ids are kept verbatim in identifiers
    orgs = [r for _, r in entries(bundle, "Organization")]
    assert {r["identifier"][0]["value"] for r in orgs} >= {"L" * 128, "a_b", "a-b"}


@settings(max_examples=60)
@given(st.lists(st.from_regex(ID_PATTERN, fullmatch=True), min_size=2, max_size=30, unique=True))
def test_resource_ids_are_valid_and_distinct(keys: list[str]) -> None:
    from medalliance.io.fhir._map import _rid

    for prefix in ("org", "mem"):
        index = 3 if prefix == "mem" else None
        made = [_rid(prefix, k, index) for k in keys]
        assert len(set(made)) == len(made)
        assert all(re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", m) for m in made)
        assert [_rid(prefix, k, index) for k in keys] == made  # deterministic
    # the three forms: kept, '_' -> '-' behind '.', digest behind '..'
    assert _rid("org", "ruijin") == "org-ruijin"
    assert _rid("org", "a_b") == "org.a-b"
    assert _rid("org", "a_b-c").startswith("org..a-b-c.")
    assert _rid("mem", "luwan_ruijin", 2) == "mem.luwan-ruijin-2"


@pytest.mark.parametrize("version", VERSIONS)
def test_empty_registry(version: FhirVersion) -> None:
    bundle = to_fhir(Registry(), version=version, validate=True)
    assert bundle == {"resourceType": "Bundle", "type": "collection"}
    assert from_fhir(bundle) == Registry()


@settings(max_examples=60)
@given(st.sampled_from(["Organization", "Location"]), st.from_regex(r"[A-Za-z0-9.\-]{1,64}"))
def test_full_urls_are_uuid5(resource_type: str, rid: str) -> None:
    import uuid

    from medalliance.io.fhir._map import _NAMESPACE, _full_url

    expected = uuid.uuid5(_NAMESPACE, f"{resource_type}/{rid}")
    assert _full_url(resource_type, rid) == f"urn:uuid:{expected}"


def test_to_fhir_does_not_modify_the_registry() -> None:
    reg = examples.load("qinghai_oncology")
    before = registry_to_dict(reg)
    to_fhir(reg)
    assert registry_to_dict(reg) == before


# -- the mapping -------------------------------------------------------------------------------


def test_mapping_of_an_institution_and_its_location() -> None:
    reg = examples.load("shanghai_luwan")
    bundle = to_fhir(reg)
    _, org = find(bundle, "org-ruijin")
    assert org["identifier"] == [{"system": NS + "institution", "value": "ruijin"}]
    codes = {c["coding"][0]["system"]: c["coding"][0]["code"] for c in org["type"]}
    assert codes[CS + "institution-kind"] == "general_hospital"
    assert codes[CS + "tier"] == "tertiary"
    assert codes[CS + "grade"] == "A"
    _, loc = find(bundle, "loc-ruijin")
    org_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is org)
    assert loc["managingOrganization"] == {"reference": org_url}
    inst = reg.institution("ruijin")
    assert loc["address"]["state"] == inst.region.province
    assert loc["name"] == inst.name


def test_mapping_of_memberships_agreements_and_services() -> None:
    reg = examples.load("beijing_tongren")
    bundle = to_fhir(reg)
    alliance = reg.alliances[0]
    affiliations = [r for _, r in entries(bundle, "OrganizationAffiliation")]
    memberships = [r for r in affiliations if "identifier" not in r]
    assert len(memberships) == len(alliance.memberships)
    lead_url = url_of(bundle, "institution", alliance.lead[0])
    net_url = url_of(bundle, "alliance", alliance.id)
    for m, oa in zip(alliance.memberships, memberships, strict=True):
        assert oa["participatingOrganization"]["reference"] == url_of(
            bundle, "institution", m.institution
        )
        assert oa["network"] == [{"reference": net_url}]
        roles = [c["coding"][0]["code"] for c in oa["code"]]
        assert roles == ["member", m.role.value]
        if m.institution == alliance.lead[0]:
            assert "organization" not in oa
        else:
            assert oa["organization"]["reference"] == lead_url
    g = reg.agreements[0]
    pairs = [r for r in affiliations if r.get("identifier", [{}])[0].get("value") == g.id]
    assert len(pairs) == len(g.parties) - 1
    # the proposed intent (status proposed) maps to an inactive affiliation
    intent = [r for r in affiliations if r.get("identifier") and r not in pairs]
    assert [r["active"] for r in intent] == [False] * len(reg.agreements[1].parties[1:])
    assert [p["participatingOrganization"]["reference"] for p in pairs] == [
        url_of(bundle, "institution", x) for x in g.parties[1:]
    ]
    assert all(
        [c["coding"][0]["code"] for c in p["code"]] == [i.value for i in g.items] for p in pairs
    )
    assert all(p["active"] is True for p in pairs)


def test_mapping_of_expert_clinics() -> None:
    reg = examples.load("county_township")
    [alliance] = reg.alliances
    bundle, r4b = to_fhir(reg), to_fhir(reg, version="R4B")
    clinics = [
        r
        for _, r in entries(bundle, "HealthcareService")
        if r.get("identifier", [{}])[0].get("system") == NS + "expert-clinic"
    ]
    assert len(clinics) == len(alliance.expert_clinics) > 0
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    for clinic, e in zip(clinics, alliance.expert_clinics, strict=True):
        times = clinic["availability"][0]["availableTime"]
        assert times == [{"daysOfWeek": [w.value for w in e.weekdays]}]
        assert clinic["providedBy"] == {"reference": url_of(bundle, "institution", e.host)}
        site = by_url[clinic["location"][0]["reference"]]
        assert site["managingOrganization"] == {"reference": url_of(bundle, "institution", e.site)}
        clinic4 = next(r for _, r in entries(r4b, "HealthcareService") if r["id"] == clinic["id"])
        assert clinic4["availableTime"] == times


def _naive_part_of(reg: Registry) -> dict[str, str]:
    """Non-lead members joined tightly (their own tightness, else the alliance's) to one lead."""
    out = {}
    tight = [
        (a, m.institution)
        for a in reg.alliances
        for m in a.memberships
        if (m.tightness or a.tightness) in (Tightness.TIGHT, Tightness.MERGED)
    ]
    for inst in reg.institutions:
        leads_tight = any(i == inst.id and i in a.lead for a, i in tight)
        heads = {a.lead[0] for a, i in tight if i == inst.id and i not in a.lead}
        if heads and not leads_tight and len(heads) == 1:
            out[inst.id] = heads.pop()
    return out


@settings(max_examples=25)
@given(reg=registries(max_institutions=8, max_alliances=4, history="all"))
def test_part_of_follows_tight_alliances(reg: Registry) -> None:
    bundle = to_fhir(reg)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    got = {}
    for _, org in entries(bundle, "Organization"):
        if "partOf" in org and org["identifier"][0]["system"] == NS + "institution":
            head = by_url[org["partOf"]["reference"]]
            got[org["identifier"][0]["value"]] = head["identifier"][0]["value"]
    assert got == _naive_part_of(reg)


def test_dingzhou_branches_are_part_of_their_lead() -> None:
    reg = examples.load("dingzhou")
    bundle = to_fhir(reg)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    _, org = find(bundle, "org.qingfeng-chc")
    assert by_url[org["partOf"]["reference"]]["name"] == "定州市人民医院"


# -- import errors -----------------------------------------------------------------------------


@pytest.fixture
def bundle() -> dict[str, Any]:
    return to_fhir(examples.load("beijing_tongren"))


def first_membership(bundle: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return next(
        (k, r) for k, r in entries(bundle, "OrganizationAffiliation") if "identifier" not in r
    )


def test_dangling_reference_is_rejected_with_its_path(bundle: dict[str, Any]) -> None:
    k, oa = first_membership(bundle)
    oa["participatingOrganization"]["reference"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    path = f"entry[{k}].resource.participatingOrganization.reference"
    assert any(p.startswith(path + ": reference 'urn:uuid:0000") for p in problems_of(exc))
    with pytest.raises(MedAllianceError) as exc2:
        validate_fhir(bundle)
    assert any(p.startswith(path) for p in problems_of(exc2))


def test_reference_to_the_wrong_kind_of_resource(bundle: dict[str, Any]) -> None:
    k, oa = first_membership(bundle)
    oa["network"] = [dict(oa["participatingOrganization"])]  # an institution, not an alliance
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    assert any(
        p.startswith(f"entry[{k}].resource.network[0].reference: points to entry[")
        and "expected an alliance Organization" in p
        for p in problems_of(exc)
    )


def test_unknown_codes_are_rejected(bundle: dict[str, Any]) -> None:
    k, org = find(bundle, "org-tongren")
    org["type"][1]["coding"][0]["code"] = "castle"
    m, oa = first_membership(bundle)
    oa["code"][1]["coding"][0]["code"] = "boss"
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    found = problems_of(exc)
    assert any(
        p.startswith(f"entry[{k}].resource.type[1].coding[0].code: unknown code 'castle'")
        for p in found
    )
    assert any(
        p.startswith(f"entry[{m}].resource.code[1].coding[0].code: unknown code 'boss'")
        for p in found
    )


def test_an_unknown_code_is_reported_once(bundle: dict[str, Any]) -> None:
    m, oa = first_membership(bundle)
    oa["code"][1]["coding"][0]["code"] = "boss"
    k, svc = entries(bundle, "HealthcareService")[0]
    svc["category"][0]["coding"][0]["code"] = "xx"
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    assert [p.split(":")[0] for p in problems_of(exc)] == [
        f"entry[{k}].resource.category[0].coding[0].code",
        f"entry[{m}].resource.code[1].coding[0].code",
    ]


def test_missing_required_extension(bundle: dict[str, Any]) -> None:
    k, net = next(
        (k, r)
        for k, r in entries(bundle, "Organization")
        if r["identifier"][0]["system"] == NS + "alliance"
    )
    net["extension"] = [x for x in net["extension"] if x["url"] != EXT + "alliance-form"]
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    assert f"entry[{k}].resource.extension: missing required extension {EXT}alliance-form" in (
        problems_of(exc)
    )


def test_wrong_resource_type_and_duplicates_all_reported(bundle: dict[str, Any]) -> None:
    bundle["entry"].append({"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient"}})
    dup = copy.deepcopy(bundle["entry"][3])
    bundle["entry"].append(dup)
    n = len(bundle["entry"])
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    found = problems_of(exc)
    assert any(
        p.startswith(f"entry[{n - 2}].resource.resourceType: unsupported resource type 'Patient'")
        for p in found
    )
    assert any(p.startswith(f"entry[{n - 1}].fullUrl: duplicate fullUrl") for p in found)
    assert any(p.startswith(f"entry[{n - 1}].resource.id: duplicate ") for p in found)
    assert len(found) == 3


def test_duplicate_business_ids_are_reported_at_their_entries(bundle: dict[str, Any]) -> None:
    _, org = find(bundle, "org-puren")
    twin = copy.deepcopy(org)
    twin["id"] = "org-puren2"
    bundle["entry"].append({"fullUrl": "urn:uuid:twin", "resource": twin})
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    n = len(bundle["entry"]) - 1
    assert any(
        p.startswith(f"entry[{n}].resource: institutions[") and "duplicate institution id" in p
        for p in problems_of(exc)
    )


def test_elements_and_extensions_that_would_be_lost(bundle: dict[str, Any]) -> None:
    k, org = find(bundle, "org-tongren")
    org["telecom"] = [{"system": "phone", "value": "010"}]
    org["extension"] = [{"url": "https://example.org/ext", "valueString": "x"}]
    org["type"].append({"coding": [{"system": "https://example.org/cs", "code": "x"}]})
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    found = problems_of(exc)
    assert any(
        p.startswith(f"entry[{k}].resource.telecom: ") and "would be lost" in p for p in found
    )
    assert any(
        p.startswith(f"entry[{k}].resource.extension[0].url: extension 'https://example.org/ext'")
        for p in found
    )
    assert any(p.startswith(f"entry[{k}].resource.type[4].coding[0]: ") for p in found)


def test_registry_rules_are_reported_at_the_entry(bundle: dict[str, Any]) -> None:
    k, org = find(bundle, "org-tongren")
    org["alias"] = ["\x07"]
    org["name"] = "  "
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    found = problems_of(exc)
    assert any(
        re.match(rf"entry\[{k}\]\.resource: institutions\[\d+\]\.aliases\[0\]: ", p) for p in found
    )
    assert any(re.match(rf"entry\[{k}\]\.resource: institutions\[\d+\]\.name: ", p) for p in found)


def test_derived_elements_must_agree(bundle: dict[str, Any]) -> None:
    g, pair = next(
        (k, r) for k, r in entries(bundle, "OrganizationAffiliation") if r.get("identifier")
    )
    pair["active"] = False
    k, loc = entries(bundle, "Location")[0]
    loc["name"] = "别的名字"
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    found = problems_of(exc)
    assert any(p.startswith(f"entry[{g}].resource.active: False disagrees") for p in found)
    assert any(p.startswith(f"entry[{k}].resource.name: ") for p in found)


def test_derived_elements_may_be_left_out(bundle: dict[str, Any]) -> None:
    reg = examples.load("beijing_tongren")
    for e in bundle["entry"]:
        r = e["resource"]
        for key in ("partOf", "active", "healthcareService", "specialty", "name"):
            if r["resourceType"] in {"OrganizationAffiliation", "Location"}:
                r.pop(key, None)
        if r["resourceType"] == "OrganizationAffiliation" and "identifier" not in r:
            r.pop("organization", None)
        if r["resourceType"] == "Organization":
            r.pop("partOf", None)
    assert from_fhir(bundle) == reg


def test_wrong_part_of_is_rejected() -> None:
    bundle = to_fhir(examples.load("dingzhou"))
    k, org = find(bundle, "org.qingfeng-chc")
    _, other = find(bundle, "org.mingyue-chc")
    org["partOf"] = {
        "reference": next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is other)
    }
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    assert any(
        p.startswith(f"entry[{k}].resource.partOf: 'mingyue_chc' disagrees")
        for p in problems_of(exc)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "<root>: expected a FHIR Bundle (a JSON object), got list"),
        ({"resourceType": "Organization"}, "resourceType: expected 'Bundle', got 'Organization'"),
        ({"resourceType": "Bundle", "entry": {}}, "type: a Bundle needs a type"),
        (
            {"resourceType": "Bundle", "type": "collection", "entry": [1]},
            "entry[0]: an entry must be a JSON object",
        ),
        (
            {"resourceType": "Bundle", "type": "collection", "signature": {}},
            "signature: 'signature' is not read from a Bundle",
        ),
    ],
)
def test_not_a_bundle(data: Any, message: str) -> None:
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(data)
    assert any(p.startswith(message) for p in problems_of(exc))


@pytest.mark.parametrize(
    ("name", "where", "expected"),
    [  # JSON objects where a string belongs: reported, never a TypeError
        ("shanghai_luwan", ("_name", "extension", 0, "extension", 0, "url"), "._name: only one"),
        ("dingzhou", ("category", 0, "coding", 0, "code"), ".category[0].coding[0]"),
        ("shanghai_luwan", ("type", 0, "coding", 0, "system"), ".type[0].coding[0]"),
        (
            "county_township",
            ("availability", 0, "availableTime", 0, "daysOfWeek", 0),
            "daysOfWeek[0]: unknown day-of-week code",
        ),
    ],
)
def test_an_object_where_a_string_belongs_is_reported(
    name: str, where: tuple[str | int, ...], expected: str
) -> None:
    bundle = copy.deepcopy(to_fhir(examples.load(name)))
    key = where[0]
    entry = next(e for e in bundle["entry"] if key in e["resource"])
    node = entry["resource"]
    for k in where[:-1]:
        node = node[k]
    node[where[-1]] = {"not": "a string"}
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    assert any(expected in p for p in problems_of(exc)), problems_of(exc)


@settings(max_examples=20)
@given(reg=registries(history="all"), data=st.data())
def test_any_broken_reference_is_found(reg: Registry, data: st.DataObject) -> None:
    bundle = to_fhir(reg)
    refs = [
        (k, path, ref)
        for k, e in enumerate(bundle["entry"])
        for path, ref in _naive_references(e["resource"], ("entry", k, "resource"))
    ]
    _, path, _ = data.draw(st.sampled_from(refs))
    node: Any = bundle
    for key in path[:-1]:
        node = node[key]
    node["reference"] = "urn:uuid:ffffffff-ffff-ffff-ffff-ffffffffffff"
    assert _unresolved(bundle) == _naive_unresolved(bundle) == {format_path(path)}
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    assert any(p.startswith(format_path(path) + ": reference") for p in problems_of(exc))


def test_relative_reference_without_a_restful_full_url_does_not_resolve() -> None:
    bundle = to_fhir(examples.load("benxi_central"))
    k, oa = first_membership(bundle)
    oa["network"][0]["reference"] = "Organization/net-x"
    assert _unresolved(bundle) == {f"entry[{k}].resource.network[0].reference"}


# -- export limits -----------------------------------------------------------------------------


def test_values_fhir_cannot_carry_are_reported() -> None:
    reg = Registry.model_validate(
        {
            "sources": [{"id": "s", "title": "t", "url": "not a url"}],
            "institutions": [
                {
                    "id": "v",
                    "name": "某村卫生室",
                    "kind": "村卫生室",
                    "population_served": 3_000_000_000,
                }
            ],
        }
    )
    with pytest.raises(MedAllianceError) as exc:
        to_fhir(reg)
    assert [p.render() for p in exc.value.problems] == [
        "sources[0].url: a FHIR url cannot contain whitespace",
        "institutions[0].population_served: 3000000000 exceeds FHIR's unsignedInt limit "
        "(2147483647)",
    ]


def test_unknown_version() -> None:
    with pytest.raises(MedAllianceError, match="unknown FHIR version 'R4'"):
        to_fhir(examples.load("benxi_central"), version="R4")  # type: ignore[arg-type]


# -- validate_fhir -----------------------------------------------------------------------------


def test_validate_fhir_reports_model_errors_with_paths(bundle: dict[str, Any]) -> None:
    bundle["entry"][2]["resource"]["id"] = "bad_id"
    bundle["entry"][3]["resource"]["id"] = "x" * 65
    with pytest.raises(MedAllianceError) as exc:
        validate_fhir(bundle)
    assert problems_of(exc) == ["entry[3].resource.id: a FHIR id has at most 64 characters"]
    bundle = to_fhir(examples.load("beijing_tongren"), version="R4B")
    bundle["entry"][2]["resource"]["id"] = "bad_id"
    with pytest.raises(MedAllianceError) as exc:
        validate_fhir(bundle, version="R4B")
    assert [p.split(":")[0] for p in problems_of(exc)] == ["entry[2].resource.id"]


def test_validate_fhir_unknown_resource_type() -> None:
    with pytest.raises(MedAllianceError) as exc:
        validate_fhir(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Hospital"}}],
            }
        )
    assert problems_of(exc) == ["entry[0].resource.resourceType: unknown resource type 'Hospital'"]


@pytest.fixture
def no_fhir_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name == "fhir" or name.startswith(("fhir.", "fhir_core")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fhir", None)  # makes `import fhir...` fail
    # (monkeypatch undoes both on teardown)


@pytest.mark.usefixtures("no_fhir_resources")
def test_without_fhir_resources_export_and_import_still_work() -> None:
    reg = examples.load("gangkou")
    assert from_fhir(to_fhir(reg)) == reg
    with pytest.raises(ImportError, match=r"pip install 'medalliance\[fhir\]'"):
        validate_fhir(to_fhir(reg))
    with pytest.raises(ImportError, match=r"medalliance\[fhir\]"):
        to_fhir(reg, validate=True)


@pytest.mark.slow
def test_importing_medalliance_fhir_loads_no_fhir_package() -> None:
    code = (
        "import sys, medalliance.io.fhir\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fhir', 'fhir_core')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- referrals ---------------------------------------------------------------------------------


def decision(urgency: str = "routine", **kw: Any) -> Any:
    reg = examples.load("county_township")
    case = ReferralCase(
        origin="township_centre",
        criterion="needs_equipment_or_exam",
        services=("ct",),
        urgency=urgency,
        **kw,
    )
    return evaluate(reg, case)


@pytest.mark.parametrize(
    ("urgency", "green", "priority"),
    [
        ("routine", False, "routine"),
        ("routine", True, "routine"),
        ("urgent", False, "urgent"),
        ("urgent", True, "asap"),
        ("emergency", False, "stat"),
        ("emergency", True, "stat"),
    ],
)
def test_referral_priority_rule(urgency: str, green: bool, priority: str) -> None:
    d = decision(urgency)
    dest = d.destinations[0]
    flags = (
        (*dest.flags, "green_channel")
        if green
        else tuple(f for f in dest.flags if f != "green_channel")
    )
    d = d.model_copy(update={"destinations": (dest.model_copy(update={"flags": flags}),)})
    request = referral_to_fhir(d)
    assert request["priority"] == priority
    flag_codes = [
        x["valueCoding"]["code"] for x in request["extension"] if x["url"] == EXT + "priority-flag"
    ]
    assert flag_codes == list(flags)


@pytest.mark.parametrize("version", VERSIONS)
def test_referral_request_validates_and_resolves_in_the_registry_bundle(
    version: FhirVersion,
) -> None:
    d = decision("urgent", specialty="neurology", condition="I63.9")
    request = referral_to_fhir(d, version=version, validate=True)
    assert request["status"] == "draft"
    assert request["intent"] == "proposal"
    assert request["requester"]["identifier"]["value"] == "township_centre"
    assert request["performer"][0]["identifier"]["value"] == d.destinations[0].institution
    assert request["performerType"]["coding"][0]["code"] == "neurology"
    reasons = request["reason"] if version == "R5" else request["reasonCode"]
    if version == "R5":
        reasons = [r["concept"] for r in reasons]
    assert reasons[0]["coding"][0] == {
        "system": CS + "referral-criterion",
        "code": "needs_equipment_or_exam",
    }
    assert reasons[1] == {"text": "I63.9"}
    code = request["code"]["concept"] if version == "R5" else request["code"]
    assert code["coding"][0]["code"] == d.destinations[0].direction.value
    bundle = to_fhir(examples.load("county_township"), version=version)
    bundle["entry"].append(
        {"fullUrl": "urn:uuid:5e1f0000-0000-0000-0000-000000000001", "resource": request}
    )
    validate_fhir(bundle, version=version)


def test_referral_subject_and_errors() -> None:
    d = decision()
    assert referral_to_fhir(d, patient="Patient/1")["subject"] == {"reference": "Patient/1"}
    assert "extension" in referral_to_fhir(d)["subject"]
    with pytest.raises(MedAllianceError, match=r"rank: must be a rank from 0 to 0, got 1"):
        referral_to_fhir(d, rank=1)
    with pytest.raises(MedAllianceError, match=r"rank: must be a rank from 0 to 0, got True"):
        referral_to_fhir(d, rank=True)
    ineligible = d.model_copy(update={"eligible": False, "destinations": (), "direction": None})
    with pytest.raises(MedAllianceError, match="not eligible"):
        referral_to_fhir(ineligible)


# -- code systems ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_code_systems_validate_and_cover_every_code(version: FhirVersion) -> None:
    from medalliance.io.fhir._map import _DECODE

    systems = code_systems()
    validate_fhir(systems, version=version)
    listed = {
        e["resource"]["url"]: {c["code"] for c in e["resource"]["concept"]}
        for e in systems["entry"]
    }
    assert listed == {url: set(codes) for url, codes in _DECODE.items()}


def test_every_code_written_is_in_a_code_system() -> None:
    listed = {
        e["resource"]["url"]: {c["code"] for c in e["resource"]["concept"]}
        for e in code_systems()["entry"]
    }

    def codings(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "system" in node and "code" in node:
                yield node
            for v in node.values():
                yield from codings(v)
        elif isinstance(node, list):
            for v in node:
                yield from codings(v)

    for name in examples.names():
        for c in codings(to_fhir(examples.load(name))):
            if c["system"].startswith(CS):
                assert c["code"] in listed[c["system"]]


# -- command line ------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("version", VERSIONS)
def test_cli_export_fhir(version: FhirVersion) -> None:
    code, out, err = run("export", "xuzhou_mch", "--format", "fhir", "--fhir-version", version)
    assert code == 0, err
    assert from_fhir(json.loads(out)) == examples.load("xuzhou_mch")
    assert json.loads(out) == to_fhir(examples.load("xuzhou_mch"), version=version)


def test_cli_export_fhir_default_and_misuse(tmp_path: Any) -> None:
    target = tmp_path / "b.json"
    code, _, err = run("export", "gangkou", "--format", "fhir", "-o", str(target))
    assert code == 0, err
    assert json.loads(target.read_text(encoding="utf-8")) == to_fhir(examples.load("gangkou"))
    code, _, err = run("export", "gangkou", "--format", "json", "--fhir-version", "R4B")
    assert code == 1
    assert "--fhir-version applies to --format fhir only" in err
    code, _, _ = run("export", "gangkou", "--format", "fhir", "--fhir-version", "R4")
    assert code == 2

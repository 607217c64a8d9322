"""FHIR import accepts exactly what export can produce (issue 13, item 6).

Hand-built cases for each defect of the red-team run, and a property: a bundle written by
``to_fhir`` and then damaged is either refused with a ``MedAllianceError`` or read into a
registry that ``to_fhir`` writes back as the same bundle (up to what a bundle may carry without
it being registry data: fullUrls, resource ids, ``display`` texts, ``meta``/``text``/``language``
and the derived elements that may be left out). Nothing is dropped or converted silently, and no
other exception escapes.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import MedAllianceError, Registry, examples
from medalliance.io.fhir import BASE_URL, FhirVersion, from_fhir, to_fhir
from medalliance.io.fhir._map import _resolve
from strategies import registries

VERSIONS: tuple[FhirVersion, ...] = ("R5", "R4B")
EXT = BASE_URL + "/StructureDefinition/"


def resource(bundle: dict[str, Any], prefix: str) -> tuple[int, dict[str, Any]]:
    """The first entry whose resource id starts with ``prefix``."""
    return next(
        (k, e["resource"])
        for k, e in enumerate(bundle["entry"])
        if str(e["resource"].get("id", "")).startswith(prefix)
    )


def refused(bundle: dict[str, Any]) -> list[str]:
    with pytest.raises(MedAllianceError) as exc:
        from_fhir(bundle)
    return [p.render() for p in exc.value.problems]


# -- the defects, one by one ---------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_non_object_in_a_list_is_refused_not_skipped(version: FhirVersion) -> None:
    bundle = to_fhir(examples.load("beijing_tongren"), version=version)
    k, net = resource(bundle, "net")
    key = "contact" if version == "R5" else "address"
    net[key] = ["x"]
    assert refused(bundle) == [
        f"entry[{k}].resource.{key}[0]: expected {'contact' if version == 'R5' else 'Address'} "
        "(a JSON object), got 'x'"
    ]
    bundle = to_fhir(examples.load("beijing_tongren"), version=version)
    k, header = resource(bundle, "registry")
    header["note"] = [0]
    assert refused(bundle) == [
        f"entry[{k}].resource.note[0]: expected Annotation (a JSON object), got 0"
    ]


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("content", 0), "x"),  # a source's content
        (("network", 0), 5),  # a membership's alliance
    ],
)
def test_other_lists_of_one_object(where: tuple[str, int], value: Any) -> None:
    bundle = to_fhir(examples.load("benxi_central"))
    k, res = next(
        (k, e["resource"]) for k, e in enumerate(bundle["entry"]) if where[0] in e["resource"]
    )
    res[where[0]][where[1]] = value
    found = refused(bundle)
    assert any(p.startswith(f"entry[{k}].resource.{where[0]}[0]: expected ") for p in found)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(2**31, "2147483648 exceeds FHIR's unsignedInt limit (2147483647)", id="2^31"),
        pytest.param(
            10**5000,
            "a number of more than 19 digits exceeds FHIR's unsignedInt limit",
            id="10^5000",
        ),
        pytest.param(-5, "-5 is below FHIR's unsignedInt range (0 to 2147483647)", id="-5"),
        pytest.param(3.0, "expected a non-negative integer, got 3.0", id="3.0"),
        pytest.param(True, "expected a non-negative integer, got True", id="True"),
    ],
)
def test_counts_beyond_unsigned_int_are_refused_as_export_refuses_them(
    value: Any, message: str
) -> None:
    bundle = to_fhir(examples.load("beijing_tongren"))
    k, org = resource(bundle, "org-tongren")
    org["extension"].append({"url": EXT + "beds", "valueUnsignedInt": value})
    j = len(org["extension"]) - 1
    [problem] = refused(bundle)
    assert problem.startswith(f"entry[{k}].resource.extension[{j}].valueUnsignedInt: {message}")


def test_export_and_import_share_the_unsigned_int_rule() -> None:
    reg = examples.load("beijing_tongren")
    big = reg.replace(
        institutions=[i.replace(beds=2**31) if i.id == "tongren" else i for i in reg.institutions]
    )
    with pytest.raises(MedAllianceError, match="exceeds FHIR's unsignedInt limit"):
        to_fhir(big)


def test_a_source_url_with_whitespace_is_refused() -> None:
    bundle = to_fhir(examples.load("beijing_tongren"))
    k, doc = resource(bundle, "src")
    doc["content"][0]["attachment"]["url"] = "https://example.org/a b"
    assert refused(bundle) == [
        f"entry[{k}].resource.content[0].attachment.url: a FHIR url cannot contain whitespace"
    ]


@pytest.mark.parametrize("kind", ["transaction", "searchset", "document", "", "Collection"])
def test_only_a_collection_bundle_is_read(kind: str) -> None:
    bundle = to_fhir(examples.load("benxi_central"))
    bundle["type"] = kind
    [problem] = refused(bundle)
    assert problem.startswith(f"type: expected 'collection' (what to_fhir writes), got {kind!r}")
    del bundle["type"]
    assert refused(bundle) == ["type: a Bundle needs a type: 'collection'"]


def test_paging_and_request_elements_are_refused_bundle_metadata_is_not_read() -> None:
    reg = examples.load("benxi_central")
    bundle = to_fhir(reg)
    bundle["link"] = [{"relation": "next", "url": "https://example.org/page2"}]
    bundle["total"] = 99
    bundle["entry"][0]["search"] = {"mode": "match"}
    bundle["entry"][1]["request"] = {"method": "POST", "url": "Organization"}
    found = refused(bundle)
    assert [p.split(":")[0] for p in found] == [
        "link",
        "total",
        "entry[0].search",
        "entry[1].request",
    ]
    bundle = to_fhir(reg)
    bundle.update(id="b1", meta={"lastUpdated": "2024-01-01T00:00:00Z"}, timestamp="2024-01-01")
    bundle["identifier"] = {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"}
    assert from_fhir(bundle) == reg  # the bundle's own metadata describes the bundle


@pytest.mark.parametrize("value", ["2024/3/1", "2024年3月1日", "2024-3-1", "2024", 20240301])
def test_dates_are_read_as_export_writes_them(value: Any) -> None:
    bundle = to_fhir(examples.load("benxi_central"))
    k, net = resource(bundle, "net")
    [j] = [j for j, x in enumerate(net["extension"]) if x["url"] == EXT + "founded"]
    net["extension"][j]["valueDate"] = value
    assert refused(bundle) == [
        f"entry[{k}].resource.extension[{j}].valueDate: expected a "
        + (
            f"date written YYYY-MM-DD, got {value!r}"
            if isinstance(value, str)
            else "date string, got 20240301"
        )
    ]


def test_messages_quote_a_bounded_part_of_a_value() -> None:
    bundle = to_fhir(examples.load("benxi_central"))
    _, org = resource(bundle, "org")
    org["mode"] = "x"  # not an element of Organization
    org["type"][1]["coding"][0]["code"] = "y" * 100_000
    found = refused(bundle)
    assert all(len(p) < 1000 for p in found)
    assert any("… (100,000 characters)" in p for p in found)


# -- the property: refused, or written back as it was --------------------------------------------

_DERIVED = {
    # elements from_fhir accepts when left out: derived from the data, or fixed values
    ("Organization", "partOf"),
    ("Location", "name"),
    ("Location", "mode"),
    ("List", "status"),
    ("List", "mode"),
    ("membership", "organization"),
    ("membership", "specialty"),
    ("membership", "healthcareService"),
    ("agreement", "active"),
}


def normal(bundle: Any) -> Any:
    """``bundle`` without what is not registry data; references as the entry they point to."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("entry", []), list):
        return bundle
    entries = bundle.get("entry", [])
    by_url = {
        e["fullUrl"]: k
        for k, e in enumerate(entries)
        if isinstance(e, dict) and isinstance(e.get("fullUrl"), str)
    }
    out = {k: v for k, v in bundle.items() if k not in ("id", "meta", "identifier", "timestamp")}
    out["entry"] = []
    for e in entries:
        if not isinstance(e, dict):
            out["entry"].append(e)
            continue
        full_url = e.get("fullUrl")
        base = full_url.rsplit("/", 2)[0] if isinstance(full_url, str) and "/" in full_url else None
        res = e.get("resource")
        kept = {k: v for k, v in e.items() if k not in ("fullUrl", "resource")}
        if isinstance(res, dict):
            kept["resource"] = _resource(res, by_url, base)
        out["entry"].append(kept)
    return out


def _resource(res: dict[str, Any], by_url: dict[str, int], base: str | None) -> Any:
    rt = res.get("resourceType")
    if rt == "OrganizationAffiliation":
        rt = "agreement" if "identifier" in res else "membership"
    drop = {"id", "meta", "text", "language"} | {key for t, key in _DERIVED if t == rt}
    return _value({k: v for k, v in res.items() if k not in drop}, by_url, base)


def _value(node: Any, by_url: dict[str, int], base: str | None) -> Any:
    if isinstance(node, list):
        return [_value(v, by_url, base) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "display" and ("system" in node or "reference" in node):
            continue  # a coding's or a reference's display text
        if k == "type" and "reference" in node:
            continue  # a reference's type (checked against the entry)
        if k == "reference" and isinstance(v, str):
            found = _resolve(v, base, by_url)
            out[k] = ("entry", found) if found is not None else v
            continue
        out[k] = _value(v, by_url, base)
    return out


def places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside ``node``."""
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from places(v, (*path, k))
    elif isinstance(node, list):
        for j, v in enumerate(node):
            yield from places(v, (*path, j))


JUNK: st.SearchStrategy[Any] = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        2**31,
        2**63,
        10**400,
        10**5000,
        1.5,
        math.nan,
        math.inf,
        "",
        " ",
        "x y",
        "\x00",
        "2024/3/1",
        [],
        {},
        ["x"],
        [0],
        [{}],
        [None],
        {"x": 1},
        {"url": "x"},
    ]
).map(copy.deepcopy)
HOW = ("replace", "delete", "add key", "append", "wrap", "unwrap")


def damage(bundle: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A copy of ``bundle`` with one place damaged (drawn from ``data``)."""
    out = copy.deepcopy(bundle)
    path = data.draw(st.sampled_from(list(places(out))[1:]), label="path")
    parent: Any = out
    for key in path[:-1]:
        parent = parent[key]
    key, node = path[-1], parent[path[-1]]
    how = data.draw(st.sampled_from(HOW), label="how")
    if how == "delete" and isinstance(parent, dict):
        del parent[key]
    elif how == "add key" and isinstance(node, dict):
        name = data.draw(st.sampled_from(["x", "extension", "_name", "id", "modifierExtension"]))
        node[name] = data.draw(JUNK, label="value")
    elif how == "append" and isinstance(node, list):
        copies = st.sampled_from(node or [None]).map(copy.deepcopy)
        node.append(data.draw(st.one_of(JUNK, copies), label="value"))
    elif how == "wrap":
        parent[key] = [node]
    elif how == "unwrap" and isinstance(node, list) and node:
        parent[key] = node[0]
    else:
        parent[key] = data.draw(JUNK, label="value")
    return out


def differences(a: Any, b: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths where ``a`` and ``b`` differ (numbers compare by value, booleans only to
    booleans)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for k in {*a, *b}
            for d in (differences(a[k], b[k], (*path, k)) if k in a and k in b else [(*path, k)])
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for j, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, (*path, j))
        ]
    same = a == b and isinstance(a, bool) == isinstance(b, bool) and type(a) is not list
    return [] if same else [path]


@pytest.mark.slow
@settings(max_examples=250)
@given(
    reg=registries(max_institutions=6, max_alliances=2, history="all"),
    version=st.sampled_from(VERSIONS),
    data=st.data(),
)
def test_a_damaged_bundle_is_refused_or_written_back_as_it_is(
    reg: Registry, version: FhirVersion, data: st.DataObject
) -> None:
    out = damage(to_fhir(reg, version=version), data)
    try:
        back = from_fhir(out)
    except MedAllianceError:
        return
    assert isinstance(back, Registry)
    written, read = normal(to_fhir(back, version=version)), normal(out)
    assert not differences(written, read), differences(written, read)[:5]


@settings(max_examples=40)
@given(
    reg=registries(max_institutions=6, max_alliances=2, history="all"),
    version=st.sampled_from(VERSIONS),
)
def test_the_normal_form_of_a_written_bundle_is_itself_after_a_round_trip(
    reg: Registry, version: FhirVersion
) -> None:
    bundle = to_fhir(reg, version=version)
    assert from_fhir(bundle) == reg
    assert normal(to_fhir(from_fhir(bundle), version=version)) == normal(bundle)


def test_an_empty_registry_header_is_refused() -> None:
    reg = Registry(
        title="某登记册", institutions=[{"id": "t", "name": "某镇卫生院", "kind": "乡镇卫生院"}]
    )
    bundle = to_fhir(reg)
    del bundle["entry"][0]["resource"]["title"]  # to_fhir never writes a List without both
    assert refused(bundle) == [
        "entry[0].resource: a registry header (List) without a title or a note says nothing, "
        "and to_fhir writes none: leave it out"
    ]

"""Issue 11, model gaps: tightness per member, staff postings, centres and sub-alliances.

Each group pins the fact the examples need, with the source sentence it comes from, and checks
that the new fields survive every format (JSON, YAML, graph, GraphML, tables, FHIR) and show in
the display, the report and the checks.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from medalliance import (
    Alliance,
    AllianceUnit,
    MedAllianceError,
    ProfessionalTitle,
    Registry,
    Severity,
    StaffPosting,
    Tightness,
    UnknownIdError,
    check_registry,
    from_graph,
    to_graph,
)
from medalliance.checks import check_sub_units
from medalliance.cli import main
from medalliance.display import alliance_html, member_table, registry_html
from medalliance.io import (
    graph_for_graphml,
    graph_from_graphml,
    read_graphml,
    registry_from_json,
    registry_from_yaml,
    write_graphml,
    write_yaml,
)
from medalliance.io._files import registry_to_json, registry_to_yaml
from medalliance.io.fhir import from_fhir, to_fhir, validate_fhir
from medalliance.io.tables import from_frames, to_frames
from medalliance.report import alliance_summary

# The sources of the three facts (seed articles in shared/seeds/).
XUZHOU = (
    "联合体中各成员单位的联合模式和紧密程度，根据各成员单位的工作需求、双方意愿、现有条件等"
    "因素，因地制宜、一院(所)一策"
)  # seed 004: tightness is decided institution by institution
DINGZHOU = "派驻主任医师等业务骨干进驻基层医疗卫生服务机构工作"  # seed 003: staff posting
QINGHAI = (
    "青海省深化医药卫生体制改革领导小组办公室关于成立省级区域医疗联合体部分诊疗中心和专科联盟"
    "的通知"
)  # seed 000: 诊疗中心 are units of the provincial regional alliance

SOURCE = {"id": "seed", "title": "test source"}


def _inst(iid: str, name: str, kind: str, level: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": iid, "name": name, "kind": kind}
    if level is not None:
        out["level"] = level
    return out


INSTITUTIONS = [
    _inst("mch", "某市妇幼保健院", "妇幼保健院", "三甲"),
    _inst("county_mch", "某县妇幼保健所", "妇幼保健所", "二级"),
    _inst("town", "某镇卫生院", "乡镇卫生院"),
    _inst("chc", "某社区卫生服务中心", "社区卫生服务中心"),
    _inst("prov", "某省人民医院", "综合医院", "三甲"),
    _inst("onco", "某省肿瘤医院", "专科医院", "三甲"),
]


def _per_member_alliance(**changes: Any) -> dict[str, Any]:
    """An MCH alliance whose tightness is set member by member (一院一策)."""
    out: dict[str, Any] = {
        "id": "mch_alliance",
        "name": "某市妇幼健康服务联合体",
        "form": "专科联盟",
        "specialty": "妇幼保健",
        "tightness": None,
        "lead": ["mch"],
        "memberships": [
            {"institution": "mch", "role": "lead", "tightness": "紧密型"},
            {"institution": "county_mch", "tightness": "半紧密型"},
            {"institution": "town", "tightness": "松散型"},
        ],
        "provenance": {"source": "seed", "quote": XUZHOU},
    }
    out.update(changes)
    return out


def _posting(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "posting1",
        "host": "prov",
        "site": "chc",
        "count": 3,
        "title": "主任医师",
        "specialty": "心内科",
        "start": "2018-03-01",
        "end": "2018-08-31",
        "provenance": {"source": "seed", "quote": DINGZHOU},
    }
    out.update(changes)
    return out


def _regional(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "region",
        "name": "某省省级区域医疗联合体",
        "form": "城市医疗集团",
        "tightness": "tight",
        "lead": ["prov"],
        "memberships": [
            {"institution": "prov", "role": "lead"},
            {"institution": "onco"},
            {"institution": "chc"},
        ],
        "staff_postings": [_posting()],
    }
    out.update(changes)
    return out


def _centre(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "onco_centre",
        "name": "某省省级区域医疗联合体肿瘤诊疗中心",
        "form": "专科联盟",
        "specialty": "肿瘤科",
        "unit": "诊疗中心",
        "part_of": "region",
        "lead": ["prov"],
        "memberships": [{"institution": "prov", "role": "lead"}, {"institution": "onco"}],
        "provenance": {"source": "seed", "quote": QINGHAI},
    }
    out.update(changes)
    return out


def _registry(*alliances: dict[str, Any]) -> Registry:
    return Registry.model_validate(
        {"sources": [SOURCE], "institutions": INSTITUTIONS, "alliances": list(alliances)}
    )


def _full() -> Registry:
    """Every new field at once: per-member tightness, postings, a centre and a named parent."""
    return _registry(
        _per_member_alliance(part_of_name="某市医疗联合体"),
        _regional(),
        _centre(
            memberships=[
                {"institution": "prov", "role": "lead"},
                {"institution": "onco", "tightness": "tight"},
            ],
            staff_postings=[
                _posting(
                    id="posting2",
                    host="prov",
                    site="onco",
                    count=None,
                    person="张医生",
                    title=None,
                    end=None,
                )
            ],
            declared=[{"metric": "staff_posted", "value": 1, "unit": "人", "subject": "posting2"}],
        ),
    )


# -- 1. tightness member by member (一院一策) ----------------------------------------------------


def test_tightness_is_set_member_by_member() -> None:
    """Xuzhou: 紧密程度 ... 一院(所)一策 — each member has its own tightness."""
    assert "一院(所)一策" in XUZHOU
    a = Alliance(**_per_member_alliance())
    assert a.tightness is None
    assert [a.tightness_of(m) for m in a.members] == [
        Tightness.TIGHT,
        Tightness.SEMI_TIGHT,
        Tightness.LOOSE,
    ]
    assert a.tightness_of("nobody") is None
    assert a.tightness_range == (Tightness.LOOSE, Tightness.TIGHT)
    assert a.tightness_label == "per_member (loose–tight)"
    assert "per_member (loose–tight)" in repr(a)


def test_member_tightness_defaults_to_the_alliance() -> None:
    a = Alliance(
        **_per_member_alliance(
            tightness="紧密型",
            memberships=[
                {"institution": "mch", "role": "lead"},
                {"institution": "town", "tightness": "loose"},
            ],
        )
    )
    assert a.tightness is Tightness.TIGHT
    assert a.tightness_of("mch") is Tightness.TIGHT
    assert a.tightness_of("town") is Tightness.LOOSE
    assert a.tightness_label == "tight"
    plain = Alliance(
        **_per_member_alliance(
            tightness="loose", memberships=[{"institution": "mch", "role": "lead"}]
        )
    )
    assert plain.tightness_range == (Tightness.LOOSE, Tightness.LOOSE)


def test_no_alliance_tightness_needs_every_member_to_state_one() -> None:
    with pytest.raises(MedAllianceError) as info:
        Alliance(
            **_per_member_alliance(
                memberships=[
                    {"institution": "mch", "role": "lead", "tightness": "tight"},
                    {"institution": "town"},
                    {"institution": "chc"},
                ]
            )
        )
    assert [p.render() for p in info.value.problems] == [
        f"memberships[{i}].tightness: required: the alliance's tightness is None "
        "(set member by member)"
        for i in (1, 2)
    ]


def test_per_member_tightness_in_display_report_and_member_table(tmp_path: Path) -> None:
    reg = _registry(_per_member_alliance())
    a = reg.alliance("mch_alliance")
    assert [r["tightness"] for r in member_table(reg, a.id).rows()] == [
        "tight",
        "semi_tight",
        "loose",
    ]
    plain = alliance_html(a)
    assert "per_member (loose–tight)" in plain
    assert "<th>tightness</th>" in plain
    assert "<td>semi_tight</td>" in plain
    assert "per_member (loose–tight)" in registry_html(reg)
    s = alliance_summary(reg, a.id)
    assert s.tightness == "per_member (loose–tight)"
    assert s.by_tightness == (("loose", 1), ("semi_tight", 1), ("tight", 1))
    out = io.StringIO()
    assert (
        main(["report", "--alliance", a.id, _write(reg, tmp_path)], out=out, err=io.StringIO()) == 0
    )
    assert "tightness: per_member (loose–tight)" in out.getvalue()


def test_fhir_part_of_follows_each_members_tightness() -> None:
    """Only members joined tightly are ``partOf`` their lead: here the semi-tight one is not."""
    reg = _registry(
        _per_member_alliance(
            memberships=[
                {"institution": "mch", "role": "lead", "tightness": "tight"},
                {"institution": "county_mch", "tightness": "merged"},
                {"institution": "town", "tightness": "semi_tight"},
            ]
        )
    )
    bundle = to_fhir(reg)
    part_of = {
        r["identifier"][0]["value"]: r.get("partOf")
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] == "Organization" and r["id"].startswith("org")
    }
    assert part_of["county_mch"] is not None
    assert part_of["town"] is None
    assert from_fhir(bundle) == reg


# -- 2. staff postings (派驻 / 下沉) -------------------------------------------------------------


def test_dingzhou_posting_of_chief_physicians() -> None:
    """Dingzhou: 派驻主任医师等业务骨干进驻基层医疗卫生服务机构工作 — a posting, not a clinic."""
    reg = _registry(_regional())
    a = reg.alliance("region")
    [p] = a.staff_postings
    assert p.title is ProfessionalTitle.CHIEF_PHYSICIAN
    assert p.title.label_zh in DINGZHOU
    assert (p.host, p.site, p.people) == ("prov", "chc", 3)
    assert a.expert_clinics == ()  # a posting is not an expert-clinic programme
    named = StaffPosting(id="p", host="h", site="c", person="张医生", title="主治醫師")
    assert named.people == 1
    assert named.title is ProfessionalTitle.ATTENDING_PHYSICIAN


@pytest.mark.parametrize(
    ("label", "title"),
    [
        ("主任医师", ProfessionalTitle.CHIEF_PHYSICIAN),
        ("副主任醫師", ProfessionalTitle.ASSOCIATE_CHIEF_PHYSICIAN),
        ("attending physician", ProfessionalTitle.ATTENDING_PHYSICIAN),
        ("住院医师", ProfessionalTitle.PHYSICIAN),
        ("医士", ProfessionalTitle.ASSISTANT_PHYSICIAN),
        ("主管护师", ProfessionalTitle.NURSE_IN_CHARGE),
        ("护士", ProfessionalTitle.NURSE),
        ("副主任药师", ProfessionalTitle.ASSOCIATE_CHIEF_PHARMACIST),
        ("主管技师", ProfessionalTitle.TECHNICIAN_IN_CHARGE),
    ],
)
def test_professional_titles_parse(label: str, title: ProfessionalTitle) -> None:
    assert ProfessionalTitle.parse(label) is title


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"site": "prov"}, "staff_postings[0].site: a staff posting's site must differ"),
        ({"site": "town"}, "staff_postings[0].site: site 'town' is not a member"),
        ({"host": "ghost"}, "staff_postings[0].host: host 'ghost' is not a member"),
        ({"count": 0}, "staff_postings[0].count: Input should be greater than or equal to 1"),
        ({"count": -2}, "staff_postings[0].count: Input should be greater than or equal to 1"),
        ({"count": "3"}, "staff_postings[0].count: Input should be a valid integer"),
        ({"person": "张医生"}, "staff_postings[0].person: give either person"),
        ({"count": None}, "staff_postings[0].count: give either person"),
        ({"end": "2018-02-01"}, "staff_postings[0].end: the posting ends (2018-02-01) before"),
        ({"title": "院长"}, "staff_postings[0].title: unknown professional title '院长'"),
    ],
)
def test_invalid_postings_name_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(MedAllianceError) as info:
        _registry(_regional(staff_postings=[_posting(**changes)]))
    rendered = [p.render() for p in info.value.problems]
    assert any(r.startswith(f"alliances[0].{message}") for r in rendered), rendered


def test_posting_ids_are_unique_in_the_alliance_and_the_registry() -> None:
    with pytest.raises(MedAllianceError, match=r"staff_postings\[1\]\.id: duplicate id 'posting1'"):
        Alliance(**_regional(staff_postings=[_posting(), _posting(site="onco")]))
    with pytest.raises(MedAllianceError) as info:
        _registry(_regional(), _centre(staff_postings=[_posting(site="onco")]))
    assert [p.render() for p in info.value.problems] == [
        "alliances[1].staff_postings[0].id: duplicate staff posting id 'posting1' "
        "(also at alliances[0].staff_postings[0])"
    ]


def test_posting_provenance_source_must_exist() -> None:
    with pytest.raises(MedAllianceError, match=r"staff_postings\[0\]\.provenance\.source: unknown"):
        _registry(_regional(staff_postings=[_posting(provenance={"source": "nowhere"})]))


def test_postings_in_graph_report_and_display(tmp_path: Path) -> None:
    reg = _registry(_regional())
    G = to_graph(reg)
    [(u, v, data)] = [(u, v, d) for u, v, d in G.edges(data=True) if d["relation"] == "posting"]
    assert (u, v, data["posting"], data["people"], data["title"]) == (
        "prov",
        "chc",
        "posting1",
        3,
        "chief_physician",
    )
    assert "1 staff posting" in alliance_html(reg.alliance("region"))  # one, singular
    s = alliance_summary(reg, "region")
    assert (s.staff_postings, s.staff_posted) == (1, 3)
    out = io.StringIO()
    assert main(["report", _write(reg, tmp_path)], out=out, err=io.StringIO()) == 0
    text = out.getvalue()
    assert "staff postings:" in text
    assert "主任医师" in text
    assert "2018-03-01 to 2018-08-31" in text


# -- 3. centres and sub-alliances inside an alliance -------------------------------------------


def test_a_centre_is_part_of_its_regional_alliance() -> None:
    """Qinghai: 省级区域医疗联合体部分诊疗中心和专科联盟 — centres inside the provincial one."""
    assert "诊疗中心" in QINGHAI
    reg = _registry(_regional(), _centre())
    centre = reg.alliance("onco_centre")
    assert centre.unit is AllianceUnit.CENTRE
    assert reg.parent_of("onco_centre") == reg.alliance("region")
    assert reg.parent_of("region") is None
    assert reg.sub_alliances("region") == (centre,)
    assert reg.sub_alliances("onco_centre") == ()
    with pytest.raises(UnknownIdError):
        reg.sub_alliances("nowhere")
    assert AllianceUnit.parse("区域专科中心") is AllianceUnit.CENTRE
    assert Alliance(**_regional()).unit is AllianceUnit.ALLIANCE


def test_parent_not_in_the_registry_is_named() -> None:
    """A provincial alliance whose members are not itemised: no placeholder institutions."""
    reg = _registry(_centre(part_of=None, part_of_name="青海省省级区域医疗联合体"))
    centre = reg.alliance("onco_centre")
    assert (centre.part_of, centre.part_of_name) == (None, "青海省省级区域医疗联合体")
    assert reg.parent_of("onco_centre") is None
    assert len(reg.institutions) == len(INSTITUTIONS)


@pytest.mark.parametrize(
    ("alliances", "problems"),
    [
        (
            [_centre(part_of="onco_centre")],
            ["alliances[0].part_of: an alliance cannot be part of itself"],
        ),
        (
            [_centre(part_of="nowhere")],
            ["alliances[0].part_of: unknown alliance 'nowhere'"],
        ),
        (
            [_regional(), _centre(part_of_name="某省医联体")],
            [
                "alliances[1].part_of_name: give part_of (an alliance in the registry) or "
                "part_of_name (one that is not), not both"
            ],
        ),
        (
            [_regional(part_of="onco_centre"), _centre()],
            ["alliances[0].part_of: part_of forms a cycle: 'region' -> 'onco_centre' -> 'region'"],
        ),
        (
            [
                _regional(part_of="c3"),
                _centre(id="c2", part_of="region"),
                _centre(id="c3", part_of="c2"),
                _centre(id="c4", part_of="nowhere", staff_postings=[_posting(site="onco")]),
            ],
            [
                "alliances[3].staff_postings[0].id: duplicate staff posting id 'posting1' "
                "(also at alliances[0].staff_postings[0])",
                "alliances[3].part_of: unknown alliance 'nowhere'",
                "alliances[0].part_of: part_of forms a cycle: 'region' -> 'c3' -> 'c2' -> 'region'",
            ],
        ),
    ],
)
def test_parent_problems_are_reported_together(
    alliances: list[dict[str, Any]], problems: list[str]
) -> None:
    with pytest.raises(MedAllianceError) as info:
        _registry(*alliances)
    assert [p.render() for p in info.value.problems] == problems


def test_broken_parent_reported_beside_invalid_records() -> None:
    """The raw scan finds the unknown parent even when another record is invalid."""
    with pytest.raises(MedAllianceError) as info:
        _registry(_regional(form="火星医联体"), _centre(part_of="nowhere"))
    rendered = [p.render() for p in info.value.problems]
    assert rendered[0].startswith("alliances[0].form: unknown alliance form")
    assert "alliances[1].part_of: unknown alliance 'nowhere'" in rendered


def test_centre_member_outside_its_parent_is_a_warning() -> None:
    reg = _registry(
        _regional(memberships=[{"institution": "prov", "role": "lead"}, {"institution": "chc"}]),
        _centre(),
    )
    [finding] = check_sub_units(reg)
    assert (finding.code, finding.severity, finding.subject) == (
        "member_outside_parent",
        Severity.WARNING,
        "onco_centre",
    )
    assert "'onco'" in finding.message
    assert finding in check_registry(reg)
    with pytest.raises(MedAllianceError, match="member_outside_parent"):
        check_registry(reg, strict=True)
    assert check_sub_units(_registry(_regional(), _centre())) == ()


def test_subset_without_the_parent_keeps_its_name() -> None:
    reg = _registry(_regional(), _centre())
    sub = reg.subset(["onco_centre"])
    centre = sub.alliance("onco_centre")
    assert (centre.part_of, centre.part_of_name) == (None, "某省省级区域医疗联合体")
    assert reg.subset(["region", "onco_centre"]).alliance("onco_centre").part_of == "region"


def test_centre_in_display_and_report(tmp_path: Path) -> None:
    reg = _registry(_regional(), _centre())
    html = alliance_html(reg.alliance("onco_centre"))
    assert "centre (诊疗中心)" in html
    assert "part of region" in html
    s = alliance_summary(reg, "onco_centre")
    assert (s.unit, s.part_of) == ("centre", "region")
    out = io.StringIO()
    assert (
        main(
            ["report", "--alliance", "onco_centre", _write(reg, tmp_path)],
            out=out,
            err=io.StringIO(),
        )
        == 0
    )
    assert "unit: 诊疗中心 (centre) · part of: region" in out.getvalue()


# -- every format carries the new fields ---------------------------------------------------------


def test_json_and_yaml_round_trips() -> None:
    reg = _full()
    assert registry_from_json(registry_to_json(reg)) == reg
    assert registry_from_yaml(registry_to_yaml(reg)) == reg
    data = json.loads(registry_to_json(reg))
    mch = next(a for a in data["alliances"] if a["id"] == "mch_alliance")
    assert mch["tightness"] is None  # written, since the default is loose
    assert mch["memberships"][0]["tightness"] == "tight"


def test_graph_and_graphml_round_trips(tmp_path: Path) -> None:
    reg = _full()
    G = to_graph(reg)
    assert from_graph(G) == reg
    tightness = {
        v: d["tightness"]
        for _, v, d in G.edges(data=True)
        if d["relation"] == "membership" and d["alliance"] == "onco_centre"
    }
    assert tightness == {"prov": None, "onco": "tight"}
    assert G.graph["alliances"]["onco_centre"]["part_of"] == "region"
    back = graph_from_graphml(graph_for_graphml(G))
    assert from_graph(back) == reg
    write_graphml(reg, tmp_path / "r.graphml")
    assert read_graphml(tmp_path / "r.graphml") == reg


def test_tables_round_trip() -> None:
    reg = _full()
    frames = to_frames(reg)
    assert from_frames(frames) == reg
    alliances = frames.alliances.set_index("id")
    assert alliances.loc["mch_alliance", "tightness"] == "per_member"
    assert not frames.alliances["tightness"].cat.ordered
    assert alliances.loc["onco_centre", "unit"] == "centre"
    assert alliances.loc["onco_centre", "part_of"] == "region"
    assert alliances.loc["mch_alliance", "part_of_name"] == "某市医疗联合体"
    assert frames.memberships["tightness"].cat.ordered
    postings = frames.staff_postings.set_index("id")
    assert postings.loc["posting1", "count"] == 3
    assert postings.loc["posting2", "person"] == "张医生"
    assert postings.loc["posting1", "title"] == "chief_physician"
    edited = frames.staff_postings.assign(count=[0, None])
    with pytest.raises(MedAllianceError, match=r"staff_postings\[0\]\.count: Input should be"):
        from_frames(type(frames)(**{**dict(frames.tables()), "staff_postings": edited}))


@pytest.mark.parametrize("version", ["R5", "R4B"])
def test_fhir_round_trip_and_validation(version: Any) -> None:
    reg = _full()
    bundle = to_fhir(reg, version=version, validate=True)
    assert from_fhir(bundle) == reg
    resources = [e["resource"] for e in bundle["entry"]]
    [role] = [
        r
        for r in resources
        if r["resourceType"] == "PractitionerRole" and r["identifier"][0]["value"] == "posting1"
    ]
    assert role["period"] == {"start": "2018-03-01", "end": "2018-08-31"}
    assert role["code"][0]["coding"][0]["code"] == "chief_physician"
    nets = {r["identifier"][0]["value"]: r for r in resources if r["id"].startswith("net")}
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    parent = by_url[nets["onco_centre"]["partOf"]["reference"]]
    assert parent["identifier"][0]["value"] == "region"
    validate_fhir(bundle, version=version)


def test_fhir_per_member_tightness_is_not_read_twice() -> None:
    bundle = to_fhir(_registry(_per_member_alliance()))
    net = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"].startswith("net"))
    net["extension"].append(
        {
            "url": "https://medalliance.readthedocs.io/fhir/StructureDefinition/tightness",
            "valueCoding": {
                "system": "https://medalliance.readthedocs.io/fhir/CodeSystem/tightness",
                "code": "loose",
            },
        }
    )
    with pytest.raises(MedAllianceError, match="tightness is given both"):
        from_fhir(bundle)


def _write(reg: Registry, folder: Path) -> str:
    """Write ``reg`` to a YAML file in ``folder`` for the command line; return its path."""
    path = folder / "registry.yaml"
    write_yaml(reg, path)
    return str(path)


def test_graph_relations_of_alliance_records_are_not_cooperation_items() -> None:
    """Agreement edges are keyed by item; a record's relation must never be read as one."""
    from medalliance import CooperationItem
    from medalliance.graph import _DERIVED

    assert not set(_DERIVED) & {str(i.value) for i in CooperationItem}
    reg = _registry(
        _regional(),
        _centre(),
    ).replace(
        agreements=[
            {"id": "g", "alliance": "region", "parties": ["prov", "chc"], "items": ["派驻"]}
        ]
    )
    assert from_graph(to_graph(reg)) == reg

"""Models: valid/invalid tables, label parsing, registry integrity, replace()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from medalliance import (
    Agreement,
    Alliance,
    AllianceForm,
    CooperationItem,
    Grade,
    Institution,
    InstitutionKind,
    LabelError,
    MedAllianceError,
    MemberRole,
    Registry,
    Tier,
    Tightness,
    UnknownIdError,
    json_schema,
    parse_level,
)

HOSPITAL: dict[str, Any] = {
    "id": "h",
    "name": "某县人民医院",
    "kind": "general_hospital",
    "tier": "secondary",
}


@pytest.mark.parametrize(
    ("label", "tier", "grade"),
    [
        ("三级甲等", Tier.TERTIARY, Grade.A),
        ("三甲", Tier.TERTIARY, Grade.A),
        ("三級甲等", Tier.TERTIARY, Grade.A),
        ("三级特等", Tier.TERTIARY, Grade.SPECIAL),
        ("二级", Tier.SECONDARY, None),
        ("二乙", Tier.SECONDARY, Grade.B),
        ("二級乙等醫院", Tier.SECONDARY, Grade.B),
        ("一级医院", Tier.PRIMARY, None),
        ("一級醫(yī)院", Tier.PRIMARY, None),
        ("tertiary A", Tier.TERTIARY, Grade.A),
        ("Tertiary-a", Tier.TERTIARY, Grade.A),
        ("3A", Tier.TERTIARY, Grade.A),
        ("secondary", Tier.SECONDARY, None),
        ("村级", Tier.VILLAGE, None),
    ],
)
def test_parse_level(label: str, tier: Tier, grade: Grade | None) -> None:
    assert parse_level(label) == (tier, grade)


@pytest.mark.parametrize("label", ["四级", "二级特等", "", "tertiary Z", "甲等"])
def test_parse_level_rejects(label: str) -> None:
    with pytest.raises(LabelError, match="accepted forms"):
        parse_level(label)


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("社区卫生服务中心", InstitutionKind.COMMUNITY_HEALTH_CENTRE),
        ("社區衛生服務中心", InstitutionKind.COMMUNITY_HEALTH_CENTRE),
        ("社區(qū)衛(wèi)生服務中心", InstitutionKind.COMMUNITY_HEALTH_CENTRE),
        ("Community Health Service Center", InstitutionKind.COMMUNITY_HEALTH_CENTRE),
        ("社区卫生服务站", InstitutionKind.COMMUNITY_HEALTH_STATION),
        ("乡镇卫生院", InstitutionKind.TOWNSHIP_HEALTH_CENTRE),
        ("鄉鎮衛生院", InstitutionKind.TOWNSHIP_HEALTH_CENTRE),
        ("中心卫生院", InstitutionKind.TOWNSHIP_HEALTH_CENTRE),
        ("村卫生室", InstitutionKind.VILLAGE_CLINIC),
        ("妇幼保健院", InstitutionKind.MCH_INSTITUTION),
        ("婦幼保健院", InstitutionKind.MCH_INSTITUTION),
        ("妇幼保健所", InstitutionKind.MCH_INSTITUTION),
        ("township health center", InstitutionKind.TOWNSHIP_HEALTH_CENTRE),
        ("中医医院", InstitutionKind.TCM_HOSPITAL),
        ("养老机构", InstitutionKind.ELDERLY_CARE),
    ],
)
def test_kind_labels(label: str, kind: InstitutionKind) -> None:
    assert InstitutionKind.parse(label) is kind


def test_unknown_label_lists_accepted() -> None:
    with pytest.raises(LabelError) as info:
        InstitutionKind.parse("宇宙飞船")
    message = str(info.value)
    assert "unknown institution kind '宇宙飞船'" in message
    for accepted in ("社区卫生服务中心", "乡镇卫生院", "village clinic"):
        assert accepted in message


@pytest.mark.parametrize(
    ("kind", "tier"),
    [
        ("村卫生室", Tier.VILLAGE),
        ("社区卫生服务站", Tier.VILLAGE),
        ("社区卫生服务中心", Tier.PRIMARY),
        ("乡镇卫生院", Tier.PRIMARY),
    ],
)
def test_grassroots_kinds_imply_tier(kind: str, tier: Tier) -> None:
    inst = Institution(id="x", name="某机构", kind=kind)
    assert inst.tier is tier
    assert inst.is_grassroots


def test_hospital_needs_a_tier() -> None:
    with pytest.raises(MedAllianceError, match=r"tier: required: state the tier"):
        Institution(id="x", name="某医院", kind="综合医院")


def test_level_label_sets_tier_and_grade() -> None:
    inst = Institution.model_validate(
        {"id": "x", "name": "某医院", "kind": "综合医院", "level": "三級甲等"}
    )
    assert (inst.tier, inst.grade, inst.level_zh) == (Tier.TERTIARY, Grade.A, "三级甲等")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"id": "has space"}, "id: invalid id 'has space': use ASCII letters"),
        ({"id": "a:b"}, "id: invalid id 'a:b'"),
        ({"name": "  "}, "name: must not be empty or only whitespace"),
        ({"name": "某\r医院"}, "name: contains control character U+000D"),
        ({"beds": -5}, "beds: Input should be greater than or equal to 0"),
        ({"beds": 1.5}, "beds: Input should be a valid integer"),
        ({"beds": "12"}, "beds: Input should be a valid integer"),
        ({"beds": True}, "beds: Input should be a valid integer"),
        (
            {"population_served": -1},
            "population_served: Input should be greater than or equal to 0",
        ),
        ({"lat": 30.0}, "lon: lat and lon must be given together"),
        ({"lat": 91.0, "lon": 0.0}, "lat: Input should be less than or equal to 90"),
        ({"lat": float("nan"), "lon": 0.0}, "lat: Input should be a finite number"),
        ({"kind": "村卫生室", "tier": "tertiary"}, "a village_clinic cannot be tertiary"),
        ({"kind": "社区卫生服务站", "tier": "primary"}, "cannot be primary"),
        ({"grade": "特等"}, "grade 'special' (特等) exists only for tertiary"),
        (
            {"kind": "村卫生室", "tier": "village", "grade": "甲"},
            "village-tier institutions are not graded",
        ),
        ({"services": ["ct", "CT"]}, "services: duplicate item(s): 'ct'"),
        ({"services": ["x-ray machine 9000"]}, "unknown service kind"),
        ({"specialties": ["心外科玄学"]}, "unknown specialty"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        (
            {"region": {"division_code": "12345"}},
            "region.division_code: String should match pattern",
        ),
        ({"level": "三甲", "tier": "secondary"}, "tier 'secondary' contradicts level '三甲'"),
        ({"level": "五级"}, "level: unknown hospital level"),
    ],
)
def test_institution_invalid(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(MedAllianceError) as info:
        Institution(**{**HOSPITAL, **changes})
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, ValidationError)


def test_institution_reports_every_problem() -> None:
    with pytest.raises(MedAllianceError) as info:
        Institution(
            id="bad id", name="", kind="综合医院", tier="secondary", beds=-1, lat=100.0, lon=0.0
        )
    paths = [p.path for p in info.value.problems]
    assert paths == [("id",), ("name",), ("lat",), ("beds",)]


def test_models_are_frozen() -> None:
    inst = Institution(**HOSPITAL)
    with pytest.raises(ValidationError):
        inst.beds = 3  # type: ignore[misc]
    assert inst.replace(beds=3).beds == 3
    assert inst.beds is None


def test_replace_revalidates_and_rejects_unknown_fields() -> None:
    inst = Institution(**HOSPITAL)
    with pytest.raises(MedAllianceError, match="a village_clinic cannot be secondary"):
        inst.replace(kind="村卫生室")
    with pytest.raises(MedAllianceError, match="unknown field"):
        inst.replace(colour="red")


def test_tier_ordering_and_rank() -> None:
    assert [t.rank for t in Tier] == [0, 1, 2, 3]
    assert Tier.VILLAGE < Tier.PRIMARY < Tier.SECONDARY < Tier.TERTIARY
    assert max(Tier) is Tier.TERTIARY
    assert sorted([Tier.TERTIARY, Tier.VILLAGE, Tier.SECONDARY]) == [
        Tier.VILLAGE,
        Tier.SECONDARY,
        Tier.TERTIARY,
    ]
    assert Tier.PRIMARY >= Tier.PRIMARY
    assert Tightness.LOOSE < Tightness.TIGHT


def _alliance(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "a",
        "name": "某医联体",
        "form": "urban_medical_group",
        "lead": ["h"],
        "memberships": [
            {"institution": "h", "role": "lead"},
            {"institution": "c", "role": "member"},
        ],
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"lead": ["x"]}, "lead[0]: lead 'x' is not a member"),
        ({"lead": []}, "lead: Value should have at least 1 item"),
        ({"lead": ["c"]}, "lead 'c' has member role 'member'"),
        (
            {"memberships": [{"institution": "h", "role": "lead"}, {"institution": "h"}]},
            "listed as a member twice",
        ),
        (
            {
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    {"institution": "c", "role": "lead"},
                ]
            },
            "has role 'lead' but is not in 'lead'",
        ),
        ({"form": "专科联盟"}, "specialty: a specialty alliance must name its specialty"),
        ({"form": "unknown form"}, "unknown alliance form"),
        (
            {"shared_centres": [{"id": "s", "kind": "影像中心", "host": "z"}]},
            "host 'z' is not a member",
        ),
        (
            {
                "shared_centres": [
                    {"id": "s", "kind": "影像中心", "host": "h", "serves": ["c", "q"]}
                ]
            },
            "centre serves non-member 'q'",
        ),
        (
            {"shared_centres": [{"id": "s", "kind": "lab", "host": "h", "capacity_per_day": -3}]},
            "capacity_per_day: Input should be greater than or equal to 0",
        ),
        (
            {
                "shared_centres": [
                    {"id": "s", "kind": "lab", "host": "h"},
                    {"id": "s", "kind": "ecg", "host": "h"},
                ]
            },
            "shared_centres[1].id: duplicate id 's'",
        ),
        (
            {
                "expert_clinics": [
                    {
                        "id": "e",
                        "host": "h",
                        "site": "h",
                        "department": "心内科",
                        "weekdays": ["周三"],
                    }
                ]
            },
            "site must differ from its host",
        ),
        (
            {
                "expert_clinics": [
                    {"id": "e", "host": "h", "site": "c", "department": "心内科", "weekdays": []}
                ]
            },
            "weekdays: Tuple should have at least 1 item",
        ),
        (
            {"declared": [{"metric": "grassroots_members", "value": 42.5, "unit": "institutions"}]},
            "must be a non-negative integer",
        ),
        (
            {"declared": [{"metric": "grassroots_members", "value": -1, "unit": "家"}]},
            "must be a non-negative integer",
        ),
        (
            {"declared": [{"metric": "Bad Metric", "value": 1, "unit": "家"}]},
            "metric: String should match pattern",
        ),
        (
            {"declared": [{"metric": "x", "value": True, "unit": "percent"}]},
            "must be a number, not a boolean",
        ),
    ],
)
def test_alliance_invalid(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(MedAllianceError) as info:
        Alliance(**_alliance(**changes))
    assert fragment in str(info.value)


def test_alliance_labels_and_members() -> None:
    a = Alliance(
        **_alliance(form="县域医共体", tightness="紧密型", provisions=["双向转诊", "醫保打包付費"])
    )
    assert a.form is AllianceForm.COUNTY_MEDICAL_COMMUNITY
    assert a.tightness is Tightness.TIGHT
    assert a.provisions == (CooperationItem.TWO_WAY_REFERRAL, CooperationItem.GLOBAL_BUDGET)
    assert a.members == ("h", "c")
    assert a.role_of("c") is MemberRole.MEMBER


def test_declared_figure_negative_percent_allowed() -> None:
    a = Alliance(
        **_alliance(declared=[{"metric": "patient_cost_change", "value": -10.0, "unit": "percent"}])
    )
    assert a.declared[0].value == -10.0


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"parties": ["h"]}, "parties: Tuple should have at least 2 items"),
        ({"parties": ["h", "h"]}, "duplicate item(s): 'h'"),
        ({"items": []}, "items: Value should have at least 1 item"),
        ({"items": ["飞行"]}, "unknown cooperation item"),
        (
            {"valid_from": "2020-01-01", "valid_until": "2019-01-01"},
            "term ends (2019-01-01) before it starts",
        ),
        ({"signed": "2020-13-01"}, "not a calendar date: month must be in 1..12"),
        ({"signed": 20200101}, "expected a date such as 2024-03-01"),
    ],
)
def test_agreement_invalid(changes: dict[str, Any], fragment: str) -> None:
    base: dict[str, Any] = {
        "id": "g",
        "alliance": "a",
        "parties": ["h", "c"],
        "items": ["双向转诊"],
    }
    with pytest.raises(MedAllianceError) as info:
        Agreement(**{**base, **changes})
    assert fragment in str(info.value)


def _registry_data() -> dict[str, Any]:
    return {
        "sources": [{"id": "s1", "title": "某报道"}],
        "institutions": [HOSPITAL, {"id": "c", "name": "某镇卫生院", "kind": "乡镇卫生院"}],
        "alliances": [_alliance()],
        "agreements": [{"id": "g", "alliance": "a", "parties": ["h", "c"], "items": ["双向转诊"]}],
    }


def test_registry_reports_every_cross_reference_problem_at_once() -> None:
    data = _registry_data()
    data["institutions"] = [*data["institutions"], dict(HOSPITAL)]
    data["alliances"] = [
        _alliance(
            memberships=[
                {"institution": "h", "role": "lead"},
                {"institution": "c"},
                {"institution": "ghost"},
            ],
            provenance={"source": "nope"},
        ),
    ]
    data["agreements"] = [
        {"id": "g", "alliance": "zz", "parties": ["h", "c"], "items": ["双向转诊"]},
        {"id": "g", "alliance": "a", "parties": ["h", "who"], "items": ["培训"]},
    ]
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = [p.render() for p in info.value.problems]
    assert rendered == [
        "institutions[2].id: duplicate institution id 'h'",
        "agreements[1].id: duplicate agreement id 'g'",
        "alliances[0].memberships[2].institution: unknown institution 'ghost'",
        "alliances[0].provenance.source: unknown source 'nope'",
        "agreements[0].alliance: unknown alliance 'zz'",
        "agreements[1].parties[1]: unknown institution 'who'",
        "agreements[1].parties[1]: party 'who' is not a member of alliance 'a'",
    ]


def test_registry_field_errors_carry_full_paths() -> None:
    data = _registry_data()
    data["institutions"][1] = {**data["institutions"][1], "beds": -4}
    data["alliances"][0] = _alliance(form="专科联盟")
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    assert [p.render() for p in info.value.problems] == [
        "institutions[1].beds: Input should be greater than or equal to 0 (got -4)",
        "alliances[0].specialty: a specialty alliance must name its specialty",
    ]


def test_registry_sorted_and_lookups() -> None:
    data = _registry_data()
    data["institutions"] = list(reversed(data["institutions"]))
    reg = Registry.model_validate(data)
    assert [i.id for i in reg.institutions] == ["c", "h"]
    assert reg == Registry.model_validate(_registry_data())
    assert reg.institution("h").tier is Tier.SECONDARY
    assert reg.alliance("a").lead == ("h",)
    assert [a.id for a in reg.alliances_of("c")] == ["a"]
    assert [g.id for g in reg.agreements_of("a")] == ["g"]
    assert [i.id for i in reg.members_of("a")] == ["h", "c"]
    assert len(reg) == 2
    with pytest.raises(UnknownIdError, match="unknown institution 'hh'; did you mean 'h'"):
        reg.institution("hh")
    with pytest.raises(UnknownIdError, match="unknown alliance 'b'"):
        reg.alliance("b")
    with pytest.raises(UnknownIdError):
        reg.agreement("x")


def test_registry_replace_revalidates() -> None:
    reg = Registry.model_validate(_registry_data())
    with pytest.raises(MedAllianceError, match="unknown institution 'c'"):
        reg.replace(institutions=[reg.institution("h")])
    bigger = reg.replace(
        institutions=[*reg.institutions, Institution(id="v", name="某村卫生室", kind="村卫生室")]
    )
    assert len(bigger) == 3
    assert len(reg) == 2


def test_one_institution_in_several_alliances() -> None:
    data = _registry_data()
    data["alliances"] = [*data["alliances"], _alliance(id="b", form="专科联盟", specialty="心内科")]
    reg = Registry.model_validate(data)
    assert [a.id for a in reg.alliances_of("c")] == ["a", "b"]


def test_subset_keeps_what_belongs() -> None:
    data = _registry_data()
    data["institutions"] = [
        *data["institutions"],
        {"id": "z", "name": "某站", "kind": "社区卫生服务站"},
    ]
    data["alliances"] = [
        *data["alliances"],
        _alliance(id="b", lead=["z"], memberships=[{"institution": "z", "role": "lead"}]),
    ]
    reg = Registry.model_validate(data)
    sub = reg.subset(["b"])
    assert [i.id for i in sub.institutions] == ["z"]
    assert sub.agreements == ()


SNAPSHOT = Path(__file__).parent / "snapshots" / "registry.schema.json"


def test_json_schema_snapshot() -> None:
    """The public file format changes only on purpose: regenerate the snapshot deliberately."""
    current = json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True)
    assert SNAPSHOT.read_text(encoding="utf-8") == current + "\n"


def test_broken_references_reported_even_when_records_are_invalid() -> None:
    data = _registry_data()
    data["institutions"][0] = {**data["institutions"][0], "beds": -1}
    data["alliances"][0] = _alliance(form="火星医联体", lead=["h", "ghost"])
    data["agreements"][0] = {**data["agreements"][0], "parties": ["h", "nobody"]}
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = [p.render() for p in info.value.problems]
    assert (
        rendered[0] == "institutions[0].beds: Input should be greater than or equal to 0 (got -1)"
    )
    assert rendered[1].startswith("alliances[0].form: unknown alliance form '火星医联体'")
    assert rendered[2:] == [
        "alliances[0].lead[1]: lead 'ghost' is not a member",
        "agreements[0].parties[1]: unknown institution 'nobody'",
        "agreements[0].parties[1]: party 'nobody' is not a member of alliance 'a'",
    ]


def test_records_that_are_not_mappings_or_lack_ids_are_reported_not_crashed_on() -> None:
    data = {
        "institutions": [
            {"id": "a", "name": "A", "kind": "村卫生室"},
            {"name": "B", "kind": "村卫生室"},
            {"name": "C", "kind": "村卫生室"},
            5.0,
        ],
        "alliances": [
            {
                "id": "x",
                "name": "X",
                "form": "医共体",
                "lead": ["a", "zz"],
                "memberships": [{"institution": "a", "role": "lead"}, {"role": "member"}, None],
                "declared": [1.5],
                "shared_centres": [{"kind": "lab", "host": "a"}, {"kind": "lab", "host": "a"}, "c"],
                "expert_clinics": [7],
            },
            "y",
        ],
        "agreements": [{"id": "g", "parties": ["a", None, "q"]}, 3],
    }
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = [p.render() for p in info.value.problems]
    # every malformed record is named by the field validation ...
    for where in (
        "institutions[3]:",
        "alliances[0].memberships[2]:",
        "alliances[0].declared[0]:",
        "alliances[0].shared_centres[2]:",
        "alliances[0].expert_clinics[0]:",
        "alliances[1]:",
        "agreements[1]:",
        "institutions[1].id: Field required",
        "alliances[0].shared_centres[1].id: Field required",
    ):
        assert any(r.startswith(where) for r in rendered), where
    # ... the reference scan still finds the broken references ...
    assert "alliances[0].lead[1]: lead 'zz' is not a member" in rendered
    assert "agreements[0].parties[2]: unknown institution 'q'" in rendered
    # ... and reads a missing id as missing, not as a duplicate or unknown id None
    assert not [r for r in rendered if "None" in r]


def test_numbers_given_as_text_or_booleans_are_rejected_not_converted() -> None:
    from medalliance import DeclaredFigure

    base = {"id": "x", "name": "某院", "kind": "综合医院", "tier": "secondary"}
    assert Institution.model_validate({**base, "lat": 31, "lon": 121.5}).lat == 31.0
    for lat, lon in (("31.2", 121.5), (True, 121.5), (31.2, "121.5"), (31.2, False)):
        with pytest.raises(MedAllianceError) as info:
            Institution.model_validate({**base, "lat": lat, "lon": lon})
        bad = "lat" if not isinstance(lat, float) else "lon"
        assert [p.path for p in info.value.problems] == [(bad,)]
    assert DeclaredFigure(metric="share", value=12.5, unit="percent").value == 12.5
    for value in ("7", b"7", True):
        with pytest.raises(MedAllianceError) as info:
            DeclaredFigure.model_validate({"metric": "m", "value": value, "unit": "institutions"})
        [problem] = info.value.problems
        assert problem.render().startswith("value: must be a number")


def test_level_input_equals_explicit_tier_and_grade() -> None:
    a = Institution.model_validate({"id": "x", "name": "某院", "kind": "综合医院", "level": "三甲"})
    b = Institution(id="x", name="某院", kind="general_hospital", tier="tertiary", grade="A")
    assert a == b
    assert a.level is None
    assert "level" not in a.model_dump()

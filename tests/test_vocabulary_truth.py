"""Issue 11, "Vocabularies": labels people type parse to the right member, with the source.

Each test quotes the seed sentence (shared/seeds/) or the official wording the fact rests on.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest

from medalliance import (
    AllianceForm,
    CentreKind,
    CooperationItem,
    Grade,
    Institution,
    InstitutionKind,
    LabelError,
    MedAllianceError,
    MemberRole,
    Registry,
    Specialty,
    Tier,
    Tightness,
    examples,
    parse_level,
)
from medalliance._reference.common import naive_channels
from medalliance.compiled import cooperation_channels
from medalliance.graph import from_graph, to_graph
from medalliance.io import (
    registry_from_json,
    registry_from_yaml,
    registry_to_json,
    registry_to_yaml,
)
from medalliance.io.fhir import from_fhir, to_fhir
from medalliance.io.tables import from_frames, to_frames
from medalliance.model.labels import LabelTable
from medalliance.plot import ITEM_GROUPS
from medalliance.report import alliance_summary

# -- ambiguous labels ---------------------------------------------------------------------------


class _Fruit(str, Enum):
    APPLE = "apple"
    PEAR = "pear"


def test_label_table_rejects_an_ambiguous_label_naming_every_choice() -> None:
    table = LabelTable(
        "fruit", {_Fruit.APPLE: ["苹果"], _Fruit.PEAR: ["梨"]}, ambiguous={"果": list(_Fruit)}
    )
    with pytest.raises(LabelError) as info:
        table.parse("果")
    message = str(info.value)
    assert "ambiguous fruit '果'" in message
    assert "apple (苹果)" in message
    assert "pear (梨)" in message
    assert table.lookup("果") is None
    assert table.choices("果") == (_Fruit.APPLE, _Fruit.PEAR)
    assert "果" not in table.accepted
    assert table.parse("苹果") is _Fruit.APPLE


@pytest.mark.parametrize(
    "ambiguous",
    [{"苹果": [_Fruit.APPLE, _Fruit.PEAR]}, {"果": [_Fruit.APPLE]}, {"pear": list(_Fruit)}],
)
def test_label_table_ambiguity_must_be_new_and_plural(ambiguous: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        LabelTable("fruit", {_Fruit.APPLE: ["苹果"], _Fruit.PEAR: ["梨"]}, ambiguous=ambiguous)


def test_ambiguous_form_in_a_file_is_a_clear_error() -> None:
    data = {
        "institutions": [{"id": "h", "name": "某医院", "kind": "综合医院", "tier": "二级"}],
        "alliances": [
            {
                "id": "a",
                "name": "某医疗集团",
                "form": "医疗集团",
                "lead": ["h"],
                "memberships": [{"institution": "h", "role": "lead"}],
            }
        ],
    }
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    message = str(info.value)
    assert "alliances[0].form: ambiguous alliance form '医疗集团'" in message
    assert "urban_medical_group" in message
    assert "county_medical_community" in message


# -- alliance forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "form"),
    [
        # seed 003: "上海首個'區域醫療聯合體'在盧灣區簽約啟動" (a tertiary-led district alliance)
        ("區域醫療聯合體", AllianceForm.URBAN_MEDICAL_GROUP),
        # seed 003: "…等6個試點的區域醫聯體" (Beijing's 2013 urban pilots)
        ("区域医联体", AllianceForm.URBAN_MEDICAL_GROUP),
        ("城市医疗联合体", AllianceForm.URBAN_MEDICAL_GROUP),
        ("城市医疗集团", AllianceForm.URBAN_MEDICAL_GROUP),
        # 32号 as quoted by 龚松柏 (2022): "提出在县域主要组建医疗共同体"
        ("醫療共同體", AllianceForm.COUNTY_MEDICAL_COMMUNITY),
        # seed 003 (港口区): "建立以城區區級醫療機構為龍頭…的區級醫療共同體"
        ("区级医疗共同体", AllianceForm.COUNTY_MEDICAL_COMMUNITY),
        ("县域医联体", AllianceForm.COUNTY_MEDICAL_COMMUNITY),
        ("縣域醫療集團", AllianceForm.COUNTY_MEDICAL_COMMUNITY),
        ("专科医联体", AllianceForm.SPECIALTY_ALLIANCE),
        ("專科醫聯體", AllianceForm.SPECIALTY_ALLIANCE),
    ],
)
def test_form_labels(label: str, form: AllianceForm) -> None:
    assert AllianceForm.parse(label) is form


def test_bare_medical_group_is_ambiguous() -> None:
    # Shanxi's county reform integrates a county's public institutions "into an independent
    # medical group" (China Daily, 2024-07-19), while 32号's city form is 城市医疗集团
    for label in ("医疗集团", "醫療集團", "medical group"):
        with pytest.raises(LabelError) as info:
            AllianceForm.parse(label)
        message = str(info.value)
        assert "ambiguous alliance form" in message
        assert "urban_medical_group (城市医疗集团)" in message
        assert "county_medical_community (县域医共体)" in message


@pytest.mark.parametrize("label", ["医联体", "醫療聯合體"])
def test_umbrella_term_names_all_four_forms(label: str) -> None:
    assert AllianceForm.table().choices(label) == tuple(AllianceForm)
    with pytest.raises(LabelError, match="ambiguous alliance form"):
        AllianceForm.parse(label)


# -- tightness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label", ["县乡一体化管理", "縣鄉一體化管理", "县乡一体管理", "乡村一体化管理", "乡村一体管理"]
)
def test_integrated_management_is_tight_not_merged(label: str) -> None:
    # seed 002: "推进'双下沉，两提升'工作和县乡村卫生一体化综合管理" — one management over
    # institutions that remain separate
    assert Tightness.parse(label) is Tightness.TIGHT


def test_bare_integration_is_no_longer_merged() -> None:
    with pytest.raises(LabelError) as info:
        Tightness.parse("一体化")
    assert "ambiguous tightness '一体化'" in str(info.value)
    assert "tight (紧密型)" in str(info.value)
    assert Tightness.parse("单一法人") is Tightness.MERGED
    assert Tightness.MERGED.label_zh == "单一法人"


# -- member roles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("成员医院", MemberRole.MEMBER),
        ("成員醫院", MemberRole.MEMBER),
        ("协作单位", MemberRole.COLLABORATOR),
        ("協作單位", MemberRole.COLLABORATOR),
        # seed 000: "由青海大學附屬醫院牽頭,依托青海大學附屬腫瘤醫院" — the host of a specialty body
        ("依托单位", MemberRole.LEAD),
        ("依託單位", MemberRole.LEAD),
        ("理事长单位", MemberRole.LEAD),
        ("理事长", MemberRole.LEAD),
        ("副理事长单位", MemberRole.VICE_CHAIR),
        ("副理事長單位", MemberRole.VICE_CHAIR),
        ("理事单位", MemberRole.COUNCIL_MEMBER),
        ("常务理事单位", MemberRole.COUNCIL_MEMBER),
    ],
)
def test_role_labels(label: str, role: MemberRole) -> None:
    assert MemberRole.parse(label) is role


def _governed_alliance() -> Registry:
    inst = [
        {"id": "chair", "name": "某省肿瘤医院", "kind": "专科医院", "level": "三甲"},
        {"id": "vice", "name": "某市人民医院", "kind": "综合医院", "level": "三乙"},
        {"id": "council", "name": "某县人民医院", "kind": "县医院", "level": "二甲"},
        {"id": "partner", "name": "某民营医院", "kind": "综合医院", "level": "未定级",
         "tier": "primary", "ownership": "民营"},
    ]  # fmt: skip
    return Registry.model_validate(
        {
            "institutions": inst,
            "alliances": [
                {
                    "id": "onc",
                    "name": "某省肿瘤专科联盟",
                    "form": "专科医联体",
                    "specialty": "肿瘤",
                    "lead": ["chair"],
                    "provisions": ["双向转诊", "质控"],
                    "memberships": [
                        {"institution": "chair", "role": "理事长单位"},
                        {"institution": "vice", "role": "副理事长单位"},
                        {"institution": "council", "role": "理事单位"},
                        {"institution": "partner", "role": "协作单位"},
                    ],
                }
            ],
        }
    )


def test_every_role_shares_the_alliance_wide_channels() -> None:
    reg = _governed_alliance()
    for item in (CooperationItem.TWO_WAY_REFERRAL, CooperationItem.QUALITY_CONTROL):
        ch = cooperation_channels(reg, item, specialty="oncology")
        assert ch.channels == ("alliance:onc",)
        assert {ch.institutions[p] for p in ch.members(0).tolist()} == {
            "chair",
            "vice",
            "council",
            "partner",
        }
        (naive,) = naive_channels(reg, item, all_specialties=True)
        assert set(naive.members) == {"chair", "vice", "council", "partner"}


def test_report_counts_every_role() -> None:
    summary = alliance_summary(_governed_alliance(), "onc")
    assert summary.by_role == (
        ("lead", 1),
        ("vice_chair", 1),
        ("council_member", 1),
        ("collaborator", 1),
    )


# -- cooperation items --------------------------------------------------------------------------

ITEM_LABELS: dict[CooperationItem, tuple[str, ...]] = {
    CooperationItem.BUNDLED_PAYMENT: ("按病种打包付费", "按病种付费", "按病種打包付費"),
    CooperationItem.GLOBAL_BUDGET: (
        "总额付费",
        "医保打包付费",
        "打包付费",
        "总额预付",
        "医保基金总额付费",
        "醫保打包付費",
        "總額預付",
    ),
    CooperationItem.SURPLUS_RETENTION: (
        "结余留用",
        "合理超支分担",
        "结余留用、合理超支分担",
        "結餘留用、合理超支分擔",
    ),
    CooperationItem.CAPITATION: ("按人头付费", "按人頭付費"),
    CooperationItem.FAMILY_DOCTOR_CONTRACTING: (
        "家庭医生签约",
        "家庭医生签约服务",
        "家庭醫生簽約服務",
    ),
    CooperationItem.CONSULTATION: ("会诊", "疑难病人会诊", "疑难病例会诊", "疑難病人會診"),
    CooperationItem.JOINT_CLINIC: ("联合门诊", "聯合門診"),
    CooperationItem.MULTI_SITE_PRACTICE: ("多点执业", "多點執業"),
    CooperationItem.STAFF_POSTING: ("人员下沉", "派驻", "专家下沉", "医生下沉", "骨干下沉", "派駐"),
    CooperationItem.TELE_IMAGING: ("远程影像", "遠程影像"),
    CooperationItem.TELE_ECG: ("远程心电", "遠程心電"),
    CooperationItem.QUALITY_CONTROL: (
        "质控",
        "质量控制",
        "同质化",
        "同质化管理",
        "巡查",
        "质控巡查",
        "質控",
    ),
    CooperationItem.MEDICATION_CONTINUITY: ("用药衔接", "上下级用药衔接", "上下級用藥銜接"),
    CooperationItem.LONG_PRESCRIPTION: ("长处方", "長處方"),
    CooperationItem.MEDICAL_ELDERLY_CARE: ("医养结合", "醫養結合"),
    CooperationItem.APPROPRIATE_TECHNOLOGY: ("适宜技术推广", "適宜技術推廣"),
    CooperationItem.JOINT_DRUG_DISTRIBUTION: (
        "联合药品配送",
        "药品统一配送",
        "统一配送",
        "聯合藥品配送",
    ),
    CooperationItem.UNIFIED_DRUG_PROCUREMENT: ("统一采购", "药品耗材统一采购", "統一採購"),
    CooperationItem.TIERED_MCH_SERVICES: ("妇幼分层服务", "婦幼分層服務"),
    CooperationItem.EXPERT_CLINICS: ("专家坐诊", "专家门诊", "專家坐診"),
}


@pytest.mark.parametrize(
    ("label", "item"), [(label, item) for item, labels in ITEM_LABELS.items() for label in labels]
)
def test_item_labels(label: str, item: CooperationItem) -> None:
    assert CooperationItem.parse(label) is item


def test_item_values_are_the_canonical_names() -> None:
    values = {i.value for i in CooperationItem}
    assert {
        "bundled_payment",
        "global_budget",
        "surplus_retention",
        "capitation",
        "family_doctor_contracting",
        "consultation",
        "joint_clinic",
        "multi_site_practice",
        "staff_posting",
        "tele_imaging",
        "tele_ecg",
        "quality_control",
        "medication_continuity",
        "long_prescription",
        "medical_elderly_care",
        "appropriate_technology",
        "joint_drug_distribution",
        "tiered_mch_services",
    } <= values


def test_payment_per_episode_is_not_a_global_budget() -> None:
    # seed 003 (定州): "聯合市醫保局將醫保資金打包支付2個醫聯體，實現醫聯體內'利益共享，風險共擔'"
    # — the fund is paid to the alliance as a whole, not per episode of a disease
    assert CooperationItem.parse("医保资金打包支付") is CooperationItem.GLOBAL_BUDGET
    assert CooperationItem.parse("bundled payment") is CooperationItem.BUNDLED_PAYMENT
    assert CooperationItem.parse("global budget payment") is CooperationItem.GLOBAL_BUDGET
    with pytest.raises(LabelError):  # once a name of the whole-alliance budget: no longer guessed
        CooperationItem.parse("bundled insurance payment")


def test_staff_posting_is_not_expert_clinics() -> None:
    # seed 003 (定州): "派駐主任醫師等業務骨干進駐基層醫療衛生服務機構工作"
    assert CooperationItem.parse("专家下沉") is CooperationItem.STAFF_POSTING
    assert CooperationItem.parse("expert deployment") is CooperationItem.STAFF_POSTING
    assert CooperationItem.parse("专家坐诊") is CooperationItem.EXPERT_CLINICS


def test_joint_distribution_is_not_unified_procurement() -> None:
    # seed 003 (北京试点): "…聯合藥品配送等對醫聯體建設進行了初步探討"
    assert CooperationItem.parse("聯合藥品配送") is CooperationItem.JOINT_DRUG_DISTRIBUTION
    for both in ("统一采购配送", "unified drug procurement and distribution"):
        assert CooperationItem.table().choices(both) == (
            CooperationItem.UNIFIED_DRUG_PROCUREMENT,
            CooperationItem.JOINT_DRUG_DISTRIBUTION,
        )


def test_xuzhou_service_forms_have_items() -> None:
    # seed 004: "通過專家坐診、聯合門診、疑難病人會診、遠程醫療、技術指導、業務培訓、雙向轉診等形式"
    # and "組建聯合體可以建立婦幼分層服務模式"
    forms = ["專家坐診", "聯合門診", "疑難病人會診", "遠程醫療", "技術指導", "業務培訓", "雙向轉診"]
    assert [CooperationItem.parse(f).value for f in [*forms, "婦幼分層服務模式"]] == [
        "expert_clinics",
        "joint_clinic",
        "consultation",
        "teleconsultation",
        "technical_guidance",
        "training",
        "two_way_referral",
        "tiered_mch_services",
    ]


def test_every_item_is_drawn_in_exactly_one_group() -> None:
    listed = [i for items in ITEM_GROUPS.values() for i in items]
    assert sorted(listed) == sorted(CooperationItem)
    assert len(listed) == len(set(listed))


# -- institution kinds, grassroots, levels ------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("诊所", InstitutionKind.CLINIC),
        ("診所", InstitutionKind.CLINIC),
        ("卫生所", InstitutionKind.CLINIC),
        ("医务室", InstitutionKind.CLINIC),
        ("门诊部", InstitutionKind.OUTPATIENT_DEPARTMENT),
        ("門診部", InstitutionKind.OUTPATIENT_DEPARTMENT),
        ("社区医院", InstitutionKind.COMMUNITY_HOSPITAL),
        ("社區醫院", InstitutionKind.COMMUNITY_HOSPITAL),
        ("急救中心", InstitutionKind.EMERGENCY_CENTRE),
        ("急救站", InstitutionKind.EMERGENCY_CENTRE),
        ("村卫生站", InstitutionKind.VILLAGE_CLINIC),
        ("县医院", InstitutionKind.GENERAL_HOSPITAL),
        ("縣醫院", InstitutionKind.GENERAL_HOSPITAL),
        ("妇幼保健计划生育服务中心", InstitutionKind.MCH_INSTITUTION),
        ("婦幼保健計劃生育服務中心", InstitutionKind.MCH_INSTITUTION),
        ("精神卫生中心", InstitutionKind.SPECIALTY_HOSPITAL),
        ("街道卫生院", InstitutionKind.TOWNSHIP_HEALTH_CENTRE),
    ],
)
def test_kind_labels(label: str, kind: InstitutionKind) -> None:
    assert InstitutionKind.parse(label) is kind


def test_grassroots_follows_the_statistical_yearbook() -> None:
    # 福建统计年鉴2021, table 17-6 "基层医疗卫生机构情况": 社区卫生服务中心(站), 卫生院, 门诊部,
    # 诊所、卫生所、医务室, 村卫生室 — plus community hospitals, upgraded community centres
    grassroots = {k for k in InstitutionKind if k.is_grassroots}
    assert grassroots == {
        InstitutionKind.COMMUNITY_HOSPITAL,
        InstitutionKind.COMMUNITY_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_STATION,
        InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        InstitutionKind.VILLAGE_CLINIC,
        InstitutionKind.OUTPATIENT_DEPARTMENT,
        InstitutionKind.CLINIC,
    }
    # 急救中心 are counted among 专业公共卫生机构 (same yearbook series, table 17-2)
    assert not InstitutionKind.EMERGENCY_CENTRE.is_grassroots


@pytest.mark.parametrize(
    ("kind", "tier", "allowed", "takes_grade"),
    [
        ("clinic", Tier.VILLAGE, {Tier.VILLAGE, Tier.PRIMARY}, False),
        ("outpatient_department", Tier.PRIMARY, {Tier.VILLAGE, Tier.PRIMARY}, False),
        ("community_hospital", Tier.PRIMARY, {Tier.PRIMARY, Tier.SECONDARY}, True),
        ("emergency_centre", None, set(Tier), True),
    ],
)
def test_new_kinds_imply_sane_tiers(
    kind: str, tier: Tier | None, allowed: set[Tier], takes_grade: bool
) -> None:
    k = InstitutionKind(kind)
    assert k.default_tier is tier
    assert k.allowed_tiers == allowed
    assert k.takes_grade is takes_grade


def test_a_clinic_holds_no_hospital_grade() -> None:
    for kind, tier in (("诊所", "一级"), ("门诊部", "一级")):
        with pytest.raises(MedAllianceError, match="not a hospital and holds no hospital grade"):
            Institution(id="x", name="某机构", kind=kind, tier=tier, grade="甲等")
    clinic = Institution(id="x", name="某诊所", kind="诊所", level="未定级")
    assert (clinic.tier, clinic.grade, clinic.level_zh) == (Tier.VILLAGE, Grade.UNGRADED, "未定级")
    assert clinic.is_grassroots


@pytest.mark.parametrize("label", ["未定级", "未評級", "ungraded", "未定级医院"])
def test_ungraded_is_a_value_without_a_tier(label: str) -> None:
    assert parse_level(label) == (None, Grade.UNGRADED)
    assert Grade.parse(label.removesuffix("医院")) is Grade.UNGRADED


def test_ungraded_private_hospital() -> None:
    hospital = Institution(
        id="p", name="某民营医院", kind="综合医院", level="未定级", tier="primary", ownership="民营"
    )
    assert (hospital.tier, hospital.grade, hospital.level_zh) == (
        Tier.PRIMARY,
        Grade.UNGRADED,
        "未定级",
    )
    with pytest.raises(MedAllianceError, match=r"tier: required: an ungraded \(未定级\)"):
        Institution(id="p", name="某民营医院", kind="综合医院", level="未定级")
    with pytest.raises(MedAllianceError, match="grade 'A' contradicts level '未定级'"):
        Institution(id="p", name="某医院", kind="综合医院", level="未定级", tier="二级", grade="甲")


@pytest.mark.parametrize("label", ["AAA", "3AAA", "三特", "tertiary AAA"])
def test_invented_grade_labels_are_gone(label: str) -> None:
    with pytest.raises(LabelError):
        parse_level(label)
    assert parse_level("三级特等") == (Tier.TERTIARY, Grade.SPECIAL)


# -- centres and specialties --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("心电诊断中心", CentreKind.ECG),
        ("心電診斷中心", CentreKind.ECG),
        ("病理诊断中心", CentreKind.PATHOLOGY),
        ("区域影像中心", CentreKind.IMAGING),
        ("區域影像中心", CentreKind.IMAGING),
        ("中心药房", CentreKind.PHARMACY),
        ("中心藥房", CentreKind.PHARMACY),
    ],
)
def test_centre_labels(label: str, kind: CentreKind) -> None:
    assert CentreKind.parse(label) is kind


def test_pharmacy_centre_provides_pharmacy() -> None:
    assert [s.value for s in CentreKind.PHARMACY.default_services] == ["pharmacy"]


def test_gynaecological_endocrinology_is_not_internal_medicine() -> None:
    # seed 004: "中國醫師協會婦科內分泌培訓基地" — a branch of gynaecology
    assert Specialty.parse("婦科內分泌") is Specialty.GYNAECOLOGICAL_ENDOCRINOLOGY
    assert Specialty.parse("妇科内分泌") is not Specialty.ENDOCRINOLOGY
    assert Specialty.parse("内分泌科") is Specialty.ENDOCRINOLOGY


# -- every new value round-trips ------------------------------------------------------------------


def _new_vocabulary_registry() -> Registry:
    kinds: list[tuple[str, str, dict[str, Any]]] = [
        ("clinic", "某诊所", {}),
        ("od", "某门诊部", {}),
        ("ch", "某社区医院", {"beds": 40}),
        ("ec", "某市急救中心", {"tier": "secondary"}),
        ("private", "某民营医院", {"tier": "primary", "grade": "ungraded", "ownership": "private"}),
    ]
    kind_of = {
        "clinic": "诊所",
        "od": "门诊部",
        "ch": "社区医院",
        "ec": "急救中心",
        "private": "综合医院",
    }
    inst: list[dict[str, Any]] = [
        {"id": "lead", "name": "某市人民医院", "kind": "综合医院", "level": "三甲"}
    ]
    inst += [{"id": i, "name": n, "kind": kind_of[i], **extra} for i, n, extra in kinds]
    roles = ["副理事长单位", "理事单位", "协作单位", "成员医院", "协作单位"]
    return Registry.model_validate(
        {
            "institutions": inst,
            "alliances": [
                {
                    "id": "g",
                    "name": "某城市医疗集团",
                    "form": "区域医疗联合体",
                    "tightness": "县乡一体化管理",
                    "lead": ["lead"],
                    "memberships": [
                        {"institution": "lead", "role": "依托单位"},
                        *(
                            {"institution": i, "role": r}
                            for (i, _, _), r in zip(kinds, roles, strict=True)
                        ),
                    ],
                    "provisions": [item.value for item in ITEM_LABELS],
                    "shared_centres": [
                        {"id": "pharm", "kind": "中心药房", "host": "lead"},
                        {"id": "ecg", "kind": "心电诊断中心", "host": "lead"},
                    ],
                }
            ],
            "agreements": [
                {
                    "id": "ag",
                    "alliance": "g",
                    "parties": ["lead", "private"],
                    "items": ["多点执业", "长处方", "按人头付费"],
                }
            ],
        }
    )


def test_new_values_round_trip_through_every_format() -> None:
    reg = _new_vocabulary_registry()
    assert registry_from_json(registry_to_json(reg)) == reg
    assert registry_from_yaml(registry_to_yaml(reg)) == reg
    assert from_frames(to_frames(reg)) == reg
    assert from_graph(to_graph(reg)) == reg
    assert from_fhir(to_fhir(reg)) == reg


def test_bundled_examples_still_load() -> None:
    for name in examples.names():
        assert examples.load(name).institutions

"""Bundled examples against the facts their source articles state.

Every expected value below is read from the seed article named in ``SEED_FILES`` (or, where
the dataset author inferred it, checked to be marked as inferred), so a change to a dataset
that contradicts its article makes a test fail. The facts corrected in the domain-truth
review (issue 11) are pinned with their seed sentences in ``test_examples_truth.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any, NamedTuple

import pytest

import medalliance as ma
from medalliance import (
    Alliance,
    AllianceForm,
    CentreKind,
    CooperationItem,
    DeclaredFigure,
    FigureUnit,
    InstitutionKind,
    MemberRole,
    Provenance,
    Qualifier,
    Registry,
    ServiceKind,
    Severity,
    Specialty,
    Tier,
    Tightness,
    Weekday,
    check_registry,
    examples,
    from_graph,
    to_graph,
)
from medalliance._parse import load_plain_yaml
from medalliance.checks import check_declared_counts
from medalliance.io._files import (
    registry_from_json,
    registry_from_yaml,
    registry_to_json,
    registry_to_yaml,
)

SEED_000 = "000_69489d87a569e8cc.txt"
SEED_001 = "001_83f8f456eda9c744.txt"
SEED_002 = "002_c5d52dc885867374.txt"
SEED_003 = "003_72471e91a9fcd0c3.txt"
SEED_004 = "004_3c1bc6cc77744562.txt"
SEED_003_URL = "http://www.mcys1996.com/jiankang/131222.html"

SEED_FILES = {
    "qinghai_oncology": SEED_000,
    "benxi_central": SEED_001,
    "zhejiang_geriatric": SEED_002,
    "beijing_tongren": SEED_003,
    "shanghai_luwan": SEED_003,
    "beijing_pilots_2013": SEED_003,
    "dingzhou": SEED_003,
    "gangkou": SEED_003,
    "county_township": SEED_003,
    "xuzhou_mch": SEED_004,
}
NAMES = sorted(SEED_FILES)

SNAKE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: An inline pinyin gloss such as ``(yī)`` or ``(lián)`` left over from the seed encoding.
PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
#: Traditional characters that occur in the seed articles' names and terms.
TRADITIONAL = set("醫聯體區縣級衛診療轉協議婦兒東華灣寧濟紅樹陽誼壇鎮橋漁與達")


def load(name: str) -> Registry:
    return examples.load(name)


def names_of(reg: Registry, alliance: str) -> list[str]:
    return [i.name for i in reg.members_of(alliance)]


def item_values(items: tuple[CooperationItem, ...]) -> set[str]:
    return {i.value for i in items}


def figure(a: Alliance, metric: str, subject: str | None = None) -> DeclaredFigure:
    found = a.declared_value(metric, subject=subject)
    assert found is not None, (a.id, metric, subject)
    return found


def provenance_of(obj: Any) -> Provenance:
    prov = obj.provenance
    assert isinstance(prov, Provenance), obj
    return prov


# -- every dataset -------------------------------------------------------------------------


def test_one_dataset_per_source_system() -> None:
    assert examples.names() == tuple(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_file_layout_follows_the_template(name: str) -> None:
    text = examples.path(name).read_text(encoding="utf-8")
    assert text.startswith("schema_version: 1\n")
    data = load_plain_yaml(text)
    assert list(data) == [
        "schema_version",
        "title",
        "description",
        "sources",
        "institutions",
        "alliances",
        "agreements",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_dataset_records_its_seed_file(name: str) -> None:
    reg = load(name)
    [source] = reg.sources
    assert source.file == SEED_FILES[name]
    assert source.id == "seed-" + SEED_FILES[name][:3]
    if SEED_FILES[name] == SEED_003:
        assert source.url == SEED_003_URL
    assert reg.title
    assert reg.description


@pytest.mark.parametrize("name", NAMES)
def test_every_record_cites_the_seed(name: str) -> None:
    reg = load(name)
    source = reg.sources[0].id
    records: list[Any] = [*reg.institutions, *reg.alliances, *reg.agreements]
    for a in reg.alliances:
        records.extend(a.declared)
    for record in records:
        assert provenance_of(record).source == source, record


@pytest.mark.parametrize("name", NAMES)
def test_inferred_fields_name_real_fields(name: str) -> None:
    """A typo in ``inferred`` would silently present an inferred value as stated."""
    reg = load(name)
    records: list[Any] = [*reg.institutions, *reg.alliances, *reg.agreements]
    for a in reg.alliances:
        records.extend(
            [*a.memberships, *a.shared_centres, *a.expert_clinics, *a.staff_postings, *a.declared]
        )
    for record in records:
        if record.provenance is not None:
            fields = set(type(record).model_fields)
            assert set(record.provenance.inferred) <= fields, (record, record.provenance)


@pytest.mark.parametrize("name", NAMES)
def test_ids_are_ascii_snake_case(name: str) -> None:
    reg = load(name)
    ids = [i.id for i in reg.institutions] + [a.id for a in reg.alliances]
    ids += [g.id for g in reg.agreements]
    for a in reg.alliances:
        ids += [c.id for c in a.shared_centres] + [e.id for e in a.expert_clinics]
        ids += [p.id for p in a.staff_postings]
    assert all(SNAKE_ID.match(x) for x in ids), ids


@pytest.mark.parametrize("name", NAMES)
def test_names_are_clean_simplified_chinese(name: str) -> None:
    reg = load(name)
    texts = [i.name for i in reg.institutions] + [a.name for a in reg.alliances]
    texts += [alias for i in reg.institutions for alias in i.aliases]
    texts += [p for a in reg.alliances for p in a.policy_basis]
    for text in texts:
        assert ma.to_simplified(text) == text, text
        assert not TRADITIONAL & set(text), text
        assert "?" not in text, text
        assert not PINYIN_GLOSS.search(text), text


@pytest.mark.parametrize("name", NAMES)
def test_round_trips(name: str) -> None:
    reg = load(name)
    text = registry_to_yaml(reg)
    assert registry_from_yaml(text) == reg
    assert registry_to_yaml(registry_from_yaml(text)) == text
    assert registry_from_json(registry_to_json(reg)) == reg
    assert from_graph(to_graph(reg)) == reg


EXPECTED_FINDINGS: dict[str, list[str]] = {
    "benxi_central": [
        "[info] benxi_central_alliance: declares grassroots_members 42 but lists 0 "
        "(42 not itemised)",
        "[info] benxi_central_alliance: declares hospital_members 9 but lists 1 (8 not itemised)",
        "[info] benxi_central_alliance: declares member_count 52 but lists 2 (50 not itemised)",
    ],
    "shanghai_luwan": [
        "[info] 310103: 卢湾区 was valid until 2011-06-07 (date uncertain), succeeded by 310101 "
        "黄浦区; named by 8 record(s): dapuqiao_chc, huaihaizhonglu_chc, luwan_dongnan, "
        "luwan_ruijin, ruijin, ruijin_luwan_branch, ruijinerlu_chc, wuliqiao_chc (as_of shows "
        "the division of the day)"
    ],
    "xuzhou_mch": [
        "[info] xuzhou_mch_alliance: declares member_count 11 but lists 7 (4 not itemised)"
    ],
}


@pytest.mark.parametrize("name", NAMES)
def test_check_findings(name: str) -> None:
    findings = check_registry(load(name))
    assert [str(f) for f in findings] == EXPECTED_FINDINGS.get(name, [])
    assert all(f.severity is Severity.INFO for f in findings)
    check_registry(load(name), strict=True)  # no warnings


# -- structure of each alliance --------------------------------------------------------------


class Structure(NamedTuple):
    """What the article says about one alliance (tiers: inferred ones are marked elsewhere).

    ``tightness`` is ``None`` where the article sets it member by member (一院一策).
    """

    name: str
    alliance: str
    form: AllianceForm
    tightness: Tightness | None
    specialty: Specialty | None
    founded: dt.date | None
    leads: list[str]
    tiers: dict[Tier, int]


STRUCTURE: list[Structure] = [
    Structure(
        "qinghai_oncology",
        "qinghai_oncology_centre",
        AllianceForm.SPECIALTY_ALLIANCE,
        Tightness.LOOSE,
        Specialty.ONCOLOGY,
        dt.date(2018, 4, 13),
        ["青海大学附属医院"],
        {Tier.TERTIARY: 4, Tier.SECONDARY: 9},
    ),
    Structure(
        "benxi_central",
        "benxi_central_alliance",
        AllianceForm.URBAN_MEDICAL_GROUP,
        Tightness.LOOSE,
        None,
        dt.date(2016, 5, 27),
        ["本溪市中心医院"],
        {Tier.TERTIARY: 1, Tier.SECONDARY: 1},
    ),
    Structure(
        "zhejiang_geriatric",
        "zhejiang_geriatric_alliance",
        AllianceForm.SPECIALTY_ALLIANCE,
        Tightness.LOOSE,
        Specialty.GERIATRICS,
        dt.date(2017, 6, 8),
        ["浙江医院"],
        {Tier.TERTIARY: 1},
    ),
    Structure(
        "zhejiang_geriatric",
        "zhejiang_oncology_alliance",
        AllianceForm.SPECIALTY_ALLIANCE,
        Tightness.LOOSE,
        Specialty.ONCOLOGY,
        dt.date(2017, 6, 8),
        ["浙江省肿瘤医院"],
        {Tier.TERTIARY: 1},
    ),
    Structure(
        "beijing_tongren",
        "tongren_alliance",
        AllianceForm.URBAN_MEDICAL_GROUP,
        Tightness.LOOSE,
        None,
        None,
        ["首都医科大学附属北京同仁医院"],
        {Tier.TERTIARY: 1, Tier.SECONDARY: 1, Tier.PRIMARY: 1, Tier.VILLAGE: 1},
    ),
    Structure(
        "shanghai_luwan",
        "luwan_ruijin",
        AllianceForm.URBAN_MEDICAL_GROUP,
        Tightness.LOOSE,
        None,
        dt.date(2011, 1, 28),
        ["上海交通大学医学院附属瑞金医院"],
        {Tier.TERTIARY: 1, Tier.SECONDARY: 2, Tier.PRIMARY: 4},
    ),
    Structure(
        "dingzhou",
        "dingzhou_peoples_alliance",
        AllianceForm.URBAN_MEDICAL_GROUP,
        Tightness.TIGHT,
        None,
        None,
        ["定州市人民医院"],
        {Tier.SECONDARY: 1, Tier.PRIMARY: 1},
    ),
    Structure(
        "dingzhou",
        "dingzhou_mch_alliance",
        AllianceForm.URBAN_MEDICAL_GROUP,
        Tightness.TIGHT,
        None,
        None,
        ["定州市妇幼保健院"],
        {Tier.SECONDARY: 1, Tier.PRIMARY: 1},
    ),
    Structure(
        "gangkou",
        "gangkou_community",
        AllianceForm.COUNTY_MEDICAL_COMMUNITY,
        Tightness.SEMI_TIGHT,
        None,
        None,
        ["港口区人民医院"],
        {Tier.SECONDARY: 1, Tier.PRIMARY: 4},
    ),
    Structure(
        "county_township",
        "county_township_community",
        AllianceForm.COUNTY_MEDICAL_COMMUNITY,
        Tightness.LOOSE,
        None,
        dt.date(2018, 5, 1),  # "自今年5月份…结成医共体", written in 2018: month only
        ["某县人民医院"],
        {Tier.SECONDARY: 1, Tier.PRIMARY: 1},
    ),
    Structure(
        "xuzhou_mch",
        "xuzhou_mch_alliance",
        AllianceForm.SPECIALTY_ALLIANCE,
        None,  # 一院(所)一策: each membership states its own (loose)
        Specialty.MATERNAL_CHILD_HEALTH,
        None,
        ["徐州市妇幼保健院"],
        {Tier.TERTIARY: 1, Tier.SECONDARY: 6},
    ),
]


@pytest.mark.parametrize("row", STRUCTURE, ids=[f"{r.name}:{r.alliance}" for r in STRUCTURE])
def test_alliance_structure(row: Structure) -> None:
    reg = load(row.name)
    a = reg.alliance(row.alliance)
    assert (a.form, a.tightness, a.specialty, a.founded) == (
        row.form,
        row.tightness,
        row.specialty,
        row.founded,
    )
    assert [reg.institution(x).name for x in a.lead] == row.leads
    assert a.memberships[0].institution == a.lead[0]
    assert Counter(i.tier for i in reg.members_of(row.alliance)) == row.tiers
    assert [m.role for m in a.memberships].count(MemberRole.LEAD) == len(row.leads)


def test_structure_table_covers_every_alliance_but_the_beijing_pilots() -> None:
    listed = {(row.name, row.alliance) for row in STRUCTURE}
    every = {(n, a.id) for n in NAMES if n != "beijing_pilots_2013" for a in load(n).alliances}
    assert listed == every


@pytest.mark.parametrize("name", NAMES)
def test_every_institution_belongs_to_an_alliance(name: str) -> None:
    reg = load(name)
    members = {m for a in reg.alliances for m in a.members}
    assert members == {i.id for i in reg.institutions}


# -- what is stated and what is inferred -----------------------------------------------------

#: Hospitals (kinds without an implied tier) whose tier the article states.
STATED_TIERS = {
    ("shanghai_luwan", "ruijin"),
    ("shanghai_luwan", "ruijin_luwan_branch"),
    ("shanghai_luwan", "luwan_dongnan"),
    ("xuzhou_mch", "xuzhou_mch_hospital"),
}


@pytest.mark.parametrize("name", NAMES)
def test_hospital_tiers_are_stated_or_marked_inferred(name: str) -> None:
    reg = load(name)
    for inst in reg.institutions:
        if inst.kind.default_tier is not None:
            continue  # grassroots kinds imply their tier
        inferred = provenance_of(inst).is_inferred("tier")
        assert inferred is ((name, inst.id) not in STATED_TIERS), inst


def test_stated_levels() -> None:
    luwan = load("shanghai_luwan")
    assert luwan.institution("ruijin").tier is Tier.TERTIARY
    for cid in ("wuliqiao_chc", "dapuqiao_chc", "huaihaizhonglu_chc", "ruijinerlu_chc"):
        assert luwan.institution(cid).tier is Tier.PRIMARY  # 一级医院4家
    assert provenance_of(luwan.institution("ruijin")).is_inferred("grade")
    xuzhou = load("xuzhou_mch").institution("xuzhou_mch_hospital")
    assert xuzhou.level_zh == "三级甲等"
    assert not provenance_of(xuzhou).inferred


#: Alliances whose form the article names (城市医联体, 医共体, 专科联盟); all others infer it.
STATED_FORMS = {
    "dingzhou_peoples_alliance",
    "dingzhou_mch_alliance",
    "gangkou_community",
    "county_township_community",
    "zhejiang_geriatric_alliance",
    "zhejiang_oncology_alliance",
}


@pytest.mark.parametrize("name", NAMES)
def test_forms_are_stated_or_marked_inferred(name: str) -> None:
    for a in load(name).alliances:
        assert provenance_of(a).is_inferred("form") is (a.id not in STATED_FORMS), a.id


@pytest.mark.parametrize(
    ("name", "alliance", "inferred"),
    [
        ("qinghai_oncology", "qinghai_oncology_centre", True),  # "4月13日", no year
        ("zhejiang_geriatric", "zhejiang_geriatric_alliance", True),  # "6月8日", no year
        ("zhejiang_geriatric", "zhejiang_oncology_alliance", True),
        ("benxi_central", "benxi_central_alliance", False),  # 2016年5月27日
        ("shanghai_luwan", "luwan_ruijin", False),  # 2011年1月28日
        ("county_township", "county_township_community", True),  # "今年5月份", written 2018
    ],
)
def test_founding_years_not_in_the_article_are_marked(
    name: str, alliance: str, inferred: bool
) -> None:
    a = load(name).alliance(alliance)
    assert a.founded is not None
    assert provenance_of(a).is_inferred("founded") is inferred


@pytest.mark.parametrize("name", ["county_township", "gangkou", "beijing_pilots_2013"])
def test_undated_alliances_have_no_invented_date(name: str) -> None:
    reg = load(name)
    # county_township's founding month is inferred from the article's year (tested above)
    assert all(a.founded is None for a in reg.alliances if a.id != "county_township_community")
    assert all(g.signed is None for g in reg.agreements)


@pytest.mark.parametrize("name", NAMES)
def test_no_invented_coordinates_or_beds(name: str) -> None:
    for inst in load(name).institutions:
        assert (inst.lat, inst.lon, inst.beds, inst.population_served) == (None, None, None, None)


# -- seed 000: Qinghai -----------------------------------------------------------------------

QINGHAI_MEMBERS = [
    "青海大学附属医院",
    "青海省人民医院",
    "青海红十字医院",
    "青海省第五人民医院",
    "西宁市第一人民医院",
    "西宁市第二人民医院",
    "青海仁济医院",
    "海东市人民医院",
    "互助土族自治县人民医院",
    "民和回族土族自治县人民医院",
    "海南藏族自治州人民医院",
    "果洛藏族自治州人民医院",
    "玉树藏族自治州八一医院",
]


def test_qinghai_members_and_agreement() -> None:
    reg = load("qinghai_oncology")
    a = reg.alliance("qinghai_oncology_centre")
    assert names_of(reg, a.id) == QINGHAI_MEMBERS
    assert figure(a, "member_count").value == 13 == len(a.members)
    lead = reg.institution(a.lead[0])
    assert ServiceKind.MDT in lead.services
    assert provenance_of(lead).is_inferred("services")
    assert {"two_way_referral", "information_sharing", "training"} <= item_values(a.provisions)
    assert a.policy_basis[:2] == (
        "青海省推进医疗联合体建设和发展实施方案",
        "青海省深化医药卫生体制改革领导小组办公室关于成立省级区域医疗联合体部分诊疗中心和专科联盟的通知",
    )
    [agreement] = reg.agreements
    assert [reg.institution(p).name for p in agreement.parties] == [
        "青海大学附属医院",
        "青海省人民医院",
        "青海红十字医院",
        "海东市人民医院",
    ]
    assert provenance_of(agreement).is_inferred("signed")
    counties = sorted(i.region.county for i in reg.institutions if i.region.county)
    assert counties == ["互助土族自治县", "民和回族土族自治县"]
    renji = reg.institution("qh_renji")
    assert renji.ownership is None  # not stated in the article
    assert all(i.region.province == "青海省" for i in reg.institutions)


# -- seed 001: Benxi -------------------------------------------------------------------------


def test_benxi_declared_counts() -> None:
    reg = load("benxi_central")
    a = reg.alliance("benxi_central_alliance")
    assert reg.sources[0].published is None  # the article gives no publication date
    declared = {f.metric: (f.value, f.unit, f.qualifier) for f in a.declared}
    assert declared == {
        "hospital_members": (9, FigureUnit.INSTITUTIONS, Qualifier.EXACT),
        "grassroots_members": (42, FigureUnit.INSTITUTIONS, Qualifier.EXACT),
        "member_count": (52, FigureUnit.INSTITUTIONS, Qualifier.EXACT),
    }
    total = figure(a, "member_count")
    assert provenance_of(total).is_inferred("value")
    assert total.description is not None
    assert "computed by the dataset author" in total.description
    assert names_of(reg, a.id) == ["本溪市中心医院", "桓仁满族自治县人民医院"]
    assert "桓仁县人民医院" in reg.institution("huanren_peoples").aliases
    assert {"green_channel", "expert_clinics", "result_recognition", "two_way_referral"} <= (
        item_values(a.provisions)
    )
    assert provenance_of(a).is_inferred("tightness")


# -- seed 002: Zhejiang ----------------------------------------------------------------------


def test_zhejiang_declared_scale() -> None:
    reg = load("zhejiang_geriatric")
    a = reg.alliance("zhejiang_geriatric_alliance")
    beds = figure(a, "beds_radiated")
    assert (beds.value, beds.unit, beds.qualifier) == (
        13000,
        FigureUnit.BEDS,
        Qualifier.MORE_THAN,
    )
    elderly = figure(a, "elderly_covered")
    assert (elderly.value, elderly.unit, elderly.qualifier) == (
        10_000_000,
        FigureUnit.PEOPLE,
        Qualifier.MORE_THAN,
    )
    assert reg.sources[0].published == dt.date(2017, 6, 25)


def test_zhejiang_lists_no_invented_members() -> None:
    reg = load("zhejiang_geriatric")
    assert [i.name for i in reg.institutions] == ["浙江省肿瘤医院", "浙江医院"]
    assert all(len(a.members) == 1 for a in reg.alliances)
    assert reg.alliance("zhejiang_oncology_alliance").name == "浙江省肿瘤专科联盟"


def test_zhejiang_centres_and_provisions() -> None:
    a = load("zhejiang_geriatric").alliance("zhejiang_geriatric_alliance")
    centres = {(c.name, c.kind, c.host) for c in a.shared_centres}
    assert centres == {
        ("老年慢病管理中心", CentreKind.CHRONIC_DISEASE_MANAGEMENT, "zhejiang_hospital"),
        ("远程会诊中心", CentreKind.TELECONSULTATION, "zhejiang_hospital"),
        ("检查检验中心", CentreKind.LAB, "zhejiang_hospital"),
    }
    assert all(provenance_of(c).is_inferred("host") for c in a.shared_centres)
    assert item_values(a.provisions) == {
        "two_way_referral",
        "priority_reception",
        "priority_examination",
        "priority_admission",
        "result_recognition",
        "information_sharing",
        "teleconsultation",
        "training",
        "joint_specialty_building",
        "technical_guidance",
        "research_collaboration",
    }


# -- seed 003 (a): Beijing Tongren (the template) --------------------------------------------


def test_beijing_tongren() -> None:
    reg = load("beijing_tongren")
    a = reg.alliance("tongren_alliance")
    assert names_of(reg, a.id)[1:] == [
        "北京市普仁医院",
        "建国门社区卫生服务中心",
        "东华门社区卫生服务站",
    ]
    assert figure(a, "hospital_members").value == 1
    assert set(reg.institution("puren").specialties) == {
        Specialty.OPHTHALMOLOGY,
        Specialty.OTOLARYNGOLOGY,
    }


# -- seed 003 (b): Shanghai Luwan ------------------------------------------------------------


def test_shanghai_luwan_members_in_order() -> None:
    reg = load("shanghai_luwan")
    a = reg.alliance("luwan_ruijin")
    assert a.lead == ("ruijin",)
    assert names_of(reg, a.id) == [
        "上海交通大学医学院附属瑞金医院",
        "瑞金医院卢湾分院",
        "卢湾区东南医院",
        "五里桥街道社区卫生服务中心",
        "打浦桥街道社区卫生服务中心",
        "淮海中路街道社区卫生服务中心",
        "瑞金二路街道社区卫生服务中心",
    ]
    kinds = Counter(i.kind for i in reg.members_of(a.id))
    assert kinds == {
        InstitutionKind.GENERAL_HOSPITAL: 3,
        InstitutionKind.COMMUNITY_HEALTH_CENTRE: 4,
    }
    assert "卢湾区中心医院" in reg.institution("ruijin_luwan_branch").aliases
    declared = {f.metric: f.value for f in a.declared}
    assert declared == {"member_count": 7, "hospital_members": 2, "grassroots_members": 4}
    assert {"two_way_referral", "priority_reception", "priority_admission"} <= item_values(
        a.provisions
    )


# -- seed 003 (c): Beijing pilots ------------------------------------------------------------

BEIJING_PILOTS = {
    "朝阳医院医疗联盟": "首都医科大学附属北京朝阳医院",
    "友谊医院医疗共同体": "首都医科大学附属北京友谊医院",
    "世纪坛医院医疗联合体": "首都医科大学附属北京世纪坛医院",
    "中日友好医院医联体": "中日友好医院",
    "平谷区域统一医疗体系": "平谷区某牵头医院",
    "北京儿童医院集团": "首都医科大学附属北京儿童医院",
}


def test_beijing_pilots_list_only_their_leads() -> None:
    reg = load("beijing_pilots_2013")
    leads = {a.name: reg.institution(a.lead[0]).name for a in reg.alliances}
    assert leads == BEIJING_PILOTS
    assert len(reg.institutions) == 6
    for a in reg.alliances:
        assert a.members == a.lead  # members are not given in the article
        # the regional specialty centres' unnamed hosts: a declared lower bound, nothing listed
        assert [f.metric for f in a.declared] == ["regional_specialty_centre_hosts"]
        assert a.founded is None
        assert a.description is not None
        assert "members are not given" in a.description.lower()
        prov = provenance_of(a)
        assert prov.is_inferred("provisions")
        assert prov.is_inferred("lead")
        # 联合药品配送 is joint distribution, not unified procurement
        assert "joint_drug_distribution" in item_values(a.provisions)
        assert "unified_drug_procurement" not in item_values(a.provisions)
    forms = Counter(a.form for a in reg.alliances)
    assert forms == {AllianceForm.URBAN_MEDICAL_GROUP: 5, AllianceForm.SPECIALTY_ALLIANCE: 1}
    assert reg.alliance("beijing_childrens_group").specialty is Specialty.PAEDIATRICS


def test_beijing_pilot_unnamed_lead_is_a_placeholder() -> None:
    lead = load("beijing_pilots_2013").institution("pinggu_lead")
    prov = provenance_of(lead)
    assert lead.name.startswith("平谷区某")
    assert prov.is_inferred("name")
    assert prov.note is not None
    assert "Placeholder" in prov.note


# -- seed 003 (e): Dingzhou ------------------------------------------------------------------

DINGZHOU_CENTRES = {
    "检验中心": CentreKind.LAB,
    "心电中心": CentreKind.ECG,
    "病理中心": CentreKind.PATHOLOGY,
    "影像中心": CentreKind.IMAGING,
    "消毒供应中心": CentreKind.STERILISATION_SUPPLY,
    "后勤管理中心": CentreKind.LOGISTICS,
    "物流配送中心": CentreKind.LOGISTICS,
    "医联体财务中心": CentreKind.FINANCE,
    "人力资源中心": CentreKind.HUMAN_RESOURCES,
    "质控中心": CentreKind.QUALITY_CONTROL,
    "信息中心": CentreKind.INFORMATION,
    "宣教中心": CentreKind.HEALTH_EDUCATION,
}


def test_dingzhou_pairs() -> None:
    reg = load("dingzhou")
    pairs = {reg.institution(a.lead[0]).name: names_of(reg, a.id)[1:] for a in reg.alliances}
    assert pairs == {
        "定州市人民医院": ["清风社区卫生服务中心"],
        "定州市妇幼保健院": ["明月社区卫生服务中心"],
    }
    assert reg.institution("dingzhou_mch").kind is InstitutionKind.MCH_INSTITUTION
    assert check_registry(reg) == ()  # every institution belongs to an alliance


@pytest.mark.parametrize("alliance", ["dingzhou_peoples_alliance", "dingzhou_mch_alliance"])
def test_dingzhou_tight_alliance(alliance: str) -> None:
    a = load("dingzhou").alliance(alliance)
    # "联合市医保局将医保资金打包支付2个医联体，实现医联体内'利益共享，风险共担'": the fund is
    # paid to the alliance as a whole, a global budget, not a per-episode bundle
    assert {
        "global_budget",
        "unified_management",
        "unified_drug_procurement",
        "joint_drug_distribution",
    } <= item_values(a.provisions)
    assert "bundled_payment" not in item_values(a.provisions)
    assert {c.name: c.kind for c in a.shared_centres} == DINGZHOU_CENTRES
    assert {c.host for c in a.shared_centres} == set(a.lead)
    prov = provenance_of(a)
    assert prov.is_inferred("shared_centres")
    assert prov.is_inferred("tightness")


# -- seed 003 (f): Gangkou -------------------------------------------------------------------

GANGKOU_VOLUMES = {
    ServiceKind.CT: ("gangkou_imaging", 330, FigureUnit.PATIENT_VISITS),
    ServiceKind.COLOUR_DOPPLER: ("gangkou_imaging", 12, FigureUnit.PATIENT_VISITS),
    ServiceKind.LAB: ("gangkou_lab", 137, FigureUnit.PATIENT_VISITS),
    ServiceKind.STERILISATION_SUPPLY: ("gangkou_sterilisation", 964, FigureUnit.ITEMS),
    ServiceKind.PCR: ("gangkou_pcr", 11745, FigureUnit.TESTS),
}


def test_gangkou_structure() -> None:
    reg = load("gangkou")
    a = reg.alliance("gangkou_community")
    roles = {reg.institution(m.institution).name: m.role for m in a.memberships}
    assert roles == {
        "港口区人民医院": MemberRole.LEAD,
        "公车卫生院": MemberRole.HUB,
        "企沙中心卫生院": MemberRole.HUB,
        "光坡镇中心卫生院": MemberRole.HUB,
        "渔洲坪社区卫生服务中心": MemberRole.HUB,
    }
    # village clinics are the base but unnamed: none is invented
    assert not any(i.kind is InstitutionKind.VILLAGE_CLINIC for i in reg.institutions)
    assert MemberRole.BASE not in {m.role for m in a.memberships}
    assert all(i.region.county == "港口区" for i in reg.institutions)
    assert provenance_of(a).is_inferred("tightness")
    findings = check_registry(reg)
    assert all(f.severity is Severity.INFO for f in findings)


def test_gangkou_shared_centre_volumes() -> None:
    a = load("gangkou").alliance("gangkou_community")
    centres = {c.id: c for c in a.shared_centres}
    assert {c.kind for c in centres.values()} == {
        CentreKind.IMAGING,
        CentreKind.LAB,
        CentreKind.STERILISATION_SUPPLY,
        CentreKind.PCR_LAB,
    }
    volumes = [f for f in a.declared if f.metric == "service_volume"]
    assert len(volumes) == 5
    got = {f.service: (f.subject, f.value, f.unit) for f in volumes}
    assert got == GANGKOU_VOLUMES
    for f in volumes:
        assert f.qualifier is Qualifier.EXACT
        assert f.subject is not None
        assert f.service in centres[f.subject].effective_services
        assert f.period == ("目前累计" if f.service is ServiceKind.PCR else "今年")


def test_gangkou_money_staff_and_halls() -> None:
    a = load("gangkou").alliance("gangkou_community")
    cost = figure(a, "patient_cost_change")
    assert (cost.value, cost.unit) == (-10.0, FigureUnit.PERCENT)
    subsidy = figure(a, "annual_subsidy")
    assert (subsidy.value, subsidy.unit, subsidy.period) == (100_000, FigureUnit.YUAN, "每年")
    assert figure(a, "tcm_halls_built").value == 6
    staff = figure(a, "staff_dispatched")
    assert (staff.value, staff.unit, staff.qualifier) == (
        20,
        FigureUnit.STAFF,
        Qualifier.MORE_THAN,
    )
    savings = figure(a, "patient_savings")
    assert (savings.value, savings.qualifier) == (20_000, Qualifier.MORE_THAN)
    income = figure(a, "member_income_growth")
    assert (income.value, income.qualifier) == (36_900, Qualifier.ABOUT)


def test_gangkou_salary_financing() -> None:
    a = load("gangkou").alliance("gangkou_community")

    def ratios(metric: str) -> dict[str | None, int | float]:
        figs = [f for f in a.declared if f.metric == metric]
        assert all(f.unit is FigureUnit.PERCENT for f in figs)
        return {f.subject: f.value for f in figs}

    assert ratios("salary_financing_before") == {
        "gangkou_peoples": 75,
        "gongche_thc": 70,
        "qisha_thc": 50,
        "guangpo_thc": 50,
        "yuzhouping_chc": 50,
    }
    assert ratios("salary_financing_after") == dict.fromkeys(a.members, 75)
    assert figure(a, "insurance_contribution_financing").value == 75


# -- seed 003 (g): a county hospital and a township health centre ----------------------------


def test_county_township_placeholders() -> None:
    reg = load("county_township")
    for inst in reg.institutions:
        assert inst.name.startswith("某")
        prov = provenance_of(inst)
        assert prov.is_inferred("name")
        assert prov.note is not None
        assert "placeholder" in prov.note
    hospital = reg.institution("county_hospital")
    assert (hospital.kind, hospital.tier) == (InstitutionKind.GENERAL_HOSPITAL, Tier.SECONDARY)
    assert set(hospital.services) == {ServiceKind.CT, ServiceKind.MRI, ServiceKind.INPATIENT}
    centre = reg.institution("township_centre")
    assert centre.kind is InstitutionKind.TOWNSHIP_HEALTH_CENTRE
    a = reg.alliance("county_township_community")
    assert a.role_of("township_centre") is MemberRole.HUB


def test_county_township_expert_clinics() -> None:
    a = load("county_township").alliance("county_township_community")
    clinics = {(e.department, e.weekdays, e.host, e.site) for e in a.expert_clinics}
    assert clinics == {
        (Specialty.CARDIOLOGY, (Weekday.WED, Weekday.FRI), "county_hospital", "township_centre"),
        (Specialty.NEUROLOGY, (Weekday.WED, Weekday.FRI), "county_hospital", "township_centre"),
    }
    assert all(e.start is None for e in a.expert_clinics)


def test_county_township_figures() -> None:
    a = load("county_township").alliance("county_township_community")
    postings = figure(a, "expert_postings")
    assert (postings.value, postings.qualifier, postings.unit) == (
        60,
        Qualifier.MORE_THAN,
        FigureUnit.SESSIONS,
    )
    assert postings.subject in {a.id, *(e.id for e in a.expert_clinics)}
    down = figure(a, "down_referrals")
    assert (down.value, down.qualifier, down.period) == (55, Qualifier.EXACT, "2018年以来")
    growth = figure(a, "down_referral_growth")
    assert (growth.value, growth.unit) == (22, FigureUnit.PERCENT)


def test_county_township_handover_is_only_a_proposal() -> None:
    reg = load("county_township")
    a = reg.alliance("county_township_community")
    assert {
        "two_way_referral",
        "priority_reception",
        "priority_examination",
        "priority_admission",
        "expert_clinics",
    } <= item_values(a.provisions)
    assert "treatment_plan_handover" not in item_values(a.provisions)
    in_force = reg.agreement("county_township_agreement")
    assert "treatment_plan_handover" not in item_values(in_force.items)
    proposal = reg.agreement("county_township_handover_proposal")
    assert item_values(proposal.items) == {"treatment_plan_handover"}
    assert proposal.title is not None
    assert "建议" in proposal.title
    note = provenance_of(proposal).note
    assert note is not None
    assert note.startswith("PROPOSAL")


# -- seed 004: Xuzhou ------------------------------------------------------------------------


def test_xuzhou_members() -> None:
    reg = load("xuzhou_mch")
    a = reg.alliance("xuzhou_mch_alliance")
    members = names_of(reg, a.id)
    assert members[0] == "徐州市妇幼保健院"
    places = ["贾汪", "丰县", "沛县", "邳州", "睢宁县", "新沂"]
    assert len(members) == 7
    for place, member in zip(places, members[1:], strict=True):
        assert place in member
    assert all(i.kind is InstitutionKind.MCH_INSTITUTION for i in reg.members_of(a.id))


def test_xuzhou_declared_figures() -> None:
    reg = load("xuzhou_mch")
    a = reg.alliance("xuzhou_mch_alliance")
    count = figure(a, "member_count")
    assert (count.value, count.unit) == (11, FigureUnit.INSTITUTIONS)
    assert provenance_of(count).is_inferred("value")
    assert count.description is not None
    assert "10" in count.description
    departments = figure(a, "departments", subject="xuzhou_mch_hospital")
    assert (departments.value, departments.unit) == (61, FigureUnit.DEPARTMENTS)
    assert [f.message for f in check_declared_counts(reg)] == [
        "declares member_count 11 but lists 7 (4 not itemised)"
    ]


def test_xuzhou_provisions() -> None:
    a = load("xuzhou_mch").alliance("xuzhou_mch_alliance")
    assert item_values(a.provisions) == {
        "two_way_referral",
        "green_channel",
        "priority_reception",
        "treatment_plan_handover",
        "paired_support",
        "technical_guidance",
        "training",
        "research_collaboration",
        "information_sharing",
        "expert_clinics",
        "teleconsultation",
        # issue 11 item 1: the service forms and the tiered MCH model (test_examples_truth.py)
        "tiered_mch_services",
        "joint_clinic",
        "consultation",
    }


def test_county_township_handover_is_only_proposed() -> None:
    reg = examples.load("county_township")
    assert reg.agreement("county_township_handover_proposal").status.value == "proposed"
    assert reg.agreement("county_township_agreement").status.value == "in_force"

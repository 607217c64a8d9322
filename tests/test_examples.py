"""Bundled examples against the facts their source articles state."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from medalliance import (
    AllianceForm,
    CentreKind,
    InstitutionKind,
    MemberRole,
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
from medalliance.io import (
    registry_from_json,
    registry_from_yaml,
    registry_to_json,
    registry_to_yaml,
)

SEED_FILES = {
    "qinghai_oncology": "000_69489d87a569e8cc.txt",
    "benxi_central": "001_83f8f456eda9c744.txt",
    "zhejiang_geriatric": "002_c5d52dc885867374.txt",
    "beijing_tongren": "003_72471e91a9fcd0c3.txt",
    "shanghai_luwan": "003_72471e91a9fcd0c3.txt",
    "beijing_pilots_2013": "003_72471e91a9fcd0c3.txt",
    "dingzhou": "003_72471e91a9fcd0c3.txt",
    "gangkou": "003_72471e91a9fcd0c3.txt",
    "county_township": "003_72471e91a9fcd0c3.txt",
    "xuzhou_mch": "004_3c1bc6cc77744562.txt",
}


def test_one_dataset_per_source_system() -> None:
    assert set(examples.names()) == set(SEED_FILES)


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_dataset_records_its_source_and_round_trips(name: str) -> None:
    reg = examples.load(name)
    assert [s.file for s in reg.sources] == [SEED_FILES[name]]
    assert reg.title
    assert reg.description
    for inst in reg.institutions:
        assert inst.provenance is not None, inst.id
        assert inst.provenance.source == reg.sources[0].id
    for a in reg.alliances:
        assert a.provenance is not None
    assert registry_from_yaml(registry_to_yaml(reg)) == reg
    assert registry_from_json(registry_to_json(reg)) == reg
    assert from_graph(to_graph(reg)) == reg
    assert not [f for f in check_registry(reg) if f.severity is Severity.WARNING]


def names_of(reg: Registry, alliance: str) -> list[str]:
    return [i.name for i in reg.members_of(alliance)]


def test_qinghai_oncology() -> None:
    reg = examples.load("qinghai_oncology")
    a = reg.alliance("qinghai_oncology_centre")
    assert a.form is AllianceForm.SPECIALTY_ALLIANCE
    assert a.specialty is Specialty.ONCOLOGY
    assert a.founded == dt.date(2018, 4, 13)
    assert len(a.members) == 13
    assert reg.institution(a.lead[0]).name == "青海大学附属医院"
    members = names_of(reg, a.id)
    for name in (
        "青海省人民医院",
        "青海红十字医院",
        "海东市人民医院",
        "玉树藏族自治州八一医院",
        "互助土族自治县人民医院",
        "民和回族土族自治县人民医院",
        "青海仁济医院",
    ):
        assert name in members
    figure = a.declared_value("member_count")
    assert figure is not None
    assert figure.value == 13
    [agreement] = reg.agreements
    assert [reg.institution(p).name for p in agreement.parties] == [
        "青海大学附属医院",
        "青海省人民医院",
        "青海红十字医院",
        "海东市人民医院",
    ]
    assert reg.institution("qh_renji").ownership is None  # not stated in the article
    assert all(i.provenance and i.provenance.is_inferred("tier") for i in reg.institutions)


def test_benxi_central() -> None:
    reg = examples.load("benxi_central")
    a = reg.alliance("benxi_central_alliance")
    assert a.founded == dt.date(2016, 5, 27)
    assert reg.institution(a.lead[0]).name == "本溪市中心医院"
    assert "桓仁县人民医院" in reg.institution("huanren_peoples").aliases
    declared = {f.metric: f.value for f in a.declared}
    assert declared == {"hospital_members": 9, "grassroots_members": 42, "member_count": 52}
    assert len(a.members) == 2  # only the lead and one member are named
    assert {"expert_clinics", "two_way_referral", "green_channel", "result_recognition"} <= {
        i.value for i in a.provisions
    }


def test_zhejiang_geriatric() -> None:
    reg = examples.load("zhejiang_geriatric")
    geri = reg.alliance("zhejiang_geriatric_alliance")
    onco = reg.alliance("zhejiang_oncology_alliance")
    assert (geri.specialty, onco.specialty) == (Specialty.GERIATRICS, Specialty.ONCOLOGY)
    assert geri.founded == onco.founded == dt.date(2017, 6, 8)
    assert reg.institution(geri.lead[0]).name == "浙江医院"
    assert reg.institution(onco.lead[0]).name == "浙江省肿瘤医院"
    beds = geri.declared_value("beds_radiated")
    assert beds is not None
    assert (beds.value, beds.qualifier) == (13000, Qualifier.MORE_THAN)
    elderly = geri.declared_value("elderly_covered")
    assert elderly is not None
    assert (elderly.value, elderly.qualifier) == (10_000_000, Qualifier.MORE_THAN)
    assert sorted(c.kind for c in geri.shared_centres) == sorted(
        [CentreKind.CHRONIC_DISEASE_MANAGEMENT, CentreKind.TELECONSULTATION, CentreKind.LAB]
    )
    for item in (
        "priority_reception",
        "priority_examination",
        "priority_admission",
        "result_recognition",
    ):
        assert item in {i.value for i in geri.provisions}


def test_beijing_tongren() -> None:
    reg = examples.load("beijing_tongren")
    a = reg.alliance("tongren_alliance")
    assert names_of(reg, a.id)[1:] == [
        "北京市普仁医院",
        "建国门社区卫生服务中心",
        "东华门社区卫生服务站",
    ]
    assert Counter(i.tier for i in reg.members_of(a.id)) == {
        Tier.TERTIARY: 1,
        Tier.SECONDARY: 1,
        Tier.PRIMARY: 1,
        Tier.VILLAGE: 1,
    }
    assert set(reg.institution("puren").specialties) == {
        Specialty.OPHTHALMOLOGY,
        Specialty.OTOLARYNGOLOGY,
    }


def test_shanghai_luwan() -> None:
    reg = examples.load("shanghai_luwan")
    a = reg.alliance("luwan_ruijin")
    assert a.founded == dt.date(2011, 1, 28)
    assert a.lead == ("ruijin",)
    assert len(a.members) == 7
    tiers = Counter(i.tier for i in reg.members_of(a.id))
    assert tiers == {Tier.TERTIARY: 1, Tier.SECONDARY: 2, Tier.PRIMARY: 4}
    assert sum(i.kind is InstitutionKind.COMMUNITY_HEALTH_CENTRE for i in reg.members_of(a.id)) == 4
    assert "卢湾区中心医院" in reg.institution("ruijin_luwan_branch").aliases
    assert a.provenance is not None
    assert a.provenance.is_inferred("form")


def test_beijing_pilots_2013() -> None:
    reg = examples.load("beijing_pilots_2013")
    assert sorted(a.name for a in reg.alliances) == sorted(
        [
            "朝阳医院医疗联盟",
            "友谊医院医疗共同体",
            "世纪坛医院医疗联合体",
            "中日友好医院医联体",
            "平谷区域统一医疗体系",
            "北京儿童医院集团",
        ]
    )
    assert all(len(a.members) == 1 for a in reg.alliances)  # members are not given
    assert "unified_drug_procurement" in {i.value for i in reg.alliances[0].provisions}


def test_dingzhou() -> None:
    reg = examples.load("dingzhou")
    pairs = {reg.institution(a.lead[0]).name: names_of(reg, a.id)[1:] for a in reg.alliances}
    assert pairs == {
        "定州市人民医院": ["清风社区卫生服务中心"],
        "定州市妇幼保健院": ["明月社区卫生服务中心"],
    }
    assert reg.institution("dingzhou_mch").kind is InstitutionKind.MCH_INSTITUTION
    for a in reg.alliances:
        assert a.tightness is Tightness.TIGHT
        assert {"bundled_payment", "unified_management", "unified_drug_procurement"} <= {
            i.value for i in a.provisions
        }
        kinds = {c.kind for c in a.shared_centres}
        assert {
            CentreKind.LAB,
            CentreKind.ECG,
            CentreKind.PATHOLOGY,
            CentreKind.IMAGING,
            CentreKind.STERILISATION_SUPPLY,
            CentreKind.FINANCE,
        } <= kinds


def test_gangkou_volumes_and_structure() -> None:
    reg = examples.load("gangkou")
    a = reg.alliance("gangkou_community")
    assert a.form is AllianceForm.COUNTY_MEDICAL_COMMUNITY
    assert reg.institution(a.lead[0]).name == "港口区人民医院"
    hubs = {reg.institution(m.institution).name for m in a.memberships if m.role is MemberRole.HUB}
    assert hubs == {"公车卫生院", "企沙中心卫生院", "光坡镇中心卫生院", "渔洲坪社区卫生服务中心"}
    volumes = {
        f.service: (f.value, f.unit.value) for f in a.declared if f.metric == "service_volume"
    }
    assert volumes == {
        ServiceKind.CT: (330, "patient_visits"),
        ServiceKind.COLOUR_DOPPLER: (12, "patient_visits"),
        ServiceKind.LAB: (137, "patient_visits"),
        ServiceKind.STERILISATION_SUPPLY: (964, "items"),
        ServiceKind.PCR: (11745, "tests"),
    }
    cost = a.declared_value("patient_cost_change")
    assert cost is not None
    assert cost.value == -10.0
    before = {f.subject: f.value for f in a.declared if f.metric == "salary_financing_before"}
    assert before == {
        "gangkou_peoples": 75,
        "gongche_thc": 70,
        "qisha_thc": 50,
        "guangpo_thc": 50,
        "yuzhouping_chc": 50,
    }
    assert all(f.severity is Severity.INFO for f in check_registry(reg))


def test_county_township_schedule_and_referrals() -> None:
    reg = examples.load("county_township")
    a = reg.alliance("county_township_community")
    assert {(e.department, e.weekdays) for e in a.expert_clinics} == {
        (Specialty.CARDIOLOGY, (Weekday.WED, Weekday.FRI)),
        (Specialty.NEUROLOGY, (Weekday.WED, Weekday.FRI)),
    }
    assert all((e.host, e.site) == ("county_hospital", "township_centre") for e in a.expert_clinics)
    postings = a.declared_value("expert_postings")
    assert postings is not None
    assert (postings.value, postings.qualifier) == (60, Qualifier.MORE_THAN)
    down = a.declared_value("down_referrals")
    growth = a.declared_value("down_referral_growth")
    assert down is not None
    assert growth is not None
    assert (down.value, growth.value, growth.unit.value) == (55, 22, "percent")
    assert {ServiceKind.CT, ServiceKind.MRI, ServiceKind.INPATIENT} <= set(
        reg.institution("county_hospital").services
    )


def test_xuzhou_mch() -> None:
    reg = examples.load("xuzhou_mch")
    a = reg.alliance("xuzhou_mch_alliance")
    lead = reg.institution(a.lead[0])
    assert (lead.name, lead.level_zh, lead.kind) == (
        "徐州市妇幼保健院",
        "三级甲等",
        InstitutionKind.MCH_INSTITUTION,
    )
    assert a.tightness is Tightness.LOOSE
    assert a.specialty is Specialty.MATERNAL_CHILD_HEALTH
    places = ("贾汪", "丰县", "沛县", "邳州", "睢宁县", "新沂")
    members = names_of(reg, a.id)[1:]
    assert len(members) == 6
    assert all(any(p in m for m in members) for p in places)
    count = a.declared_value("member_count")
    assert count is not None
    assert count.value == 11
    departments = a.declared_value("departments", subject=lead.id)
    assert departments is not None
    assert departments.value == 61
    assert [f.message for f in check_registry(reg)] == [
        "declares member_count 11 but lists 7 (4 not itemised)"
    ]

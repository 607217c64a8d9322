"""Referral rules checked against their sources (issue 11): emergencies, outside options,
target tiers and the up-referral criteria with a designated capability."""

from __future__ import annotations

from typing import Any

import pytest

from medalliance import Registry, examples
from medalliance._reference.referral import evaluate_naive
from medalliance.referral import (
    ReferralCase,
    evaluate,
    evaluate_many,
)
from medalliance.referral.policy import Direction, default_policy


def _hospital(iid: str, name: str, lat: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": iid,
        "name": name,
        "kind": "综合医院",
        "level": "二级",
        "lat": lat,
        "lon": 120.0,
        "services": ["emergency"],
        **extra,
    }


def emergency_registry() -> Registry:
    """A village clinic, a capable hospital 5 km away and a green-channel one 111 km away,
    both in the clinic's alliance; and a capable hospital 20 km away outside it."""
    return Registry(
        institutions=[
            {"id": "clinic", "name": "某村卫生室", "kind": "村卫生室", "lat": 30.0, "lon": 120.0},
            _hospital("near_county", "某县人民医院", 30.045),
            _hospital("far_city", "某市中心医院", 31.0, level="三级"),
            _hospital("other_county", "邻县人民医院", 29.82),
        ],
        alliances=[
            {
                "id": "county_group",
                "name": "某县医共体",
                "form": "县域医共体",
                "lead": ["near_county"],
                "memberships": [
                    {"institution": "near_county", "role": "lead"},
                    {"institution": "clinic", "role": "base"},
                    {"institution": "far_city"},
                ],
                "provisions": ["two_way_referral"],
            }
        ],
        agreements=[
            {
                "id": "city_green_channel",
                "alliance": "county_group",
                "parties": ["far_city", "clinic"],
                "items": ["two_way_referral", "green_channel", "priority_admission"],
            }
        ],
    )


EMERGENCY = ReferralCase(
    origin="clinic", criterion="critical_or_difficult", urgency="急诊", services=("急救",)
)


def test_emergency_goes_to_the_nearest_capable_hospital_not_past_it() -> None:
    # 院前医疗急救管理办法: "按照就近、就急、满足专业需要、兼顾患者意愿的原则,
    # 将患者转运至医疗机构救治".
    # 0.1 ranked the green channel first and sent this patient 111 km past a capable hospital
    # 5 km away.
    reg = emergency_registry()
    d = evaluate(reg, EMERGENCY)
    assert [x.institution for x in d.destinations] == ["near_county", "far_city"]
    near, far = d.destinations
    assert near.distance_km is not None
    assert far.distance_km is not None
    assert round(near.distance_km) == 5
    assert round(far.distance_km) == 111
    assert "green_channel" in far.flags
    assert not near.flags
    batch = evaluate_many(reg, [EMERGENCY])
    assert batch.best_destination(0) == "near_county"
    assert d == evaluate_naive(reg, EMERGENCY) == batch[0]


def test_flags_break_ties_only() -> None:
    reg = emergency_registry()
    # unknown distances tie: the green channel decides
    no_coords = reg.replace(institutions=[i.replace(lat=None, lon=None) for i in reg.institutions])
    d = evaluate(no_coords, EMERGENCY)
    assert [x.institution for x in d.destinations] == ["far_city", "near_county"]
    assert d == evaluate_naive(no_coords, EMERGENCY)


def test_a_user_can_change_the_emergency_order_or_band() -> None:
    reg = emergency_registry()
    default = default_policy()
    # a band of 150 km puts both hospitals in the nearest band: the green channel decides
    banded = default.replace(ranking=default.ranking.replace(distance_band_km=150))
    # or the green channel first, as 0.1 did
    green_first = default.replace(
        ranking=default.ranking.replace(emergency=("green", "distance", "id"))
    )
    for policy in (banded, green_first):
        d = evaluate(reg, EMERGENCY, policy=policy)
        assert d.destinations[0].institution == "far_city"
        assert evaluate_many(reg, [EMERGENCY], policy=policy).best_destination(0) == "far_city"
        assert d == evaluate_naive(reg, EMERGENCY, policy=policy)
    # a band narrower than the gap changes nothing
    narrow = default.replace(ranking=default.ranking.replace(distance_band_km=50))
    assert evaluate(reg, EMERGENCY, policy=narrow).destinations[0].institution == "near_county"


def test_outside_options_are_possible_without_the_alliance_privileges() -> None:
    # seed 003 (上海卢湾): "社区居民可以签约在医联体内就医,也依然可以持医保卡在全市各医院就医"
    reg = emergency_registry()
    d = evaluate(reg, EMERGENCY, outside_options=2)
    assert d.eligible
    [other] = d.outside_options
    assert other.institution == "other_county"
    assert not other.alliance_channel
    assert other.flags == ()
    assert other.alliances == ()
    rows = d.rows()
    assert [(r["institution"], r["rank"], r["alliance_channel"]) for r in rows] == [
        ("near_county", 1, True),
        ("far_city", 2, True),
        ("other_county", None, False),
    ]
    assert d == evaluate_naive(reg, EMERGENCY, outside_options=2)
    # a clinic with no alliance channel at all: not eligible (no alliance referral), yet the
    # capable hospitals are listed as possible, and the reason says so
    alone = reg.replace(agreements=[], alliances=[])
    d = evaluate(alone, EMERGENCY, outside_options=3)
    assert not d.eligible
    assert [r.code for r in d.reasons] == ["no_channel"]
    assert "stays possible" in d.reasons[0].en
    assert "仍可在医联体外就医" in d.reasons[0].zh
    assert [o.institution for o in d.outside_options] == ["near_county", "other_county", "far_city"]


def test_tertiary_recovery_goes_down_to_secondary_not_lower() -> None:
    # seed 002: "将急性病恢复期、术后恢复期、危重症稳定期的患者及时转诊至下级医疗机构";
    # 二级 as the target follows 国办发〔2015〕70号 (recalled, uncertain in the policy data)
    reg = examples.load("shanghai_luwan")
    for code in ("acute_recovery", "postop_recovery", "critical_stabilised"):
        d = evaluate(reg, ReferralCase(origin="ruijin", criterion=code))
        assert {x.institution for x in d.destinations} == {"luwan_dongnan", "ruijin_luwan_branch"}
        assert {x.tier for x in d.destinations} == {"secondary"}
    # a community centre is a destination for convalescence and chronic care
    d = evaluate(reg, ReferralCase(origin="ruijin", criterion="convalescence"))
    assert {x.tier for x in d.destinations} == {"secondary", "primary"}
    # a secondary hospital has no lower secondary hospital: the reason names the target tier
    d = evaluate(reg, ReferralCase(origin="luwan_dongnan", criterion="postop_recovery"))
    assert not d.eligible
    assert [r.code for r in d.reasons] == ["wrong_direction"]
    assert "down referral to secondary" in d.reasons[0].en
    assert "仅转至二级机构" in d.reasons[0].zh


def test_county_hospital_sends_rehabilitation_patients_to_the_township() -> None:
    # seed 003 (某乡镇卫生院): "在病情稳定进入康复疗养期,或手术后愈合后需要长期康复的病人…
    # 也能及时行下转至我院"
    reg = examples.load("county_township")
    d = evaluate(reg, ReferralCase(origin="county_hospital", criterion="convalescence"))
    assert [x.institution for x in d.destinations] == ["township_centre"]
    assert not evaluate(
        reg, ReferralCase(origin="county_hospital", criterion="postop_recovery")
    ).eligible


def test_high_risk_pregnancy_goes_to_obstetrics_or_mch_in_the_mch_alliance() -> None:
    # 《关于加强母婴安全保障工作的通知》 (as reported): "对于妊娠风险分级为'黄色''橙色'
    # '红色'和'紫色'的孕产妇,建议其在二级以上医疗机构接受孕产期保健服务和住院分娩"
    reg = examples.load("xuzhou_mch")
    case = ReferralCase(origin="pizhou_mch", criterion="high_risk_pregnancy")
    d = evaluate(reg, case)
    [dest] = d.destinations
    assert (dest.institution, dest.direction) == ("xuzhou_mch_hospital", Direction.UP)
    assert dest.alliances == ("xuzhou_mch_alliance",)  # the MCH specialty alliance carries it
    assert "green_channel" in dest.flags
    assert d == evaluate_naive(reg, case) == evaluate_many(reg, [case])[0]


def designated_registry() -> Registry:
    """A township centre in an alliance with a general county hospital, an infectious-disease
    hospital and a psychiatric hospital (all secondary)."""

    def hospital(iid: str, name: str, specialties: list[str]) -> dict[str, Any]:
        return {
            "id": iid,
            "name": name,
            "kind": "综合医院",
            "level": "二级",
            "specialties": specialties,
        }

    return Registry(
        institutions=[
            {"id": "township", "name": "某乡镇卫生院", "kind": "乡镇卫生院"},
            hospital("county_general", "某县人民医院", ["internal_medicine", "surgery"]),
            hospital("county_infectious", "某县传染病医院", ["infectious_disease"]),
            hospital("county_psychiatric", "某县精神卫生中心", ["psychiatry"]),
        ],
        alliances=[
            {
                "id": "county_group",
                "name": "某县医共体",
                "form": "县域医共体",
                "lead": ["county_general"],
                "memberships": [
                    {"institution": "county_general", "role": "lead"},
                    {"institution": "township", "role": "hub"},
                    {"institution": "county_infectious"},
                    {"institution": "county_psychiatric"},
                ],
                "provisions": ["two_way_referral"],
            }
        ],
    )


@pytest.mark.parametrize(
    ("code", "destination"),
    [
        # 传染病防治法 第五十二条: "医疗机构不具备相应救治能力的,应当将患者及其病历记录
        # 复印件一并转至具备相应救治能力的医疗机构"
        ("notifiable_infectious_disease", "county_infectious"),
        # 精神卫生法 第二十五条: "有与从事的精神障碍诊断、治疗相适应的精神科执业医师、护士"
        ("severe_mental_disorder", "county_psychiatric"),
    ],
)
def test_designated_capability_criteria(code: str, destination: str) -> None:
    reg = designated_registry()
    up = ReferralCase(origin="township", criterion=code)
    d = evaluate(reg, up)
    assert [x.institution for x in d.destinations] == [destination]
    assert d.direction is Direction.UP
    # the general county hospital lacks the capability: a lateral referral from it
    lateral = ReferralCase(origin="county_general", criterion=code)
    d = evaluate(reg, lateral)
    assert [x.institution for x in d.destinations] == [destination]
    assert d.direction is Direction.LATERAL
    # the designated hospital itself has the capability: no lateral referral out of it
    assert not evaluate(reg, ReferralCase(origin=destination, criterion=code)).eligible
    cases = [up, lateral]
    batch = evaluate_many(reg, cases)
    assert tuple(batch) == tuple(evaluate_naive(reg, c) for c in cases)


def test_unclear_diagnosis_goes_up() -> None:
    # a district's 双向转诊管理制度: "需要到上一级医疗机构进一步检查、明确诊断的病例" (a local rule:
    # uncertain in the policy data)
    reg = designated_registry()
    d = evaluate(reg, ReferralCase(origin="township", criterion="unclear_diagnosis"))
    assert d.direction is Direction.UP
    assert len(d.destinations) == 3
    assert default_policy().criterion("unclear_diagnosis").uncertain

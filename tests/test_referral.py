"""Referral decisions: scenarios from the source articles, properties, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medalliance import MedAllianceError, Registry, UnknownIdError, examples
from medalliance.referral import ReferralCase, evaluate, evaluate_many
from medalliance.referral_policy import Direction, default_policy
from strategies import registries


def test_luwan_community_centre_critical_case_goes_up() -> None:
    reg = examples.load("shanghai_luwan")
    d = evaluate(reg, ReferralCase(origin="wuliqiao_chc", criterion="critical_or_difficult"))
    assert d.eligible
    assert d.direction is Direction.UP
    assert {x.institution for x in d.destinations} == {
        "ruijin",
        "ruijin_luwan_branch",
        "luwan_dongnan",
    }
    assert all(x.alliances == ("luwan_ruijin",) for x in d.destinations)
    assert "priority_reception" in d.destinations[0].flags
    assert [r.code for r in d.reasons] == ["eligible"]


def test_township_patient_needing_ct_goes_to_county_hospital_with_priority() -> None:
    reg = examples.load("county_township")
    d = evaluate(
        reg,
        ReferralCase(
            origin="township_centre", criterion="needs_equipment_or_exam", services=("CT",)
        ),
    )
    [dest] = d.destinations
    assert (dest.institution, dest.direction) == ("county_hospital", Direction.UP)
    assert dest.agreements == ("county_township_agreement",)
    assert set(dest.flags) == {"priority_reception", "priority_examination", "priority_admission"}


def test_county_hospital_sends_chronic_patient_down_and_not_up() -> None:
    reg = examples.load("county_township")
    down = evaluate(reg, ReferralCase(origin="county_hospital", criterion="chronic_confirmed"))
    assert [x.institution for x in down.destinations] == ["township_centre"]
    assert down.direction is Direction.DOWN
    wrong = evaluate(reg, ReferralCase(origin="township_centre", criterion="chronic_confirmed"))
    assert not wrong.eligible
    assert [r.code for r in wrong.reasons] == ["wrong_direction"]
    assert "down" in wrong.reasons[0].en


def test_xuzhou_county_mch_patient_to_city_hospital_with_priority() -> None:
    reg = examples.load("xuzhou_mch")
    case = ReferralCase(
        origin="pizhou_mch", criterion="critical_or_difficult", specialty="妇幼保健"
    )
    d = evaluate(reg, case)
    [dest] = d.destinations
    assert dest.institution == "xuzhou_mch_hospital"
    assert {"green_channel", "priority_reception", "treatment_plan_handover"} <= set(dest.flags)
    # a specialty alliance channels only its specialty
    other = evaluate(reg, case.replace(specialty="orthopaedics"))
    assert not other.eligible
    assert [r.code for r in other.reasons] == ["no_channel", "specialty_mismatch"]


def test_zhejiang_lead_has_no_listed_member_to_send_a_postop_patient_to() -> None:
    reg = examples.load("zhejiang_geriatric")
    d = evaluate(
        reg,
        ReferralCase(origin="zhejiang_hospital", criterion="postop_recovery", specialty="老年病"),
    )
    assert not d.eligible
    assert d.reasons[0].code == "no_channel"


def test_capability_filters_destinations() -> None:
    reg = examples.load("county_township")
    d = evaluate(
        reg,
        ReferralCase(
            origin="township_centre",
            criterion="needs_equipment_or_exam",
            services=("mri", "dialysis"),
        ),
    )
    assert not d.eligible


def test_bad_input() -> None:
    reg = examples.load("county_township")
    with pytest.raises(UnknownIdError, match="unknown institution 'nowhere'"):
        evaluate(reg, ReferralCase(origin="nowhere", criterion="chronic_confirmed"))
    with pytest.raises(UnknownIdError, match="unknown referral criterion 'vibes'"):
        evaluate(reg, ReferralCase(origin="county_hospital", criterion="vibes"))
    with pytest.raises(MedAllianceError, match="unknown service kind"):
        ReferralCase(
            origin="county_hospital", criterion="chronic_confirmed", services=("teleportation",)
        )


CRITERIA = [c.code for c in default_policy().criteria]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.data())
def test_directions_respect_tiers_and_decisions_are_deterministic(reg: Registry, data: Any) -> None:
    origin = data.draw(st.sampled_from([i.id for i in reg.institutions]))
    case = ReferralCase(origin=origin, criterion=data.draw(st.sampled_from(CRITERIA)))
    before = reg.model_dump()
    d = evaluate(reg, case)
    assert evaluate(reg, case) == d
    assert reg.model_dump() == before
    tier = reg.institution(origin).tier
    allowed = default_policy().criterion(case.criterion).directions
    for dest in d.destinations:
        t = reg.institution(dest.institution).tier
        assert dest.direction in allowed
        if dest.direction is Direction.UP:
            assert t > tier
        elif dest.direction is Direction.DOWN:
            assert t < tier
        else:
            assert t == tier
    assert d.eligible == bool(d.destinations)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.data())
def test_evaluate_many_equals_evaluate_one_at_a_time(reg: Registry, data: Any) -> None:
    ids = [i.id for i in reg.institutions]
    specialties = [
        None,
        *sorted({s.value for a in reg.alliances if a.specialty for s in [a.specialty]}),
    ]
    cases = [
        ReferralCase.model_validate(
            {
                "origin": data.draw(st.sampled_from(ids)),
                "criterion": data.draw(st.sampled_from(CRITERIA)),
                "specialty": data.draw(st.sampled_from(specialties)),
                "services": data.draw(
                    st.lists(
                        st.sampled_from(["ct", "mri", "lab", "inpatient"]), unique=True, max_size=2
                    )
                ),
                "home": data.draw(st.one_of(st.none(), st.sampled_from(ids))),
            }
        )
        for _ in range(data.draw(st.integers(1, 6)))
    ]
    assert evaluate_many(reg, cases) == tuple(evaluate(reg, c) for c in cases)
    assert evaluate_many(reg, cases) == evaluate_many(reg, cases)  # cached index, same answers


def test_evaluate_many_names_the_bad_case() -> None:
    reg = examples.load("county_township")
    cases = [
        ReferralCase(origin="county_hospital", criterion="postop_recovery"),
        ReferralCase(origin="ghost", criterion="postop_recovery"),
    ]
    with pytest.raises(UnknownIdError) as info:
        evaluate_many(reg, cases)
    assert info.value.problems[0].render() == "cases[1]: unknown institution 'ghost'"


def test_only_agreements_in_force_open_channels() -> None:
    reg = examples.load("county_township")
    [alliance] = reg.alliances
    no_provision = alliance.replace(
        provisions=[p for p in alliance.provisions if p.value != "two_way_referral"]
    )
    by_agreement = reg.replace(alliances=[no_provision])
    proposed = by_agreement.replace(
        agreements=[
            g.replace(status="建议") if g.id == "county_township_agreement" else g
            for g in by_agreement.agreements
        ]
    )
    case = ReferralCase(origin="township_centre", criterion="needs_inpatient_bed")
    assert evaluate(by_agreement, case).eligible
    assert not evaluate(proposed, case).eligible
    assert evaluate_many(proposed, [case]) == (evaluate(proposed, case),)

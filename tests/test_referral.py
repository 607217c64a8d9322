"""Referral decisions: scenarios from the source articles, properties, bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from medalliance import MedAllianceError, Registry, UnknownIdError, examples, synthetic
from medalliance._reference.referral import evaluate_naive
from medalliance.referral import (
    FLAG_ITEMS,
    REASON_CODES,
    ReferralCase,
    ReferralCases,
    ReferralDecision,
    evaluate,
    evaluate_many,
    referral_paths,
)
from medalliance.referral.policy import (
    Direction,
    Ranking,
    ReferralPolicy,
    default_policy,
    example_catalogue,
)
from strategies import referral_registries


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


def test_evaluate_names_every_problem_of_a_case_at_once() -> None:
    reg = examples.load("county_township")
    case = ReferralCase(origin="nowhere", criterion="vibes", home="ghost", lat=30.0)
    with pytest.raises(UnknownIdError) as info:
        evaluate(reg, case)
    rendered = [p.render() for p in info.value.problems]
    assert rendered[0] == "origin: unknown institution 'nowhere'"
    assert rendered[1].startswith("criterion: unknown referral criterion 'vibes'")
    assert rendered[2:] == [
        "home: unknown institution 'ghost'",
        "lat: lat and lon must be given together",
    ]
    with pytest.raises(UnknownIdError) as both:
        evaluate(
            reg, ReferralCase(origin="nowhere", criterion="chronic_confirmed"), outside_options=-1
        )
    assert [p.render() for p in both.value.problems] == [
        "origin: unknown institution 'nowhere'",
        "outside_options: must be >= 0",
    ]
    # only the point is wrong: a plain MedAllianceError, not an unknown id
    with pytest.raises(MedAllianceError) as other:
        evaluate(
            reg, ReferralCase(origin="county_hospital", criterion="chronic_confirmed", lon=120)
        )
    assert not isinstance(other.value, UnknownIdError)
    assert [p.render() for p in other.value.problems] == ["lat: lat and lon must be given together"]


CRITERIA = [c.code for c in default_policy().criteria]
POLICY_WITH_CATALOGUE = default_policy().replace(catalogue=example_catalogue())
ORDERABLE = ["home", "green", "flags", "distance", "step"]


@st.composite
def rank_orders(draw: st.DrawFn) -> tuple[str, ...]:
    """Any valid order: some fields in any order, then the id tie-break."""
    fields = draw(st.permutations(ORDERABLE))
    return (*fields[: draw(st.integers(0, len(ORDERABLE)))], "id")


@st.composite
def policies(draw: st.DrawFn) -> ReferralPolicy:
    """The default policy (with or without catalogue) or one with a random ranking."""
    base = draw(st.sampled_from([default_policy(), POLICY_WITH_CATALOGUE]))
    if draw(st.booleans()):
        return base
    ranking = Ranking(
        routine=draw(rank_orders()),
        urgent=draw(rank_orders()),
        emergency=draw(rank_orders()),
        distance_band_km=draw(st.sampled_from([0.0, 0.5, 5.0, 300.0])),
    )
    return base.replace(ranking=ranking)


CONDITIONS = [None, "I10", "I63.9", "C34.1", "O80", "Z99"]
SERVICES = ["ct", "mri", "lab", "inpatient", "icu", "mdt"]


@st.composite
def cases_for(draw: st.DrawFn, reg: Registry, *, max_size: int = 6) -> list[ReferralCase]:
    ids = [i.id for i in reg.institutions]
    specialties = [None, *sorted({a.specialty.value for a in reg.alliances if a.specialty})]
    out = []
    for _ in range(draw(st.integers(1, max_size))):
        data: dict[str, Any] = {
            "origin": draw(st.sampled_from(ids)),
            "criterion": draw(st.sampled_from(CRITERIA)),
            "specialty": draw(st.sampled_from(specialties)),
            "services": draw(st.lists(st.sampled_from(SERVICES), unique=True, max_size=2)),
            "home": draw(st.one_of(st.none(), st.sampled_from(ids))),
            "urgency": draw(st.sampled_from(["routine", "urgent", "emergency"])),
            "condition": draw(st.sampled_from(CONDITIONS)),
        }
        if draw(st.booleans()):
            data["lat"] = draw(st.floats(20, 50, allow_nan=False))
            data["lon"] = draw(st.floats(80, 130, allow_nan=False))
        out.append(ReferralCase.model_validate(data))
    return out


def summary(d: ReferralDecision, reg: Registry) -> tuple[Any, ...]:
    """What the columns of a ReferralBatch say about one decision."""
    best = d.destinations[0] if d.destinations else None
    return (
        d.eligible,
        ("up", "down", "lateral").index(d.direction.value) if d.direction else -1,
        [i.id for i in reg.institutions].index(best.institution) if best else -1,
        len(d.destinations),
        tuple(r.code for r in d.reasons),
        tuple(f.value for f in FLAG_ITEMS if best and f.value in best.flags),
        best.distance_km if best else None,
    )


def batch_summary(batch: Any, i: int) -> tuple[Any, ...]:
    dist = float(batch.best_distance_km[i])
    return (
        bool(batch.eligible[i]),
        int(batch.direction[i]),
        int(batch.best[i]),
        int(batch.n_destinations[i]),
        batch.reason_codes(i),
        tuple(f.value for b, f in enumerate(FLAG_ITEMS) if int(batch.best_flags[i]) >> b & 1),
        None if np.isnan(dist) else dist,
    )


@pytest.mark.slow
@settings(max_examples=60)
@given(referral_registries(), st.data())
def test_evaluate_equals_the_naive_reference(reg: Registry, data: Any) -> None:
    before = reg.model_dump()
    for case in data.draw(cases_for(reg)):
        policy = data.draw(policies())
        k = data.draw(st.integers(0, 3))
        fast = evaluate(reg, case, policy=policy, outside_options=k)
        assert fast == evaluate_naive(reg, case, policy=policy, outside_options=k)
        assert evaluate(reg, case, policy=policy, outside_options=k) == fast  # deterministic
        assert len(fast.outside_options) <= k
        linked = {d.institution for d in fast.destinations}
        assert all(
            not o.alliance_channel and o.institution not in linked for o in fast.outside_options
        )
    assert reg.model_dump() == before


@pytest.mark.slow
@settings(max_examples=60)
@given(referral_registries(), st.data())
def test_evaluate_many_equals_the_naive_reference(reg: Registry, data: Any) -> None:
    cases = data.draw(cases_for(reg, max_size=10))
    policy = data.draw(policies())
    naive = [evaluate_naive(reg, c, policy=policy) for c in cases]
    batch = evaluate_many(reg, cases, policy=policy)
    assert len(batch) == len(cases)
    assert [batch_summary(batch, i) for i in range(len(cases))] == [summary(d, reg) for d in naive]
    assert tuple(batch) == tuple(naive)
    # the same cases given as columns decide the same
    columns = ReferralCases.from_arrays(
        origin=[c.origin for c in cases],
        criterion=[c.criterion for c in cases],
        specialty=[c.specialty.value if c.specialty else None for c in cases],
        services=[[s.value for s in c.services] for c in cases],
        urgency=[c.urgency.value for c in cases],
        home=[c.home for c in cases],
        lat=[c.lat if c.lat is not None else float("nan") for c in cases],
        lon=[c.lon if c.lon is not None else float("nan") for c in cases],
        condition=[c.condition for c in cases],
    )
    assert [columns.case(i) for i in range(len(cases))] == cases
    again = evaluate_many(reg, columns, policy=policy)
    assert [batch_summary(again, i) for i in range(len(cases))] == [
        batch_summary(batch, i) for i in range(len(cases))
    ]


@pytest.mark.parametrize("seed", [0, 1])
def test_evaluate_many_on_a_synthetic_province(seed: int) -> None:
    reg = synthetic.national(seed=seed, scale=0.004)
    rng = np.random.default_rng(seed)
    ids = [i.id for i in reg.institutions]
    n = 400
    origin = rng.choice(ids, size=n)
    criterion = rng.choice(CRITERIA, size=n)
    urgency = rng.choice(["routine", "urgent", "emergency"], size=n)
    services = [
        list(rng.choice(SERVICES, size=rng.integers(0, 2), replace=False)) for _ in range(n)
    ]
    cases = ReferralCases.from_arrays(
        origin=origin, criterion=criterion, urgency=urgency, services=services
    )
    batch = evaluate_many(reg, cases)
    assert batch.eligible.any()
    assert (~batch.eligible).any()
    for i in rng.choice(n, size=60, replace=False).tolist():
        naive = evaluate_naive(reg, cases.case(i))
        assert batch_summary(batch, i) == summary(naive, reg)
        assert batch[i] == naive


@pytest.mark.slow
@settings(max_examples=60)
@given(referral_registries(), st.data())
def test_directions_respect_tiers(reg: Registry, data: Any) -> None:
    for case in data.draw(cases_for(reg)):
        d = evaluate(reg, case)
        tier = reg.institution(case.origin).tier
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
        assert [r.code for r in d.reasons] == sorted(
            (r.code for r in d.reasons), key=REASON_CODES.index
        )


@pytest.mark.slow
@settings(max_examples=60)
@given(referral_registries(), st.data())
def test_adding_a_channel_never_removes_a_destination(reg: Registry, data: Any) -> None:
    members = [a for a in reg.alliances if len(a.members) >= 2]
    assume(members)
    alliance = data.draw(st.sampled_from(members))
    parties = data.draw(st.lists(st.sampled_from(alliance.members), unique=True, min_size=2))
    items = data.draw(
        st.lists(st.sampled_from(["two_way_referral", "green_channel"]), unique=True, min_size=1)
    )
    used = {g.id for g in reg.agreements} | {c.id for a in reg.alliances for c in a.shared_centres}
    used |= {c.id for a in reg.alliances for c in a.expert_clinics}
    gid = "zz_new_channel"
    assert gid not in used
    new = {"id": gid, "alliance": alliance.id, "parties": parties, "items": items}
    bigger = reg.replace(agreements=[*reg.agreements, new])
    for case in data.draw(cases_for(reg)):
        before = {d.institution for d in evaluate(reg, case).destinations}
        after = {d.institution for d in evaluate(bigger, case).destinations}
        assert before <= after


def test_urgency_changes_the_ranking() -> None:
    reg = Registry(
        institutions=[
            {"id": "v", "name": "某村卫生室", "kind": "村卫生室", "lat": 30.0, "lon": 120.0},
            {
                "id": "near",
                "name": "近县医院",
                "kind": "综合医院",
                "level": "二级",
                "lat": 30.01,
                "lon": 120.0,
            },
            {
                "id": "far",
                "name": "远市医院",
                "kind": "综合医院",
                "level": "三级",
                "lat": 31.0,
                "lon": 120.0,
            },
        ],
        alliances=[
            {
                "id": "a",
                "name": "某医共体",
                "form": "县域医共体",
                "lead": ["near"],
                "memberships": [
                    {"institution": "near", "role": "lead"},
                    {"institution": "v", "role": "base"},
                    {"institution": "far"},
                ],
                "provisions": ["two_way_referral"],
            },
        ],
        agreements=[
            {
                "id": "g1",
                "alliance": "a",
                "parties": ["far", "v"],
                "items": ["two_way_referral", "green_channel"],
            },
            {
                "id": "g2",
                "alliance": "a",
                "parties": ["near", "v"],
                "items": ["two_way_referral", "priority_reception", "priority_examination"],
            },
        ],
    )

    def order(urgency: str) -> list[str]:
        case = ReferralCase(origin="v", criterion="critical_or_difficult", urgency=urgency)
        return [d.institution for d in evaluate(reg, case).destinations]

    assert order("routine") == ["near", "far"]  # more priority flags
    assert order("urgent") == ["far", "near"]  # green channel first
    assert order("emergency") == ["near", "far"]  # nearest first (就近)
    batch = evaluate_many(
        reg,
        [
            ReferralCase(origin="v", criterion="critical_or_difficult", urgency=u)
            for u in ("routine", "urgent", "emergency")
        ],
    )
    assert [batch.best_destination(i) for i in range(3)] == ["near", "far", "near"]


def test_catalogue_sets_the_lowest_tier() -> None:
    reg = examples.load("county_township")
    # lung cancer (C34) needs a tertiary institution in the illustrative catalogue
    case = ReferralCase(origin="township_centre", criterion="beyond_capability", condition="C34.1")
    d = evaluate(reg, case, policy=POLICY_WITH_CATALOGUE)
    assert not d.eligible
    assert [r.code for r in d.reasons] == ["no_capable_destination"]
    assert evaluate(reg, case).eligible  # without the catalogue the county hospital qualifies


def test_outside_options_are_flagged_and_kept_apart() -> None:
    reg = examples.load("shanghai_luwan")
    case = ReferralCase(origin="dapuqiao_chc", criterion="critical_or_difficult")
    d = evaluate(reg, case, outside_options=5)
    inside = {x.institution for x in d.destinations}
    assert all(not o.alliance_channel and o.institution not in inside for o in d.outside_options)
    with pytest.raises(MedAllianceError, match="outside_options"):
        evaluate(reg, case, outside_options=-1)


def test_referral_paths_climb_the_tiers() -> None:
    reg = synthetic.county(seed=3, townships=3, villages_per_township=3)
    village = next(i for i in reg.institutions if i.kind.value == "village_clinic")
    paths = referral_paths(reg, village.id)
    assert paths
    for p in paths:
        assert p.institutions[0] == village.id
        assert all(a < b for a, b in zip(p.tiers, p.tiers[1:], strict=False))
        assert p.hops == len(p.alliances) == len(p.institutions) - 1
        assert p.hops >= 1
    assert [p.hops for p in paths] == sorted(p.hops for p in paths)
    with pytest.raises(UnknownIdError):
        referral_paths(reg, "ghost")
    with pytest.raises(MedAllianceError, match="max_hops"):
        referral_paths(reg, village.id, max_hops=0)
    with pytest.raises(MedAllianceError, match="unknown service"):
        referral_paths(reg, village.id, service="teleportation")


def test_evaluate_many_names_every_bad_case() -> None:
    reg = examples.load("county_township")
    cases = [
        ReferralCase(origin="county_hospital", criterion="postop_recovery"),
        ReferralCase(origin="ghost", criterion="postop_recovery"),
        ReferralCase(origin="county_hospital", criterion="postop_recovery", home="spook"),
    ]
    with pytest.raises(UnknownIdError) as info:
        evaluate_many(reg, cases)
    assert [p.render() for p in info.value.problems] == [
        "cases[1]: unknown institution 'ghost'",
        "cases[2].home: unknown institution 'spook'",
    ]
    with pytest.raises(MedAllianceError, match=r"cases\[0\]: unknown referral criterion 'vibes'"):
        evaluate_many(reg, [ReferralCase(origin="county_hospital", criterion="vibes")])


def test_case_columns_reject_bad_values() -> None:
    with pytest.raises(MedAllianceError) as info:
        ReferralCases.from_arrays(
            origin=["a", "b b"],
            criterion="postop_recovery",
            specialty=["心内科", "astrology"],
            services=[["ct"], ["warp"]],
            urgency=["routine", "whenever"],
            lat=[30.0, 100.0],
            lon=[120.0, float("nan")],
        )
    rendered = [p.render() for p in info.value.problems]
    assert any(r.startswith("origin[1]: not a valid id") for r in rendered)
    assert any(r.startswith("specialty[1]: unknown specialty") for r in rendered)
    assert any(r.startswith("services[1]: unknown service kind") for r in rendered)
    assert any(r.startswith("urgency[1]: unknown urgency") for r in rendered)
    assert "lat[1]: out of range: 100.0" in rendered
    assert "lat[1]: lat and lon must be given together" in rendered


def test_empty_batch() -> None:
    reg = examples.load("county_township")
    batch = evaluate_many(reg, [])
    assert len(batch) == 0
    assert tuple(batch) == ()


@pytest.mark.slow
@settings(max_examples=60)
@given(referral_registries(), st.data())
def test_referral_paths_are_shortest_upward_paths(reg: Registry, data: Any) -> None:
    import networkx as nx

    from medalliance.compiled.channels import referral_channels

    ch = referral_channels(reg)
    up = nx.DiGraph()
    up.add_nodes_from(i.id for i in reg.institutions)
    for inst in reg.institutions:
        for partner in ch.partners(inst.id):
            if reg.institution(partner).tier > inst.tier:
                up.add_edge(inst.id, partner)
    origin = data.draw(st.sampled_from([i.id for i in reg.institutions]))
    paths = referral_paths(reg, origin)
    reachable = nx.descendants(up, origin)
    assert {p.institutions[-1] for p in paths} == {v for v in reachable if up.out_degree(v) == 0}
    for p in paths:
        assert p.hops == nx.shortest_path_length(up, origin, p.institutions[-1])
        assert all(
            up.has_edge(a, b) for a, b in zip(p.institutions, p.institutions[1:], strict=False)
        )


def test_decision_rows_and_columns_are_not_mutated() -> None:
    reg = examples.load("shanghai_luwan")
    origin = np.array(["wuliqiao_chc", "ruijin"])
    cases = ReferralCases.from_arrays(origin=origin, criterion="critical_or_difficult")
    before = cases.origin.copy(), cases.services.copy(), cases.lat.copy()
    batch = evaluate_many(reg, cases)
    assert (cases.origin == before[0]).all()
    assert (cases.services == before[1]).all()
    assert np.isnan(cases.lat).all()
    assert list(origin) == ["wuliqiao_chc", "ruijin"]
    rows = batch.rows()
    assert [r["origin"] for r in rows] == ["wuliqiao_chc", "ruijin"]
    assert rows[1]["eligible"] is False
    d = batch[0]
    assert [r["institution"] for r in d.rows()] == [x.institution for x in d.destinations]


def test_zhejiang_postop_patient_moves_down_once_a_member_is_listed() -> None:
    # The article names no member besides the lead; a user who lists one (a hypothetical
    # county hospital here) gets the down-referral the alliance's provisions open.
    reg = examples.load("zhejiang_geriatric")
    alliance = reg.alliance("zhejiang_geriatric_alliance")
    member = {
        "id": "some_county_hospital",
        "name": "某县人民医院",
        "kind": "综合医院",
        "level": "二级甲等",
        "specialties": ["老年病"],
    }
    grown = reg.replace(
        institutions=[*reg.institutions, member],
        alliances=[
            alliance.replace(
                memberships=[*alliance.memberships, {"institution": "some_county_hospital"}]
            )
            if a.id == alliance.id
            else a
            for a in reg.alliances
        ],
    )
    case = ReferralCase(origin="zhejiang_hospital", criterion="postop_recovery", specialty="老年病")
    d = evaluate(grown, case)
    assert d.eligible
    assert d.direction is Direction.DOWN
    [dest] = d.destinations
    assert dest.institution == "some_county_hospital"
    assert dest.alliances == ("zhejiang_geriatric_alliance",)
    assert {"priority_reception", "priority_admission"} <= set(dest.flags)
    assert not evaluate(grown, case.replace(specialty="oncology")).eligible


def test_compiled_index_is_freed_with_its_registry() -> None:
    import gc
    import weakref

    from medalliance.compiled import _cache

    reg = synthetic.county(seed=5, townships=2, villages_per_township=2)
    evaluate_many(reg, [ReferralCase(origin=reg.institutions[0].id, criterion="postop_recovery")])
    key = id(reg)
    assert key in _cache._CORES
    ref = weakref.ref(reg)
    del reg
    gc.collect()
    assert ref() is None
    assert key not in _cache._CORES


@pytest.mark.parametrize(
    ("origin", "direction"),
    [("qh_provincial_peoples", Direction.LATERAL), ("huzhu_county_peoples", Direction.UP)],
)
def test_qinghai_oncology_mdt_goes_to_the_specialty_lead(origin: str, direction: Direction) -> None:
    reg = examples.load("qinghai_oncology")
    case = ReferralCase(
        origin=origin, criterion="specialty_condition", specialty="肿瘤", services=("mdt",)
    )
    d = evaluate(reg, case)
    [dest] = d.destinations
    assert (dest.institution, dest.direction) == ("qhu_affiliated", direction)
    assert dest.alliances == ("qinghai_oncology_centre",)
    # the lead itself has the capability: no lateral referral out of it
    lead = evaluate(reg, case.replace(origin="qhu_affiliated"))
    assert not lead.eligible

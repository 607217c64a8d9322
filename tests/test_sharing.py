"""Resource sharing: access, recognition, capacity, expert clinics, volumes and checks."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import MedAllianceError, Registry, examples, synthetic
from medalliance._reference.sharing import naive_allocate, naive_service_access
from medalliance.checks import check_registry
from medalliance.cli import main
from medalliance.errors import LabelError, UnknownIdError
from medalliance.model.agreement import AgreementStatus, CooperationItem
from medalliance.model.alliance import FigureUnit
from medalliance.model.vocab import ServiceKind, Specialty, Weekday
from medalliance.sharing import (
    SERVICES,
    AccessSource,
    RecognitionClaim,
    ServiceVolumes,
    SharedPrice,
    TestKind,
    allocate_capacity,
    check_sharing,
    expert_clinic_coverage,
    recognises,
    recognition_groups,
    service_access,
    service_routes,
    sharing_summary,
    volumes_from_declared,
)
from strategies import registries

SLOW = settings(max_examples=50)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------------------
# a small registry for the rules: two alliances, a cross-alliance sharing agreement


def two_alliances(**changes: Any) -> Registry:
    data: dict[str, Any] = {
        "institutions": [
            {"id": "h", "name": "某县人民医院", "kind": "综合医院", "level": "二级甲等"},
            {"id": "t1", "name": "甲镇卫生院", "kind": "乡镇卫生院", "services": ["lab"]},
            {"id": "t2", "name": "乙镇卫生院", "kind": "乡镇卫生院"},
            {"id": "x", "name": "某民营医院", "kind": "综合医院", "level": "一级"},
            {"id": "y", "name": "丙镇卫生院", "kind": "乡镇卫生院"},
        ],
        "alliances": [
            {
                "id": "a",
                "name": "某县医共体",
                "form": "县域医共体",
                "lead": ["h"],
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    {"institution": "t1", "role": "hub"},
                    {"institution": "t2", "role": "hub"},
                ],
                "provisions": ["result_recognition"],
                "shared_centres": [
                    {"id": "img", "kind": "imaging", "host": "h", "serves": ["t1"]},
                    {"id": "lab", "kind": "lab", "host": "h", "capacity_per_day": 100},
                ],
            },
            {
                "id": "b",
                "name": "某远程医疗协作网",
                "form": "远程医疗协作网",
                "lead": ["h"],
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    {"institution": "x"},
                    {"institution": "y"},
                ],
            },
        ],
        "agreements": [
            {"id": "g", "alliance": "b", "parties": ["h", "x"], "items": ["shared_services"]},
            {
                "id": "g_old",
                "alliance": "b",
                "parties": ["h", "y"],
                "items": ["shared_services", "result_recognition"],
                "status": "ended",
            },
        ],
    }
    data.update(changes)
    return Registry.model_validate(data)


# --------------------------------------------------------------------------------------
# service access: seed fixtures


def test_gangkou_every_hub_reaches_the_head_hospitals_centres() -> None:
    reg = examples.load("gangkou")
    access = service_access(reg)
    hubs = ("gongche_thc", "qisha_thc", "guangpo_thc", "yuzhouping_chc")
    centre_of = {
        "ct": "gangkou_imaging",
        "colour_doppler": "gangkou_imaging",
        "ultrasound": "gangkou_imaging",
        "lab": "gangkou_lab",
        "sterilisation_supply": "gangkou_sterilisation",
        "pcr": "gangkou_pcr",
    }
    for hub in hubs:
        for service, centre in centre_of.items():
            route = access.route(hub, service)
            assert route is not None
            assert (route.source, route.centre, route.host) == (
                AccessSource.ALLIANCE,
                centre,
                "gangkou_peoples",
            )
        assert not access.has(hub, "mri")
    for service in centre_of:
        assert access.source_of("gangkou_peoples", service) is AccessSource.OWN
        share = access.share(service)
        assert (share.own, share.alliance, share.with_access, share.share) == (1, 4, 5, 1.0)
    assert access.share("mri").with_access == 0
    assert access.lacking("mri") == tuple(i.id for i in reg.institutions)


def test_dingzhou_centres_serve_only_their_own_alliance() -> None:
    reg = examples.load("dingzhou")
    access = service_access(reg)
    for member, prefix, lead in (
        ("qingfeng_chc", "dzp", "dingzhou_peoples"),
        ("mingyue_chc", "dzm", "dingzhou_mch"),
    ):
        for service, kind in (
            ("lab", "lab"),
            ("ecg", "ecg"),
            ("pathology", "pathology"),
            ("ct", "imaging"),
            ("mri", "imaging"),
            ("sterilisation_supply", "sterilisation"),
        ):
            route = access.route(member, service)
            assert route is not None
            assert route.centre == f"{prefix}_{kind}"
            assert route.host == lead
            test_kind = TestKind.of_service(service)
            if test_kind is not None:  # one-way: the member accepts the centre's results
                assert recognises(reg, member, lead, test_kind)
                assert not recognises(reg, lead, member, test_kind)
        # two logistics centres: the first one listed wins
        assert access.route(member, "logistics").centre == f"{prefix}_logistics_management"  # type: ignore[union-attr]
        assert access.source_of(lead, "pathology") is AccessSource.HOSTED
    # each lead's centres reach no member of the other alliance
    assert access.route("qingfeng_chc", "lab").alliance == "dingzhou_peoples_alliance"  # type: ignore[union-attr]
    assert not recognises(reg, "qingfeng_chc", "dingzhou_mch", "lab")
    # management centres provide no service
    assert all(s.with_access in (0, 4) for s in access.shares())
    only = service_access(reg, alliance="dingzhou_mch_alliance")
    assert only.institutions == ("dingzhou_mch", "mingyue_chc")
    assert only.route("mingyue_chc", "ecg").centre == "dzm_ecg"  # type: ignore[union-attr]


def test_zhejiang_geriatric_centres_are_the_leads_own_services() -> None:
    reg = examples.load("zhejiang_geriatric")
    access = service_access(reg)
    for service in ("chronic_disease_management", "teleconsultation", "lab"):
        assert access.source_of("zhejiang_hospital", service) is AccessSource.OWN
        assert not access.has("zhejiang_cancer_hospital", service)
    assert [r.source for r in service_routes(reg, "zhejiang_hospital", service="远程会诊")] == [
        AccessSource.OWN,
        AccessSource.HOSTED,
    ]
    groups = recognition_groups(reg, "lab")
    group = groups.group_of("zhejiang_hospital")
    assert group.members == ("zhejiang_hospital",)
    assert group.sources == ("alliance:zhejiang_geriatric_alliance",)
    assert not recognises(reg, "zhejiang_hospital", "zhejiang_cancer_hospital", "lab")


def test_county_township_patients_book_ct_mri_upwards_not_through_a_centre() -> None:
    reg = examples.load("county_township")
    access = service_access(reg)
    # the article's CT/MRI booking is a referral, not a shared centre: no sharing route
    assert access.lacking("ct") == ("township_centre",)
    assert access.share("inpatient").share == 1.0


def test_alliance_scope_and_agreement_routes() -> None:
    reg = two_alliances()
    access = service_access(reg)
    # imaging serves t1 only; lab serves every member of a; x reaches both through g
    assert access.route("t1", "ct").source is AccessSource.ALLIANCE  # type: ignore[union-attr]
    assert not access.has("t2", "ct")
    assert access.source_of("t1", "lab") is AccessSource.OWN
    assert access.source_of("t2", "lab") is AccessSource.ALLIANCE
    route = access.route("x", "ct")
    assert route is not None
    assert (route.source, route.centre, route.alliance, route.agreement) == (
        AccessSource.AGREEMENT,
        "img",
        "a",
        "g",
    )
    # an ended agreement gives nothing
    assert not access.has("y", "lab")
    scoped = service_access(reg, alliance="a")
    assert scoped.institutions == ("h", "t1", "t2")
    with pytest.raises(UnknownIdError):
        scoped.has("x", "ct")
    assert service_access(reg, alliance="b").source_of("x", "lab") is AccessSource.AGREEMENT
    with pytest.raises(MedAllianceError, match="not a member"):
        service_routes(reg, "x", alliance="a")


def test_rows_list_every_reached_cell() -> None:
    access = service_access(two_alliances())
    rows = access.rows()
    assert len(rows) == int(access.access.sum())
    assert {"institution": "x", "service": "ct", "source": "agreement"}.items() <= next(
        r for r in rows if r["institution"] == "x" and r["service"] == "ct"
    ).items()


@pytest.mark.slow
@SLOW
@given(registries(), st.data())
def test_service_access_equals_naive_loops(reg: Registry, data: Any) -> None:
    alliance = data.draw(st.sampled_from([None, *(a.id for a in reg.alliances)]))
    access = service_access(reg, alliance=alliance)
    naive = naive_service_access(reg, alliance=alliance)
    assert access.institutions == tuple(naive)
    for inst, best in naive.items():
        first: dict[ServiceKind, Any] = {}
        for r in service_routes(reg, inst, alliance=alliance):  # best first per service
            first.setdefault(r.service, r)
        assert first == best
        for service in SERVICES:
            expected = best.get(service)
            assert access.route(inst, service) == expected
            assert access.source_of(inst, service) is (
                AccessSource.NONE if expected is None else expected.source
            )
    for share in access.shares():
        assert share.own + share.hosted + share.alliance + share.agreement == share.with_access
        assert 0.0 <= share.share <= 1.0


# --------------------------------------------------------------------------------------
# recognition


def test_recognition_rules_on_a_small_registry() -> None:
    reg = two_alliances()
    # alliance-wide provision: mutual among h, t1, t2 for every test kind
    for kind in TestKind:
        assert recognises(reg, "t1", "t2", kind)
        assert recognises(reg, "t2", "t1", kind)
    # one-way: x uses h's imaging centre through the agreement, h does not accept x's images
    assert recognises(reg, "x", "h", "imaging")
    assert not recognises(reg, "h", "x", "imaging")
    # ... but x does not use an ECG centre, so no ECG recognition either way
    assert not recognises(reg, "x", "h", "ecg")
    # the ended agreement's recognition does not count
    assert not recognises(reg, "y", "h", "lab")
    assert recognises(reg, "x", "x", "pathology")
    groups = recognition_groups(reg, "imaging")
    assert [g.members for g in groups.groups] == [("h", "t1", "t2"), ("x",), ("y",)]
    assert groups.groups[0].complete
    assert groups.rows()[0] == {"institution": "h", "group": 0, "group_size": 3}


def test_recognition_bad_input() -> None:
    reg = two_alliances()
    with pytest.raises(LabelError, match="test_kind"):
        recognition_groups(reg, "blood-ish")
    with pytest.raises(UnknownIdError):
        recognises(reg, "h", "nowhere", "lab")
    with pytest.raises(UnknownIdError):
        recognition_groups(reg, "lab").group_of("nowhere")


def test_test_kinds_map_services() -> None:
    assert TestKind.of_service("CT检查") is TestKind.IMAGING
    assert TestKind.of_service("核酸检测") is TestKind.LAB
    assert TestKind.parse("心电图") is TestKind.ECG
    covered = [s for k in TestKind for s in k.services]
    assert len(covered) == len(set(covered))


def naive_mutual_pairs(reg: Registry) -> tuple[set[tuple[str, str]], list[tuple[str, ...]]]:
    sources: list[tuple[str, ...]] = []
    for a in reg.alliances:
        if CooperationItem.RESULT_RECOGNITION in a.provisions:
            sources.append(a.members)
    for g in reg.agreements:
        if g.status is AgreementStatus.IN_FORCE and CooperationItem.RESULT_RECOGNITION in g.items:
            sources.append(g.parties)
    pairs = {(p, q) for members in sources for p in members for q in members}
    return pairs, sources


def naive_components(reg: Registry, sources: list[tuple[str, ...]]) -> list[list[str]]:
    parent = {i.id: i.id for i in reg.institutions}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for members in sources:
        for m in members[1:]:
            ra, rb = find(members[0]), find(m)
            if ra != rb:
                parent[rb] = ra
    groups: dict[str, list[str]] = {}
    for inst in reg.institutions:
        groups.setdefault(find(inst.id), []).append(inst.id)
    return list(groups.values())


def naive_one_way(reg: Registry, a: str, kind: TestKind) -> set[str]:
    """Hosts of centres ``a`` may use for a service of ``kind`` (alliance or agreement)."""
    wanted = set(kind.services)
    hosts = set()
    for al in reg.alliances:
        for c in al.shared_centres:
            if not wanted & set(c.effective_services) or c.host == a:
                continue
            if a in al.members and (c.serves == "all" or a in c.serves):
                hosts.add(c.host)
            for g in reg.agreements:
                if (
                    g.status is AgreementStatus.IN_FORCE
                    and CooperationItem.SHARED_SERVICES in g.items
                    and a in g.parties
                    and c.host in g.parties
                ):
                    hosts.add(c.host)
    return hosts


@SLOW
@given(registries(), st.sampled_from(list(TestKind)))
def test_recognition_groups_and_pairs_equal_naive(reg: Registry, kind: TestKind) -> None:
    pairs, sources = naive_mutual_pairs(reg)
    groups = recognition_groups(reg, kind)
    # the groups partition the institutions
    flat = [m for g in groups.groups for m in g.members]
    assert sorted(flat) == sorted(i.id for i in reg.institutions)
    assert len(flat) == len(set(flat))
    assert sorted(list(g.members) for g in groups.groups) == sorted(naive_components(reg, sources))
    ids = [i.id for i in reg.institutions]
    for g in groups.groups:
        complete = all((p, q) in pairs for p in g.members for q in g.members if p != q)
        assert g.complete == complete
    for a in ids:
        one_way = naive_one_way(reg, a, kind)
        for b in ids:
            expected = a == b or (a, b) in pairs or b in one_way
            assert recognises(reg, a, b, kind) == expected
            if (a, b) in pairs:  # declared mutual: symmetric and in one group
                assert recognises(reg, b, a, kind)
                assert groups.group_of(a) == groups.group_of(b)


# --------------------------------------------------------------------------------------
# capacity allocation

METHODS = ("proportional", "max_min_fair", "priority")


def check_invariants(
    capacity: float, demands: list[float], alloc: np.ndarray[Any, Any], method: str, tol: float
) -> None:
    d = np.asarray(demands, dtype=np.float64)
    a = alloc.astype(np.float64)
    assert (a >= 0).all()
    assert (a <= d).all()
    assert math.fsum(a.tolist()) <= capacity
    expected_total = min(capacity, math.fsum(demands))
    assert math.fsum(a.tolist()) >= expected_total - tol * max(1.0, expected_total)
    if method == "max_min_fair" and len(d):
        unsatisfied = a < d - tol * max(1.0, float(d.max()))
        if unsatisfied.any():
            # an unsatisfied member gets at least as much as anyone (up to one unit)
            slack = 1.0 if tol == 0 else tol * max(1.0, float(a.max()))
            assert (a[unsatisfied] >= a.max() - slack).all()


demand_lists = st.lists(
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False), max_size=40
)
int_demand_lists = st.lists(st.integers(min_value=0, max_value=10_000), max_size=40)


@SLOW
@given(
    demand_lists,
    st.floats(min_value=0, max_value=2e7, allow_nan=False, allow_infinity=False),
    st.sampled_from(METHODS),
    st.data(),
)
def test_allocation_invariants_and_naive_oracle_float(
    demands: list[float], capacity: float, method: str, data: Any
) -> None:
    priorities = None
    if method == "priority" and data.draw(st.booleans()):
        priorities = data.draw(
            st.lists(st.integers(0, 3), min_size=len(demands), max_size=len(demands))
        )
    before = list(demands)
    result = allocate_capacity(capacity, demands, method=method, priorities=priorities)  # type: ignore[arg-type]
    assert demands == before
    check_invariants(capacity, demands, result.allocated, method, 1e-9)
    naive = naive_allocate(capacity, demands, method=method, priorities=priorities)
    np.testing.assert_allclose(result.allocated, naive, rtol=1e-9, atol=1e-6)
    again = allocate_capacity(capacity, demands, method=method, priorities=priorities)  # type: ignore[arg-type]
    assert again.allocated.tolist() == result.allocated.tolist()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("capacity", "demands"),
    [  # a tiny demand beside large ones: once served twice over, then a near-endless trim
        (4.847901830960442e-181, [4.847901830960442e-181, 1.0]),
        (
            1.1125369292536007e-308,
            [8.908111561333841e-198, 374000.34849243995, 817609.0590778918, 4.4e-285],
        ),
        (1e-300, [1e-300, 1e-300, 5.0, 1e-310]),
    ],
)
def test_allocation_of_a_tiny_capacity_among_tiny_and_large_demands(
    capacity: float, demands: list[float], method: str
) -> None:
    result = allocate_capacity(capacity, demands, method=method)  # type: ignore[arg-type]
    check_invariants(capacity, demands, result.allocated, method, 1e-9)
    naive = naive_allocate(capacity, demands, method=method)
    np.testing.assert_allclose(result.allocated, naive, rtol=1e-9, atol=1e-6)


@SLOW
@given(int_demand_lists, st.integers(0, 200_000), st.sampled_from(METHODS), st.data())
def test_allocation_invariants_and_naive_oracle_integral(
    demands: list[int], capacity: int, method: str, data: Any
) -> None:
    priorities = None
    if method == "priority" and data.draw(st.booleans()):
        priorities = data.draw(
            st.lists(st.integers(0, 3), min_size=len(demands), max_size=len(demands))
        )
    arr = np.array(demands, dtype=np.int64)
    result = allocate_capacity(
        capacity,
        arr,
        method=method,  # type: ignore[arg-type]
        priorities=priorities,
        integral=True,
    )
    assert arr.tolist() == demands
    assert result.allocated.dtype == np.int64
    check_invariants(capacity, [float(x) for x in demands], result.allocated, method, 0.0)
    assert int(result.allocated.sum()) == min(capacity, sum(demands))
    naive = naive_allocate(
        capacity, [float(x) for x in demands], method=method, priorities=priorities, integral=True
    )
    assert result.allocated.tolist() == naive


@settings(max_examples=40)
@given(st.lists(st.integers(1, 50), min_size=2, max_size=12), st.integers(1, 200))
def test_max_min_fair_ties_go_to_earlier_members(demands: list[int], capacity: int) -> None:
    equal = [demands[0]] * len(demands)
    a = allocate_capacity(capacity, equal, method="max_min_fair", integral=True).allocated
    # equal demands: shares differ by at most one, the extra units to the first members
    assert a.max() - a.min() <= 1
    assert list(a) == sorted(a, reverse=True)


def test_allocation_of_a_mapping_keeps_member_ids() -> None:
    demands = {"qisha_thc": 30, "guangpo_thc": 20, "gongche_thc": 50}
    before = dict(demands)
    a = allocate_capacity(
        60,
        demands,
        method="priority",
        priorities={"qisha_thc": 1, "guangpo_thc": 0, "gongche_thc": 2},
    )
    assert demands == before
    assert a.members == ("qisha_thc", "guangpo_thc", "gongche_thc")
    assert a.allocated.tolist() == [30.0, 20.0, 10.0]
    assert a.total == 60.0
    assert a.unmet.tolist() == [0.0, 0.0, 40.0]
    assert a.rows()[2] == {
        "member": "gongche_thc",
        "demand": 50.0,
        "allocated": 10.0,
        "unmet": 40.0,
    }
    with pytest.raises(ValueError, match="read-only"):
        a.allocated[0] = 1.0


def test_allocation_when_demand_fits() -> None:
    for method in METHODS:
        assert allocate_capacity(10, [3, 4], method=method).allocated.tolist() == [3.0, 4.0]  # type: ignore[arg-type]
    assert allocate_capacity(0, [3, 4]).allocated.tolist() == [0.0, 0.0]
    assert allocate_capacity(5, []).allocated.tolist() == []


@pytest.mark.parametrize(
    ("kwargs", "paths"),
    [
        ({"capacity": -1, "demands": [1, 2]}, ["capacity"]),
        ({"capacity": float("nan"), "demands": [1]}, ["capacity"]),
        ({"capacity": True, "demands": [1]}, ["capacity"]),
        ({"capacity": 10, "demands": [1, -2, -3]}, ["demands[1]", "demands[2]"]),
        ({"capacity": 10, "demands": {"a": -1, "b": float("inf")}}, ["demands.a", "demands.b"]),
        ({"capacity": 10, "demands": [1, "2"]}, ["demands[1]"]),
        ({"capacity": 10, "demands": [True, 1]}, ["demands[0]"]),
        ({"capacity": 10, "demands": "12"}, ["demands"]),
        ({"capacity": 10, "demands": [[1, 2]]}, ["demands[0]"]),
        ({"capacity": 10, "demands": np.ones((2, 2))}, ["demands"]),
        ({"capacity": 10, "demands": [1], "method": "fifo"}, ["method"]),
        ({"capacity": 10, "demands": [1], "priorities": [1]}, ["priorities"]),
        (
            {"capacity": 10, "demands": [1, 2], "method": "priority", "priorities": [1]},
            ["priorities"],
        ),
        (
            {"capacity": 10, "demands": {"a": 1}, "method": "priority", "priorities": {"b": 1}},
            ["priorities.a", "priorities.b"],
        ),
        ({"capacity": 10.5, "demands": [1.5], "integral": True}, ["capacity", "demands[0]"]),
        ({"capacity": -1, "demands": [-1], "method": "x"}, ["capacity", "method", "demands[0]"]),
    ],
)
def test_allocation_bad_input_names_every_problem(kwargs: dict[str, Any], paths: list[str]) -> None:
    with pytest.raises(MedAllianceError) as exc:
        allocate_capacity(**kwargs)
    from medalliance.errors import format_path

    assert [format_path(p.path) for p in exc.value.problems] == paths


# --------------------------------------------------------------------------------------
# expert clinics


def test_township_expert_schedule() -> None:
    reg = examples.load("county_township")
    cov = expert_clinic_coverage(reg)
    assert [(s.site, s.department, s.sessions, s.weekdays, s.hosts) for s in cov.sessions] == [
        (
            "township_centre",
            Specialty.CARDIOLOGY,
            2,
            (Weekday.WED, Weekday.FRI),
            ("county_hospital",),
        ),
        (
            "township_centre",
            Specialty.NEUROLOGY,
            2,
            (Weekday.WED, Weekday.FRI),
            ("county_hospital",),
        ),
    ]
    assert cov.uncovered == ()
    assert cov.sessions_at("township_centre") == 4
    # the article's 60+ postings: at four sessions a week, at least 15 weeks of clinics
    postings = reg.alliance("county_township_community").declared_value("expert_postings")
    assert postings is not None
    weeks = math.ceil(postings.value / cov.total_sessions)
    assert expert_clinic_coverage(reg, weeks=weeks).total_sessions >= postings.value
    assert weeks == 15
    assert cov.rows()[0]["weekdays"] == "wed fri"


def test_expert_coverage_scope_and_bad_weeks() -> None:
    reg = examples.load("gangkou")
    cov = expert_clinic_coverage(reg, alliance="gangkou_community")
    assert cov.sessions == ()
    assert cov.uncovered == ("gongche_thc", "guangpo_thc", "qisha_thc", "yuzhouping_chc")
    for weeks in (0, -1, 1.5, True, "2"):
        with pytest.raises(MedAllianceError, match="weeks"):
            expert_clinic_coverage(reg, weeks=weeks)  # type: ignore[arg-type]
    with pytest.raises(UnknownIdError):
        expert_clinic_coverage(reg, alliance="nowhere")


@pytest.mark.slow
@SLOW
@given(registries(), st.integers(1, 5))
def test_expert_coverage_equals_naive_count(reg: Registry, weeks: int) -> None:
    cov = expert_clinic_coverage(reg, weeks=weeks)
    expected: dict[tuple[str, Specialty], int] = {}
    sites = set()
    for a in reg.alliances:
        for e in a.expert_clinics:
            key = (e.site, e.department)
            expected[key] = expected.get(key, 0) + weeks * len(e.weekdays)
            sites.add(e.site)
    assert {(s.site, s.department): s.sessions for s in cov.sessions} == expected
    non_leads = {m for a in reg.alliances for m in a.members if m not in a.lead}
    assert set(cov.uncovered) == non_leads - sites
    assert cov.total_sessions == sum(expected.values())


# --------------------------------------------------------------------------------------
# volumes and the Gangkou figures


def test_gangkou_declared_volumes_and_ten_percent_saving() -> None:
    reg = examples.load("gangkou")
    volumes = volumes_from_declared(reg)
    summary = sharing_summary(reg, volumes)
    by_centre = {c.centre: c for c in summary.centres}
    assert dict(by_centre["gangkou_imaging"].by_service) == {
        ServiceKind.CT: 330,
        ServiceKind.COLOUR_DOPPLER: 12,
    }
    assert by_centre["gangkou_lab"].volume == 137
    assert by_centre["gangkou_sterilisation"].volume == 964
    assert by_centre["gangkou_pcr"].volume == 11_745
    assert all(c.utilisation is None for c in summary.centres)  # capacities not stated
    assert summary.patient_savings_yuan is None
    units = {e.service: e.unit for e in volumes.entries}
    assert units[ServiceKind.STERILISATION_SUPPLY] is FigureUnit.ITEMS
    assert units[ServiceKind.PCR] is FigureUnit.TESTS
    # the article's −10.00% patient burden on the shared imaging, B超 and lab examinations
    prices = [
        SharedPrice(service=s, list_price_yuan=p, discount=0.10)
        for s, p in (("ct", 280.0), ("colour_doppler", 160.0), ("lab", 60.0))
    ]
    priced = sharing_summary(reg, volumes, prices=prices)
    assert priced.patient_cost_change_percent == pytest.approx(-10.0)
    list_cost = 330 * 280.0 + 12 * 160.0 + 137 * 60.0
    assert priced.patient_savings_yuan == pytest.approx(0.10 * list_cost)
    assert [s.volume for s in priced.savings] == [330, 12, 137]
    assert len(priced.rows()) == 5


def test_utilisation_with_capacity_and_days() -> None:
    reg = two_alliances()
    volumes = ServiceVolumes.from_counts({"lab": 1500, "img": {"ct": 10}}, days=30)
    summary = sharing_summary(reg, volumes)
    lab = next(c for c in summary.centres if c.centre == "lab")
    assert lab.utilisation == pytest.approx(1500 / (100 * 30))
    img = next(c for c in summary.centres if c.centre == "img")
    assert img.utilisation is None
    shared = SharedPrice(service="lab", list_price_yuan=50, shared_price_yuan=40)
    s = sharing_summary(reg, volumes, prices=[shared])
    assert s.patient_savings_yuan == pytest.approx(1500 * 10)
    assert s.patient_cost_change_percent == pytest.approx(-20.0)


def test_volume_and_price_bad_input() -> None:
    reg = two_alliances()
    bad = ServiceVolumes(
        entries=[
            {"centre": "nowhere", "count": 1},
            {"centre": "img", "count": 1},
            {"centre": "img", "service": "ecg", "count": 1},
            {"centre": "lab", "member": "ghost", "count": 1},
        ]
    )
    with pytest.raises(MedAllianceError) as exc:
        sharing_summary(reg, bad)
    assert [p.path for p in exc.value.problems] == [
        ("entries", 0, "centre"),
        ("entries", 1, "service"),
        ("entries", 2, "service"),
        ("entries", 3, "member"),
    ]
    with pytest.raises(MedAllianceError, match="unknown service kind 'x-ray-ish'"):
        ServiceVolumes(entries=[{"centre": "img", "service": "x-ray-ish", "count": 1}])
    with pytest.raises(MedAllianceError, match="count"):
        ServiceVolumes(entries=[{"centre": "img", "service": "ct", "count": -5}])
    with pytest.raises(MedAllianceError, match="repeats"):
        ServiceVolumes(entries=[{"centre": "lab", "count": 1}, {"centre": "lab", "count": 2}])
    with pytest.raises(MedAllianceError, match="exactly one"):
        SharedPrice(service="ct", list_price_yuan=100)
    with pytest.raises(MedAllianceError, match="exceed"):
        SharedPrice(service="ct", list_price_yuan=100, shared_price_yuan=120)
    with pytest.raises(MedAllianceError, match="priced twice"):
        sharing_summary(
            reg,
            ServiceVolumes(entries=[{"centre": "lab", "count": 1}]),
            prices=[
                SharedPrice(service="lab", list_price_yuan=1, discount=0.1),
                SharedPrice(service="检验", list_price_yuan=2, discount=0.2),
            ],
        )


def test_unknown_service_kind_and_alliance() -> None:
    reg = two_alliances()
    access = service_access(reg)
    with pytest.raises(LabelError):
        access.has("h", "teleportation")
    with pytest.raises(UnknownIdError):
        service_access(reg, alliance="nowhere")
    with pytest.raises(UnknownIdError):
        volumes_from_declared(reg, alliance="nowhere")


# --------------------------------------------------------------------------------------
# checks


def test_checks_from_the_registry() -> None:
    reg = two_alliances()
    codes = [(f.code, f.subject) for f in check_sharing(reg)]
    assert ("centre_serves_outside_alliance", "img") in codes
    assert ("centre_serves_outside_alliance", "lab") in codes
    assert all(f.code != "centre_serves_nobody" for f in check_sharing(reg))
    data = two_alliances().model_dump(mode="json")
    data["alliances"][0]["shared_centres"][0]["serves"] = []
    data["alliances"][1]["provisions"] = ["shared_services"]
    odd = Registry.model_validate(data)
    codes = [(f.code, f.subject) for f in check_sharing(odd)]
    assert ("centre_serves_nobody", "img") in codes
    assert ("shared_services_without_centre", "b") in codes
    # wired into check_registry
    assert {"centre_serves_nobody", "shared_services_without_centre"} <= {
        f.code for f in check_registry(odd)
    }
    with pytest.raises(MedAllianceError, match="centre_serves_nobody"):
        check_registry(odd, strict=True)


def test_bundled_examples_have_no_sharing_warnings() -> None:
    for name in examples.names():
        findings = check_sharing(examples.load(name))
        assert [f for f in findings if f.severity.value == "warning"] == []


def test_checks_from_activity_records() -> None:
    reg = two_alliances()
    volumes = ServiceVolumes(
        entries=[
            {"centre": "lab", "member": "t2", "count": 3},  # listed: fine
            {"centre": "img", "service": "ct", "member": "t2", "count": 1},  # not in serves
            {"centre": "img", "service": "ct", "member": "x", "count": 1},  # agreement g
            {"centre": "img", "service": "ct", "member": "y", "count": 1},  # ended agreement
            {"centre": "lab", "member": "h", "count": 9},  # the host itself
        ]
    )
    found = [(f.code, f.severity.value) for f in check_sharing(reg, volumes=volumes)]
    assert ("centre_serves_unlisted", "info") in found
    assert ("centre_serves_outsider", "warning") in found
    assert sum(code.startswith("centre_serves_o") and sev == "warning" for code, sev in found) == 1
    claims = [
        RecognitionClaim(by="t1", of="t2", test_kind="lab"),  # provision: fine
        RecognitionClaim(by="x", of="h", test_kind="imaging"),  # one-way via centre: fine
        RecognitionClaim(by="h", of="x", test_kind="imaging"),  # share b, not granted
        RecognitionClaim(by="t1", of="y", test_kind="ecg"),  # no common alliance
    ]
    found = [(f.code, f.subject) for f in check_sharing(reg, claims=claims)]
    assert ("recognition_not_granted", "h") in found
    assert ("recognition_without_alliance", "t1") in found
    assert len([c for c, _ in found if c.startswith("recognition")]) == 2
    with pytest.raises(MedAllianceError) as exc:
        check_sharing(reg, claims=[RecognitionClaim(by="ghost", of="spook", test_kind="lab")])
    assert [p.path for p in exc.value.problems] == [("claims", 0, "by"), ("claims", 0, "of")]


# --------------------------------------------------------------------------------------
# the command line


def test_cli_sharing_text_and_json() -> None:
    code, out, err = run("sharing", "gangkou")
    assert code == 0, err
    for text in ("ct", "gangkou_imaging", "11745", "彩色多普勒"):
        assert text in out
    code, out, err = run("sharing", "dingzhou", "--json")
    assert code == 0, err
    data = json.loads(out)
    lab = next(s for s in data["access"] if s["service"] == "lab")
    assert (lab["alliance"], lab["hosted"], lab["with_access"]) == (2, 2, 4)
    assert {c["centre"] for c in data["centres"]} >= {"dzp_lab", "dzm_pathology"}
    code, out, _ = run("sharing", "gangkou", "--alliance", "gangkou_community", "--json")
    assert code == 0
    assert json.loads(out)["institutions"] == 5


def test_cli_sharing_bad_input() -> None:
    code, _, err = run("sharing", "no_such_example")
    assert code == 1
    assert "error" in err
    assert "Traceback" not in err
    code, out, _ = run("sharing", "gangkou", "--alliance", "nowhere", "--json")
    assert code == 1
    assert json.loads(out)["valid"] is False


def test_sharing_base_is_kept_with_the_compiled_core() -> None:
    from medalliance.compiled import build_count

    reg = two_alliances()
    before = build_count()
    first = service_access(reg)
    assert service_access(reg).source.tolist() == first.source.tolist()
    recognition_groups(reg, "lab")
    assert build_count() - before == 1


def test_results_read_as_tables() -> None:
    pytest.importorskip("pandas")
    reg = examples.load("gangkou")
    assert len(service_access(reg).to_frame()) == 30
    assert list(recognition_groups(reg, "lab").to_frame().columns) == [
        "institution",
        "group",
        "group_size",
    ]
    assert allocate_capacity(5, {"a": 3, "b": 4}).to_frame()["allocated"].sum() <= 5
    assert expert_clinic_coverage(examples.load("county_township")).to_frame().shape == (2, 6)
    assert len(sharing_summary(reg, volumes_from_declared(reg)).to_frame()) == 5


# --------------------------------------------------------------------------------------
# reprs: one line a person can read, with the key figures


def assert_one_line(result: object, *figures: str) -> str:
    text = repr(result)
    assert "\n" not in text
    assert text.startswith(type(result).__name__ + "(")
    assert len(text) <= 140, text
    assert str(result) == text
    for figure in figures:
        assert figure in text, (figure, text)
    return text


def test_reprs_of_the_gangkou_results() -> None:
    reg = examples.load("gangkou")
    access = service_access(reg)
    assert_one_line(
        access, "5 institutions × 25 services", "30 pairs reached", "24 via sharing", "100% with CT"
    )
    assert_one_line(
        service_access(reg, alliance="gangkou_community"), "alliance 'gangkou_community'"
    )
    prices = [SharedPrice(service="ct", list_price_yuan=300.0, discount=0.1)]
    volumes = volumes_from_declared(reg)
    assert_one_line(volumes, "5 entries for 4 centres", "13,188 in all", "period unknown")
    summary = sharing_summary(reg, volumes)
    assert_one_line(summary, "4 centres", "volume 13,188", "no prices")
    priced = sharing_summary(reg, volumes, prices=prices)
    assert_one_line(priced, "1 priced service", "9,900 yuan saved", "-10.0%")
    assert_one_line(priced.savings[0], "ct", "330 units", "99,000 → 89,100 yuan")
    assert_one_line(priced.centres[0], "'gangkou_imaging'", "volume 342", "utilisation unknown")
    dated = sharing_summary(two_alliances(), ServiceVolumes.from_counts({"lab": 1500}, days=30))
    assert_one_line(dated.centres[0], "'lab'", "volume 1,500 in 1 service", "utilisation 50.0%")
    assert_one_line(ServiceVolumes.from_counts({"gangkou_lab": 137}, days=1), "over 1 day")


def test_reprs_of_recognition_allocation_and_clinics() -> None:
    groups = recognition_groups(examples.load("benxi_central"), "lab")
    assert_one_line(groups, "lab", "2 institutions in 1 group", "largest 2", "2 sources")
    assert_one_line(groups.groups[0], "2 members", "benxi_central, huanren_peoples", "complete")
    alone = recognition_groups(examples.load("shanghai_luwan"), "ecg")
    assert_one_line(alone, "7 institutions in 7 groups", "largest 1", "0 sources")
    a = allocate_capacity(60, {"t1": 80, "t2": 40, "t3": 10}, method="max_min_fair")
    assert_one_line(a, "max_min_fair", "3 members", "capacity 60", "60 allocated of 130 demanded")
    small = allocate_capacity(9.5, [1.25, 2.5], method="priority")
    assert_one_line(small, "priority", "capacity 9.5", "3.75 allocated of 3.75 demanded")
    cov = expert_clinic_coverage(examples.load("county_township"), weeks=4)
    assert_one_line(cov, "4 weeks", "16 sessions at 1 site in 2 departments", "0 members")
    assert_one_line(
        expert_clinic_coverage(examples.load("gangkou")), "1 week", "0 sessions", "4 members"
    )


def test_reprs_stay_short_on_large_results() -> None:
    reg = synthetic.county(seed=1)
    access = service_access(reg)
    reached = int(access.access.sum())
    via = sum(s.via_sharing for s in access.shares())
    ct = access.share("ct").share
    assert_one_line(
        access, f"{len(reg.institutions):,} institutions", f"{reached:,} pairs", f"{via:,} via"
    )
    assert f"{ct:.0%} with CT" in repr(access)
    groups = recognition_groups(reg, "imaging")
    largest = max(groups.groups, key=lambda g: len(g.members))
    assert len(largest.members) > 3
    text = assert_one_line(largest, f"{len(largest.members):,} members", ", …;")
    assert text.count(",") < 8
    demands = list(range(20_000))
    a = allocate_capacity(1_000, demands, integral=True)
    assert_one_line(a, "20,000 members", "1,000 allocated", f"{sum(demands):,} demanded")
    assert_one_line(expert_clinic_coverage(reg))
    assert_one_line(allocate_capacity(0, []), "0 members")


@settings(max_examples=30)
@given(registries())
def test_access_repr_counts_equal_the_table(reg: Registry) -> None:
    access = service_access(reg)
    shared = sum(
        1
        for r in access.rows()
        if r["source"] in (AccessSource.ALLIANCE.value, AccessSource.AGREEMENT.value)
    )
    assert_one_line(
        access,
        f"{len(access.institutions):,} institution",
        f"{len(access.rows()):,} pair",
        f"{shared:,} via sharing",
    )

"""Structural coverage, reachability and resilience, checked against plain references.

The references build the institution graph with networkx (one edge for every pair of
institutions sharing a referral channel) and use its shortest paths and connected
components; the library never expands channels into pairs. Channels and the capability rule
come from the plain restatement in :mod:`medalliance._reference.common`, never from the
compiled core the library uses.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import Registry, examples, synthetic
from medalliance._reference.common import naive_channels, naive_offers
from medalliance.cli import main
from medalliance.coverage import (
    Consistency,
    ReachTarget,
    alliance_coverage,
    alliance_overlap,
    area_coverage,
    articulation_points,
    reachability,
    registry_coverage,
    removal_impact,
)
from medalliance.errors import MedAllianceError, UnknownIdError
from medalliance.model.agreement import CooperationItem
from medalliance.model.institution import Institution, Tier
from medalliance.model.vocab import ServiceKind, Specialty
from strategies import referral_registries, registries

# --------------------------------------------------------------------------------------
# references


def naive_graph(
    reg: Registry,
    *,
    specialty: Specialty | None,
    all_specialties: bool,
    alliance: str | None = None,
    without: frozenset[str] = frozenset(),
) -> nx.Graph:
    """Institutions linked pairwise within every usable channel."""
    G = nx.Graph()
    G.add_nodes_from(i.id for i in reg.institutions if i.id not in without)
    item = CooperationItem.TWO_WAY_REFERRAL
    for ch in naive_channels(reg, item, specialty=specialty, all_specialties=all_specialties):
        if alliance is not None and ch.alliance != alliance:
            continue
        ids = [x for x in ch.members if x not in without]
        G.add_edges_from((a, b) for k, a in enumerate(ids) for b in ids[k + 1 :])
    return G


def naive_is_target(reg: Registry, inst: Institution, target: ReachTarget) -> bool:
    needs = {"specialty": target.specialty, "services": target.services}
    if not naive_offers(reg, inst, min_tier=target.min_tier, **needs):  # type: ignore[arg-type]
        return False
    return not (target.institutions and inst.id not in target.institutions)


def naive_reach(G: nx.Graph, targets: set[str], origin: str) -> tuple[int | None, tuple[str, ...]]:
    dist = nx.single_source_shortest_path_length(G, origin)
    found = {t: d for t, d in dist.items() if t in targets}
    if not found:
        return None, ()
    best = min(found.values())
    return best, tuple(sorted(t for t, d in found.items() if d == best))


def n_components(G: nx.Graph) -> int:
    return int(nx.number_connected_components(G))


targets_strategy = st.builds(
    ReachTarget,
    min_tier=st.sampled_from(list(Tier)),
    specialty=st.one_of(st.none(), st.sampled_from(list(Specialty))),
    services=st.lists(st.sampled_from(list(ServiceKind)), unique=True, max_size=1).map(tuple),
)


# --------------------------------------------------------------------------------------
# reachability


@settings(max_examples=40)
@given(st.one_of(referral_registries(), registries()), targets_strategy, st.data())
def test_reachability_equals_networkx_shortest_paths(
    reg: Registry, target: ReachTarget, data: Any
) -> None:
    ids = [i.id for i in reg.institutions]
    all_specialties = data.draw(st.booleans())
    alliance = data.draw(st.sampled_from([None, *(a.id for a in reg.alliances)]))
    without = frozenset(data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=2)))
    before = reg.model_dump()
    r = reachability(
        reg,
        target=target,
        origins=ids,
        alliance=alliance,
        all_specialties=all_specialties,
        without=without,
    )
    assert reg.model_dump() == before  # input untouched
    G = naive_graph(
        reg,
        specialty=target.specialty,
        all_specialties=all_specialties,
        alliance=alliance,
        without=without,
    )
    targets = {
        i.id for i in reg.institutions if i.id not in without and naive_is_target(reg, i, target)
    }
    assert r.origins == tuple(x for x in ids if x not in without)
    for o in r:
        hops, nearest = naive_reach(G, targets, o.institution)
        assert (o.hops, o.nearest) == (hops, nearest), o.institution
        assert o.reachable is (hops is not None)
    assert set(r.unreachable) == {o.institution for o in r if o.hops is None}
    for inst in reg.institutions:
        assert target.matches(reg, inst.id) is naive_is_target(reg, inst, target)


@settings(max_examples=20)
@given(referral_registries())
def test_default_origins_are_grassroots_members(reg: Registry) -> None:
    r = reachability(reg, target=ReachTarget(min_tier="secondary"))
    members = {m for a in reg.alliances for m in a.members}
    expected = [i.id for i in reg.institutions if i.is_grassroots and i.id in members]
    assert list(r.origins) == expected
    for a in reg.alliances:
        ra = reachability(reg, target=ReachTarget(min_tier="secondary"), alliance=a.id)
        assert set(ra.origins) == {m for m in a.members if reg.institution(m).is_grassroots}


def test_reachability_sequence_api_and_rows() -> None:
    reg = examples.load("shanghai_luwan")
    r = reachability(reg, target=ReachTarget(min_tier="tertiary"))
    assert len(r) == 4
    assert r[-1] == r[3]
    assert r[1:3] == (r[1], r[2])
    with pytest.raises(IndexError):
        r[4]
    assert r.of("wuliqiao_chc").nearest == ("ruijin",)
    with pytest.raises(UnknownIdError):
        r.of("ruijin")  # a target, not an origin
    rows = r.rows()
    assert rows[0] == {
        "institution": "dapuqiao_chc",
        "reachable": True,
        "hops": 1,
        "nearest": "ruijin",
    }
    frame = r.to_frame()
    assert list(frame.columns) == ["institution", "reachable", "hops", "nearest"]
    assert r.reachable_count == 4


def test_origin_that_is_a_target_is_zero_hops() -> None:
    reg = examples.load("county_township")
    r = reachability(reg, target=ReachTarget(services=("inpatient",)), origins=["township_centre"])
    assert (r[0].hops, r[0].nearest) == (0, ("township_centre",))


def test_unreachable_members_listed() -> None:
    reg = examples.load("county_township")
    r = reachability(reg, target=ReachTarget(min_tier="tertiary"))
    assert r.unreachable == ("township_centre",)
    assert r.hop_counts() == (("none", 1),)
    assert r[0].nearest == ()


def test_reachability_bad_input_names_every_problem() -> None:
    reg = examples.load("shanghai_luwan")
    with pytest.raises(MedAllianceError) as exc:
        reachability(
            reg, target=ReachTarget(min_tier="tertiary"), origins=["nowhere", "ruijin", "ruijin"]
        )
    paths = [p.render() for p in exc.value.problems]
    assert paths == [
        "origins[0]: unknown institution 'nowhere'",
        "origins[2]: 'ruijin' is listed twice",
    ]
    with pytest.raises(UnknownIdError):
        reachability(reg, target=ReachTarget(min_tier="tertiary"), alliance="nope")
    with pytest.raises(UnknownIdError):
        reachability(reg, target=ReachTarget(institutions=("ghost",)))
    with pytest.raises(MedAllianceError):
        reachability(reg, target="tertiary")  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError):
        ReachTarget(services=("ct", "CT"))


# --------------------------------------------------------------------------------------
# resilience


def naive_cut_points(G: nx.Graph) -> dict[str, tuple[int, int, int]]:
    """Removing v increases the number of components among the others."""
    out = {}
    base = n_components(G)
    for v in G.nodes:
        H = G.copy()
        H.remove_node(v)
        others_before = base - 1 if G.degree(v) == 0 else base
        if n_components(H) > others_before:
            comp = nx.node_connected_component(G, v)
            parts = [len(c) for c in nx.connected_components(H.subgraph(comp - {v}))]
            out[v] = (len(parts), len(comp) - 1 - max(parts), len(comp))
    return out


@settings(max_examples=40)
@given(st.one_of(referral_registries(max_institutions=14), registries()), st.data())
def test_articulation_points_equal_naive_definition(reg: Registry, data: Any) -> None:
    all_specialties = data.draw(st.booleans())
    alliance = data.draw(st.sampled_from([None, *(a.id for a in reg.alliances)]))
    cuts = articulation_points(reg, alliance=alliance, all_specialties=all_specialties)
    G = naive_graph(reg, specialty=None, all_specialties=all_specialties, alliance=alliance)
    expected = naive_cut_points(G)
    got = {p.institution: (p.pieces, p.cut_off, p.component) for p in cuts}
    assert got == expected
    assert set(got) == set(nx.articulation_points(G))
    keys = [(-p.cut_off, p.institution) for p in cuts]
    assert keys == sorted(keys)


def chain_registry() -> Registry:
    def inst(i: str, kind: str, level: str | None = None) -> dict[str, Any]:
        return {"id": i, "name": i, "kind": kind, "level": level}

    return Registry.model_validate(
        {
            "institutions": [
                inst("city", "综合医院", "三级甲等"),
                inst("county", "综合医院", "二级"),
                inst("town", "乡镇卫生院"),
                inst("village", "村卫生室"),
                inst("village2", "村卫生室"),
            ],
            "alliances": [
                {
                    "id": "group",
                    "name": "市医疗集团",
                    "form": "城市医疗集团",
                    "lead": ["city"],
                    "provisions": ["双向转诊"],
                    "memberships": [
                        {"institution": "city", "role": "lead"},
                        {"institution": "county"},
                    ],
                },
                {
                    "id": "community",
                    "name": "县医共体",
                    "form": "县域医共体",
                    "lead": ["county"],
                    "memberships": [
                        {"institution": "county", "role": "lead"},
                        {"institution": "town", "role": "hub"},
                        {"institution": "village", "role": "base"},
                        {"institution": "village2", "role": "base"},
                    ],
                },
            ],
            "agreements": [
                {
                    "id": "g1",
                    "alliance": "community",
                    "parties": ["county", "town"],
                    "items": ["two_way_referral"],
                },
                {
                    "id": "g2",
                    "alliance": "community",
                    "parties": ["town", "village", "village2"],
                    "items": ["two_way_referral"],
                },
            ],
        }
    )


def test_chain_cut_points_and_lead_removal() -> None:
    reg = chain_registry()
    cuts = articulation_points(reg)
    assert [(p.institution, p.pieces, p.cut_off, p.component) for p in cuts] == [
        ("town", 2, 2, 5),
        ("county", 2, 1, 5),
    ]
    r = reachability(reg, target=ReachTarget(min_tier="tertiary"))
    assert [(o.institution, o.hops) for o in r] == [("town", 2), ("village", 3), ("village2", 3)]
    impact = removal_impact(reg, "town", target=ReachTarget(min_tier="tertiary"))
    assert impact.origins == 2  # the removed institution is not an origin
    assert impact.lost == ("village", "village2")
    assert impact.rows() == [
        {"institution": "village", "before": 3, "after": None},
        {"institution": "village2", "before": 3, "after": None},
    ]


@settings(max_examples=20)
@given(referral_registries(), targets_strategy, st.data())
def test_removal_impact_matches_two_reachability_runs(
    reg: Registry, target: ReachTarget, data: Any
) -> None:
    gone = data.draw(st.sampled_from([i.id for i in reg.institutions]))
    others = [i.id for i in reg.institutions if i.id != gone]
    impact = removal_impact(reg, gone, target=target, origins=[i.id for i in reg.institutions])
    before = reachability(reg, target=target, origins=others)
    after = reachability(reg, target=target, origins=others, without=[gone])
    assert impact.origins == len(others)
    assert impact.reachable_before == before.reachable_count
    assert impact.reachable_after == after.reachable_count
    changed = {c.institution: (c.before, c.after) for c in impact.changed}
    for b, a in zip(before, after, strict=True):
        if b.hops != a.hops:
            assert changed[b.institution] == (b.hops, a.hops)
            # removing an institution never shortens a path
            assert b.hops is not None
            assert a.hops is None or a.hops > b.hops
        else:
            assert b.institution not in changed


# --------------------------------------------------------------------------------------
# structural coverage


def test_zhejiang_declared_beds_beside_computed() -> None:
    reg = examples.load("zhejiang_geriatric")
    c = alliance_coverage(reg, "zhejiang_geriatric_alliance")
    [beds] = c.beds
    assert beds.declared is not None
    assert beds.declared.value == 13000
    assert beds.computed == 0
    assert beds.members_missing == ("zhejiang_hospital",)
    assert beds.consistency is Consistency.UNDETERMINED
    assert beds.difference == 13000
    assert not beds.exact
    [pop] = c.population
    assert pop.declared is None  # elderly covered is not the population served
    assert pop.consistency is Consistency.NOT_DECLARED


def beds_registry(
    beds: list[int | None], value: int, qualifier: str, *, declared_members: int | None = None
) -> Registry:
    insts = [
        {"id": f"h{k}", "name": f"医院{k}", "kind": "综合医院", "level": "二级", "beds": b}
        for k, b in enumerate(beds)
    ]
    declared: list[dict[str, Any]] = [
        {"metric": "beds_radiated", "value": value, "unit": "beds", "qualifier": qualifier}
    ]
    if declared_members is not None:
        declared.append(
            {"metric": "member_count", "value": declared_members, "unit": "institutions"}
        )
    return Registry.model_validate(
        {
            "institutions": insts,
            "alliances": [
                {
                    "id": "a",
                    "name": "某医联体",
                    "form": "urban_medical_group",
                    "lead": ["h0"],
                    "memberships": [
                        {"institution": i["id"], "role": "lead" if k == 0 else "member"}
                        for k, i in enumerate(insts)
                    ],
                    "declared": declared,
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("beds", "value", "qualifier", "declared_members", "expected"),
    [
        ([100, 200], 300, "exact", None, "consistent"),
        ([100, 200], 301, "exact", None, "inconsistent"),
        ([100, 200], 300, "at_least", None, "consistent"),
        ([100, 200], 300, "more_than", None, "inconsistent"),
        ([100, 201], 300, "more_than", None, "consistent"),
        ([100, 200], 300, "up_to", None, "consistent"),
        ([100, 201], 300, "up_to", None, "inconsistent"),
        ([100, 200], 280, "about", None, "consistent"),  # within 10%
        ([100, 200], 250, "about", None, "inconsistent"),
        ([100, None], 300, "exact", None, "undetermined"),  # a lower bound
        ([100, None], 50, "up_to", None, "inconsistent"),  # the bound already exceeds it
        ([100, 200], 300, "exact", 3, "undetermined"),  # one member not listed
        ([100, 200], 300, "exact", 2, "consistent"),
    ],
)
def test_declared_vs_computed_by_qualifier(
    beds: list[int | None],
    value: int,
    qualifier: str,
    declared_members: int | None,
    expected: str,
) -> None:
    reg = beds_registry(beds, value, qualifier, declared_members=declared_members)
    [check] = alliance_coverage(reg, "a").beds
    assert check.consistency.value == expected
    assert check.computed == sum(b for b in beds if b is not None)
    assert check.members_counted == sum(b is not None for b in beds)
    assert check.listing_complete is (declared_members is None or declared_members <= len(beds))


def test_about_tolerance_is_an_option() -> None:
    reg = beds_registry([100, 200], 250, "about")
    [wide] = alliance_coverage(reg, "a", about_tolerance=0.25).beds
    assert wide.consistency is Consistency.CONSISTENT
    for bad in (-0.1, 1.0, True, "0.1"):
        with pytest.raises(MedAllianceError, match="about_tolerance"):
            alliance_coverage(reg, "a", about_tolerance=bad)  # type: ignore[arg-type]


def test_members_by_tier_kind_role_and_listing() -> None:
    reg = examples.load("benxi_central")
    c = alliance_coverage(reg, "benxi_central_alliance")
    assert c.members == 2
    assert c.by_tier == (("tertiary", 1), ("secondary", 1))
    assert c.by_role == (("lead", 1), ("member", 1))
    assert not c.beds[0].listing_complete  # 52 declared, 2 listed


def test_county_full_coverage_of_townships() -> None:
    reg = synthetic.county(seed=4, townships=5, villages_per_township=2)
    [community] = reg.alliances
    towns = [
        i.region.township or "?"
        for i in reg.institutions
        if i.kind.value == "township_health_centre"
    ]
    assert len(towns) == 5
    hub = area_coverage(reg, community.id, expected_areas=towns, area_roles=["hub"])
    assert hub.full is True
    assert hub.covered == tuple(towns)
    assert hub.outside  # the community centres' streets are hub areas too
    # drop one township centre (and its villages) from the community: no longer full
    gone = next(
        i.id
        for i in reg.institutions
        if i.region.township == towns[2] and i.kind.value == "township_health_centre"
    )
    data = reg.model_dump()
    data["alliances"][0]["memberships"] = [
        m for m in data["alliances"][0]["memberships"] if m["institution"] != gone
    ]
    data["alliances"][0]["expert_clinics"] = [
        e for e in data["alliances"][0]["expert_clinics"] if gone not in (e["host"], e["site"])
    ]
    data["agreements"] = [g for g in data["agreements"] if gone not in g["parties"]]
    smaller = Registry.model_validate(data)
    partial = area_coverage(smaller, community.id, expected_areas=towns, area_roles=["枢纽"])
    assert partial.full is False
    assert partial.uncovered == (towns[2],)
    # the villages of that township still make the area covered by some member
    anyone = area_coverage(smaller, community.id, expected_areas=towns)
    assert anyone.full is True
    rows = partial.rows()
    assert [r["area"] for r in rows[:5]] == towns
    assert rows[2]["covered"] is False


def test_area_coverage_without_expected_and_missing_regions() -> None:
    reg = examples.load("shanghai_luwan")
    c = area_coverage(reg, "luwan_ruijin", area_level="乡镇")
    assert c.expected is None
    assert c.full is None
    assert c.uncovered == ()
    assert set(c.covered) | set(c.outside) == set(c.covered)
    listed = {m for a in c.areas for m in a.members}
    assert listed | set(c.members_without_area) == set(reg.alliance("luwan_ruijin").members)


def test_area_coverage_bad_arguments() -> None:
    reg = examples.load("gangkou")
    with pytest.raises(MedAllianceError) as exc:
        area_coverage(reg, "gangkou_community", expected_areas=["企沙镇", "企沙镇", " "])
    assert len(exc.value.problems) == 2
    with pytest.raises(MedAllianceError):
        area_coverage(reg, "gangkou_community", area_level="village")
    with pytest.raises(MedAllianceError, match=r"roles\[1\]"):
        area_coverage(reg, "gangkou_community", area_roles=["hub", "boss"])
    with pytest.raises(UnknownIdError):
        area_coverage(reg, "nope")


@settings(max_examples=25)
@given(registries(max_institutions=12, max_alliances=5))
def test_overlap_equals_naive_count(reg: Registry) -> None:
    o = alliance_overlap(reg)
    of: dict[str, list[str]] = {}
    for a in reg.alliances:
        for m in a.members:
            of.setdefault(m, []).append(a.id)
    assert {(s.institution, s.alliances) for s in o.institutions} == {
        (m, tuple(sorted(al))) for m, al in of.items() if len(al) > 1
    }
    pairs: Counter[tuple[str, str]] = Counter()
    for members_of in of.values():
        al = sorted(members_of)
        for k, x in enumerate(al):
            for y in al[k + 1 :]:
                pairs[(x, y)] += 1
    assert {(p.first, p.second): p.shared for p in o.pairs()} == dict(pairs)
    assert len(o) == len(pairs)
    assert o.rows() == [p.model_dump() for p in o.pairs()]
    keys = [(-p.shared, p.first, p.second) for p in o.pairs()]
    assert keys == sorted(keys)
    for a in reg.alliances:
        expected = sorted(
            ((y if x == a.id else x), n) for (x, y), n in pairs.items() if a.id in (x, y)
        )
        assert sorted(o.partners(a.id)) == expected
    with pytest.raises(UnknownIdError):
        o.partners("no such alliance")
    cov = registry_coverage(reg)
    for c in cov.alliances:
        assert c == alliance_coverage(reg, c.alliance)
    assert cov.in_alliances == len(of)
    assert len(cov.rows()) == len(reg.alliances)


# --------------------------------------------------------------------------------------
# command line


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", examples.names())
def test_cli_coverage_every_example(name: str) -> None:
    code, out, err = run("coverage", name)
    assert code == 0, err
    for a in examples.load(name).alliances:
        assert a.id in out


def test_cli_coverage_json() -> None:
    code, out, _ = run("coverage", "gangkou", "--json")
    assert code == 0
    data = json.loads(out)
    [a] = data["alliances"]
    assert a["alliance"] == "gangkou_community"
    assert a["members"] == 5
    assert data["reachability"]["unreachable"] == []
    assert data["articulation_points"] == []


def test_cli_coverage_bad_input() -> None:
    code, _, err = run("coverage", "no_such_thing")
    assert code == 1
    assert "neither a bundled example" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------
# population within reach


@settings(max_examples=10)
@given(referral_registries(), st.integers(0, 2**32 - 1))
def test_population_coverage_equals_coverage_within_per_alliance(reg: Registry, seed: int) -> None:
    import numpy as np

    from medalliance.accessibility import (
        Population,
        Supply,
        costs_from_coordinates,
        coverage_within,
    )
    from medalliance.coverage import population_coverage

    rng = np.random.default_rng(seed)
    n = 30
    pop = Population(
        [f"p{k}" for k in range(n)],
        rng.integers(0, 500, n).astype(float),
        lat=rng.uniform(20, 50, n),
        lon=rng.uniform(80, 130, n),
    )
    res = population_coverage(reg, pop, cutoff_min=600, speed_kmh=60)
    assert res.people == pytest.approx(float(pop.people.sum()))
    for a in [None, *reg.alliances]:
        members = {m for x in reg.alliances for m in x.members} if a is None else set(a.members)
        sites = [i for i in reg.institutions if i.id in members and i.lat is not None]
        got = res.overall if a is None else next(x for x in res.alliances if x.alliance == a.id)
        assert got.sites == len(sites)
        assert set(got.without_coordinates) == {
            i.id for i in reg.institutions if i.id in members and i.lat is None
        }
        if not sites:
            assert got.people_within == 0
            continue
        supply = Supply(
            [i.id for i in sites],
            np.ones(len(sites)),
            lat=np.array([i.lat for i in sites], dtype=float),
            lon=np.array([i.lon for i in sites], dtype=float),
        )
        costs = costs_from_coordinates(pop, supply, speed_kmh=60, cutoff_min=600)
        expected = coverage_within(costs, pop, cutoff_min=600)
        assert got.people_within == pytest.approx(expected.covered_people)
        if res.people > 0:
            assert got.share == pytest.approx(expected.covered_people / res.people)
        else:
            assert got.share is None


def test_cli_coverage_with_population_file(tmp_path: Any) -> None:
    reg = synthetic.county(seed=1, townships=3, villages_per_township=2)
    path = tmp_path / "county.json"
    from medalliance import write_json

    write_json(reg, path)
    town = reg.institution("k-t00")
    assert town.lat is not None
    assert town.lon is not None
    pop = tmp_path / "pop.csv"
    pop.write_text(
        f"id,people,lat,lon\nnear,800,{town.lat},{town.lon}\nfar,200,{town.lat + 1},{town.lon}\n",
        encoding="utf-8",
    )
    code, out, err = run("coverage", str(path), "--population", str(pop))
    assert code == 0, err
    assert "Population within 15 min" in out
    assert "80.0%" in out
    code, out, _ = run("coverage", str(path), "--population", str(pop), "--json")
    assert json.loads(out)["population"]["overall"]["people_within"] == 800.0
    bad = tmp_path / "bad.csv"
    bad.write_text("id,people\nx,-3\n", encoding="utf-8")
    code, _, err = run("coverage", str(path), "--population", str(bad))
    assert code == 1
    assert "row 2, column people: must be >= 0" in err


def test_cli_coverage_bad_options_and_population_without_coordinates(tmp_path: Any) -> None:
    # option values are checked even without --population, and named as the user typed them
    code, out, err = run("coverage", "gangkou", "--cutoff-min", "-5", "--speed-kmh", "nan")
    assert code == 1
    assert out == ""
    assert "--cutoff-min: must be a finite number >= 0, got -5" in err
    assert "--speed-kmh: must be a finite number > 0, got nan" in err
    code, _, err = run("coverage", "gangkou", "--speed-kmh", "0")
    assert code == 1
    assert "--speed-kmh" in err
    assert "--cutoff-min" not in err
    # a problem the population brings is reported against its file
    pop = tmp_path / "nocoords.csv"
    pop.write_text("id,people\nv1,10\n", encoding="utf-8")
    code, _, err = run("coverage", "gangkou", "--population", str(pop))
    assert code == 1
    assert f"in {pop}" in err
    assert "no coordinates" in err
    assert "Traceback" not in err


def test_population_coverage_bad_input() -> None:
    from medalliance.accessibility import Population
    from medalliance.coverage import population_coverage

    reg = examples.load("shanghai_luwan")  # members without coordinates are listed, not used
    pop = Population(["a"], [100], lat=[31.2], lon=[121.4])
    res = population_coverage(reg, pop, cutoff_min=15, speed_kmh=30)
    assert res.overall.sites == 0
    assert len(res.overall.without_coordinates) == 7
    assert res.overall.share == 0.0
    with pytest.raises(MedAllianceError, match="no coordinates"):
        population_coverage(reg, Population(["a"], [1]), cutoff_min=15, speed_kmh=30)
    with pytest.raises(MedAllianceError, match="speed_kmh"):
        population_coverage(reg, pop, cutoff_min=15, speed_kmh=0)
    with pytest.raises(MedAllianceError) as info:
        population_coverage(reg, pop, cutoff_min=-1, speed_kmh=30)
    assert [p.render() for p in info.value.problems] == [
        "cutoff_min: must be a finite number >= 0, got -1"
    ]
    with pytest.raises(MedAllianceError, match="Population"):
        population_coverage(reg, [("a", 1)], cutoff_min=15, speed_kmh=30)  # type: ignore[arg-type]
    empty = Population(["a"], [0], lat=[31.2], lon=[121.4])
    assert population_coverage(reg, empty, cutoff_min=15, speed_kmh=30).overall.share is None

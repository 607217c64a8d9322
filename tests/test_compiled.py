"""The compiled core: one rule, one cache, and every analysis agreeing on both.

- the capability rule (who offers a specialty, services, a tier) and the cooperation
  channels are written once in :mod:`medalliance.compiled`; referral, coverage and sharing
  must give the same answers about them on any registry (property tests below);
- the core is built once per registry however many analyses run on it, freed with the
  registry, and built once even when threads race for it.
"""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medalliance import Registry, examples, synthetic
from medalliance._reference.common import naive_channels, naive_offers
from medalliance.compiled import (
    Needs,
    _cache,
    build_count,
    compiled,
    cooperation_channels,
    referral_channels,
)
from medalliance.coverage import (
    ReachTarget,
    alliance_coverage,
    articulation_points,
    reachability,
    removal_impact,
)
from medalliance.graph import to_graph
from medalliance.io import registry_from_dict, registry_to_dict
from medalliance.model.agreement import CooperationItem
from medalliance.model.institution import Tier
from medalliance.model.vocab import ServiceKind, Specialty
from medalliance.referral import ReferralCase, evaluate, evaluate_many, referral_paths
from medalliance.sharing import recognises, recognition_groups, service_access
from strategies import referral_registries


def _oncology_county() -> Registry:
    """The issue's reproduction: a county community that names a specialty, no listed ones."""
    data = registry_to_dict(examples.load("county_township"))
    data["alliances"][0]["specialty"] = "oncology"
    for inst in data["institutions"]:
        inst.pop("specialties", None)
    return registry_from_dict(data)


def test_referral_and_coverage_agree_on_who_offers_a_named_specialty() -> None:
    reg = _oncology_county()
    case = ReferralCase(
        origin="township_centre", criterion="critical_or_difficult", specialty="oncology"
    )
    decision = evaluate(reg, case)
    reach = reachability(reg, target=ReachTarget(specialty="oncology"))
    # the lead of an alliance that names a specialty offers it (documented rule), for both
    assert [d.institution for d in decision.destinations] == ["county_hospital"]
    assert reach.of("township_centre").hops == 1
    assert reach.of("township_centre").nearest == ("county_hospital",)
    assert ReachTarget(specialty="oncology").matches(reg, "county_hospital")
    assert not ReachTarget(specialty="oncology").matches(reg, "township_centre")


def test_capability_rule_lead_of_any_form_and_listed_values() -> None:
    reg = _oncology_county()
    core = compiled(reg)
    onco = core.offers(Needs(specialty=Specialty.ONCOLOGY))
    assert [core.ids[i] for i in onco.nonzero()[0]] == ["county_hospital"]
    ct = core.offers(Needs(services=frozenset({ServiceKind.CT}), min_tier=Tier.SECONDARY))
    assert [core.ids[i] for i in ct.nonzero()[0]] == ["county_hospital"]
    for k, inst in enumerate(reg.institutions):
        assert bool(onco[k]) == naive_offers(reg, inst, specialty=Specialty.ONCOLOGY)


def test_core_is_built_once_however_many_analyses_run() -> None:
    reg = synthetic.county(seed=11, townships=3, villages_per_township=2)
    origin = reg.institutions[-1].id
    before = build_count()
    case = ReferralCase(origin=origin, criterion="critical_or_difficult")
    evaluate(reg, case)
    evaluate_many(reg, [case, case])
    referral_paths(reg, origin)
    reachability(reg, target=ReachTarget(min_tier="二级"))
    articulation_points(reg)
    removal_impact(reg, reg.institutions[0].id, target=ReachTarget(min_tier="二级"))
    alliance_coverage(reg, reg.alliances[0].id)
    service_access(reg)
    recognition_groups(reg, "lab")
    recognises(reg, origin, reg.institutions[0].id, "lab")
    referral_channels(reg)
    cooperation_channels(reg, "shared_services")
    to_graph(reg)
    assert build_count() - before == 1


def test_core_is_freed_with_its_registry() -> None:
    reg = synthetic.county(seed=5, townships=2, villages_per_township=2)
    core = compiled(reg)
    key = id(reg)
    assert _cache._CORES[key][1] is core
    ref = weakref.ref(reg)
    del reg, core
    gc.collect()
    assert ref() is None
    assert key not in _cache._CORES


def test_core_is_built_once_when_threads_race_for_it() -> None:
    reg = synthetic.county(seed=6, townships=2, villages_per_township=2)
    before = build_count()
    barrier = threading.Barrier(8)
    seen: list[Any] = []

    def work() -> None:
        barrier.wait()
        seen.append(compiled(reg))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8
    assert all(core is seen[0] for core in seen)
    assert build_count() - before == 1


# --------------------------------------------------------------------------------------
# agreement of the analyses on generated registries (alliances of every form name specialties)

needs_strategy = st.fixed_dictionaries(
    {
        "specialty": st.one_of(st.none(), st.sampled_from(list(Specialty))),
        "services": st.lists(st.sampled_from(list(ServiceKind)), unique=True, max_size=2),
        "min_tier": st.one_of(st.none(), st.sampled_from(list(Tier))),
    }
)


@st.composite
def cooperation_registries(draw: st.DrawFn) -> Registry:
    """Registries dense in channels, where some alliances of any form name a specialty held
    only by their lead, and recognition and shared-service items appear too."""
    reg = draw(referral_registries())
    data = registry_to_dict(reg)
    for a in data.get("alliances", []):
        if draw(st.booleans()):
            a["specialty"] = draw(st.sampled_from(list(Specialty))).value
        if draw(st.booleans()):
            a["provisions"] = sorted({*a.get("provisions", []), "result_recognition"})
    for g in data.get("agreements", []):
        if draw(st.booleans()):
            g["items"] = (
                [*g["items"], "result_recognition"]
                if "result_recognition" not in g["items"]
                else g["items"]
            )
    return registry_from_dict(data)


@pytest.mark.slow
@given(cooperation_registries(), needs_strategy)
def test_capability_agrees_across_core_coverage_and_the_plain_rule(
    reg: Registry, needs: dict[str, Any]
) -> None:
    core = compiled(reg)
    mask = core.offers(
        Needs(
            specialty=needs["specialty"],
            services=frozenset(needs["services"]),
            min_tier=needs["min_tier"],
        )
    )
    if needs["specialty"] is None and not needs["services"] and needs["min_tier"] is None:
        assert mask.all()
        return
    target = ReachTarget(
        specialty=needs["specialty"], services=tuple(needs["services"]), min_tier=needs["min_tier"]
    )
    for k, inst in enumerate(reg.institutions):
        plain = naive_offers(reg, inst, **needs)
        assert bool(mask[k]) == plain
        assert target.matches(reg, inst.id) == plain
        assert (
            core.offers_at(
                k, Needs(needs["specialty"], frozenset(needs["services"]), needs["min_tier"])
            )
            == plain
        )


@pytest.mark.slow
@given(cooperation_registries(), st.one_of(st.none(), st.sampled_from(list(Specialty))))
def test_referral_coverage_and_channels_agree_on_partners(
    reg: Registry, specialty: Specialty | None
) -> None:
    ch = referral_channels(reg, specialty=specialty)
    plain = naive_channels(reg, CooperationItem.TWO_WAY_REFERRAL, specialty=specialty)
    assert ch.channels == tuple(c.source for c in plain)
    ids = [i.id for i in reg.institutions]
    for origin in ids:
        partners = ch.partners(origin)
        assert partners == {m for c in plain if origin in c.members for m in c.members} - {origin}
        # referral: a criterion that needs nothing, in every direction, reaches every partner
        case = ReferralCase(origin=origin, criterion="critical_or_difficult", specialty=specialty)
        decision = evaluate(reg, case)
        upward = {p for p in partners if reg.institution(p).tier > reg.institution(origin).tier}
        capable = {
            p
            for p in upward
            if specialty is None or naive_offers(reg, reg.institution(p), specialty=specialty)
        }
        assert {d.institution for d in decision.destinations} == capable
        # coverage: one hop reaches exactly the capable partners (when the origin is not one)
        if specialty is not None:
            target = ReachTarget(specialty=specialty)
            reach = reachability(reg, target=target, origins=[origin]).of(origin)
            if not target.matches(reg, origin):
                near = {p for p in partners if target.matches(reg, p)}
                assert (reach.hops == 1) == bool(near)
                if reach.hops == 1:
                    assert set(reach.nearest) == near


@pytest.mark.slow
@given(cooperation_registries())
def test_sharing_recognition_follows_the_one_channel_compiler(reg: Registry) -> None:
    plain = naive_channels(reg, CooperationItem.RESULT_RECOGNITION, all_specialties=True)
    groups = recognition_groups(reg, "lab")
    assert groups.sources == tuple(c.source for c in plain)
    ids = [i.id for i in reg.institutions]
    for a in ids:
        for b in ids:
            mutual = a == b or any(a in c.members and b in c.members for c in plain)
            if mutual:
                assert recognises(reg, a, b, "lab")
                assert groups.group_of(a) == groups.group_of(b)


def test_channels_of_every_item_match_the_plain_scan_on_examples() -> None:
    for name in examples.names():
        reg = examples.load(name)
        for item in CooperationItem:
            fast = cooperation_channels(reg, item, all_specialties=True)
            plain = naive_channels(reg, item, all_specialties=True)
            assert fast.channels == tuple(c.source for c in plain), (name, item)
            for c, p in zip(range(len(fast.channels)), plain, strict=True):
                assert tuple(fast.institutions[i] for i in fast.members(c).tolist()) == tuple(
                    sorted(p.members, key=[i.id for i in reg.institutions].index)
                )
                assert fast.items[c] == p.grants


@pytest.mark.parametrize("name", examples.names())
def test_examples_reachability_equals_the_plain_oracle(name: str) -> None:
    from medalliance._reference.coverage import reachability_naive

    reg = examples.load(name)
    ids = [i.id for i in reg.institutions]
    for target in (
        ReachTarget(min_tier="三级"),
        ReachTarget(specialty="oncology"),
        ReachTarget(services=("ct",)),
    ):
        fast = reachability(reg, target=target, origins=ids)
        plain = reachability_naive(
            reg,
            min_tier=target.min_tier,
            specialty=target.specialty,
            services=target.services,
            origins=ids,
        )
        for r in fast:
            assert (r.hops, r.nearest) == plain[r.institution]


def test_dropping_a_dead_entry_while_the_cache_lock_is_held_does_not_deadlock() -> None:
    # a registry freed while another core is being built runs the cache's finalizer in the
    # same thread, under the cache lock (found as a hang of the test suite)
    with _cache._LOCK:
        _cache._drop(-1)

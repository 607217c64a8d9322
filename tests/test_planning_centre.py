"""place_shared_centre: hosts among members, the registry with the centre, before and after."""

from __future__ import annotations

import math

import numpy as np
import pytest

from medalliance import synthetic
from medalliance._reference.planning import brute_force
from medalliance.accessibility import Population, Supply, costs_from_coordinates
from medalliance.errors import MedAllianceError
from medalliance.model.registry import Registry
from medalliance.planning import place_shared_centre
from medalliance.sharing import AccessSource, service_access


@pytest.fixture(scope="module")
def county() -> tuple[Registry, Population]:
    reg = synthetic.county(seed=0)
    villages = [i for i in reg.institutions if i.kind.value == "village_clinic"]
    rng = np.random.default_rng(7)
    pop = Population(
        [v.id for v in villages],
        rng.integers(300, 3000, len(villages)),
        lat=np.array([v.lat for v in villages], dtype=float),
        lon=np.array([v.lon for v in villages], dtype=float),
    )
    return reg, pop


def test_hosts_are_the_brute_force_choice_and_the_registry_holds_the_centres(
    county: tuple[Registry, Population],
) -> None:
    reg, pop = county
    plan = place_shared_centre(
        reg, service="CT", alliance="k-ccm", population=pop, cutoff_min=30, p=2
    )
    assert plan.providers == ("k-h",)
    assert len(plan.hosts) == 2
    assert "k-h" not in plan.hosts
    # the oracle: every pair of township centres beside the fixed county hospital
    members = reg.alliance("k-ccm").members
    cands = [
        m
        for m in members
        if reg.institution(m).kind.value
        in (
            "general_hospital",
            "township_health_centre",
            "community_health_centre",
            "tcm_hospital",
            "mch_institution",
        )
    ]
    insts = [reg.institution(c) for c in cands]
    sites = Supply(
        cands,
        np.ones(len(cands)),
        lat=np.array([i.lat for i in insts], dtype=float),
        lon=np.array([i.lon for i in insts], dtype=float),
    )
    costs = costs_from_coordinates(pop, sites, speed_kmh=30.0, cutoff_min=30, detour_factor=1.3)
    pairs = {(r["origin"], r["site"]): r["cost"] for r in costs.rows()}
    people = dict(zip(pop.ids.tolist(), pop.people.tolist(), strict=True))
    best, winners = brute_force(
        "max_coverage", pairs, people, cands, p=3, cutoff_min=30, fixed=["k-h"]
    )
    assert best is not None
    assert plan.selection.objective is not None
    assert math.isclose(plan.selection.objective, best)
    assert tuple(sorted(["k-h", *plan.hosts])) in winners
    # the proposal is a validated registry on which the analyses run
    new = plan.registry
    assert (
        len(new.alliance("k-ccm").shared_centres) == len(reg.alliance("k-ccm").shared_centres) + 2
    )
    access = service_access(new, alliance="k-ccm")
    for host in plan.hosts:
        assert access.source_of(host, "ct") is AccessSource.HOSTED
    assert all(c.host in plan.hosts for c in plan.centres)
    # the caller's registry is untouched
    assert len(reg.alliance("k-ccm").shared_centres) == 3
    rows = {r["measure"]: r for r in plan.rows()}
    assert rows["providers"]["before"] == 1.0
    assert rows["providers"]["after"] == 3.0
    assert rows["people within cutoff"]["after"] == best
    assert rows["people within cutoff"]["change"] >= 0
    assert "<table" in plan._repr_html_()
    assert repr(plan).startswith("CentrePlan(2 new centre(s) at ")


def test_greedy_and_given_costs(county: tuple[Registry, Population]) -> None:
    reg, pop = county
    exact = place_shared_centre(
        reg,
        service="ct",
        alliance="k-ccm",
        population=pop,
        cutoff_min=30,
        host_kinds=["乡镇卫生院"],
    )
    greedy = place_shared_centre(
        reg,
        service="ct",
        alliance="k-ccm",
        population=pop,
        cutoff_min=30,
        host_kinds=["乡镇卫生院"],
        method="greedy",
    )
    assert exact.selection.objective is not None
    assert greedy.selection.objective is not None
    assert greedy.selection.objective <= exact.selection.objective
    # the county hospital is not a township centre, but as a provider it stays open
    assert exact.providers == ("k-h",)
    assert exact.selection.selected.tolist().count("k-h") == 1
    assert all(h.startswith("k-t") for h in exact.hosts)


def test_bad_requests_are_named(county: tuple[Registry, Population]) -> None:
    reg, pop = county
    with pytest.raises(MedAllianceError):
        place_shared_centre(reg, service="ct", alliance="nope", population=pop, cutoff_min=30)
    with pytest.raises(MedAllianceError, match="can host a new centre"):
        place_shared_centre(
            reg,
            service="ct",
            alliance="k-ccm",
            population=pop,
            cutoff_min=30,
            host_kinds=["综合医院"],
        )
    with pytest.raises(MedAllianceError, match="p"):
        place_shared_centre(
            reg, service="ct", alliance="k-ccm", population=pop, cutoff_min=30, p=500
        )

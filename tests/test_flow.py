"""Referral flows: the network, exact analysis, the native engine and the ciw bridge (issue 16)."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import examples, synthetic
from medalliance._reference.flow import (
    naive_erlang_c,
    naive_mmc,
    naive_simulate,
    naive_traffic,
)
from medalliance.errors import MedAllianceError
from medalliance.flow import (
    MEASURES,
    FlowNetwork,
    ReferralNetwork,
    analyse,
    compare,
    erlang_c,
    jackson_example,
    observed_network,
    referral_network,
    simulate,
    to_ciw,
    traffic,
    within_share,
)
from medalliance.indicators import Activity
from medalliance.io import read_flow_network, read_flow_scenarios
from medalliance.referral import ReferralCase, evaluate, referral_channels

ROOT = Path(__file__).resolve().parents[1]


def single(rate: float, servers: int, service: float) -> FlowNetwork:
    return FlowNetwork(
        nodes=["q"], arrival_rates=[rate], servers=[servers], service_rates=[service]
    )


# -- the network -------------------------------------------------------------------------


def test_validation_reports_every_problem_at_once() -> None:
    with pytest.raises(MedAllianceError) as err:
        FlowNetwork(
            nodes=["a", "b", "c"],
            arrival_rates={"a": -1.0, "zz": 2.0},
            routing={"a": {"b": 0.7, "c": 0.6}, "b": {"nowhere": 0.1}, "c": {"a": 1.5}},
            servers={"a": 0, "b": 1.5, "c": 1},
            service_rates={"a": 1.0, "b": 0.0},
        )
    text = str(err.value)
    for needle in (
        "arrival_rates.zz: unknown node 'zz'",
        "routing.b.nowhere: unknown node 'nowhere'",
        "servers.a: must be a whole number >= 1, got 0",
        "servers.b: must be a whole number >= 1, got 1.5",
        "service_rates.b: must be finite and > 0, got 0",
        "service_rates.c: missing",
        "arrival_rates.a: must be finite and >= 0, got -1.0",
        "routing.c.a: must be in [0, 1], got 1.5",
    ):
        assert needle in text, (needle, text)


def test_rows_over_one_and_closed_loops_are_refused() -> None:
    with pytest.raises(MedAllianceError, match=r"routing.a: row sums to 1.3 > 1"):
        FlowNetwork(
            nodes=["a", "b"],
            arrival_rates=[1, 0],
            servers=[1, 1],
            service_rates=[1, 1],
            routing={"a": {"b": 0.7, "a": 0.6}},
        )
    with pytest.raises(MedAllianceError) as err:
        FlowNetwork(
            nodes=["a", "b", "c"],
            arrival_rates=[1, 0, 0],
            servers=[1, 1, 1],
            service_rates=[1, 1, 1],
            routing={"a": {"b": 0.5}, "b": {"c": 1.0}, "c": {"b": 1.0}},
        )
    assert "routing.b: patients here can never leave" in str(err.value)
    assert "routing.c: patients here can never leave" in str(err.value)
    assert "routing.a:" not in str(err.value)


def test_bad_names_and_shapes() -> None:
    with pytest.raises(MedAllianceError, match="duplicate name 'a'"):
        FlowNetwork(nodes=["a", "a"], arrival_rates=[1, 1], servers=[1, 1], service_rates=[1, 1])
    with pytest.raises(MedAllianceError, match=r"needs one value per node \(2\)"):
        FlowNetwork(nodes=["a", "b"], arrival_rates=[1], servers=[1, 1], service_rates=[1, 1])
    with pytest.raises(MedAllianceError, match=r"needs shape \(2, 2\)"):
        FlowNetwork(
            nodes=["a", "b"],
            arrival_rates=[1, 1],
            servers=[1, 1],
            service_rates=[1, 1],
            routing=[[0.1]],
        )
    with pytest.raises(MedAllianceError, match="unknown class 'vip'"):
        FlowNetwork(
            nodes=["a"],
            classes=["green", "routine"],
            arrival_rates={"vip": {"a": 1}},
            servers=[1],
            service_rates=[1],
        )
    with pytest.raises(MedAllianceError, match="must be a number"):
        FlowNetwork(nodes=["a"], arrival_rates=["x"], servers=[1], service_rates=[1])
    with pytest.raises(MedAllianceError, match="must be finite"):
        FlowNetwork(nodes=["a"], arrival_rates=[math.inf], servers=[1], service_rates=[1])


def test_scenarios_return_new_networks() -> None:
    net = jackson_example()
    more = net.with_capacity({"county": 5})
    assert net.servers.tolist() == [2, 1, 3, 2]
    assert more.servers.tolist() == [2, 1, 5, 2]
    faster = net.with_service({"imaging": 8.0})
    assert faster.service_rates[1] == 8.0
    assert net.service_rates[1] == 4.0
    rerouted = net.with_routing({"township": {"county": 0.0, "city": 0.1}})
    assert rerouted.routing[0].tolist() == [0.0, 0.3, 0.0, 0.1]
    assert net.routing[0].tolist() == [0.0, 0.3, 0.2, 0.0]
    assert net == jackson_example()
    assert net != more
    with pytest.raises(MedAllianceError, match="row sums to"):
        net.with_routing({"township": {"county": 0.9}})
    with pytest.raises(MedAllianceError, match="unknown node 'nowhere'"):
        net.with_capacity({"nowhere": 1})
    with pytest.raises(MedAllianceError, match="must be a whole number >= 1"):
        net.with_capacity({"county": 0})
    assert not net.arrival_rates.flags.writeable
    assert not net.routing.flags.writeable


# -- exact analysis ----------------------------------------------------------------------


def test_mm1_closed_form() -> None:
    res = analyse(single(3.0, 1, 4.0))
    assert res.utilisation[0] == pytest.approx(0.75)
    assert res.wait_probability[0] == pytest.approx(0.75)
    assert res.mean_queue[0] == pytest.approx(0.75**2 / 0.25)
    assert res.mean_wait[0] == pytest.approx(0.75 / (4.0 - 3.0))
    assert res.mean_sojourn[0] == pytest.approx(1.0)
    assert res.mean_in_system[0] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("servers", "offered", "expected"),
    [  # Erlang C table values (probability of waiting)
        (1, 0.5, 0.5),
        (2, 1.0, 1 / 3),
        (3, 2.0, 4 / 9),
        (5, 4.0, 0.5541),
        (10, 8.0, 0.4092),
    ],
)
def test_erlang_c_table(servers: int, offered: float, expected: float) -> None:
    got = erlang_c(np.array([servers]), np.array([offered]))[0]
    assert got == pytest.approx(expected, abs=1e-4)
    assert got == pytest.approx(naive_erlang_c(servers, offered), rel=1e-12)


@given(st.integers(1, 60), st.floats(0.0, 0.999))
def test_erlang_c_matches_textbook_sum(servers: int, load: float) -> None:
    a = load * servers
    assert erlang_c(np.array([servers]), np.array([a]))[0] == pytest.approx(
        naive_erlang_c(servers, a), rel=1e-9, abs=1e-300
    )


def test_erlang_c_many_servers_is_finite() -> None:
    c = np.array([2_000, 5_000])
    got = erlang_c(c, c * 0.99)
    assert np.isfinite(got).all()
    assert ((got > 0) & (got < 1)).all()


def test_mmc_against_textbook() -> None:
    for c, lam, mu in [(2, 2.0, 2.0), (4, 7.0, 2.0), (12, 50.0, 5.0)]:
        res = analyse(single(lam, c, mu))
        exact = naive_mmc(c, lam, mu)
        for m in (
            "utilisation",
            "mean_queue",
            "mean_wait",
            "mean_sojourn",
            "mean_in_system",
            "wait_probability",
        ):
            assert getattr(res, m)[0] == pytest.approx(exact[m], rel=1e-10), m


def test_jackson_by_hand() -> None:
    # a -> b always; b feeds back to itself half the time: λ_b = 1 / (1 - 0.5) = 2
    net = FlowNetwork(
        nodes=["a", "b"],
        arrival_rates={"a": 1.0},
        servers=[1, 1],
        service_rates=[2.0, 4.0],
        routing={"a": {"b": 1.0}, "b": {"b": 0.5}},
    )
    res = analyse(net)
    assert res.arrival_rate.tolist() == pytest.approx([1.0, 2.0])
    assert res.mean_in_system.tolist() == pytest.approx([1.0, 1.0])  # ρ/(1-ρ), ρ = 1/2
    assert res.mean_sojourn.tolist() == pytest.approx([1.0, 0.5])
    # Little over the network: mean time from arrival to leaving = Σ L / Σ γ
    assert res.mean_time_in_network == pytest.approx(2.0)
    assert res.sojourn(["a", "b", "b"]) == pytest.approx(2.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.data())
def test_traffic_matches_substitution(n: int, data: st.DataObject) -> None:
    raw = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n * n, max_size=n * n))).reshape(
        n, n
    )
    keep = data.draw(st.floats(0.05, 1.0))
    routing = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-12) * (1 - keep)
    gamma = data.draw(st.lists(st.floats(0, 10), min_size=n, max_size=n))
    net = FlowNetwork(
        nodes=[f"n{i}" for i in range(n)],
        arrival_rates=gamma,
        servers=[1] * n,
        service_rates=[1.0] * n,
        routing=routing,
    )
    assert traffic(net)[0] == pytest.approx(naive_traffic(net), rel=1e-8, abs=1e-9)


def test_unstable_nodes_are_listed_never_inf() -> None:
    net = jackson_example().with_capacity({"imaging": 1}).with_service({"imaging": 2.0})
    res = analyse(net)
    assert [u.node for u in res.unstable] == ["imaging"]
    assert not res.is_stable
    u = res.unstable[0]
    assert u.excess_rate == pytest.approx(res.arrival_rate[1] - 2.0)
    assert u.servers_needed == math.floor(res.arrival_rate[1] / 2.0) + 1
    for m in (*MEASURES, "wait_probability", "class_mean_wait"):
        assert np.isfinite(getattr(res, m)).all()
    row = res.node("imaging")
    assert row["stable"] is False
    assert row["mean_wait"] is None
    assert res.node("county")["mean_wait"] is not None
    assert res.mean_time_in_network is None
    with pytest.raises(MedAllianceError, match="'imaging' is unstable"):
        res.sojourn(["township", "imaging"])
    assert analyse(net.with_capacity({"imaging": u.servers_needed})).is_stable
    # exactly at capacity is unstable too
    assert analyse(single(2.0, 1, 2.0)).unstable[0].excess_rate == 0.0


def test_cobham_priorities_single_node() -> None:
    net = FlowNetwork(
        nodes=["ct"],
        classes=["green", "routine"],
        arrival_rates={"green": {"ct": 1.0}, "routine": {"ct": 2.0}},
        servers=[2],
        service_rates=[2.0],
    )
    res = analyse(net)
    pw = naive_erlang_c(2, 1.5)
    s1, s2 = 1.0 / 4.0, 3.0 / 4.0
    w0 = pw / 4.0
    assert res.class_mean_wait[:, 0].tolist() == pytest.approx(
        [w0 / (1 - s1), w0 / ((1 - s1) * (1 - s2))]
    )
    # conservation: the arrival-weighted class waits equal the FCFS wait
    mixed = (1.0 * res.class_mean_wait[0, 0] + 2.0 * res.class_mean_wait[1, 0]) / 3.0
    assert mixed == pytest.approx(res.mean_wait[0])


def test_analysis_table() -> None:
    res = analyse(jackson_example())
    rows = res.rows()
    assert [r["node"] for r in rows] == ["township", "imaging", "county", "city"]
    assert rows[0]["mean_in_system"] == pytest.approx(res.mean_in_system[0])
    assert "FlowAnalysis(4 nodes, 0 unstable" in repr(res)
    assert "<table" in res._repr_html_()
    assert list(res.to_frame().columns)[:3] == ["node", "servers", "service_rate"]


# -- the native engine ---------------------------------------------------------------------


def test_simulation_is_deterministic_for_a_seed() -> None:
    net = jackson_example()
    a = simulate(net, horizon=100, warmup=10, replications=4, seed=11)
    b = simulate(net, horizon=100, warmup=10, replications=4, seed=11)
    c = simulate(net, horizon=100, warmup=10, replications=4, seed=12)
    for m in MEASURES:
        assert np.array_equal(a.per_replication[m], b.per_replication[m])
    assert not np.array_equal(a.per_replication["mean_wait"], c.per_replication["mean_wait"])
    assert a.events == b.events > 0


def test_simulated_means_agree_with_jackson_over_seeds() -> None:
    net = jackson_example()
    exact = analyse(net)
    inside = total = 0
    for seed in range(1, 4):
        sim = simulate(net, horizon=400, warmup=40, replications=60, seed=seed)
        for m in MEASURES:
            mean, half = sim.mean(m), sim.half_width(m)
            value = getattr(exact, m)
            # a 95% half-width is about 2 standard errors: never beyond ~4.5 of them
            assert (np.abs(mean - value) <= 2.2 * half).all(), (seed, m, mean, value, half)
            inside += int(sim.covers(m, value).sum())
            total += len(value)
    # measures of one run are correlated, so coverage is pooled over the seeds
    assert inside >= 0.8 * total


def test_littles_law_on_every_node() -> None:
    sim = simulate(jackson_example(), horizon=500, warmup=50, replications=60, seed=5)
    lam = sim.per_replication["arrival_rate"]
    for queue, wait in (("mean_queue", "mean_wait"), ("mean_in_system", "mean_sojourn")):
        lq, wq = sim.per_replication[queue], sim.per_replication[wait]
        # measured independently: time averages vs patient by patient waits
        assert lq.mean(axis=0) == pytest.approx((lam * wq).mean(axis=0), rel=0.03)


def test_native_engine_agrees_with_naive_event_simulator() -> None:
    net = jackson_example()
    naive = [naive_simulate(net, horizon=600, warmup=50, seed=s) for s in range(6)]
    sim = simulate(net, horizon=600, warmup=50, replications=30, seed=9)
    exact = analyse(net)
    for m in ("mean_wait", "mean_queue", "mean_in_system", "utilisation"):
        values = np.array([r[m] for r in naive])
        mean = values.mean(axis=0)
        se_naive = values.std(axis=0, ddof=1) / math.sqrt(len(naive))
        se_native = sim.half_width(m) / 2.05
        # both estimate the same quantity: difference within 4 combined standard errors
        assert (np.abs(mean - sim.mean(m)) <= 4 * np.hypot(se_naive, se_native)).all(), m
        # and the naive simulator itself is a sound oracle
        assert (np.abs(mean - getattr(exact, m)) <= 4 * se_naive + 1e-9).all(), m


def test_priorities_simulated_against_cobham() -> None:
    net = FlowNetwork(
        nodes=["ct"],
        classes=["green", "routine"],
        arrival_rates={"green": {"ct": 1.0}, "routine": {"ct": 2.0}},
        servers=[2],
        service_rates=[2.0],
    )
    exact = analyse(net).class_mean_wait[:, 0]
    sim = simulate(net, horizon=2_000, warmup=50, replications=20, seed=4)
    values = sim.per_replication["class_mean_wait"][:, :, 0]
    mean = values.mean(axis=0)
    se = values.std(axis=0, ddof=1) / math.sqrt(20)
    assert (np.abs(mean - exact) <= 4 * se).all(), (mean, exact)
    assert mean[0] < mean[1]
    naive = naive_simulate(net, horizon=4_000, warmup=50, seed=1)["class_mean_wait"]
    assert naive[0][0] < naive[1][0]


def test_initial_queue_drains() -> None:
    net = single(0.0, 1, 1.0)  # nobody arrives; 50 patients are waiting at 0
    sim = simulate(net, horizon=5, replications=30, seed=2, initial_queue={"q": 50})
    assert sim.mean("utilisation")[0] == pytest.approx(1.0)
    # queue after t is 49 - N(t), N Poisson(t): time average 49 - 5/2
    assert abs(sim.mean("mean_queue")[0] - 46.5) <= 2.5 * sim.half_width("mean_queue")[0] + 1e-9
    big = simulate(net, horizon=1, replications=2, seed=2, initial_queue={"q": 500})
    assert big.mean("mean_queue")[0] > 490  # the ring buffer grew past its first size


def test_unstable_network_simulates_without_hanging() -> None:
    net = single(3.0, 1, 1.0)
    sim = simulate(net, horizon=50, replications=3, seed=1)
    assert sim.mean("mean_queue")[0] > 20
    with pytest.raises(MedAllianceError, match="events expected"):
        simulate(net, horizon=1e9, replications=3, seed=1)


def test_bad_run_arguments_all_reported() -> None:
    net = jackson_example()
    with pytest.raises(MedAllianceError) as err:
        simulate(
            net,
            horizon=10,
            warmup=20,
            replications=1,
            seed=1,
            confidence=1.5,
            engine="simpy",  # type: ignore[arg-type]
            initial_queue={"nowhere": 3, "county": -1},
        )
    text = str(err.value)
    for needle in (
        "warmup: must be < horizon",
        "replications: must be a whole number >= 2",
        "confidence: must be in (0, 1)",
        "unknown engine 'simpy'",
        "initial_queue.nowhere: unknown node",
        "initial_queue.county: must be a whole",
    ):
        assert needle in text, (needle, text)
    with pytest.raises(MedAllianceError, match="horizon: must be a finite number > 0"):
        simulate(net, horizon=math.inf, seed=1)


def test_simulation_table() -> None:
    sim = simulate(jackson_example(), horizon=50, replications=3, seed=1)
    rows = sim.rows()
    assert len(rows) == len(MEASURES) * 4
    assert all(r["ci_low"] <= r["mean"] <= r["ci_high"] for r in rows)
    assert "<table" in sim._repr_html_()
    with pytest.raises(MedAllianceError, match="unknown measure 'speed'"):
        sim.mean("speed")


# -- ciw -------------------------------------------------------------------------------------


def test_network_table() -> None:
    net = jackson_example()
    assert net.rows()[2]["routes"] == "township 0.1, imaging 0.2, city 0.1"
    assert "<table" in net._repr_html_()
    assert list(net.to_frame()["servers"]) == [2, 1, 3, 2]


def test_ciw_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ciw", None)
    with pytest.raises(ImportError, match=r"pip install 'medalliance\[flow\]'"):
        to_ciw(jackson_example())
    with pytest.raises(ImportError, match="ciw is needed"):
        simulate(jackson_example(), horizon=10, replications=2, seed=1, engine="ciw")


def test_to_ciw_structure() -> None:
    n = to_ciw(jackson_example())
    assert n.number_of_nodes == 4
    assert [c.number_of_servers for c in n.service_centres] == [2, 1, 3, 2]


def test_ciw_engine_reproduces_analytic_means() -> None:
    net = jackson_example()
    exact = analyse(net)
    sim = simulate(net, horizon=600, warmup=50, replications=4, seed=3, engine="ciw")
    assert sim.engine == "ciw"
    assert sim.waits is not None
    assert len(sim.waits) == 4
    for m in ("utilisation", "mean_wait", "mean_sojourn", "arrival_rate"):
        mean, half = sim.mean(m), sim.half_width(m)
        assert (np.abs(mean - getattr(exact, m)) <= 2.5 * half + 0.02 * getattr(exact, m)).all(), m
    assert sim.waits[0].mean() == pytest.approx(exact.mean_wait[0], rel=0.25)
    with pytest.raises(MedAllianceError, match="Ciw#98"):
        simulate(net, horizon=10, replications=2, seed=1, engine="ciw", initial_queue={"county": 1})


def test_ciw_priorities() -> None:
    net = FlowNetwork(
        nodes=["ct"],
        classes=["green", "routine"],
        arrival_rates={"green": {"ct": 1.0}, "routine": {"ct": 2.0}},
        servers=[2],
        service_rates=[2.0],
    )
    sim = simulate(net, horizon=800, replications=3, seed=2, engine="ciw")
    waits = sim.per_replication["class_mean_wait"][:, :, 0].mean(axis=0)
    assert waits[0] < waits[1]


# -- from a registry ---------------------------------------------------------------------------


def county_network(level: str = "institution") -> ReferralNetwork:
    reg = synthetic.county(seed=5, townships=3, villages_per_township=1)
    return referral_network(
        reg,
        referral_shares={
            "needs_inpatient_bed": 0.05,
            "critical_or_difficult": 0.02,
            "convalescence": 0.1,
        },
        arrivals_per_person=0.002,
        service_rates={"village": 30.0, "primary": 0.25, "secondary": 0.15},
        default_servers=1,
        level=level,  # type: ignore[arg-type]
    )


def test_routes_only_where_referral_evaluate_sends() -> None:
    built = county_network()
    reg = synthetic.county(seed=5, townships=3, villages_per_township=1)
    assert built.routing_pairs
    shares = built.assumptions["referral_shares"]
    for origin, dest, share in built.routing_pairs:
        found = [
            c
            for c, s in shares.items()
            if s == share
            and (d := evaluate(reg, ReferralCase(origin=origin, criterion=c))).destinations
            and d.destinations[0].institution == dest
        ]
        assert found, (origin, dest, share)
    # and every (origin, criterion) evaluate can route is either routed or reported unrouted
    n_cases = len(built.institutions) * len(shares)
    assert len(built.routing_pairs) + len(built.unrouted) == n_cases
    for u in built.unrouted:
        d = evaluate(reg, ReferralCase(origin=u.origin, criterion=u.criterion))
        assert not d.destinations
        assert u.reason == "no eligible destination"
    net = built.network
    for origin, dest, share in built.routing_pairs:
        assert net.routing[net.position(origin), net.position(dest)] >= share
    assert int(np.count_nonzero(net.routing)) == len({(a, b) for a, b, _ in built.routing_pairs})


def test_servers_and_arrivals_from_the_registry() -> None:
    reg = synthetic.county(seed=5, townships=3, villages_per_township=1)
    net = county_network().network
    hospital = reg.institution("k-h")
    assert hospital.population_served is not None
    assert net.servers[net.position("k-h")] == hospital.beds
    assert net.servers[net.position("k-t00v00")] == 1
    assert net.external_rates[net.position("k-h")] == pytest.approx(
        0.002 * hospital.population_served
    )
    with pytest.raises(MedAllianceError) as err:
        referral_network(
            reg,
            referral_shares={"vibes": 0.1, "convalescence": 2.0},
            service_rates={"k-nowhere": 1.0},
            arrival_rates={"x": 1.0},
            alliance="nope",
        )
    text = str(err.value)
    for needle in (
        "unknown criterion 'vibes'",
        "referral_shares.convalescence: must be in [0, 1]",
        "unknown alliance 'nope'",
    ):
        assert needle in text, needle
    with pytest.raises(MedAllianceError) as err:
        referral_network(
            reg, referral_shares={"convalescence": 0.1}, service_rates=1.0, arrival_rates={"x": 1.0}
        )
    rendered = [p.render() for p in err.value.problems]
    assert any(r.startswith("servers.k-c00s00: no capacity") for r in rendered)
    assert len([r for r in rendered if "no capacity" in r]) == 7
    assert "arrival_rates.x: not a modelled institution 'x'" in str(err.value)


def test_tier_level_pools_and_conserves_flow() -> None:
    inst = county_network().network
    tier = county_network("tier")
    net = tier.network
    assert net.nodes == ("village", "primary", "secondary")
    lam_inst, lam_tier = traffic(inst)[0], traffic(net)[0]
    reg = synthetic.county(seed=5, townships=3, villages_per_township=1)
    for k, name in enumerate(net.nodes):
        members = [i for i, iid in enumerate(inst.nodes) if reg.institution(iid).tier.value == name]
        assert lam_tier[k] == pytest.approx(lam_inst[members].sum(), rel=1e-9)
        assert net.servers[k] == inst.servers[members].sum()
        cap = (inst.servers[members] * inst.service_rates[members]).sum()
        assert net.servers[k] * net.service_rates[k] == pytest.approx(cap)


def test_within_share_and_compare() -> None:
    net = FlowNetwork(
        nodes=["town", "county", "city"],
        arrival_rates={"town": 10.0},
        servers=[1, 2, 2],
        service_rates=[20.0, 5.0, 5.0],
        routing={"town": {"county": 0.4}, "county": {"city": 0.25}},
    )
    # within the county: 60% finish at the town, 0.4 * 0.75 at the county
    assert within_share(net, ["town", "county"]) == pytest.approx(0.6 + 0.4 * 0.75)
    assert within_share(net, ["city"]) is None
    cmp = compare(
        {"now": net, "fewer up": net.with_routing({"county": {"city": 0.1}})},
        within=["town", "county"],
    )
    summary = cmp.summary()
    assert [r["within_share"] for r in summary] == pytest.approx([0.9, 0.96])
    assert len(cmp.rows()) == 6
    with pytest.raises(MedAllianceError, match="unknown node 'x'"):
        compare({"now": net}, within=["x"])


# -- files and the command line ------------------------------------------------------------


def test_network_files_and_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(
        "time_unit: day\n"
        "classes: [green, routine]\n"
        "nodes:\n"
        "  - {id: town, servers: 2, service_rate: 5, arrival_rate: {green: 1, routine: 4},\n"
        "     routes: {county: 0.2}}\n"
        "  - {id: county, servers: 3, service_rate: 1}\n"
        "scenarios:\n"
        "  - {name: more, servers: {county: 4}, routing: {town: {county: 0.1}}}\n",
        encoding="utf-8",
    )
    net = read_flow_network(path)
    assert net.classes == ("green", "routine")
    assert net.time_unit == "day"
    assert net.arrival_rates.tolist() == [[1.0, 0.0], [4.0, 0.0]]
    scenarios = read_flow_scenarios(path)
    assert scenarios["more"].servers.tolist() == [2, 4]
    assert scenarios["more"].routing[0, 1] == 0.1
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "nodes:\n  - {id: a, servers: 0, colour: red}\n  - {id: b, service_rate: 1, servers: 1,"
        " routes: {zz: 0.5}}\nscenarios:\n  - {name: s, servers: {nowhere: 2}}\n",
        encoding="utf-8",
    )
    with pytest.raises(MedAllianceError) as err:
        read_flow_scenarios(bad)
    text = str(err.value)
    assert "bad.yaml:" in text
    assert "nodes[0].colour: unknown key 'colour'" in text
    assert "nodes[0].service_rate: missing" in text


def test_cli_flow(tmp_path: Path) -> None:
    from medalliance.cli import main

    example = ROOT / "docs" / "cli-examples" / "gangkou_flow.yaml"
    out, err = io.StringIO(), io.StringIO()
    assert (
        main(["flow", str(example), "--json", "--within", "qisha_thc,qisha_ct"], out=out, err=err)
        == 0
    )
    doc = json.loads(out.getvalue())
    assert [s["name"] for s in doc["scenarios"]][:2] == ["baseline", "CT at Qisha"]
    assert doc["summary"][1]["within_share"] > doc["summary"][0]["within_share"]
    out = io.StringIO()
    assert (
        main(
            ["flow", str(example), "--simulate", "--horizon", "50", "--replications", "3"],
            out=out,
            err=err,
        )
        == 0
    )
    assert "Simulated baseline: 3 runs of 50 days" in out.getvalue()
    err = io.StringIO()
    assert main(["flow", str(example), "--replications", "1"], out=io.StringIO(), err=err) == 1
    assert "--replications: must be >= 2" in err.getvalue()
    assert "--replications: applies only with --simulate" in err.getvalue()
    unstable = tmp_path / "u.yaml"
    unstable.write_text(
        "nodes:\n  - {id: a, servers: 1, service_rate: 1, arrival_rate: 2}\n", encoding="utf-8"
    )
    out = io.StringIO()
    assert main(["flow", str(unstable)], out=out, err=io.StringIO()) == 0
    assert "UNSTABLE" in out.getvalue()
    assert "a: 1 more arrivals than it can serve; needs 3 servers" in out.getvalue()


def test_observed_network_from_activity() -> None:
    reg = synthetic.county(seed=5, townships=3, villages_per_township=1)
    care = [
        {"period": "2019", "kind": "admission", "count": n, "institution": i}
        for i, n in (("k-h", 9_000), ("k-t00", 700), ("k-t01", 900), ("k-t02", 500))
    ]
    refs = [
        {"period": "2019", "origin": "k-t00", "destination": "k-h", "count": 70},
        {"period": "2019", "origin": "k-t01", "destination": "k-h", "count": 45},
        {"period": "2019", "origin": "k-h", "destination": "k-t02", "count": 90},
        {"period": "2018", "origin": "k-t02", "destination": "k-h", "count": 999},
    ]
    built = observed_network(
        reg,
        Activity(care=care, referrals=refs),
        period="2019",
        period_days=365,
        service_rates={"village": 30.0, "primary": 0.25, "secondary": 0.15},
        default_servers=1,
    )
    net = built.network
    h, t00 = net.position("k-h"), net.position("k-t00")
    assert net.routing[t00, h] == pytest.approx(0.1)
    assert net.routing[h, net.position("k-t02")] == pytest.approx(0.01)
    # totals reproduce the care counts: λ = care / days
    lam = traffic(net)[0]
    assert lam[h] == pytest.approx(9_000 / 365)
    assert lam[net.position("k-t02")] == pytest.approx(500 / 365)
    # every observed route is a referral channel the referral module reports
    ch = referral_channels(reg, all_specialties=True)
    for a, b, _ in built.routing_pairs:
        assert set(ch.channels_of(a)) & set(ch.channels_of(b))
    bad = [
        *refs,
        {"period": "2019", "origin": "k-t00", "destination": "k-t01", "count": 1},
        {"period": "2019", "origin": "k-c00", "destination": "k-h", "count": 5},
        {"period": "2019", "origin": "k-t02", "destination": "k-h", "count": 600},
    ]
    with pytest.raises(MedAllianceError) as err:
        observed_network(
            reg,
            Activity(care=care, referrals=bad),
            period="2019",
            period_days=365,
            service_rates=0.2,
            default_servers=1,
        )
    text = str(err.value)
    assert "origin 'k-c00' has no care records in '2019'" in text
    assert "600 referrals out in '2019' but only 500 cared for" in text


def test_observed_referrals_must_follow_channels() -> None:
    reg = examples.load("dingzhou")
    care = [
        {"period": "1", "kind": "visit", "count": 100, "institution": i.id}
        for i in reg.institutions
    ]
    refs = [
        {"period": "1", "origin": "dingzhou_mch", "destination": "dingzhou_peoples", "count": 3}
    ]
    kwargs: dict[str, Any] = {
        "period": "1",
        "period_days": 30,
        "kind": "visit",
        "service_rates": 10.0,
        "default_servers": 2,
    }
    with pytest.raises(MedAllianceError, match="dingzhou_mch->dingzhou_peoples: no referral"):
        observed_network(reg, Activity(care=care, referrals=refs), **kwargs)
    built = observed_network(
        reg, Activity(care=care, referrals=refs), allow_outside_channels=True, **kwargs
    )
    assert built.routing_pairs == (("dingzhou_mch", "dingzhou_peoples", 0.03),)

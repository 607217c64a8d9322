"""removal_impact_all: one block-cut pass equals a loop of removal_impact over every institution."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import Registry, examples, synthetic
from medalliance.coverage import (
    ReachTarget,
    RemovalImpacts,
    removal_impact,
    removal_impact_all,
)
from medalliance.errors import MedAllianceError, UnknownIdError
from medalliance.model.institution import Tier
from medalliance.model.vocab import ServiceKind, Specialty
from strategies import referral_registries, registries

targets_strategy = st.builds(
    ReachTarget,
    min_tier=st.sampled_from(list(Tier)),
    specialty=st.one_of(st.none(), st.sampled_from(list(Specialty))),
    services=st.lists(st.sampled_from(list(ServiceKind)), unique=True, max_size=1).map(tuple),
    institutions=st.just(()),
)


def assert_equals_loop(reg: Registry, target: ReachTarget, **kw: Any) -> RemovalImpacts:
    """Every entry equals removal_impact of that institution (lost origins and counts)."""
    got = removal_impact_all(reg, target=target, hops=True, **kw)
    assert got.institutions == tuple(i.id for i in reg.institutions)
    for k, inst in enumerate(reg.institutions):
        one = removal_impact(reg, inst.id, target=target, **kw)
        assert got.lost(inst.id) == one.lost, inst.id
        assert got.changed(inst.id) == one.changed, inst.id
        assert int(got.origins[k]) == one.origins
        assert int(got.reachable_before[k]) == one.reachable_before
        assert int(got.reachable_after[k]) == one.reachable_after
    return got


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(referral_registries(max_institutions=14), registries()), targets_strategy, st.data()
)
def test_equals_loop_of_removal_impact(reg: Registry, target: ReachTarget, data: Any) -> None:
    kw: dict[str, Any] = {}
    if data.draw(st.booleans()):
        ids = [i.id for i in reg.institutions]
        kw["origins"] = data.draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    if data.draw(st.booleans()) and reg.alliances:
        kw["alliance"] = data.draw(st.sampled_from([a.id for a in reg.alliances]))
    kw["all_specialties"] = data.draw(st.booleans())
    assert_equals_loop(reg, target, **kw)


@settings(max_examples=30, deadline=None)
@given(referral_registries(max_institutions=14), st.data())
def test_listed_target_institutions(reg: Registry, data: Any) -> None:
    ids = [i.id for i in reg.institutions]
    picked = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    target = ReachTarget(institutions=tuple(picked))
    assert_equals_loop(reg, target, origins=ids)


@pytest.mark.parametrize("name", examples.names())
def test_equals_loop_on_bundled_examples(name: str) -> None:
    reg = examples.load(name)
    ids = [i.id for i in reg.institutions]
    for target in (ReachTarget(min_tier="二级"), ReachTarget(min_tier="三级")):
        assert_equals_loop(reg, target)
        assert_equals_loop(reg, target, origins=ids)


@pytest.mark.parametrize("seed", [1, 2])
def test_equals_loop_on_synthetic_county(seed: int) -> None:
    reg = synthetic.county(seed=seed, townships=4, villages_per_township=3)
    ids = [i.id for i in reg.institutions]
    assert_equals_loop(reg, ReachTarget(min_tier="二级"), origins=ids)
    assert_equals_loop(reg, ReachTarget(services=("ct",)), origins=ids)


def test_chain_every_cut() -> None:
    """county - town - village chain below a city group: each link cuts what hangs below it."""

    def inst(i: str, kind: str, level: str | None = None) -> dict[str, Any]:
        return {"id": i, "name": i, "kind": kind, "level": level}

    reg = Registry.model_validate(
        {
            "institutions": [
                inst("city", "综合医院", "三级甲等"),
                inst("county", "综合医院", "二级"),
                inst("town", "乡镇卫生院"),
                inst("village", "村卫生室"),
            ],
            "alliances": [
                {"id": "group", "name": "g", "form": "城市医疗集团", "lead": ["city"],
                 "provisions": ["双向转诊"], "memberships": [
                     {"institution": "city", "role": "牵头"}, {"institution": "county"}]},
                {"id": "community", "name": "c", "form": "县域医共体", "lead": ["county"],
                 "memberships": [{"institution": "county", "role": "牵头"},
                                 {"institution": "town", "role": "枢纽"},
                                 {"institution": "village", "role": "基础"}]},
            ],
            "agreements": [
                {"id": "g1", "alliance": "community", "parties": ["county", "town"],
                 "items": ["双向转诊"]},
                {"id": "g2", "alliance": "community", "parties": ["town", "village"],
                 "items": ["双向转诊"]},
            ],
        }
    )  # fmt: skip
    everyone = [i.id for i in reg.institutions]
    got = assert_equals_loop(reg, ReachTarget(min_tier="三级"), origins=everyone)
    assert got.lost("city") == ("county", "town", "village")
    assert got.lost("county") == ("town", "village")
    assert got.lost("town") == ("village",)
    assert got.lost("village") == ()
    assert got.critical() == ("city", "county", "town")
    rows = got.rows()
    assert rows[0] == {
        "institution": "city",
        "origins": 3,
        "reachable_before": 3,
        "reachable_after": 0,
        "lost": 3,
        "changed": 3,
    }
    frame = got.to_frame()
    assert list(frame["lost"]) == [3, 2, 1, 0]
    assert "<table" in got._repr_html_()


def test_result_arrays_and_unknown_lookup() -> None:
    got = removal_impact_all(examples.load("gangkou"), target=ReachTarget(min_tier="二级"))
    assert "changed" not in got.rows()[0]
    with pytest.raises(MedAllianceError, match="hops=True"):
        got.changed("gangkou_peoples")
    assert len(got) == len(examples.load("gangkou").institutions)
    assert np.array_equal(got.reachable_after, got.reachable_before - got.lost_counts)
    with pytest.raises(UnknownIdError, match="nowhere"):
        got.lost("nowhere")


def test_bad_input_names_every_problem() -> None:
    reg = examples.load("gangkou")
    with pytest.raises(MedAllianceError, match="ReachTarget"):
        removal_impact_all(reg, target="二级")  # type: ignore[arg-type]
    with pytest.raises(UnknownIdError) as err:
        removal_impact_all(reg, target=ReachTarget(min_tier="二级"), origins=["a", "b", "a"])
    text = str(err.value)
    assert "'a'" in text
    assert "'b'" in text
    with pytest.raises(UnknownIdError, match="nope"):
        removal_impact_all(reg, target=ReachTarget(min_tier="二级"), alliance="nope")
    with pytest.raises(UnknownIdError, match="ghost"):
        removal_impact_all(reg, target=ReachTarget(institutions=("ghost",)))


def test_longer_detours_are_hop_changes_not_losses() -> None:
    """A ring county - t1 - t2 - v - t3 - county: removing t1 sends t2 the long way round."""

    def inst(i: str, kind: str, level: str | None = None) -> dict[str, Any]:
        return {"id": i, "name": i, "kind": kind, "level": level}

    ring = [("county", "t1"), ("t1", "t2"), ("t2", "v"), ("v", "t3"), ("t3", "county")]
    reg = Registry.model_validate(
        {
            "institutions": [
                inst("county", "综合医院", "二级"), inst("t1", "乡镇卫生院"),
                inst("t2", "乡镇卫生院"), inst("t3", "乡镇卫生院"), inst("v", "村卫生室"),
            ],
            "alliances": [
                {"id": "c", "name": "c", "form": "县域医共体", "lead": ["county"],
                 "memberships": [{"institution": "county", "role": "牵头"},
                                 *({"institution": x} for x in ("t1", "t2", "t3", "v"))]},
            ],
            "agreements": [
                {"id": f"g{k}", "alliance": "c", "parties": list(pair), "items": ["双向转诊"]}
                for k, pair in enumerate(ring)
            ],
        }
    )  # fmt: skip
    everyone = [i.id for i in reg.institutions]
    got = assert_equals_loop(reg, ReachTarget(min_tier="二级"), origins=everyone)
    assert got.lost("t1") == ()
    assert [(c.institution, c.before, c.after) for c in got.changed("t1")] == [("t2", 2, 3)]

"""Compiled referral channels equal a naive scan of alliances and agreements."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from medalliance import Registry, examples
from medalliance.compiled.channels import referral_channels
from medalliance.model.agreement import AgreementStatus, CooperationItem
from medalliance.model.alliance import AllianceForm
from medalliance.model.vocab import Specialty
from strategies import registries


def naive_partners(reg: Registry, origin: str, specialty: Specialty | None) -> set[str]:
    found: set[str] = set()
    for a in reg.alliances_of(origin):
        if a.form is AllianceForm.SPECIALTY_ALLIANCE and a.specialty != specialty:
            continue
        if CooperationItem.TWO_WAY_REFERRAL in a.provisions:
            found.update(a.members)
        for g in reg.agreements_of(a.id):
            if (
                CooperationItem.TWO_WAY_REFERRAL in g.items
                and g.status is AgreementStatus.IN_FORCE
                and origin in g.parties
            ):
                found.update(g.parties)
    found.discard(origin)
    return found


@settings(max_examples=50)
@given(registries(), st.data())
def test_partners_equal_naive_scan(reg: Registry, data: Any) -> None:
    specialty = data.draw(st.sampled_from([None, *{a.specialty for a in reg.alliances}]))
    ch = referral_channels(reg, specialty=specialty)
    for inst in reg.institutions:
        assert set(ch.partners(inst.id)) == naive_partners(reg, inst.id, specialty)
    inc = ch.incidence()
    assert inc.shape == (len(ch.channels), len(reg.institutions))
    assert int(inc.sum()) == len(ch.indices)


def test_specialty_channels_need_their_specialty() -> None:
    reg = examples.load("xuzhou_mch")
    assert referral_channels(reg).channels == ()
    scoped = referral_channels(reg, specialty="maternal_child_health")
    assert scoped.channels
    assert set(scoped.specialty) == {Specialty.MATERNAL_CHILD_HEALTH}
    everything = referral_channels(reg, all_specialties=True)
    assert everything.channels == scoped.channels

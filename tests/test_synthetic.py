"""Synthetic generators: determinism, validity, realistic structure."""

from __future__ import annotations

import pytest

from medalliance import (
    AllianceForm,
    InstitutionKind,
    MedAllianceError,
    MemberRole,
    Severity,
    Tier,
    check_registry,
    from_graph,
    synthetic,
    to_graph,
)


def test_same_seed_same_registry_different_seed_different() -> None:
    a = synthetic.county_data(seed=11, townships=4, villages_per_township=5)
    b = synthetic.county_data(seed=11, townships=4, villages_per_township=5)
    c = synthetic.county_data(seed=12, townships=4, villages_per_township=5)
    assert a == b
    assert a != c
    assert synthetic.county(seed=11, townships=4, villages_per_township=5) == synthetic.county(
        seed=11, townships=4, villages_per_township=5
    )


@pytest.mark.parametrize(("townships", "villages"), [(1, 0), (3, 4), (12, 15)])
def test_county_structure(townships: int, villages: int) -> None:
    reg = synthetic.county(seed=5, townships=townships, villages_per_township=villages)
    [community] = reg.alliances
    assert community.form is AllianceForm.COUNTY_MEDICAL_COMMUNITY
    kinds = [i.kind for i in reg.institutions]
    assert kinds.count(InstitutionKind.TOWNSHIP_HEALTH_CENTRE) == townships
    assert kinds.count(InstitutionKind.VILLAGE_CLINIC) == townships * villages
    lead = reg.institution(community.lead[0])
    assert lead.tier is Tier.SECONDARY
    for m in community.memberships:
        inst = reg.institution(m.institution)
        if inst.kind is InstitutionKind.VILLAGE_CLINIC:
            assert m.role is MemberRole.BASE
        if inst.kind is InstitutionKind.TOWNSHIP_HEALTH_CENTRE:
            assert m.role is MemberRole.HUB
        if inst.id != lead.id:
            assert inst.tier <= lead.tier
    for inst in reg.institutions:
        assert inst.lat is not None
        assert 21.0 <= inst.lat <= 49.0
        assert inst.lon is not None
        assert 80.0 <= inst.lon <= 128.0
    assert not [f for f in check_registry(reg) if f.severity is Severity.WARNING]


def test_county_graph_round_trip() -> None:
    reg = synthetic.county(seed=2, townships=3, villages_per_township=3)
    assert from_graph(to_graph(reg)) == reg


def test_province_has_every_form_and_shared_members() -> None:
    reg = synthetic.province(
        seed=4, cities=2, counties_per_city=2, townships=2, villages_per_township=2
    )
    assert {a.form for a in reg.alliances} == set(AllianceForm)
    for a in reg.alliances:
        if a.form is AllianceForm.SPECIALTY_ALLIANCE:
            assert a.specialty is not None
            assert reg.institution(a.lead[0]).tier is Tier.TERTIARY
    assert any(len(reg.alliances_of(i.id)) > 1 for i in reg.institutions)
    assert not [f for f in check_registry(reg) if f.severity is Severity.WARNING]


def test_national_small_scale() -> None:
    data = synthetic.national_data(seed=1, scale=0.002)
    assert synthetic.national_data(seed=1, scale=0.002) == data
    reg = synthetic.national(seed=1, scale=0.002)
    assert len(reg.institutions) == len(data["institutions"])
    assert {a.form for a in reg.alliances} == set(AllianceForm)


def test_bad_arguments() -> None:
    with pytest.raises(MedAllianceError, match="townships: must be a non-negative integer"):
        synthetic.county_data(seed=1, townships=-1)
    with pytest.raises(MedAllianceError, match="scale must be positive"):
        synthetic.national_data(seed=1, scale=0)

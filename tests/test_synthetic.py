"""Synthetic generators: determinism, validity, realistic structure, scale."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from medalliance import (
    AllianceForm,
    InstitutionKind,
    MedAllianceError,
    MemberRole,
    Registry,
    Severity,
    Tier,
    Tightness,
    check_registry,
    from_graph,
    synthetic,
    to_graph,
)
from medalliance.io._files import registry_to_dict

K = InstitutionKind
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
LAT, LON = (18.0, 53.6), (73.5, 135.1)  # China's bounding box

SMALL_COUNTY: dict[str, Any] = {"townships": 4, "villages_per_township": 5}
SMALL_PROVINCE: dict[str, Any] = {
    "cities": 3,
    "counties": 4,
    "townships": 3,
    "villages_per_township": 3,
}

GENERATORS: list[tuple[Callable[..., dict[str, Any]], dict[str, Any]]] = [
    (synthetic.county_data, SMALL_COUNTY),
    (synthetic.province_data, SMALL_PROVINCE),
    (synthetic.national_data, {"scale": 0.002}),
]
GEN_IDS = ["county", "province", "national"]


@pytest.fixture(scope="module")
def small_national() -> Registry:
    return synthetic.national(seed=3, scale=0.002)


@pytest.mark.parametrize(("make", "kwargs"), GENERATORS, ids=GEN_IDS)
def test_same_seed_same_data_different_seed_different(
    make: Callable[..., dict[str, Any]], kwargs: dict[str, Any]
) -> None:
    a = make(seed=11, **kwargs)
    assert make(seed=11, **kwargs) == a
    assert make(seed=12, **kwargs) != a


def test_same_seed_same_registry() -> None:
    a = synthetic.county(seed=11, **SMALL_COUNTY)
    assert synthetic.county(seed=11, **SMALL_COUNTY) == a
    assert synthetic.county(seed=12, **SMALL_COUNTY) != a
    assert synthetic.province(seed=11, **SMALL_PROVINCE) == synthetic.province(
        seed=11, **SMALL_PROVINCE
    )


def test_global_random_state_untouched() -> None:
    saved = np.random.get_state(), random.getstate()
    try:
        np.random.seed(123)  # the legacy global state is what is being checked
        random.seed(123)
        expected = (np.random.random(), random.random())
        np.random.seed(123)
        random.seed(123)
        synthetic.province_data(seed=1, **SMALL_PROVINCE)
        assert (np.random.random(), random.random()) == expected
    finally:
        np.random.set_state(saved[0])
        random.setstate(saved[1])


@pytest.mark.parametrize(("make", "kwargs"), GENERATORS, ids=GEN_IDS)
def test_data_is_valid_and_canonical(
    make: Callable[..., dict[str, Any]], kwargs: dict[str, Any]
) -> None:
    data = make(seed=5, **kwargs)
    reg = Registry.model_validate({k: v for k, v in data.items() if k != "schema_version"})
    # sorted by id, defaults left out: writing the registry gives the same data back
    assert registry_to_dict(reg) == data
    ids = [i["id"] for i in data["institutions"]]
    ids += [a["id"] for a in data["alliances"]]
    ids += [g["id"] for g in data["agreements"]]
    ids += [c["id"] for a in data["alliances"] for c in a.get("shared_centres", ())]
    ids += [e["id"] for a in data["alliances"] for e in a.get("expert_clinics", ())]
    assert len(set(ids)) == len(ids)
    assert all(ID.match(x) and ":" not in x for x in ids)


@pytest.mark.parametrize(("make", "kwargs"), GENERATORS, ids=GEN_IDS)
def test_coordinates_and_codes(make: Callable[..., dict[str, Any]], kwargs: dict[str, Any]) -> None:
    data = make(seed=8, **kwargs)
    for inst in data["institutions"]:
        assert LAT[0] <= inst["lat"] <= LAT[1]
        assert LON[0] <= inst["lon"] <= LON[1]
        code = inst["region"].get("division_code")
        assert code is None or re.fullmatch(r"[1-6][0-9]{5}", code)
        assert inst["region"]["province"].endswith(("省", "市", "自治区"))


@pytest.mark.parametrize(
    ("townships", "villages", "centres", "stations"),
    [(1, 0, 0, 0), (0, 0, 1, 3), (3, 4, 2, 2), (12, 15, 2, 2)],
)
def test_county_counts_follow_parameters(
    townships: int, villages: int, centres: int, stations: int
) -> None:
    reg = synthetic.county(
        seed=5,
        townships=townships,
        villages_per_township=villages,
        community_centres=centres,
        stations_per_centre=stations,
        private_clinics=3,
    )
    kinds = Counter(i.kind for i in reg.institutions)
    assert kinds[K.TOWNSHIP_HEALTH_CENTRE] == townships
    assert kinds[K.VILLAGE_CLINIC] == townships * villages
    assert kinds[K.COMMUNITY_HEALTH_CENTRE] == centres
    assert kinds[K.COMMUNITY_HEALTH_STATION] == centres * stations
    assert kinds[K.OTHER] == 3
    assert kinds[K.GENERAL_HOSPITAL] == kinds[K.TCM_HOSPITAL] == kinds[K.MCH_INSTITUTION] == 1
    [community] = reg.alliances
    assert len(community.memberships) == len(reg.institutions) - 3  # private clinics stay out
    assert len(reg.agreements) == townships + centres


def test_county_structure() -> None:
    reg = synthetic.county(seed=21)
    [community] = reg.alliances
    assert community.form is AllianceForm.COUNTY_MEDICAL_COMMUNITY
    assert community.tightness is Tightness.TIGHT
    [lead_id] = community.lead
    lead = reg.institution(lead_id)
    assert lead.kind is K.GENERAL_HOSPITAL
    assert lead.tier is Tier.SECONDARY
    assert lead.name.endswith("县人民医院")
    expected_role = {
        K.TOWNSHIP_HEALTH_CENTRE: MemberRole.HUB,
        K.COMMUNITY_HEALTH_CENTRE: MemberRole.HUB,
        K.VILLAGE_CLINIC: MemberRole.BASE,
        K.COMMUNITY_HEALTH_STATION: MemberRole.BASE,
        K.TCM_HOSPITAL: MemberRole.MEMBER,
        K.MCH_INSTITUTION: MemberRole.MEMBER,
    }
    for m in community.memberships:
        inst = reg.institution(m.institution)
        if inst.id == lead.id:
            assert m.role is MemberRole.LEAD
            continue
        assert m.role is expected_role[inst.kind]
        # no member ranks above the county hospital; every grassroots member ranks below it
        assert inst.tier <= lead.tier
        if inst.is_grassroots:
            assert inst.tier < lead.tier
    assert {"ct", "mri", "dr", "lab", "icu", "surgery", "inpatient"} <= {
        s.value for s in lead.services
    }
    towns = [i for i in reg.institutions if i.kind is K.TOWNSHIP_HEALTH_CENTRE]
    assert all(i.name.endswith("卫生院") for i in towns)
    assert all({"dr", "lab", "ecg"} <= {s.value for s in i.services} for i in towns)
    central = [i for i in towns if "中心卫生院" in i.name]
    ordinary = [i for i in towns if "中心卫生院" not in i.name]
    assert central
    assert ordinary
    assert max(i.beds or 0 for i in central) > min(i.beds or 0 for i in ordinary)
    for v in (i for i in reg.institutions if i.kind is K.VILLAGE_CLINIC):
        assert v.name.endswith("村卫生室")
        assert {s.value for s in v.services} <= {"ecg"}
    assert {c.kind.value for c in community.shared_centres} == {"imaging", "lab", "ecg"}
    assert all(c.host == lead.id and c.serves == "all" for c in community.shared_centres)
    assert 1 <= len(community.expert_clinics) <= 2
    assert all(e.host == lead.id for e in community.expert_clinics)
    for g in reg.agreements:
        assert g.parties[0] == lead.id
        assert len(g.parties) == 2
        assert community.role_of(g.parties[1]) is MemberRole.HUB
        assert "two_way_referral" in {i.value for i in g.items}
    assert not [f for f in check_registry(reg) if f.severity is Severity.WARNING]


def test_county_graph_round_trip() -> None:
    reg = synthetic.county(seed=2, townships=3, villages_per_township=3, private_clinics=2)
    assert from_graph(to_graph(reg)) == reg


@pytest.mark.parametrize(
    ("cities", "counties", "specialty", "groups"), [(1, 0, 1, 1), (3, 4, 2, 2)]
)
def test_province_counts_follow_parameters(
    cities: int, counties: int, specialty: int, groups: int
) -> None:
    reg = synthetic.province(
        seed=4,
        cities=cities,
        counties=counties,
        specialty_alliances=specialty,
        urban_groups=groups,
        townships=2,
        villages_per_township=3,
    )
    forms = Counter(a.form for a in reg.alliances)
    assert forms[AllianceForm.COUNTY_MEDICAL_COMMUNITY] == counties
    assert forms[AllianceForm.URBAN_MEDICAL_GROUP] == cities * groups
    assert forms[AllianceForm.SPECIALTY_ALLIANCE] == specialty
    assert forms[AllianceForm.TELEMEDICINE_NETWORK] == 1
    kinds = Counter(i.kind for i in reg.institutions)
    assert kinds[K.VILLAGE_CLINIC] == counties * 2 * 3


def test_province_structure() -> None:
    reg = synthetic.province(seed=9, **SMALL_PROVINCE)
    assert {a.form for a in reg.alliances} == set(AllianceForm)
    for a in reg.alliances:
        lead = reg.institution(a.lead[0])
        if a.form is AllianceForm.SPECIALTY_ALLIANCE:
            assert a.specialty is not None
            assert lead.kind is K.SPECIALTY_HOSPITAL
            assert lead.tier is Tier.TERTIARY
            assert a.specialty in lead.specialties
            tertiary_cities = {
                i.region.city
                for i in reg.members_of(a.id)
                if i.tier is Tier.TERTIARY and i.id != lead.id
            }
            assert len(tertiary_cities) >= 2
        elif a.form is AllianceForm.URBAN_MEDICAL_GROUP:
            assert lead.tier is Tier.TERTIARY
            kinds = {i.kind for i in reg.members_of(a.id)}
            assert {K.COMMUNITY_HEALTH_CENTRE, K.COMMUNITY_HEALTH_STATION} <= kinds
        elif a.form is AllianceForm.TELEMEDICINE_NETWORK:
            county_leads = {c.lead[0] for c in reg.alliances if c.form.value.startswith("county")}
            assert county_leads <= set(a.members)
    # a county hospital is in its community, the telemedicine network and more
    assert max(len(reg.alliances_of(i.id)) for i in reg.institutions) >= 3
    assert not [f for f in check_registry(reg) if f.severity is Severity.WARNING]


def test_national_small_scale(small_national: Registry) -> None:
    reg = small_national
    assert {a.form for a in reg.alliances} == set(AllianceForm)
    kinds = Counter(i.kind for i in reg.institutions)
    assert kinds[K.VILLAGE_CLINIC] > 5 * kinds[K.TOWNSHIP_HEALTH_CENTRE]
    assert kinds[K.TOWNSHIP_HEALTH_CENTRE] > kinds[K.GENERAL_HOSPITAL]
    assert all(len(g.parties) == 2 for g in reg.agreements)
    counties = [a for a in reg.alliances if a.form is AllianceForm.COUNTY_MEDICAL_COMMUNITY]
    for a in counties:
        lead = reg.institution(a.lead[0])
        assert lead.tier is Tier.SECONDARY
        for m in a.memberships:
            if reg.institution(m.institution).kind is K.VILLAGE_CLINIC:
                assert m.role is MemberRole.BASE


def test_national_graph_stays_moderate(small_national: Registry) -> None:
    G = to_graph(small_national)
    assert G.number_of_nodes() == len(small_national.institutions)
    assert G.number_of_edges() < 2 * G.number_of_nodes()


def test_national_scales_towards_a_million() -> None:
    # scale 0.01 keeps the per-county shape of scale 1.0 (about 1.07 million institutions)
    data = synthetic.national_data(seed=0, scale=0.01)
    assert len(data["institutions"]) >= 10_000
    assert len(synthetic.national_data(seed=0, scale=0.004)["institutions"]) < len(
        data["institutions"]
    )


def test_bad_arguments() -> None:
    with pytest.raises(MedAllianceError, match="townships: must be a non-negative integer"):
        synthetic.county_data(seed=1, townships=-1)
    with pytest.raises(MedAllianceError, match="villages_per_township"):
        synthetic.county_data(seed=1, villages_per_township=2.5)  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError, match="cities: must be at least 1"):
        synthetic.province_data(seed=1, cities=0)
    with pytest.raises(MedAllianceError, match="scale: must be a positive number"):
        synthetic.national_data(seed=1, scale=0)
    with pytest.raises(MedAllianceError, match="seed"):
        synthetic.county_data(seed=-1)

"""One synthetic county and its county medical community (医共体).

The random draws happen in a fixed order (townships and villages, then the county seat, then
the county hospitals, private clinics, shared centres and expert clinics); changing that order
changes every registry generated from a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from medalliance.synthetic._builder import _Builder
from medalliance.synthetic._tables import (
    _CHC_SERVICES,
    _CLINIC_DEPARTMENTS,
    _COUNTY_HOSPITAL_SERVICES,
    _COUNTY_PROVISIONS,
    _LAT,
    _LON,
    _REFERRAL_ITEMS,
    _TOWNSHIP_SERVICES,
    _WEEKDAYS,
    Record,
    _centre,
    _CountyPlace,
)


class _County(NamedTuple):
    """What a city or province needs of a county it added."""

    lead: str
    central_townships: list[str]


class _Townships(NamedTuple):
    """Drawn figures of the townships of a county (one entry per township)."""

    names: list[str]
    central: list[bool]
    lat: list[float]
    lon: list[float]
    beds: np.ndarray[Any, Any]
    ct: list[bool]
    population: list[int]


class _Villages(NamedTuple):
    """Drawn figures of the village clinics (one entry per village)."""

    town: list[int]
    number: list[int]
    names: list[str]
    lat: list[float]
    lon: list[float]
    population: list[int]
    ecg: list[bool]


class _Seat(NamedTuple):
    """Drawn figures of the community centres and stations in the county seat."""

    streets: list[str]
    c_lat: list[float]
    c_lon: list[float]
    c_beds: list[int]
    c_pop: list[int]
    s_names: list[str]
    s_lat: list[float]
    s_lon: list[float]
    s_pop: list[int]


def _draw_townships(
    b: _Builder, centre: tuple[float, float], villages: Sequence[int]
) -> tuple[_Townships, _Villages]:
    """Draw the townships and their villages (``villages[t]`` clinics in township ``t``)."""
    rng = b.rng
    n_town, n_vil = len(villages), int(sum(villages))
    town_names = b.words(n_town)
    town_is_xiang = (rng.random(n_town) < 0.3).tolist()
    towns = [n + ("乡" if x else "镇") for n, x in zip(town_names, town_is_xiang, strict=True)]
    central = (rng.random(n_town) < 0.25).tolist()
    t_lat, t_lon = b.scatter(centre, n_town, 0.15)
    t_beds = rng.integers(10, 60, size=n_town) + np.asarray(central) * rng.integers(
        30, 90, size=n_town
    )
    t_ct = (rng.random(n_town) < 0.5).tolist()
    town_of = np.repeat(np.arange(n_town), villages)
    first = np.repeat(np.cumsum(villages) - np.asarray(villages, dtype=np.int64), villages)
    v_num = (np.arange(n_vil) - first).tolist()
    v_names = b.words(n_vil)
    v_lat = np.clip(
        np.repeat(np.asarray(t_lat), villages) + rng.normal(0.0, 0.04, n_vil), *_LAT
    ).round(5)
    v_lon = np.clip(
        np.repeat(np.asarray(t_lon), villages) + rng.normal(0.0, 0.04, n_vil), *_LON
    ).round(5)
    v_pop = rng.integers(300, 3_000, size=n_vil)
    v_ecg = (rng.random(n_vil) < 0.4).tolist()
    t_pop = (
        np.bincount(town_of, weights=v_pop, minlength=n_town).astype(np.int64)
        + rng.integers(2_000, 15_000, size=n_town)
    ).tolist()
    townships = _Townships(towns, central, t_lat, t_lon, t_beds, t_ct, t_pop)
    vils = _Villages(
        town_of.tolist(), v_num, v_names, v_lat.tolist(), v_lon.tolist(), v_pop.tolist(), v_ecg
    )
    return townships, vils


def _draw_seat(b: _Builder, centre: tuple[float, float], stations: Sequence[int]) -> _Seat:
    """Draw the community centres of the county seat and their stations."""
    n_chc, n_sta = len(stations), int(sum(stations))
    streets = [w + "街道" for w in b.words(n_chc)]
    c_lat, c_lon = b.scatter(centre, n_chc, 0.02)
    c_beds = b.ints(0, 40, n_chc)
    c_pop = b.ints(20_000, 80_000, n_chc)
    s_names = b.words(n_sta)
    s_lat, s_lon = b.scatter(centre, n_sta, 0.025)
    s_pop = b.ints(3_000, 12_000, n_sta)
    return _Seat(streets, c_lat, c_lon, c_beds, c_pop, s_names, s_lat, s_lon, s_pop)


def _add_county_hospitals(
    b: _Builder,
    prefix: str,
    place: _CountyPlace,
    centre: tuple[float, float],
    population_served: int,
) -> tuple[str, str, str]:
    """The county people's hospital (the lead), TCM hospital and MCH institution."""
    rng = b.rng
    cname = place.county
    h_lat, h_lon = b.scatter(centre, 3, 0.01)
    lead = b.hospital(
        f"{prefix}-h",
        f"{cname}人民医院",
        "general_hospital",
        "secondary",
        region=place.region(),
        at=(h_lat[0], h_lon[0]),
        grade="A",
        beds=b.randint(300, 1_200),
        services=_COUNTY_HOSPITAL_SERVICES,
        specialties=("internal_medicine", "surgery", "obstetrics_gynaecology", "paediatrics"),
        population_served=population_served,
    )
    tcm = b.hospital(
        f"{prefix}-tcm",
        f"{cname}中医医院",
        "tcm_hospital",
        "secondary",
        region=place.region(),
        at=(h_lat[1], h_lon[1]),
        grade="A" if rng.random() < 0.6 else "B",
        beds=b.randint(100, 500),
        services=("dr", "ultrasound", "lab", "ecg", "inpatient", "tcm", "rehabilitation"),
        specialties=("tcm",),
    )
    mch = b.hospital(
        f"{prefix}-mch",
        f"{cname}妇幼保健院",
        "mch_institution",
        "secondary",
        region=place.region(),
        at=(h_lat[2], h_lon[2]),
        grade="A" if rng.random() < 0.5 else "B",
        beds=b.randint(50, 300),
        services=("ultrasound", "lab", "ecg", "inpatient"),
        specialties=("maternal_child_health", "obstetrics_gynaecology", "paediatrics"),
    )
    return lead, tcm, mch


def _add_townships(
    b: _Builder, prefix: str, place: _CountyPlace, towns: _Townships
) -> tuple[list[str], list[str]]:
    """Township health centres (hubs); returns their ids and those of the central ones."""
    ids: list[str] = []
    central_ids: list[str] = []
    for t, town in enumerate(towns.names):
        tid = f"{prefix}-t{t:02d}"
        services = list(_TOWNSHIP_SERVICES)
        if towns.central[t]:  # central township centres: more beds, sometimes a CT scanner
            services.append("chronic_disease_management")
            if towns.ct[t]:
                services.append("ct")
            central_ids.append(tid)
        b.institutions.append(
            {
                "id": tid,
                "name": f"{town}{'中心' if towns.central[t] else ''}卫生院",
                "kind": "township_health_centre",
                "tier": "primary",
                "ownership": "public",
                "region": place.region(town),
                "lat": towns.lat[t],
                "lon": towns.lon[t],
                "beds": int(towns.beds[t]),
                "specialties": ["general_practice"],
                "services": services,
                "population_served": towns.population[t],
            }
        )
        ids.append(tid)
    return ids, central_ids


def _add_villages(
    b: _Builder, prefix: str, place: _CountyPlace, towns: list[str], vils: _Villages
) -> list[str]:
    """Village clinics (the base); returns their ids."""
    ids = [f"{prefix}-t{t:02d}v{v:02d}" for t, v in zip(vils.town, vils.number, strict=True)]
    for vid, name, t, la, lo, pop, ecg in zip(
        ids, vils.names, vils.town, vils.lat, vils.lon, vils.population, vils.ecg, strict=True
    ):
        rec: Record = {
            "id": vid,
            "name": f"{name}村卫生室",
            "kind": "village_clinic",
            "tier": "village",
            "ownership": "public",
            "region": place.region(towns[t]),
            "lat": la,
            "lon": lo,
            "population_served": pop,
        }
        if ecg:  # a village clinic offers no service, or an ECG linked to the county centre
            rec["services"] = ["ecg"]
        b.institutions.append(rec)
    return ids


def _add_community(
    b: _Builder, prefix: str, place: _CountyPlace, seat: _Seat, stations: Sequence[int]
) -> tuple[list[str], list[Record]]:
    """Community centres (hubs) and stations (base); returns the centres and memberships."""
    hubs: list[str] = []
    memberships: list[Record] = []
    k = 0
    for c, street in enumerate(seat.streets):
        chc = f"{prefix}-c{c:02d}"
        b.institutions.append(
            {
                "id": chc,
                "name": f"{street}社区卫生服务中心",
                "kind": "community_health_centre",
                "tier": "primary",
                "ownership": "public",
                "region": place.region(street),
                "lat": seat.c_lat[c],
                "lon": seat.c_lon[c],
                "beds": seat.c_beds[c],
                "specialties": ["general_practice"],
                "services": list(_CHC_SERVICES[:4] if seat.c_beds[c] < 10 else _CHC_SERVICES),
                "population_served": seat.c_pop[c],
            }
        )
        hubs.append(chc)
        memberships.append({"institution": chc, "role": "hub"})
        for s in range(stations[c]):
            sid = f"{chc}s{s:02d}"
            b.institutions.append(
                {
                    "id": sid,
                    "name": f"{seat.s_names[k]}社区卫生服务站",
                    "kind": "community_health_station",
                    "tier": "village",
                    "ownership": "public",
                    "region": place.region(street),
                    "lat": seat.s_lat[k],
                    "lon": seat.s_lon[k],
                    "services": ["chronic_disease_management"],
                    "population_served": seat.s_pop[k],
                }
            )
            memberships.append({"institution": sid, "role": "base"})
            k += 1
    return hubs, memberships


def _shared_centres(
    b: _Builder, prefix: str, cname: str, lead: str, hubs: list[str]
) -> list[Record]:
    """Imaging, laboratory and ECG centres hosted by the county hospital."""
    serves: str | list[str] = "all" if b.serve == "all" else hubs
    return [
        _centre(f"{prefix}-{kind}", kind, host=lead, name=cname + zh, serves=serves, capacity=cap)
        for kind, zh, cap in (
            ("imaging", "医学影像中心", b.randint(80, 400)),
            ("lab", "医学检验中心", b.randint(200, 2_000)),
            ("ecg", "心电诊断中心", b.randint(100, 1_000)),
        )
    ]


def _expert_clinics(b: _Builder, prefix: str, lead: str, sites: list[str]) -> list[Record]:
    """One or two expert clinics of the county hospital at township centres."""
    rng = b.rng
    n_clinics = 1 + int(rng.random() < 0.6)
    departments = rng.choice(len(_CLINIC_DEPARTMENTS), size=n_clinics, replace=False)
    return [
        {
            "id": f"{prefix}-clinic{i}",
            "host": lead,
            "site": sites[i % len(sites)],
            "department": _CLINIC_DEPARTMENTS[int(d)],
            "weekdays": sorted(
                (_WEEKDAYS[int(w)] for w in rng.choice(5, size=1 + i, replace=False)),
                key=_WEEKDAYS.index,
            ),
        }
        for i, d in enumerate(departments.tolist())
    ]


def _add_community_alliance(
    b: _Builder,
    prefix: str,
    place: _CountyPlace,
    lead: str,
    *,
    memberships: list[Record],
    hubs: tuple[list[str], list[str]],
) -> None:
    """The county medical community, its centres and clinics, and its referral agreements.

    ``hubs`` is ``(every hub, the central township centres)``; expert clinics go to the
    central ones when there are any.
    """
    all_hubs, central_ids = hubs
    aid = f"{prefix}-ccm"
    alliance: Record = {
        "id": aid,
        "name": f"{place.county}医共体",
        "form": "county_medical_community",
        "tightness": "tight",
        "lead": [lead],
        "memberships": memberships,
        "region": place.region(),
        "provisions": list(_COUNTY_PROVISIONS),
    }
    if b.serve == "all" or all_hubs:
        alliance["shared_centres"] = _shared_centres(b, prefix, place.county, lead, all_hubs)
    sites = central_ids or all_hubs
    if sites:
        alliance["expert_clinics"] = _expert_clinics(b, prefix, lead, sites)
    b.alliances.append(alliance)
    b.pairwise(aid, lead, all_hubs, _REFERRAL_ITEMS)


def add_county(
    b: _Builder,
    *,
    prefix: str,
    province: str,
    city: str,
    code: str,
    centre: tuple[float, float],
    villages: Sequence[int],
    stations: Sequence[int],
    private_clinics: int,
) -> _County:
    """Add one county and its county medical community.

    ``villages[t]`` is the number of village clinics of township ``t``; ``stations[c]``
    the number of community health stations under community centre ``c``.
    """
    place = _CountyPlace(province, city, b.word() + "县", code)
    towns, vils = _draw_townships(b, centre, villages)
    seat = _draw_seat(b, centre, stations)
    served = int(sum(towns.population)) + sum(seat.c_pop) + sum(seat.s_pop)
    lead, tcm, mch = _add_county_hospitals(b, prefix, place, centre, served)
    town_ids, central_ids = _add_townships(b, prefix, place, towns)
    vil_ids = _add_villages(b, prefix, place, towns.names, vils)
    chc_ids, community = _add_community(b, prefix, place, seat, stations)
    memberships: list[Record] = [
        {"institution": lead, "role": "lead"},
        {"institution": tcm},
        {"institution": mch},
    ]
    memberships.extend({"institution": t, "role": "hub"} for t in town_ids)
    memberships.extend(community)
    memberships.extend({"institution": v, "role": "base"} for v in vil_ids)
    b.private_clinics(prefix, private_clinics, place.region(), centre, 0.1)
    hubs = town_ids + chc_ids
    _add_community_alliance(
        b, prefix, place, lead, memberships=memberships, hubs=(hubs, central_ids)
    )
    return _County(lead, central_ids)

"""One synthetic city: its hospitals, urban medical groups (城市医疗集团) and counties.

The random draws happen in a fixed order (tertiary, specialty, TCM and MCH hospitals, district
hospitals, urban groups, private clinics, then each county); changing that order changes every
registry generated from a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from medalliance.synthetic._builder import _Builder
from medalliance.synthetic._county import add_county
from medalliance.synthetic._tables import (
    _CHC_SERVICES,
    _CITY_TERTIARY_SERVICES,
    _REFERRAL_ITEMS,
    _SECONDARY_SERVICES,
    _SPECIALTY_HOSPITALS,
    Record,
    _centre,
    _ordinal,
    _pick_specialties,
    _region,
)


class _City(NamedTuple):
    """What a province needs of a city it added."""

    name: str
    tertiary: list[str]
    specialty: list[tuple[str, str]]  # (hospital id, specialty)
    secondary: list[str]
    county_leads: list[str]
    central_townships: list[str]


class _Where(NamedTuple):
    """A city being built: id prefix, province, name, division code and centre."""

    prefix: str
    province: str
    name: str
    code: str
    centre: tuple[float, float]

    def region(self) -> Record:
        """The city's region record."""
        return _region(self.province, self.name, code=self.code)

    def place(self, b: _Builder) -> tuple[float, float]:
        """A drawn site for a hospital in the city centre."""
        return b.near(self.centre, 0.03)


class _Districts(NamedTuple):
    """The city's districts: names and division codes (at least one)."""

    names: list[str]
    codes: list[str]

    def region(self, city: _Where, d: int) -> Record:
        """Region record of district ``d``."""
        return _region(city.province, city.name, self.names[d], code=self.codes[d])


def _add_tertiary(b: _Builder, city: _Where, n: int) -> list[str]:
    """``n`` tertiary general hospitals: the central hospital, then numbered ones."""
    ids: list[str] = []
    for h in range(n):
        label = "中心医院" if h == 0 else f"第{_ordinal(h)}人民医院"
        ids.append(
            b.hospital(
                f"{city.prefix}-h{h:02d}",
                f"{city.name}{label}",
                "general_hospital",
                "tertiary",
                region=city.region(),
                at=city.place(b),
                grade="A",
                beds=b.randint(1_000, 3_500),
                services=_CITY_TERTIARY_SERVICES,
                specialties=_pick_specialties(b.rng, 4),
            )
        )
    return ids


def _add_specialty_hospitals(b: _Builder, city: _Where, n: int) -> list[tuple[str, str]]:
    """``n`` tertiary specialty hospitals of different specialties: (id, specialty) each."""
    rng = b.rng
    out: list[tuple[str, str]] = []
    picks = rng.choice(len(_SPECIALTY_HOSPITALS), size=n, replace=False)
    for j, p in enumerate(sorted(picks.tolist())):
        spec, suffix, _ = _SPECIALTY_HOSPITALS[p]
        sid = b.hospital(
            f"{city.prefix}-sh{j:02d}",
            f"{city.name}{suffix}",
            "specialty_hospital",
            "tertiary",
            region=city.region(),
            at=city.place(b),
            grade="A" if rng.random() < 0.7 else "B",
            beds=b.randint(400, 1_500),
            services=("ct", "dr", "ultrasound", "lab", "ecg", "surgery", "inpatient"),
            specialties=(spec,),
        )
        out.append((sid, spec))
    return out


def _add_tcm_and_mch(b: _Builder, city: _Where) -> None:
    """The city TCM hospital and MCH hospital (tertiary or secondary)."""
    rng = b.rng
    b.hospital(
        f"{city.prefix}-tcm",
        f"{city.name}中医医院",
        "tcm_hospital",
        "tertiary" if rng.random() < 0.6 else "secondary",
        region=city.region(),
        at=city.place(b),
        grade="A",
        beds=b.randint(400, 1_500),
        services=("ct", "dr", "ultrasound", "lab", "ecg", "inpatient", "tcm", "rehabilitation"),
        specialties=("tcm",),
    )
    b.hospital(
        f"{city.prefix}-mch",
        f"{city.name}妇幼保健院",
        "mch_institution",
        "tertiary" if rng.random() < 0.4 else "secondary",
        region=city.region(),
        at=city.place(b),
        grade="A",
        beds=b.randint(200, 800),
        services=("ultrasound", "colour_doppler", "lab", "ecg", "surgery", "inpatient"),
        specialties=("maternal_child_health", "obstetrics_gynaecology", "paediatrics"),
    )


def _add_district_hospitals(
    b: _Builder, city: _Where, n: int, districts: _Districts
) -> tuple[list[str], list[int]]:
    """``n`` secondary hospitals dealt to the districts in turn: their ids and districts."""
    ids: list[str] = []
    district_of: list[int] = []
    for h in range(n):
        d, nth = h % len(districts.names), h // len(districts.names)
        ids.append(
            b.hospital(
                f"{city.prefix}-d{h:02d}",
                f"{districts.names[d]}{'人民医院' if nth == 0 else f'第{_ordinal(nth + 1)}医院'}",
                "general_hospital",
                "secondary",
                region=districts.region(city, d),
                at=city.place(b),
                grade="A" if b.rng.random() < 0.5 else "B",
                beds=b.randint(150, 700),
                services=_SECONDARY_SERVICES,
                specialties=("internal_medicine", "surgery"),
            )
        )
        district_of.append(d)
    return ids, district_of


def _add_group_community(
    b: _Builder, city: _Where, gid: str, district: str, stations: Sequence[int]
) -> tuple[list[str], list[Record]]:
    """Community centres of one urban group and their stations: centre ids, memberships."""
    members: list[Record] = []
    streets = [w + "街道" for w in b.words(len(stations))]
    c_lat, c_lon = b.scatter(city.centre, len(stations), 0.05)
    centres: list[str] = []
    for c, n_st in enumerate(stations):
        cid = f"{gid}c{c:02d}"
        sregion = _region(city.province, city.name, district, streets[c])
        b.institutions.append(
            {
                "id": cid,
                "name": f"{district}{streets[c]}社区卫生服务中心",
                "kind": "community_health_centre",
                "tier": "primary",
                "ownership": "public",
                "region": sregion,
                "lat": c_lat[c],
                "lon": c_lon[c],
                "specialties": ["general_practice"],
                "services": list(_CHC_SERVICES),
                "population_served": b.randint(30_000, 100_000),
            }
        )
        centres.append(cid)
        members.append({"institution": cid})
        s_names = b.words(n_st)
        s_lat, s_lon = b.scatter((c_lat[c], c_lon[c]), n_st, 0.005)
        for s in range(n_st):
            sid = f"{cid}s{s:02d}"
            b.institutions.append(
                {
                    "id": sid,
                    "name": f"{s_names[s]}社区卫生服务站",
                    "kind": "community_health_station",
                    "tier": "village",
                    "ownership": "public",
                    "region": dict(sregion),
                    "lat": s_lat[s],
                    "lon": s_lon[s],
                    "services": ["chronic_disease_management"],
                    "population_served": b.randint(3_000, 12_000),
                }
            )
            members.append({"institution": sid, "role": "base"})
    return centres, members


def _add_urban_group(
    b: _Builder,
    city: _Where,
    g: int,
    *,
    lead: str,
    hospitals: list[str],
    districts: _Districts,
    stations: Sequence[int],
) -> None:
    """Urban medical group ``g`` of district ``g``, led by ``lead``, and its agreements."""
    rng = b.rng
    gid = f"{city.prefix}-g{g:02d}"
    district = districts.names[g]
    dregion = districts.region(city, g)
    members: list[Record] = [{"institution": lead, "role": "lead"}]
    members.extend({"institution": x} for x in hospitals)
    centres, community = _add_group_community(b, city, gid, district, stations)
    members.extend(community)
    if rng.random() < 0.4:
        nid = f"{gid}n"
        b.hospital(
            nid,
            f"{district}{b.word()}护理院",
            "nursing_rehab",
            "primary",
            region=dict(dregion),
            at=city.place(b),
            beds=b.randint(50, 200),
            services=("inpatient", "rehabilitation"),
            specialties=("nursing", "geriatrics"),
        )
        members.append({"institution": nid})
    alliance: Record = {
        "id": gid,
        "name": f"{city.name}{district}城市医疗集团",
        "form": "urban_medical_group",
        "tightness": "tight" if rng.random() < 0.3 else "semi_tight",
        "lead": [lead],
        "memberships": members,
        "region": dregion,
        "provisions": ["two_way_referral", "result_recognition", "information_sharing"],
    }
    if centres:
        capacity = b.randint(500, 3_000)
        alliance["shared_centres"] = [
            _centre(f"{gid}-lab", "lab", host=lead, name=None, serves=centres, capacity=capacity)
        ]
    b.alliances.append(alliance)
    b.pairwise(gid, lead, hospitals + centres, _REFERRAL_ITEMS)


def add_city(
    b: _Builder,
    *,
    prefix: str,
    province: str,
    name: str,
    code: str,
    centre: tuple[float, float],
    tertiary: int,
    specialty_hospitals: int,
    secondary: int,
    groups: Sequence[Sequence[int]],
    counties: Sequence[tuple[Sequence[int], Sequence[int], int]],
    private_clinics: int,
) -> _City:
    """Add a city: hospitals, urban medical groups, private clinics and its counties.

    ``groups[g]`` lists the stations under each community centre of group ``g``;
    ``counties[k]`` is ``(villages per township, stations per centre, private clinics)``.
    """
    city = _Where(prefix, province, name, code, centre)
    tertiary_ids = _add_tertiary(b, city, tertiary)
    specialty = _add_specialty_hospitals(b, city, specialty_hospitals)
    _add_tcm_and_mch(b, city)
    n_districts = max(len(groups), 1)
    districts = _Districts(
        [w + "区" for w in b.words(n_districts)],
        [f"{code[:4]}{2 + g % 19:02d}" for g in range(n_districts)],
    )
    secondary_ids, district_of = _add_district_hospitals(b, city, secondary, districts)
    # urban medical groups, one per district, led by the tertiary general hospitals in turn
    for g, stations in enumerate(groups):
        _add_urban_group(
            b,
            city,
            g,
            lead=tertiary_ids[g % len(tertiary_ids)],
            hospitals=[x for x, d in zip(secondary_ids, district_of, strict=True) if d == g],
            districts=districts,
            stations=stations,
        )
    b.private_clinics(prefix, private_clinics, city.region(), centre, 0.08)
    county_leads: list[str] = []
    central: list[str] = []
    for k, (villages, stations, clinics) in enumerate(counties):
        out = add_county(
            b,
            prefix=f"{prefix}-k{k:02d}",
            province=province,
            city=name,
            code=f"{code[:4]}{21 + k % 79:02d}",
            centre=b.near(centre, 0.4),
            villages=villages,
            stations=stations,
            private_clinics=clinics,
        )
        county_leads.append(out.lead)
        central.extend(out.central_townships)
    return _City(name, tertiary_ids, specialty, secondary_ids, county_leads, central)

"""Seeded generators of realistic synthetic registries: a county, a province, the nation.

The structure follows the Chinese system described in the concepts page: each county has a
county people's hospital (secondary, the lead of its county medical community), a TCM hospital
and an MCH institution, township health centres (hubs, a few of them 中心卫生院 with more beds),
village clinics (the base), community health centres and stations in the county seat, and
private clinics; each city has tertiary and secondary hospitals leading urban medical groups
with community centres and stations; provinces have specialty alliances of hospitals from
several cities and a telemedicine network from the provincial hospital to the county hospitals.
Institutions belong to several alliances (a county hospital is in its county community, in
specialty alliances and in the telemedicine network).

Everything is drawn from ``numpy.random.default_rng(seed)``: the same arguments always give
the identical registry, and no global random state is touched. The ``*_data`` functions return
plain data in the file format (what :func:`medalliance.io.registry_from_dict` reads); the
other functions return the validated :class:`~medalliance.registry.Registry`.

Names, coordinates, codes and figures are invented; they describe no real institution.

Examples
--------
>>> reg = county(seed=1, townships=3, villages_per_township=4)
>>> len(reg.institutions), len(reg.alliances)
(24, 1)
>>> county(seed=1, townships=3, villages_per_township=4) == reg
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from medalliance.io import SCHEMA_VERSION, registry_from_dict
from medalliance.registry import Registry

__all__ = ["county", "county_data", "national", "national_data", "province", "province_data"]

_SYLLABLES = (
    "安白宝北长城大德东丰凤福富高古广海和河红华怀黄吉佳建江金锦景静开康兰乐利良林龙隆茂梅明"
    "南宁平清庆泉仁瑞三山上盛石顺松太泰天通桐万文西溪祥新兴阳永玉元云泽正中竹"
)
# fmt: off
_PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)
# fmt: on
_SPECIALTIES = (
    "oncology",
    "geriatrics",
    "cardiology",
    "neurology",
    "paediatrics",
    "maternal_child_health",
    "orthopaedics",
    "respiratory",
    "nephrology",
    "endocrinology",
    "ophthalmology",
    "otolaryngology",
    "psychiatry",
    "rehabilitation",
    "critical_care",
    "gastroenterology",
)
_REFERRAL_ITEMS = ["two_way_referral", "green_channel", "priority_reception", "result_recognition"]
# China's bounding box, a little inside the border (degrees)
_LAT = (21.0, 49.0)
_LON = (80.0, 128.0)


def _by_id(record: dict[str, Any]) -> str:
    return str(record["id"])


class _Builder:
    """Accumulates plain registry data; every random draw comes from one Generator."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.institutions: list[dict[str, Any]] = []
        self.alliances: list[dict[str, Any]] = []
        self.agreements: list[dict[str, Any]] = []

    # -- helpers ---------------------------------------------------------------------------

    def name(self, n: int = 2) -> str:
        idx = self.rng.integers(0, len(_SYLLABLES), size=n)
        return "".join(_SYLLABLES[i] for i in idx)

    def institution(self, **fields: Any) -> str:
        self.institutions.append(fields)
        return str(fields["id"])

    @staticmethod
    def _region(
        province: str, city: str, county: str | None, code: str, town: str | None = None
    ) -> dict[str, Any]:
        region: dict[str, Any] = {"province": province, "city": city, "division_code": code}
        if county is not None:
            region["county"] = county
        if town is not None:
            region["township"] = town
        return region

    # -- a county --------------------------------------------------------------------------

    def county(
        self,
        *,
        prefix: str,
        province: str,
        city: str,
        code: str,
        centre: tuple[float, float],
        townships: int,
        villages_per_township: int,
        community_centres: int,
        stations_per_centre: int,
        private_clinics: int,
    ) -> dict[str, str]:
        """Add one county with its medical community; return the ids of its hospitals."""
        rng = self.rng
        cname = self.name() + "县"
        region = self._region(province, city, cname, code)
        lat0, lon0 = centre

        def coords(n: int, spread: float) -> np.ndarray:
            pts = np.column_stack(
                (lat0 + rng.normal(0.0, spread, n), lon0 + rng.normal(0.0, spread, n))
            )
            pts[:, 0] = np.clip(pts[:, 0], *_LAT)
            pts[:, 1] = np.clip(pts[:, 1], *_LON)
            return np.round(pts, 5)

        hosp_xy = coords(3, 0.01)
        lead = self.institution(
            id=f"{prefix}-h",
            name=f"{cname}人民医院",
            kind="general_hospital",
            tier="secondary",
            grade="A",
            region=region,
            lat=float(hosp_xy[0, 0]),
            lon=float(hosp_xy[0, 1]),
            beds=int(rng.integers(300, 900)),
            services=[
                "ct",
                "mri",
                "dr",
                "ultrasound",
                "lab",
                "pathology",
                "ecg",
                "icu",
                "surgery",
                "inpatient",
                "emergency",
            ],
            specialties=["internal_medicine", "surgery", "cardiology", "neurology"],
            population_served=int(rng.integers(200_000, 900_000)),
        )
        tcm = self.institution(
            id=f"{prefix}-tcm",
            name=f"{cname}中医医院",
            kind="tcm_hospital",
            tier="secondary",
            region=region,
            lat=float(hosp_xy[1, 0]),
            lon=float(hosp_xy[1, 1]),
            beds=int(rng.integers(100, 400)),
            services=["dr", "ultrasound", "lab", "inpatient", "tcm"],
        )
        mch = self.institution(
            id=f"{prefix}-mch",
            name=f"{cname}妇幼保健院",
            kind="mch_institution",
            tier="secondary",
            region=region,
            lat=float(hosp_xy[2, 0]),
            lon=float(hosp_xy[2, 1]),
            beds=int(rng.integers(50, 250)),
            services=["ultrasound", "lab", "inpatient"],
            specialties=["maternal_child_health"],
        )
        memberships: list[dict[str, Any]] = [
            {"institution": lead, "role": "lead"},
            {"institution": tcm, "role": "member"},
            {"institution": mch, "role": "member"},
        ]
        hubs: list[str] = []
        town_xy = coords(townships, 0.15)
        central = rng.random(townships) < 0.25
        town_pop = rng.integers(8_000, 60_000, size=townships)
        village_total = townships * villages_per_township
        village_xy = coords(village_total, 0.17)
        village_pop = rng.integers(300, 3_000, size=village_total)
        village_ecg = rng.random(village_total) < 0.4
        for t in range(townships):
            tname = self.name() + "镇"
            tregion = self._region(province, city, cname, code, tname)
            hub = self.institution(
                id=f"{prefix}-t{t:02d}",
                name=f"{tname}{'中心' if central[t] else ''}卫生院",
                kind="township_health_centre",
                tier="primary",
                region=tregion,
                lat=float(town_xy[t, 0]),
                lon=float(town_xy[t, 1]),
                beds=int(rng.integers(40, 120) if central[t] else rng.integers(10, 50)),
                services=["dr", "ultrasound", "lab", "ecg", "inpatient"]
                if central[t]
                else ["ultrasound", "lab", "ecg"],
                population_served=int(town_pop[t]),
            )
            hubs.append(hub)
            memberships.append({"institution": hub, "role": "hub"})
            for v in range(villages_per_township):
                k = t * villages_per_township + v
                vid = self.institution(
                    id=f"{prefix}-t{t:02d}v{v:02d}",
                    name=f"{self.name()}村卫生室",
                    kind="village_clinic",
                    tier="village",
                    region=tregion,
                    lat=float(village_xy[k, 0]),
                    lon=float(village_xy[k, 1]),
                    services=["ecg"] if village_ecg[k] else [],
                    population_served=int(village_pop[k]),
                )
                memberships.append({"institution": vid, "role": "base"})
        chc_xy = coords(community_centres * (1 + stations_per_centre), 0.03)
        k = 0
        for c in range(community_centres):
            street = self.name() + "街道"
            sregion = self._region(province, city, cname, code, street)
            chc = self.institution(
                id=f"{prefix}-c{c:02d}",
                name=f"{street}社区卫生服务中心",
                kind="community_health_centre",
                tier="primary",
                region=sregion,
                lat=float(chc_xy[k, 0]),
                lon=float(chc_xy[k, 1]),
                services=["lab", "ecg", "ultrasound"],
                population_served=int(rng.integers(20_000, 80_000)),
            )
            k += 1
            hubs.append(chc)
            memberships.append({"institution": chc, "role": "hub"})
            for s in range(stations_per_centre):
                sid = self.institution(
                    id=f"{prefix}-c{c:02d}s{s:02d}",
                    name=f"{self.name()}社区卫生服务站",
                    kind="community_health_station",
                    tier="village",
                    region=sregion,
                    lat=float(chc_xy[k, 0]),
                    lon=float(chc_xy[k, 1]),
                    population_served=int(rng.integers(3_000, 12_000)),
                )
                k += 1
                memberships.append({"institution": sid, "role": "base"})
        for p in range(private_clinics):
            self.institution(
                id=f"{prefix}-p{p:03d}",
                name=f"{cname}{self.name()}诊所",
                kind="other",
                tier="primary",
                ownership="private",
                region=region,
            )
        aid = f"{prefix}-community"
        self.alliances.append(
            {
                "id": aid,
                "name": f"{cname}医共体",
                "form": "county_medical_community",
                "tightness": "tight",
                "lead": [lead],
                "memberships": memberships,
                "region": {
                    "province": province,
                    "city": city,
                    "county": cname,
                    "division_code": code,
                },
                "provisions": [
                    "two_way_referral",
                    "result_recognition",
                    "information_sharing",
                    "unified_drug_procurement",
                    "bundled_payment",
                    "unified_management",
                ],
                "shared_centres": [
                    {
                        "id": f"{prefix}-imaging",
                        "kind": "imaging",
                        "host": lead,
                        "serves": hubs,
                        "capacity_per_day": int(rng.integers(80, 400)),
                    },
                    {
                        "id": f"{prefix}-lab",
                        "kind": "lab",
                        "host": lead,
                        "serves": hubs,
                        "capacity_per_day": int(rng.integers(200, 2_000)),
                    },
                    {
                        "id": f"{prefix}-ecg",
                        "kind": "ecg",
                        "host": lead,
                        "serves": "all",
                        "capacity_per_day": int(rng.integers(100, 1_000)),
                    },
                ],
                "expert_clinics": [
                    {
                        "id": f"{prefix}-clinic{i}",
                        "host": lead,
                        "site": hubs[i % len(hubs)],
                        "department": dept,
                        "weekdays": days,
                    }
                    for i, (dept, days) in enumerate(
                        (("cardiology", ["wed", "fri"]), ("neurology", ["tue"]))
                    )
                ]
                if hubs
                else [],
            }
        )
        for i, hub in enumerate(hubs):
            self.agreements.append(
                {
                    "id": f"{prefix}-ag{i:02d}",
                    "alliance": aid,
                    "parties": [lead, hub],
                    "items": _REFERRAL_ITEMS,
                }
            )
        return {"lead": lead, "tcm": tcm, "mch": mch}

    # -- a city ----------------------------------------------------------------------------

    def city(
        self,
        *,
        prefix: str,
        province: str,
        code: str,
        centre: tuple[float, float],
        counties: int,
        tertiary: int,
        secondary: int,
        urban_groups: int,
        county_kwargs: dict[str, Any],
    ) -> dict[str, list[str]]:
        """Add a city: its hospitals, urban medical groups and counties."""
        rng = self.rng
        cname = self.name() + "市"
        region = self._region(province, cname, None, code)
        lat0, lon0 = centre
        hospitals: list[str] = []
        for h in range(tertiary + secondary):
            is_tertiary = h < tertiary
            hospitals.append(
                self.institution(
                    id=f"{prefix}-h{h:02d}",
                    name=f"{cname}第{h + 1}人民医院" if h else f"{cname}中心医院",
                    kind="general_hospital",
                    tier="tertiary" if is_tertiary else "secondary",
                    grade="A" if is_tertiary or rng.random() < 0.5 else "B",
                    region=region,
                    lat=round(float(np.clip(lat0 + rng.normal(0, 0.02), *_LAT)), 5),
                    lon=round(float(np.clip(lon0 + rng.normal(0, 0.02), *_LON)), 5),
                    beds=int(rng.integers(800, 3_000) if is_tertiary else rng.integers(200, 800)),
                    services=[
                        "ct",
                        "mri",
                        "dr",
                        "ultrasound",
                        "lab",
                        "pathology",
                        "ecg",
                        "icu",
                        "surgery",
                        "inpatient",
                        "emergency",
                        "mdt",
                        "teleconsultation",
                    ],
                    specialties=sorted(
                        {str(s) for s in rng.choice(_SPECIALTIES, size=4, replace=False)}
                    ),
                )
            )
        # urban groups: a tertiary lead, some secondary hospitals, district community centres
        for g in range(urban_groups):
            lead = hospitals[g % max(tertiary, 1)]
            members = [{"institution": lead, "role": "lead"}]
            others = [x for x in hospitals[tertiary:] if x != lead]
            for x in others[g :: max(urban_groups, 1)]:
                members.append({"institution": x, "role": "member"})
            district = self.name() + "区"
            dregion = self._region(province, cname, district, code)
            hubs = []
            for c in range(3):
                chc = self.institution(
                    id=f"{prefix}-g{g:02d}c{c}",
                    name=f"{district}{self.name()}街道社区卫生服务中心",
                    kind="community_health_centre",
                    tier="primary",
                    region=dregion,
                    population_served=int(rng.integers(30_000, 100_000)),
                )
                hubs.append(chc)
                members.append({"institution": chc, "role": "member"})
                for s in range(2):
                    sid = self.institution(
                        id=f"{prefix}-g{g:02d}c{c}s{s}",
                        name=f"{self.name()}社区卫生服务站",
                        kind="community_health_station",
                        tier="village",
                        region=dregion,
                    )
                    members.append({"institution": sid, "role": "base"})
            aid = f"{prefix}-group{g:02d}"
            self.alliances.append(
                {
                    "id": aid,
                    "name": f"{cname}{district}城市医疗集团",
                    "form": "urban_medical_group",
                    "tightness": "tight" if rng.random() < 0.3 else "semi_tight",
                    "lead": [lead],
                    "memberships": members,
                    "region": dregion,
                    "provisions": ["two_way_referral", "result_recognition", "information_sharing"],
                }
            )
            for i, hub in enumerate(hubs):
                self.agreements.append(
                    {
                        "id": f"{aid}-ag{i}",
                        "alliance": aid,
                        "parties": [lead, hub],
                        "items": _REFERRAL_ITEMS,
                    }
                )
        county_leads: list[str] = []
        for k in range(counties):
            c_centre = (
                float(np.clip(lat0 + rng.normal(0, 0.5), *_LAT)),
                float(np.clip(lon0 + rng.normal(0, 0.5), *_LON)),
            )
            ids = self.county(
                prefix=f"{prefix}-k{k:02d}",
                province=province,
                city=cname,
                code=f"{code[:4]}{(k + 1) % 100:02d}",
                centre=c_centre,
                **county_kwargs,
            )
            county_leads.append(ids["lead"])
        return {
            "hospitals": hospitals,
            "tertiary": hospitals[:tertiary],
            "county_leads": county_leads,
        }

    # -- a province ------------------------------------------------------------------------

    def province(
        self,
        *,
        prefix: str,
        name: str,
        code: str,
        cities: int,
        counties_per_city: int,
        specialty_alliances: int,
        city_kwargs: dict[str, Any],
        county_kwargs: dict[str, Any],
    ) -> None:
        rng = self.rng
        centre = (float(rng.uniform(24.0, 46.0)), float(rng.uniform(85.0, 125.0)))
        prov_region = {"province": name, "division_code": f"{code}0000"}
        prov_hospital = self.institution(
            id=f"{prefix}-ph",
            name=f"{name}人民医院",
            kind="general_hospital",
            tier="tertiary",
            grade="A",
            region=prov_region,
            lat=round(centre[0], 5),
            lon=round(centre[1], 5),
            beds=int(rng.integers(2_000, 5_000)),
            services=[
                "ct",
                "mri",
                "dr",
                "lab",
                "pathology",
                "ecg",
                "icu",
                "surgery",
                "inpatient",
                "mdt",
                "teleconsultation",
                "tele_imaging",
            ],
            specialties=list(_SPECIALTIES[:8]),
        )
        all_hospitals: list[str] = [prov_hospital]
        tertiary: list[str] = [prov_hospital]
        county_leads: list[str] = []
        for c in range(cities):
            c_centre = (
                float(np.clip(centre[0] + rng.normal(0, 1.5), *_LAT)),
                float(np.clip(centre[1] + rng.normal(0, 1.5), *_LON)),
            )
            out = self.city(
                prefix=f"{prefix}-m{c:02d}",
                province=name,
                code=f"{code}{(c + 1) % 100:02d}00",
                centre=c_centre,
                counties=counties_per_city,
                county_kwargs=county_kwargs,
                **city_kwargs,
            )
            all_hospitals.extend(out["hospitals"])
            tertiary.extend(out["tertiary"])
            county_leads.extend(out["county_leads"])
        candidates = all_hospitals + county_leads
        for s in range(specialty_alliances):
            spec = _SPECIALTIES[s % len(_SPECIALTIES)]
            lead = tertiary[int(rng.integers(0, len(tertiary)))] if s else prov_hospital
            size = min(len(candidates) - 1, int(rng.integers(5, 30)))
            picks = rng.choice(len(candidates), size=size + 1, replace=False)
            members = [{"institution": lead, "role": "lead"}]
            seen = {lead}
            for i in picks:
                inst = candidates[int(i)]
                if inst not in seen and len(members) <= size:
                    seen.add(inst)
                    members.append({"institution": inst, "role": "member"})
            self.alliances.append(
                {
                    "id": f"{prefix}-sp{s:03d}",
                    "name": f"{name}专科联盟{s + 1}",
                    "form": "specialty_alliance",
                    "tightness": "loose",
                    "specialty": spec,
                    "lead": [lead],
                    "memberships": members,
                    "region": prov_region,
                    "provisions": ["two_way_referral", "training", "technical_guidance"],
                }
            )
        if county_leads:
            members = [{"institution": prov_hospital, "role": "lead"}] + [
                {"institution": x, "role": "member"} for x in county_leads
            ]
            self.alliances.append(
                {
                    "id": f"{prefix}-tele",
                    "name": f"{name}远程医疗协作网",
                    "form": "telemedicine_network",
                    "tightness": "loose",
                    "lead": [prov_hospital],
                    "memberships": members,
                    "region": prov_region,
                    "provisions": ["teleconsultation", "training"],
                    "shared_centres": [
                        {
                            "id": f"{prefix}-telecentre",
                            "kind": "teleconsultation",
                            "host": prov_hospital,
                            "serves": "all",
                            "capacity_per_day": int(rng.integers(50, 500)),
                        }
                    ],
                }
            )

    def data(self, title: str) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "title": title,
            "description": (
                "Synthetic registry generated by medalliance.synthetic; "
                "names and figures are invented."
            ),
            # records in canonical (id) order, as medalliance writes files
            "institutions": sorted(self.institutions, key=_by_id),
            "alliances": sorted(self.alliances, key=_by_id),
            "agreements": sorted(self.agreements, key=_by_id),
        }


_COUNTY_DEFAULTS: dict[str, Any] = {
    "townships": 12,
    "villages_per_township": 15,
    "community_centres": 2,
    "stations_per_centre": 2,
    "private_clinics": 0,
}


def county_data(
    *,
    seed: int,
    townships: int = 12,
    villages_per_township: int = 15,
    community_centres: int = 2,
    stations_per_centre: int = 2,
    private_clinics: int = 0,
) -> dict[str, Any]:
    """Plain data of one synthetic county and its county medical community.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same data.
    townships : int, default 12
        Township health centres (hubs).
    villages_per_township : int, default 15
        Village clinics (base) per township.
    community_centres, stations_per_centre : int, default 2 and 2
        Community health service centres in the county seat, and stations under each.
    private_clinics : int, default 0
        Private clinics (kind ``other``) that belong to no alliance.

    Returns
    -------
    dict
        Data in the registry file format.

    Raises
    ------
    MedAllianceError
        If a count is negative.

    Examples
    --------
    >>> d = county_data(seed=7, townships=2, villages_per_township=3)
    >>> len(d["institutions"]), d["alliances"][0]["form"]
    (17, 'county_medical_community')
    """
    _check_counts(
        townships=townships,
        villages_per_township=villages_per_township,
        community_centres=community_centres,
        stations_per_centre=stations_per_centre,
        private_clinics=private_clinics,
    )
    b = _Builder(seed)
    b.county(
        prefix="k",
        province="某省",
        city="某市",
        code="990101",
        centre=(30.0, 112.0),
        townships=townships,
        villages_per_township=villages_per_township,
        community_centres=community_centres,
        stations_per_centre=stations_per_centre,
        private_clinics=private_clinics,
    )
    return b.data("Synthetic county")


def county(
    *,
    seed: int,
    townships: int = 12,
    villages_per_township: int = 15,
    community_centres: int = 2,
    stations_per_centre: int = 2,
    private_clinics: int = 0,
) -> Registry:
    """A validated synthetic county registry (see :func:`county_data`).

    Examples
    --------
    >>> reg = county(seed=3, townships=2, villages_per_township=2)
    >>> reg.alliances[0].lead
    ('k-h',)
    """
    return registry_from_dict(
        county_data(
            seed=seed,
            townships=townships,
            villages_per_township=villages_per_township,
            community_centres=community_centres,
            stations_per_centre=stations_per_centre,
            private_clinics=private_clinics,
        )
    )


def province_data(
    *,
    seed: int,
    cities: int = 3,
    counties_per_city: int = 3,
    specialty_alliances: int = 4,
    townships: int = 8,
    villages_per_township: int = 10,
) -> dict[str, Any]:
    """Plain data of one synthetic province.

    A provincial hospital leads a telemedicine network of every county hospital; each city
    has tertiary and secondary hospitals, two urban medical groups and its counties; specialty
    alliances gather hospitals from several cities.

    Raises
    ------
    MedAllianceError
        If a count is negative.

    Examples
    --------
    >>> d = province_data(
    ...     seed=2, cities=2, counties_per_city=1, townships=2, villages_per_township=2
    ... )
    >>> sorted({a["form"] for a in d["alliances"]})  # doctest: +NORMALIZE_WHITESPACE
    ['county_medical_community', 'specialty_alliance', 'telemedicine_network',
     'urban_medical_group']
    """
    _check_counts(
        cities=cities,
        counties_per_city=counties_per_city,
        specialty_alliances=specialty_alliances,
        townships=townships,
        villages_per_township=villages_per_township,
    )
    b = _Builder(seed)
    b.province(
        prefix="p00",
        name="某省",
        code="99",
        cities=cities,
        counties_per_city=counties_per_city,
        specialty_alliances=specialty_alliances,
        city_kwargs={"tertiary": 2, "secondary": 4, "urban_groups": 2},
        county_kwargs={
            **_COUNTY_DEFAULTS,
            "townships": townships,
            "villages_per_township": villages_per_township,
        },
    )
    return b.data("Synthetic province")


def province(
    *,
    seed: int,
    cities: int = 3,
    counties_per_city: int = 3,
    specialty_alliances: int = 4,
    townships: int = 8,
    villages_per_township: int = 10,
) -> Registry:
    """A validated synthetic province registry (see :func:`province_data`).

    Examples
    --------
    >>> reg = province(seed=2, cities=2, counties_per_city=1, townships=2,
    ...                villages_per_township=2)
    >>> any(len(reg.alliances_of(a.lead[0])) > 1 for a in reg.alliances)
    True
    """
    return registry_from_dict(
        province_data(
            seed=seed,
            cities=cities,
            counties_per_city=counties_per_city,
            specialty_alliances=specialty_alliances,
            townships=townships,
            villages_per_township=villages_per_township,
        )
    )


def national_data(*, seed: int, scale: float = 1.0) -> dict[str, Any]:
    """Plain data of a national-scale synthetic registry.

    At ``scale=1.0``: 31 provinces, 341 cities and 2,728 counties; about 1.2 million
    institutions (33,000 township health centres, 790,000 village clinics, 270,000 private
    clinics, 100,000 community centres and stations, 11,000 hospitals) and about 22,000
    alliances of all four forms. ``scale`` shrinks or grows the number of provinces, cities,
    counties and alliances (at least one of each is kept).

    Raises
    ------
    MedAllianceError
        If ``scale`` is not positive.

    Examples
    --------
    >>> d = national_data(seed=0, scale=0.001)
    >>> len(d["institutions"]) > 100, len({a["form"] for a in d["alliances"]})
    (True, 4)
    """
    if not scale > 0:
        from medalliance.errors import MedAllianceError

        raise MedAllianceError([f"scale must be positive, got {scale!r}"])
    b = _Builder(seed)
    provinces = max(1, min(len(_PROVINCES), round(31 * scale)))
    share = scale * 31 / provinces  # fraction of a full province each province gets
    for p in range(provinces):
        b.province(
            prefix=f"p{p:02d}",
            name=_PROVINCES[p],
            code=f"{11 + p:02d}",
            cities=max(1, round(11 * share)),
            counties_per_city=max(1, round(8 * share)),
            specialty_alliances=max(2, round(350 * share)),
            city_kwargs={"tertiary": 3, "secondary": 5, "urban_groups": max(1, round(25 * share))},
            county_kwargs={
                **_COUNTY_DEFAULTS,
                "townships": 12,
                "villages_per_township": 24,
                "community_centres": 3,
                "stations_per_centre": 3,
                "private_clinics": 100,
            },
        )
    return b.data("Synthetic national registry")


def national(*, seed: int, scale: float = 1.0) -> Registry:
    """A validated national-scale synthetic registry (see :func:`national_data`).

    Examples
    --------
    >>> reg = national(seed=0, scale=0.001)
    >>> len(reg.alliances) > 10
    True
    """
    return registry_from_dict(national_data(seed=seed, scale=scale))


def _check_counts(**counts: int) -> None:
    from medalliance.errors import MedAllianceError, Problem

    bad = [
        Problem((k,), f"must be a non-negative integer, got {v!r}")
        for k, v in counts.items()
        if not isinstance(v, int) or isinstance(v, bool) or v < 0
    ]
    if bad:
        raise MedAllianceError(bad)

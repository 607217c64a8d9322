"""The builder behind :mod:`medalliance.synthetic`: tables, names and the record generator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from medalliance.errors import MedAllianceError, Problem
from medalliance.io._files import SCHEMA_VERSION

Record = dict[str, Any]

_SYLLABLES = np.array(
    list(
        "安白宝北长城大德东丰凤福富高古广海和河红华怀黄吉佳建江金锦景静开康兰乐利良林龙隆茂"
        "梅明南宁平清庆泉仁瑞三山上盛石顺松太泰天通桐万文西溪祥新兴阳永玉元云泽正中竹"
    )
)

# name, division-code prefix, rough centre (lat, lon) of the capital
_PROVINCE_TABLE = """
北京市 11 39.9 116.4 | 天津市 12 39.1 117.2 | 河北省 13 38.0 114.5 | 山西省 14 37.9 112.5
内蒙古自治区 15 40.8 111.7 | 辽宁省 21 41.8 123.4 | 吉林省 22 43.9 125.3 | 黑龙江省 23 45.8 126.5
上海市 31 31.2 121.5 | 江苏省 32 32.1 118.8 | 浙江省 33 30.3 120.2 | 安徽省 34 31.8 117.3
福建省 35 26.1 119.3 | 江西省 36 28.7 115.9 | 山东省 37 36.7 117.0 | 河南省 41 34.8 113.7
湖北省 42 30.6 114.3 | 湖南省 43 28.2 113.0 | 广东省 44 23.1 113.3 | 广西壮族自治区 45 22.8 108.3
海南省 46 20.0 110.3 | 重庆市 50 29.6 106.5 | 四川省 51 30.7 104.1 | 贵州省 52 26.6 106.7
云南省 53 25.0 102.7 | 西藏自治区 54 29.7 91.1 | 陕西省 61 34.3 108.9 | 甘肃省 62 36.1 103.8
青海省 63 36.6 101.8 | 宁夏回族自治区 64 38.5 106.3 | 新疆维吾尔自治区 65 43.8 87.6
"""
_PROVINCES: tuple[tuple[str, str, float, float], ...] = tuple(
    (name, code, float(lat), float(lon))
    for name, code, lat, lon in (
        row.split() for row in _PROVINCE_TABLE.replace("\n", "|").split("|") if row.strip()
    )
)

# specialty, name suffix of a specialty hospital, the specialty in Chinese
_SPECIALTY_TABLE = """
oncology 肿瘤医院 肿瘤 | paediatrics 儿童医院 儿科 | obstetrics_gynaecology 妇产医院 妇产科
ophthalmology 眼科医院 眼科 | stomatology 口腔医院 口腔 | psychiatry 精神卫生中心 精神
infectious_disease 传染病医院 感染性疾病 | orthopaedics 骨科医院 骨科
cardiology 心血管病医院 心血管 | respiratory 胸科医院 呼吸 | dermatology 皮肤病医院 皮肤
geriatrics 老年医院 老年医学 | rehabilitation 康复医院 康复
"""
_SPECIALTY_HOSPITALS: tuple[tuple[str, str, str], ...] = tuple(
    (spec, suffix, zh)
    for spec, suffix, zh in (
        row.split() for row in _SPECIALTY_TABLE.replace("\n", "|").split("|") if row.strip()
    )
)


def _codes(text: str) -> tuple[str, ...]:
    """The space-separated codes in ``text``."""
    return tuple(text.split())


# China's bounding box (degrees); every generated coordinate lies inside it.
_LAT = (18.0, 53.6)
_LON = (73.5, 135.1)

_REFERRAL_ITEMS = _codes("two_way_referral green_channel priority_reception result_recognition")
_COUNTY_PROVISIONS = _codes(
    "two_way_referral result_recognition information_sharing shared_services expert_clinics "
    "training unified_drug_procurement bundled_payment unified_management"
)
_COUNTY_HOSPITAL_SERVICES = _codes(
    "ct mri dr ultrasound colour_doppler lab pathology ecg endoscopy icu surgery inpatient "
    "emergency"
)
_CITY_TERTIARY_SERVICES = (*_COUNTY_HOSPITAL_SERVICES, "dialysis", "mdt", "teleconsultation")
_PROVINCE_HOSPITAL_SERVICES = (*_CITY_TERTIARY_SERVICES, "tele_imaging", "pcr")
_SECONDARY_SERVICES = _codes("ct dr ultrasound lab ecg surgery inpatient emergency")
_TOWNSHIP_SERVICES = _codes("dr ultrasound lab ecg inpatient")
_CHC_SERVICES = _codes("dr ultrasound lab ecg chronic_disease_management rehabilitation")
_CLINIC_DEPARTMENTS = _codes("cardiology neurology internal_medicine paediatrics surgery")
_GENERAL_SPECIALTIES = _codes(
    "cardiology neurology respiratory gastroenterology nephrology endocrinology oncology "
    "geriatrics orthopaedics paediatrics obstetrics_gynaecology critical_care emergency "
    "rehabilitation"
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

_ServeMode = Literal["all", "hubs"]


class _County(NamedTuple):
    lead: str
    central_townships: list[str]


class _City(NamedTuple):
    name: str
    tertiary: list[str]
    specialty: list[tuple[str, str]]  # (hospital id, specialty)
    secondary: list[str]
    county_leads: list[str]
    central_townships: list[str]


def _region(
    province: str,
    city: str | None = None,
    county: str | None = None,
    township: str | None = None,
    code: str | None = None,
) -> Record:
    """A region record.

    ``code`` belongs to the most specific level; 6-digit codes exist down to the county, so
    township-level regions carry none.
    """
    region: Record = {"province": province}
    if city is not None:
        region["city"] = city
    if county is not None:
        region["county"] = county
    if township is not None:
        region["township"] = township
    if code is not None:
        region["division_code"] = code
    return region


class _Builder:
    """Accumulates plain registry data; every random draw comes from one Generator."""

    def __init__(self, seed: int, *, serve: _ServeMode) -> None:
        self.rng = np.random.default_rng(seed)
        self.serve: _ServeMode = serve
        self.institutions: list[Record] = []
        self.alliances: list[Record] = []
        self.agreements: list[Record] = []

    # -- random helpers ------------------------------------------------------------------------

    def words(self, n: int, length: int = 2) -> list[str]:
        """``n`` invented place names of ``length`` syllables."""
        idx = self.rng.integers(0, len(_SYLLABLES), size=(n, length))
        out = _SYLLABLES[idx[:, 0]]
        for j in range(1, length):
            out = np.char.add(out, _SYLLABLES[idx[:, j]])
        return [str(w) for w in out.tolist()]

    def word(self) -> str:
        return self.words(1)[0]

    def scatter(
        self, centre: tuple[float, float], n: int, spread: float
    ) -> tuple[list[float], list[float]]:
        """``n`` points normally scattered around ``centre`` (degrees), inside China's box."""
        pts = self.rng.normal(0.0, spread, size=(n, 2))
        lat = np.clip(centre[0] + pts[:, 0], *_LAT).round(5)
        lon = np.clip(centre[1] + pts[:, 1], *_LON).round(5)
        return lat.tolist(), lon.tolist()

    def near(self, centre: tuple[float, float], spread: float) -> tuple[float, float]:
        lat, lon = self.scatter(centre, 1, spread)
        return lat[0], lon[0]

    def ints(self, low: int, high: int, n: int) -> list[int]:
        """``n`` integers in ``[low, high)`` as Python ints."""
        return [int(x) for x in self.rng.integers(low, high, size=n).tolist()]

    def randint(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high))

    # -- records -------------------------------------------------------------------------------

    def hospital(
        self,
        id: str,
        name: str,
        kind: str,
        tier: str,
        *,
        region: Record,
        at: tuple[float, float],
        beds: int,
        services: Sequence[str],
        specialties: Sequence[str] = (),
        grade: str | None = None,
        population_served: int | None = None,
    ) -> str:
        rec: Record = {"id": id, "name": name, "kind": kind, "tier": tier}
        if grade is not None:
            rec["grade"] = grade
        rec["ownership"] = "public"
        rec["region"] = region
        rec["lat"], rec["lon"] = at
        rec["beds"] = beds
        if specialties:
            rec["specialties"] = list(specialties)
        rec["services"] = list(services)
        if population_served is not None:
            rec["population_served"] = population_served
        self.institutions.append(rec)
        return id

    def private_clinics(
        self, prefix: str, n: int, region: Record, centre: tuple[float, float], spread: float
    ) -> None:
        """``n`` private clinics (诊所 / 门诊部), in no alliance."""
        if n <= 0:
            return
        names = self.words(n)
        lat, lon = self.scatter(centre, n, spread)
        outpatient = (self.rng.random(n) < 0.1).tolist()
        self.institutions.extend(
            {
                "id": f"{prefix}-p{i:03d}",
                "name": f"{names[i]}{'门诊部' if outpatient[i] else '诊所'}",
                "kind": "other",
                "tier": "primary",
                "ownership": "private",
                "region": dict(region),
                "lat": lat[i],
                "lon": lon[i],
            }
            for i in range(n)
        )

    def pairwise(
        self, alliance: str, lead: str, others: Sequence[str], items: Sequence[str]
    ) -> None:
        """One agreement between ``lead`` and each of ``others`` (few parties per agreement)."""
        self.agreements.extend(
            {
                "id": f"{alliance}-ag{i:03d}",
                "alliance": alliance,
                "parties": [lead, other],
                "items": list(items),
            }
            for i, other in enumerate(others)
        )

    # -- a county ------------------------------------------------------------------------------

    def county(
        self,
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
        rng = self.rng
        n_town, n_chc = len(villages), len(stations)
        n_vil, n_sta = int(sum(villages)), int(sum(stations))
        cname = self.word() + "县"

        def cregion() -> Record:
            return _region(province, city, cname, code=code)

        # townships and their villages
        town_names = self.words(n_town)
        town_is_xiang = (rng.random(n_town) < 0.3).tolist()
        towns = [n + ("乡" if x else "镇") for n, x in zip(town_names, town_is_xiang, strict=True)]
        central = (rng.random(n_town) < 0.25).tolist()
        t_lat, t_lon = self.scatter(centre, n_town, 0.15)
        t_beds = rng.integers(10, 60, size=n_town) + np.asarray(central) * rng.integers(
            30, 90, size=n_town
        )
        t_ct = (rng.random(n_town) < 0.5).tolist()
        town_of = np.repeat(np.arange(n_town), villages)
        first = np.repeat(np.cumsum(villages) - np.asarray(villages, dtype=np.int64), villages)
        v_num = (np.arange(n_vil) - first).tolist()
        v_names = self.words(n_vil)
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
        # community centres and stations in the county seat
        streets = [w + "街道" for w in self.words(n_chc)]
        c_lat, c_lon = self.scatter(centre, n_chc, 0.02)
        c_beds = self.ints(0, 40, n_chc)
        c_pop = self.ints(20_000, 80_000, n_chc)
        s_names = self.words(n_sta)
        s_lat, s_lon = self.scatter(centre, n_sta, 0.025)
        s_pop = self.ints(3_000, 12_000, n_sta)
        seat_pop = sum(c_pop) + sum(s_pop)

        # county-level hospitals in the county seat
        h_lat, h_lon = self.scatter(centre, 3, 0.01)
        lead = self.hospital(
            f"{prefix}-h",
            f"{cname}人民医院",
            "general_hospital",
            "secondary",
            region=cregion(),
            at=(h_lat[0], h_lon[0]),
            grade="A",
            beds=self.randint(300, 1_200),
            services=_COUNTY_HOSPITAL_SERVICES,
            specialties=("internal_medicine", "surgery", "obstetrics_gynaecology", "paediatrics"),
            population_served=int(sum(t_pop)) + seat_pop,
        )
        tcm = self.hospital(
            f"{prefix}-tcm",
            f"{cname}中医医院",
            "tcm_hospital",
            "secondary",
            region=cregion(),
            at=(h_lat[1], h_lon[1]),
            grade="A" if rng.random() < 0.6 else "B",
            beds=self.randint(100, 500),
            services=("dr", "ultrasound", "lab", "ecg", "inpatient", "tcm", "rehabilitation"),
            specialties=("tcm",),
        )
        mch = self.hospital(
            f"{prefix}-mch",
            f"{cname}妇幼保健院",
            "mch_institution",
            "secondary",
            region=cregion(),
            at=(h_lat[2], h_lon[2]),
            grade="A" if rng.random() < 0.5 else "B",
            beds=self.randint(50, 300),
            services=("ultrasound", "lab", "ecg", "inpatient"),
            specialties=("maternal_child_health", "obstetrics_gynaecology", "paediatrics"),
        )
        memberships: list[Record] = [
            {"institution": lead, "role": "lead"},
            {"institution": tcm},
            {"institution": mch},
        ]
        hubs: list[str] = []
        central_ids: list[str] = []
        for t in range(n_town):
            tid = f"{prefix}-t{t:02d}"
            services = list(_TOWNSHIP_SERVICES)
            if central[t]:  # central township centres: more beds, sometimes a CT scanner
                services.append("chronic_disease_management")
                if t_ct[t]:
                    services.append("ct")
                central_ids.append(tid)
            self.institutions.append(
                {
                    "id": tid,
                    "name": f"{towns[t]}{'中心' if central[t] else ''}卫生院",
                    "kind": "township_health_centre",
                    "tier": "primary",
                    "ownership": "public",
                    "region": _region(province, city, cname, towns[t]),
                    "lat": t_lat[t],
                    "lon": t_lon[t],
                    "beds": int(t_beds[t]),
                    "specialties": ["general_practice"],
                    "services": services,
                    "population_served": t_pop[t],
                }
            )
            hubs.append(tid)
            memberships.append({"institution": tid, "role": "hub"})
        vil_ids = [
            f"{prefix}-t{t:02d}v{v:02d}" for t, v in zip(town_of.tolist(), v_num, strict=True)
        ]
        villages_ = [
            {
                "id": vid,
                "name": f"{name}村卫生室",
                "kind": "village_clinic",
                "tier": "village",
                "ownership": "public",
                "region": _region(province, city, cname, towns[t]),
                "lat": la,
                "lon": lo,
                "population_served": pop,
            }
            for vid, name, t, la, lo, pop in zip(
                vil_ids,
                v_names,
                town_of.tolist(),
                v_lat.tolist(),
                v_lon.tolist(),
                v_pop.tolist(),
                strict=True,
            )
        ]
        for rec, ecg in zip(villages_, v_ecg, strict=True):
            if ecg:  # a village clinic offers no service, or an ECG linked to the county centre
                rec["services"] = ["ecg"]
        self.institutions.extend(villages_)
        k = 0
        for c in range(n_chc):
            chc = f"{prefix}-c{c:02d}"
            self.institutions.append(
                {
                    "id": chc,
                    "name": f"{streets[c]}社区卫生服务中心",
                    "kind": "community_health_centre",
                    "tier": "primary",
                    "ownership": "public",
                    "region": _region(province, city, cname, streets[c]),
                    "lat": c_lat[c],
                    "lon": c_lon[c],
                    "beds": c_beds[c],
                    "specialties": ["general_practice"],
                    "services": list(_CHC_SERVICES[:4] if c_beds[c] < 10 else _CHC_SERVICES),
                    "population_served": c_pop[c],
                }
            )
            hubs.append(chc)
            memberships.append({"institution": chc, "role": "hub"})
            for s in range(stations[c]):
                sid = f"{chc}s{s:02d}"
                self.institutions.append(
                    {
                        "id": sid,
                        "name": f"{s_names[k]}社区卫生服务站",
                        "kind": "community_health_station",
                        "tier": "village",
                        "ownership": "public",
                        "region": _region(province, city, cname, streets[c]),
                        "lat": s_lat[k],
                        "lon": s_lon[k],
                        "services": ["chronic_disease_management"],
                        "population_served": s_pop[k],
                    }
                )
                memberships.append({"institution": sid, "role": "base"})
                k += 1
        memberships.extend({"institution": v, "role": "base"} for v in vil_ids)
        self.private_clinics(prefix, private_clinics, cregion(), centre, 0.1)

        aid = f"{prefix}-ccm"
        alliance: Record = {
            "id": aid,
            "name": f"{cname}医共体",
            "form": "county_medical_community",
            "tightness": "tight",
            "lead": [lead],
            "memberships": memberships,
            "region": cregion(),
            "provisions": list(_COUNTY_PROVISIONS),
        }
        if self.serve == "all" or hubs:
            serves: str | list[str] = "all" if self.serve == "all" else hubs
            alliance["shared_centres"] = [
                _centre(
                    f"{prefix}-{kind}",
                    kind,
                    host=lead,
                    name=cname + zh,
                    serves=serves,
                    capacity=cap,
                )
                for kind, zh, cap in (
                    ("imaging", "医学影像中心", self.randint(80, 400)),
                    ("lab", "医学检验中心", self.randint(200, 2_000)),
                    ("ecg", "心电诊断中心", self.randint(100, 1_000)),
                )
            ]
        sites = central_ids or hubs
        if sites:
            n_clinics = 1 + int(rng.random() < 0.6)
            departments = rng.choice(len(_CLINIC_DEPARTMENTS), size=n_clinics, replace=False)
            alliance["expert_clinics"] = [
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
        self.alliances.append(alliance)
        self.pairwise(aid, lead, hubs, _REFERRAL_ITEMS)
        return _County(lead, central_ids)

    # -- a city --------------------------------------------------------------------------------

    def city(
        self,
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
        rng = self.rng
        region = _region(province, name, code=code)

        def place() -> tuple[float, float]:
            return self.near(centre, 0.03)

        tertiary_ids: list[str] = []
        for h in range(tertiary):
            label = "中心医院" if h == 0 else f"第{_ordinal(h)}人民医院"
            tertiary_ids.append(
                self.hospital(
                    f"{prefix}-h{h:02d}",
                    f"{name}{label}",
                    "general_hospital",
                    "tertiary",
                    region=dict(region),
                    at=place(),
                    grade="A",
                    beds=self.randint(1_000, 3_500),
                    services=_CITY_TERTIARY_SERVICES,
                    specialties=_pick_specialties(rng, 4),
                )
            )
        specialty: list[tuple[str, str]] = []
        picks = rng.choice(len(_SPECIALTY_HOSPITALS), size=specialty_hospitals, replace=False)
        for j, p in enumerate(sorted(picks.tolist())):
            spec, suffix, _ = _SPECIALTY_HOSPITALS[p]
            sid = self.hospital(
                f"{prefix}-sh{j:02d}",
                f"{name}{suffix}",
                "specialty_hospital",
                "tertiary",
                region=dict(region),
                at=place(),
                grade="A" if rng.random() < 0.7 else "B",
                beds=self.randint(400, 1_500),
                services=("ct", "dr", "ultrasound", "lab", "ecg", "surgery", "inpatient"),
                specialties=(spec,),
            )
            specialty.append((sid, spec))
        self.hospital(
            f"{prefix}-tcm",
            f"{name}中医医院",
            "tcm_hospital",
            "tertiary" if rng.random() < 0.6 else "secondary",
            region=dict(region),
            at=place(),
            grade="A",
            beds=self.randint(400, 1_500),
            services=("ct", "dr", "ultrasound", "lab", "ecg", "inpatient", "tcm", "rehabilitation"),
            specialties=("tcm",),
        )
        self.hospital(
            f"{prefix}-mch",
            f"{name}妇幼保健院",
            "mch_institution",
            "tertiary" if rng.random() < 0.4 else "secondary",
            region=dict(region),
            at=place(),
            grade="A",
            beds=self.randint(200, 800),
            services=("ultrasound", "colour_doppler", "lab", "ecg", "surgery", "inpatient"),
            specialties=("maternal_child_health", "obstetrics_gynaecology", "paediatrics"),
        )
        n_groups = len(groups)
        districts = [w + "区" for w in self.words(max(n_groups, 1))]
        district_codes = [f"{code[:4]}{2 + g % 19:02d}" for g in range(max(n_groups, 1))]
        secondary_ids: list[str] = []
        secondary_district: list[int] = []
        for h in range(secondary):
            d, nth = h % len(districts), h // len(districts)
            secondary_ids.append(
                self.hospital(
                    f"{prefix}-d{h:02d}",
                    f"{districts[d]}{'人民医院' if nth == 0 else f'第{_ordinal(nth + 1)}医院'}",
                    "general_hospital",
                    "secondary",
                    region=_region(province, name, districts[d], code=district_codes[d]),
                    at=place(),
                    grade="A" if rng.random() < 0.5 else "B",
                    beds=self.randint(150, 700),
                    services=_SECONDARY_SERVICES,
                    specialties=("internal_medicine", "surgery"),
                )
            )
            secondary_district.append(d)
        # urban medical groups, one per district, led by the tertiary general hospitals in turn
        for g, stations in enumerate(groups):
            lead = tertiary_ids[g % len(tertiary_ids)]
            gid = f"{prefix}-g{g:02d}"
            dregion = _region(province, name, districts[g], code=district_codes[g])
            hospitals = [
                x for x, d in zip(secondary_ids, secondary_district, strict=True) if d == g
            ]
            members: list[Record] = [{"institution": lead, "role": "lead"}]
            members.extend({"institution": x} for x in hospitals)
            streets = [w + "街道" for w in self.words(len(stations))]
            c_lat, c_lon = self.scatter(centre, len(stations), 0.05)
            centres: list[str] = []
            for c, n_st in enumerate(stations):
                cid = f"{gid}c{c:02d}"
                sregion = _region(province, name, districts[g], streets[c])
                self.institutions.append(
                    {
                        "id": cid,
                        "name": f"{districts[g]}{streets[c]}社区卫生服务中心",
                        "kind": "community_health_centre",
                        "tier": "primary",
                        "ownership": "public",
                        "region": sregion,
                        "lat": c_lat[c],
                        "lon": c_lon[c],
                        "specialties": ["general_practice"],
                        "services": list(_CHC_SERVICES),
                        "population_served": self.randint(30_000, 100_000),
                    }
                )
                centres.append(cid)
                members.append({"institution": cid})
                s_names = self.words(n_st)
                s_lat, s_lon = self.scatter((c_lat[c], c_lon[c]), n_st, 0.005)
                for s in range(n_st):
                    sid = f"{cid}s{s:02d}"
                    self.institutions.append(
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
                            "population_served": self.randint(3_000, 12_000),
                        }
                    )
                    members.append({"institution": sid, "role": "base"})
            if rng.random() < 0.4:
                nid = f"{gid}n"
                self.hospital(
                    nid,
                    f"{districts[g]}{self.word()}护理院",
                    "nursing_rehab",
                    "primary",
                    region=dict(dregion),
                    at=place(),
                    beds=self.randint(50, 200),
                    services=("inpatient", "rehabilitation"),
                    specialties=("nursing", "geriatrics"),
                )
                members.append({"institution": nid})
            alliance: Record = {
                "id": gid,
                "name": f"{name}{districts[g]}城市医疗集团",
                "form": "urban_medical_group",
                "tightness": "tight" if rng.random() < 0.3 else "semi_tight",
                "lead": [lead],
                "memberships": members,
                "region": dregion,
                "provisions": ["two_way_referral", "result_recognition", "information_sharing"],
            }
            if centres:
                alliance["shared_centres"] = [
                    _centre(
                        f"{gid}-lab",
                        "lab",
                        host=lead,
                        name=None,
                        serves=centres,
                        capacity=self.randint(500, 3_000),
                    )
                ]
            self.alliances.append(alliance)
            self.pairwise(gid, lead, hospitals + centres, _REFERRAL_ITEMS)
        self.private_clinics(prefix, private_clinics, region, centre, 0.08)
        county_leads: list[str] = []
        central: list[str] = []
        for k, (villages, stations, clinics) in enumerate(counties):
            out = self.county(
                prefix=f"{prefix}-k{k:02d}",
                province=province,
                city=name,
                code=f"{code[:4]}{21 + k % 79:02d}",
                centre=self.near(centre, 0.4),
                villages=villages,
                stations=stations,
                private_clinics=clinics,
            )
            county_leads.append(out.lead)
            central.extend(out.central_townships)
        return _City(name, tertiary_ids, specialty, secondary_ids, county_leads, central)

    # -- a province ----------------------------------------------------------------------------

    def province(
        self,
        *,
        index: int,
        cities: Sequence[Record],
        specialty_alliances: int,
    ) -> None:
        """Add a province: provincial hospitals, its cities, specialty alliances, telemedicine.

        ``cities[c]`` holds the keyword arguments of :meth:`city` other than the names, codes
        and centres, which are drawn here.
        """
        rng = self.rng
        pname, pcode, lat0, lon0 = _PROVINCES[index]
        prefix = f"p{pcode}"
        city_names = [w + "市" for w in self.words(len(cities))]
        capital = city_names[0]
        cregion = _region(pname, capital, code=f"{pcode}0100")
        prov_hospital = self.hospital(
            f"{prefix}-ph",
            f"{pname}人民医院",
            "general_hospital",
            "tertiary",
            region=dict(cregion),
            at=self.near((lat0, lon0), 0.02),
            grade="A",
            beds=self.randint(2_500, 6_000),
            services=_PROVINCE_HOSPITAL_SERVICES,
            specialties=_pick_specialties(rng, 8),
        )
        n_spec = int(rng.integers(3, 7))
        picks = rng.choice(len(_SPECIALTY_HOSPITALS), size=n_spec, replace=False)
        specialty_leads: list[tuple[str, str]] = []
        for j, p in enumerate(sorted(picks.tolist())):
            spec, suffix, _ = _SPECIALTY_HOSPITALS[p]
            sid = self.hospital(
                f"{prefix}-sh{j:02d}",
                f"{pname}{suffix}",
                "specialty_hospital",
                "tertiary",
                region=dict(cregion),
                at=self.near((lat0, lon0), 0.03),
                grade="A",
                beds=self.randint(800, 2_500),
                services=("ct", "mri", "dr", "ultrasound", "lab", "ecg", "surgery", "inpatient"),
                specialties=(spec,),
            )
            specialty_leads.append((sid, spec))
        built: list[_City] = []
        for c, kwargs in enumerate(cities):
            centre = (lat0, lon0) if c == 0 else self.near((lat0, lon0), 1.5)
            built.append(
                self.city(
                    prefix=f"{prefix}-m{c:02d}",
                    province=pname,
                    name=city_names[c],
                    code=f"{pcode}{1 + c % 99:02d}00",
                    centre=centre,
                    **kwargs,
                )
            )
        for city in built:
            specialty_leads.extend(city.specialty)
        tertiary_by_city = [
            [*city.tertiary, *(h for h, _ in city.specialty)] for city in built if city.tertiary
        ]
        secondary = [x for city in built for x in (*city.secondary, *city.county_leads)]
        pregion = _region(pname, code=f"{pcode}0000")
        for s in range(specialty_alliances):
            lead, spec = specialty_leads[int(rng.integers(0, len(specialty_leads)))]
            zh = next(z for sp, _, z in _SPECIALTY_HOSPITALS if sp == spec)
            chosen: list[str] = []
            n_cities = min(len(tertiary_by_city), int(rng.integers(2, 7)))
            for ci in rng.choice(len(tertiary_by_city), size=n_cities, replace=False).tolist():
                pool = tertiary_by_city[ci]
                for h in rng.choice(len(pool), size=min(len(pool), 2), replace=False).tolist():
                    chosen.append(pool[h])
            n_sec = min(len(secondary), int(rng.integers(2, 15)))
            chosen.extend(
                secondary[i] for i in rng.choice(len(secondary), n_sec, replace=False).tolist()
            )
            members: list[Record] = [{"institution": lead, "role": "lead"}]
            seen = {lead}
            for x in chosen:
                if x not in seen:
                    seen.add(x)
                    members.append({"institution": x})
            aid = f"{prefix}-sp{s:04d}"
            self.alliances.append(
                {
                    "id": aid,
                    "name": f"{pname}{zh}专科联盟",
                    "form": "specialty_alliance",
                    "specialty": spec,
                    "lead": [lead],
                    "memberships": members,
                    "region": dict(pregion),
                    "provisions": ["two_way_referral", "training", "technical_guidance"],
                }
            )
            if len(members) > 1:
                self.pairwise(
                    aid,
                    lead,
                    [members[1]["institution"]],
                    ("joint_specialty_building", "paired_support", "training"),
                )
        # telemedicine network: the provincial hospital and every county hospital, central
        # township centre and each city's first district hospital
        remote = [x for city in built for x in (*city.county_leads, *city.central_townships)]
        remote += [city.secondary[0] for city in built if city.secondary]
        if remote:
            aid = f"{prefix}-tele"
            members = [{"institution": prov_hospital, "role": "lead"}]
            members.extend({"institution": x} for x in remote)
            self.alliances.append(
                {
                    "id": aid,
                    "name": f"{pname}远程医疗协作网",
                    "form": "telemedicine_network",
                    "lead": [prov_hospital],
                    "memberships": members,
                    "region": pregion,
                    "provisions": ["teleconsultation", "training"],
                    "shared_centres": [
                        _centre(
                            f"{aid}-centre",
                            "teleconsultation",
                            host=prov_hospital,
                            name=f"{pname}远程医疗中心",
                            serves="all",
                            capacity=self.randint(50, 500),
                        )
                    ],
                }
            )
            leads = [x for city in built for x in city.county_leads]
            self.pairwise(aid, prov_hospital, leads, ("teleconsultation", "training"))

    def data(self, title: str) -> Record:
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


def _by_id(record: Record) -> str:
    return str(record["id"])


def _centre(
    cid: str, kind: str, *, host: str, name: str | None, serves: str | list[str], capacity: int
) -> Record:
    rec: Record = {"id": cid, "kind": kind, "host": host}
    if name is not None:
        rec["name"] = name
    if serves != "all":
        rec["serves"] = list(serves)
    rec["capacity_per_day"] = capacity
    return rec


def _ordinal(n: int) -> str:
    """``n`` in Chinese numerals for 1-99 (一, 十二, 二十三), else in digits."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


def _pick_specialties(rng: np.random.Generator, n: int) -> list[str]:
    picks = rng.choice(len(_GENERAL_SPECIALTIES), size=n, replace=False)
    return [_GENERAL_SPECIALTIES[i] for i in sorted(picks.tolist())]


def _check_counts(**counts: int) -> None:
    bad = [
        Problem((k,), f"must be a non-negative integer, got {v!r}")
        for k, v in counts.items()
        if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < 0
    ]
    if bad:
        raise MedAllianceError(bad)


def _check_positive(**counts: int) -> None:
    _check_counts(**counts)
    bad = [Problem((k,), f"must be at least 1, got {v!r}") for k, v in counts.items() if v < 1]
    if bad:
        raise MedAllianceError(bad)


# -- public API ------------------------------------------------------------------------------

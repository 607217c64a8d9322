"""Tables and small helpers of :mod:`medalliance.synthetic`: names, codes, regions, checks."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np

from medalliance.errors import MedAllianceError, Problem

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
    "training unified_drug_procurement global_budget unified_management"
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
"""Whom shared centres serve: every member, or the listed hubs (national scale)."""


class _CountyPlace(NamedTuple):
    """Where a county lies: its province and city, its own name and division code."""

    province: str
    city: str
    county: str
    code: str

    def region(self, township: str | None = None) -> Record:
        """The county's region record, or that of one of its townships (no code there)."""
        if township is None:
            return _region(self.province, self.city, self.county, code=self.code)
        return _region(self.province, self.city, self.county, township)


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

"""One synthetic province: provincial hospitals, its cities, specialty alliances, telemedicine.

The random draws happen in a fixed order (provincial hospitals, each city, the specialty
alliances, the telemedicine centre); changing that order changes every registry generated
from a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from medalliance.synthetic._builder import _Builder
from medalliance.synthetic._city import _City, add_city
from medalliance.synthetic._tables import (
    _PROVINCE_HOSPITAL_SERVICES,
    _PROVINCES,
    _SPECIALTY_HOSPITALS,
    Record,
    _centre,
    _pick_specialties,
    _region,
)


class _Province(NamedTuple):
    """A province being built: name, division-code prefix, capital centre, id prefix."""

    name: str
    code: str
    centre: tuple[float, float]
    prefix: str

    def region(self) -> Record:
        """The province's region record."""
        return _region(self.name, code=f"{self.code}0000")


def _add_provincial_hospitals(
    b: _Builder, prov: _Province, capital: str
) -> tuple[str, list[tuple[str, str]]]:
    """The provincial people's hospital and 3-6 specialty hospitals in the capital.

    Returns the people's hospital and ``(id, specialty)`` of each specialty hospital.
    """
    rng = b.rng
    cregion = _region(prov.name, capital, code=f"{prov.code}0100")
    prov_hospital = b.hospital(
        f"{prov.prefix}-ph",
        f"{prov.name}人民医院",
        "general_hospital",
        "tertiary",
        region=dict(cregion),
        at=b.near(prov.centre, 0.02),
        grade="A",
        beds=b.randint(2_500, 6_000),
        services=_PROVINCE_HOSPITAL_SERVICES,
        specialties=_pick_specialties(rng, 8),
    )
    n_spec = int(rng.integers(3, 7))
    picks = rng.choice(len(_SPECIALTY_HOSPITALS), size=n_spec, replace=False)
    specialty_leads: list[tuple[str, str]] = []
    for j, p in enumerate(sorted(picks.tolist())):
        spec, suffix, _ = _SPECIALTY_HOSPITALS[p]
        sid = b.hospital(
            f"{prov.prefix}-sh{j:02d}",
            f"{prov.name}{suffix}",
            "specialty_hospital",
            "tertiary",
            region=dict(cregion),
            at=b.near(prov.centre, 0.03),
            grade="A",
            beds=b.randint(800, 2_500),
            services=("ct", "mri", "dr", "ultrasound", "lab", "ecg", "surgery", "inpatient"),
            specialties=(spec,),
        )
        specialty_leads.append((sid, spec))
    return prov_hospital, specialty_leads


def _specialty_members(
    b: _Builder, lead: str, tertiary_by_city: list[list[str]], secondary: list[str]
) -> list[Record]:
    """Members of a specialty alliance: tertiary hospitals of 2-6 cities and some secondary."""
    rng = b.rng
    chosen: list[str] = []
    n_cities = min(len(tertiary_by_city), int(rng.integers(2, 7)))
    for ci in rng.choice(len(tertiary_by_city), size=n_cities, replace=False).tolist():
        pool = tertiary_by_city[ci]
        for h in rng.choice(len(pool), size=min(len(pool), 2), replace=False).tolist():
            chosen.append(pool[h])
    n_sec = min(len(secondary), int(rng.integers(2, 15)))
    chosen.extend(secondary[i] for i in rng.choice(len(secondary), n_sec, replace=False).tolist())
    members: list[Record] = [{"institution": lead, "role": "lead"}]
    seen = {lead}
    for x in chosen:
        if x not in seen:
            seen.add(x)
            members.append({"institution": x})
    return members


def _add_specialty_alliances(
    b: _Builder,
    prov: _Province,
    n: int,
    specialty_leads: list[tuple[str, str]],
    built: list[_City],
) -> None:
    """``n`` specialty alliances, each led by a drawn specialty hospital, with agreements."""
    tertiary_by_city = [
        [*city.tertiary, *(h for h, _ in city.specialty)] for city in built if city.tertiary
    ]
    secondary = [x for city in built for x in (*city.secondary, *city.county_leads)]
    pregion = prov.region()
    for s in range(n):
        lead, spec = specialty_leads[int(b.rng.integers(0, len(specialty_leads)))]
        zh = next(z for sp, _, z in _SPECIALTY_HOSPITALS if sp == spec)
        members = _specialty_members(b, lead, tertiary_by_city, secondary)
        aid = f"{prov.prefix}-sp{s:04d}"
        b.alliances.append(
            {
                "id": aid,
                "name": f"{prov.name}{zh}专科联盟",
                "form": "specialty_alliance",
                "specialty": spec,
                "lead": [lead],
                "memberships": members,
                "region": dict(pregion),
                "provisions": ["two_way_referral", "training", "technical_guidance"],
            }
        )
        if len(members) > 1:
            b.pairwise(
                aid,
                lead,
                [members[1]["institution"]],
                ("joint_specialty_building", "paired_support", "training"),
            )


def _add_telemedicine(b: _Builder, prov: _Province, hub: str, built: list[_City]) -> None:
    """The telemedicine network led by the provincial hospital ``hub``.

    Its members are every county hospital, central township centre and each city's first
    district hospital; it has none when the province has none of them.
    """
    remote = [x for city in built for x in (*city.county_leads, *city.central_townships)]
    remote += [city.secondary[0] for city in built if city.secondary]
    if not remote:
        return
    aid = f"{prov.prefix}-tele"
    members: list[Record] = [{"institution": hub, "role": "lead"}]
    members.extend({"institution": x} for x in remote)
    b.alliances.append(
        {
            "id": aid,
            "name": f"{prov.name}远程医疗协作网",
            "form": "telemedicine_network",
            "lead": [hub],
            "memberships": members,
            "region": prov.region(),
            "provisions": ["teleconsultation", "training"],
            "shared_centres": [
                _centre(
                    f"{aid}-centre",
                    "teleconsultation",
                    host=hub,
                    name=f"{prov.name}远程医疗中心",
                    serves="all",
                    capacity=b.randint(50, 500),
                )
            ],
        }
    )
    leads = [x for city in built for x in city.county_leads]
    b.pairwise(aid, hub, leads, ("teleconsultation", "training"))


def add_province(
    b: _Builder, *, index: int, cities: Sequence[Record], specialty_alliances: int
) -> None:
    """Add a province: provincial hospitals, its cities, specialty alliances, telemedicine.

    ``index`` is the province's row in the province table; ``cities[c]`` holds the keyword
    arguments of :func:`~medalliance.synthetic._city.add_city` other than the names, codes
    and centres, which are drawn here.
    """
    pname, pcode, lat0, lon0 = _PROVINCES[index]
    prov = _Province(pname, pcode, (lat0, lon0), f"p{pcode}")
    city_names = [w + "市" for w in b.words(len(cities))]
    prov_hospital, specialty_leads = _add_provincial_hospitals(b, prov, city_names[0])
    built: list[_City] = []
    for c, kwargs in enumerate(cities):
        centre = prov.centre if c == 0 else b.near(prov.centre, 1.5)
        built.append(
            add_city(
                b,
                prefix=f"{prov.prefix}-m{c:02d}",
                province=pname,
                name=city_names[c],
                code=f"{pcode}{1 + c % 99:02d}00",
                centre=centre,
                **kwargs,
            )
        )
    for city in built:
        specialty_leads.extend(city.specialty)
    _add_specialty_alliances(b, prov, specialty_alliances, specialty_leads, built)
    _add_telemedicine(b, prov, prov_hospital, built)

"""Seeded generators of realistic synthetic registries: a county, a province, the nation.

The structure follows the Chinese system (see the concepts page):

* a **county** has a county people's hospital (secondary, the lead of its county medical
  community), a county TCM hospital and a maternal and child health institution (secondary
  members), township health centres (hubs; about a quarter are 中心卫生院 with more beds and
  equipment), village clinics (the base), community health service centres (hubs) and
  stations (base) in the county seat, and optionally private clinics in no alliance. The
  community is tight, shares imaging, laboratory and ECG centres hosted by the county
  hospital, runs expert clinics at township centres, and the county hospital signs a
  two-way-referral agreement with every hub;
* a **city** has tertiary general and specialty hospitals, a TCM and an MCH hospital and
  secondary hospitals; each tertiary general hospital leads urban medical groups of district
  hospitals, community health service centres and stations (and sometimes a nursing home);
* a **province** has a provincial people's hospital leading a telemedicine network of its
  county hospitals and central township centres, provincial specialty hospitals, and
  specialty alliances led by tertiary specialty hospitals with tertiary members from several
  cities. Institutions belong to several alliances: a county hospital is in its county
  community, the telemedicine network and often specialty alliances.

Every random draw comes from one ``numpy.random.default_rng(seed)``: the same arguments
always give the identical data and registry, and no global random state is used or changed.
The ``*_data`` functions return plain data in the file format (what
:func:`medalliance.io.registry_from_dict` reads), in canonical form: records sorted by id and
default values left out, so ``registry_to_dict`` of the validated registry gives the same
dict back. The other functions return the validated :class:`~medalliance.model.registry.Registry`.

Names, coordinates, codes and figures are invented; they describe no real institution. The
province names, their division-code prefixes and rough centres are real, and every
coordinate lies inside China's bounding box (latitude 18.0-53.6, longitude 73.5-135.1).

Examples
--------
>>> reg = county(seed=1, townships=3, villages_per_township=4)
>>> len(reg.institutions), len(reg.alliances), len(reg.agreements)
(24, 1, 5)
>>> county(seed=1, townships=3, villages_per_township=4) == reg
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from medalliance._progress import track
from medalliance.errors import MedAllianceError, Problem
from medalliance.io._files import registry_from_dict
from medalliance.model.registry import Registry
from medalliance.synthetic._builder import _Builder
from medalliance.synthetic._county import add_county
from medalliance.synthetic._history import add_history
from medalliance.synthetic._province import add_province
from medalliance.synthetic._tables import _PROVINCES, Record, _check_counts, _check_positive

__all__ = [
    "add_history",
    "county",
    "county_data",
    "national",
    "national_data",
    "province",
    "province_data",
]


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

    The county lies in a province drawn from the seed. Its people's hospital (secondary,
    grade A) leads a tight county medical community: the county TCM hospital and MCH
    institution are members, township health centres and community health centres are
    hubs, village clinics and community health stations are the base. The county hospital
    hosts imaging, laboratory and ECG centres serving every member, sends experts to one or
    two township centres, and signs a referral agreement with each hub.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same arguments always give the same data.
    townships : int, default 12
        Township health centres (hubs); about a quarter are central (中心卫生院).
    villages_per_township : int, default 15
        Village clinics (base) per township.
    community_centres : int, default 2
        Community health service centres (hubs) in the county seat.
    stations_per_centre : int, default 2
        Community health service stations (base) under each centre.
    private_clinics : int, default 0
        Private clinics (kind ``other``) that belong to no alliance.

    Returns
    -------
    dict
        Data in the registry file format (canonical: sorted by id, defaults left out).

    Raises
    ------
    MedAllianceError
        If a count is negative or not an integer.

    Examples
    --------
    >>> d = county_data(seed=7, townships=2, villages_per_township=3)
    >>> len(d["institutions"]), d["alliances"][0]["form"]
    (17, 'county_medical_community')
    >>> [i["name"][-4:] for i in d["institutions"] if i["kind"] == "village_clinic"][:1]
    ['村卫生室']
    """
    _check_counts(
        seed=seed,
        townships=townships,
        villages_per_township=villages_per_township,
        community_centres=community_centres,
        stations_per_centre=stations_per_centre,
        private_clinics=private_clinics,
    )
    b = _Builder(seed, serve="all")
    pname, pcode, lat0, lon0 = _PROVINCES[int(b.rng.integers(0, len(_PROVINCES)))]
    city = b.word() + "市"
    add_county(
        b,
        prefix="k",
        province=pname,
        city=city,
        code=f"{pcode}{b.randint(1, 20):02d}{b.randint(21, 40):02d}",
        centre=b.near((lat0, lon0), 1.0),
        villages=[villages_per_township] * townships,
        stations=[stations_per_centre] * community_centres,
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
    """A validated synthetic county registry (the data of :func:`county_data`).

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same arguments always give the same registry.
    townships, villages_per_township, community_centres, stations_per_centre, private_clinics
        As for :func:`county_data`.

    Returns
    -------
    Registry
        One county medical community, led by the county hospital ``"k-h"``.

    Raises
    ------
    MedAllianceError
        If a count is negative or not an integer.

    Examples
    --------
    >>> reg = county(seed=3, townships=2, villages_per_township=2)
    >>> reg.alliances[0].lead
    ('k-h',)
    >>> sorted({m.role.value for m in reg.alliances[0].memberships})
    ['base', 'hub', 'lead', 'member']
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
    counties: int = 6,
    specialty_alliances: int = 2,
    urban_groups: int = 2,
    townships: int = 8,
    villages_per_township: int = 10,
) -> dict[str, Any]:
    """Plain data of one synthetic province.

    The province (drawn from the seed) has a provincial people's hospital leading a
    telemedicine network of the county hospitals, central township centres and city district
    hospitals; provincial tertiary specialty hospitals; ``cities`` cities, each with two
    tertiary general hospitals, a tertiary specialty hospital, TCM and MCH hospitals,
    district hospitals and ``urban_groups`` urban medical groups; ``counties`` counties (dealt
    to the cities in turn), each as in :func:`county_data` with two community centres of two
    stations; and ``specialty_alliances`` specialty alliances, each led by a tertiary
    specialty hospital, naming its specialty, with tertiary members from several cities.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same arguments always give the same data.
    cities : int, default 3
        Prefecture-level cities (at least 1).
    counties : int, default 6
        Counties in the province, each with one county medical community.
    specialty_alliances : int, default 2
        Specialty alliances.
    urban_groups : int, default 2
        Urban medical groups per city (each with three community centres of two stations).
    townships : int, default 8
        Township health centres per county.
    villages_per_township : int, default 10
        Village clinics per township.

    Returns
    -------
    dict
        Data in the registry file format (canonical: sorted by id, defaults left out).

    Raises
    ------
    MedAllianceError
        If a count is negative or not an integer, or ``cities`` is 0.

    Examples
    --------
    >>> d = province_data(seed=2, cities=2, counties=2, townships=2, villages_per_township=2)
    >>> sorted({a["form"] for a in d["alliances"]})  # doctest: +NORMALIZE_WHITESPACE
    ['county_medical_community', 'specialty_alliance', 'telemedicine_network',
     'urban_medical_group']
    >>> sum(a["form"] == "specialty_alliance" for a in d["alliances"])
    2
    """
    _check_counts(
        seed=seed,
        counties=counties,
        specialty_alliances=specialty_alliances,
        urban_groups=urban_groups,
        townships=townships,
        villages_per_township=villages_per_township,
    )
    _check_positive(cities=cities)
    b = _Builder(seed, serve="all")
    index = int(b.rng.integers(0, len(_PROVINCES)))
    county_spec = ([villages_per_township] * townships, [2, 2], 0)
    add_province(
        b,
        index=index,
        cities=[
            {
                "tertiary": 2,
                "specialty_hospitals": 1,
                "secondary": max(urban_groups, 1),
                "groups": [[2, 2, 2]] * urban_groups,
                "counties": [county_spec] * len(range(c, counties, cities)),
                "private_clinics": 0,
            }
            for c in range(cities)
        ],
        specialty_alliances=specialty_alliances,
    )
    return b.data("Synthetic province")


def province(
    *,
    seed: int,
    cities: int = 3,
    counties: int = 6,
    specialty_alliances: int = 2,
    urban_groups: int = 2,
    townships: int = 8,
    villages_per_township: int = 10,
) -> Registry:
    """A validated synthetic province registry (the data of :func:`province_data`).

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same arguments always give the same registry.
    cities, counties, specialty_alliances, urban_groups, townships, villages_per_township
        As for :func:`province_data`.

    Returns
    -------
    Registry
        Alliances of all four forms; many institutions belong to several.

    Raises
    ------
    MedAllianceError
        If a count is negative or not an integer, or ``cities`` is 0.

    Examples
    --------
    >>> reg = province(seed=2, cities=2, counties=2, townships=2, villages_per_township=2)
    >>> lead = next(a for a in reg.alliances if a.form.value == "specialty_alliance").lead[0]
    >>> reg.institution(lead).kind.value, reg.institution(lead).tier.value
    ('specialty_hospital', 'tertiary')
    >>> any(len(reg.alliances_of(i.id)) > 2 for i in reg.institutions)
    True
    """
    return registry_from_dict(
        province_data(
            seed=seed,
            cities=cities,
            counties=counties,
            specialty_alliances=specialty_alliances,
            urban_groups=urban_groups,
            townships=townships,
            villages_per_township=villages_per_township,
        )
    )


# national shape at scale 1.0 (guided by the national counts: ~2,800 county-level units,
# ~35,000 township health centres, ~600,000 village clinics, ~36,000 community centres and
# stations, ~13,000 hospitals; private clinics bring the total past one million)
_NATIONAL_CITIES = 333
_NATIONAL_COUNTIES = 2_800
_NATIONAL_SPECIALTY_ALLIANCES = 16_000


_LARGE_SCALE = 0.05
"""Scale from which generation shows a progress bar by default (about 50,000 institutions)."""


def _split(rng: np.random.Generator, total: int, parts: int, minimum: int) -> list[int]:
    """Split ``total`` into ``parts`` random shares of at least ``minimum`` each."""
    weights = rng.uniform(0.5, 1.5, size=parts)
    extra = rng.multinomial(max(total - parts * minimum, 0), weights / weights.sum())
    return [int(x) + minimum for x in extra.tolist()]


def national_data(*, seed: int, scale: float = 1.0, progress: bool | None = None) -> dict[str, Any]:
    """Plain data of a national-scale synthetic registry.

    At ``scale=1.0``: 31 provinces, 333 cities and 2,800 counties; about 1.07 million
    institutions (35,000 township health centres, 600,000 village clinics, 12,000 community
    health centres, 24,000 stations, 14,000 hospitals and nursing homes, 390,000 private
    clinics) and about 20,800 alliances of all four forms (2,800 county medical communities,
    2,000 urban medical groups, 16,000 specialty alliances, 31 telemedicine networks).
    ``scale`` multiplies the numbers of cities, counties and specialty alliances (at least
    one province, city and county are kept; there are at most 31 provinces); what a county
    or city holds does not change with it.

    To keep the graph view moderate, shared centres serve listed hubs rather than every
    member, and every agreement has two parties.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same arguments always give the same data.
    scale : float, default 1.0
        Size relative to the nation (e.g. ``0.01`` for about 10,000 institutions).
    progress : bool, optional
        Show a progress bar (one step per province) on standard error: ``None`` (default)
        from ``scale=0.05`` (about 50,000 institutions) when standard error is a terminal or
        in a notebook; ``True`` always; ``False`` never (needs the ``progress`` extra).

    Returns
    -------
    dict
        Data in the registry file format (canonical: sorted by id, defaults left out).

    Raises
    ------
    MedAllianceError
        If ``scale`` is not a positive number.

    Examples
    --------
    >>> d = national_data(seed=0, scale=0.002)
    >>> len(d["institutions"]) > 1_000, sorted({a["form"][:6] for a in d["alliances"]})
    (True, ['county', 'specia', 'teleme', 'urban_'])
    """
    _check_counts(seed=seed)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
        raise MedAllianceError([Problem(("scale",), f"must be a positive number, got {scale!r}")])
    b = _Builder(seed, serve="hubs")
    rng = b.rng
    n_prov = min(len(_PROVINCES), max(1, round(len(_PROVINCES) * scale)))
    n_city = max(n_prov, round(_NATIONAL_CITIES * scale))
    n_county = max(n_city, round(_NATIONAL_COUNTIES * scale))
    n_spec = max(n_prov, round(_NATIONAL_SPECIALTY_ALLIANCES * scale))
    provinces = sorted(rng.choice(len(_PROVINCES), size=n_prov, replace=False).tolist())
    cities_per_prov = _split(rng, n_city, n_prov, 1)
    counties_per_city = _split(rng, n_county, n_city, 1)
    spec_per_prov = _split(rng, n_spec, n_prov, 1)
    k = 0
    steps = track(
        provinces,
        desc="synthetic registry",
        unit="province",
        progress=progress,
        size=scale,
        large=_LARGE_SCALE,
    )
    for p, index in enumerate(steps):
        cities: list[Record] = []
        for _ in range(cities_per_prov[p]):
            n_k = counties_per_city[k]
            k += 1
            town_counts = rng.integers(6, 20, size=n_k).tolist()
            counties = [
                (
                    rng.integers(8, 27, size=t).tolist(),
                    rng.integers(1, 4, size=int(rng.integers(1, 3))).tolist(),
                    int(rng.integers(80, 161)),
                )
                for t in town_counts
            ]
            n_groups = int(rng.integers(4, 9))
            cities.append(
                {
                    "tertiary": int(rng.integers(2, 5)),
                    "specialty_hospitals": int(rng.integers(1, 4)),
                    "secondary": n_groups + int(rng.integers(0, 4)),
                    "groups": [
                        rng.integers(1, 4, size=int(rng.integers(3, 6))).tolist()
                        for _ in range(n_groups)
                    ],
                    "counties": counties,
                    "private_clinics": int(rng.integers(100, 201)),
                }
            )
        add_province(b, index=index, cities=cities, specialty_alliances=spec_per_prov[p])
    return b.data("Synthetic national registry")


def national(*, seed: int, scale: float = 1.0, progress: bool | None = None) -> Registry:
    """A validated national-scale synthetic registry (the data of :func:`national_data`).

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same arguments always give the same registry.
    scale : float, default 1.0
        Size relative to the nation; use small values (``0.002``) in tests.
    progress : bool, optional
        Show a progress bar while generating (see :func:`national_data`).

    Returns
    -------
    Registry
        Alliances of all four forms.

    Raises
    ------
    MedAllianceError
        If ``scale`` is not a positive number.

    Examples
    --------
    >>> reg = national(seed=0, scale=0.002)
    >>> len(reg.alliances) > 10
    True
    """
    return registry_from_dict(national_data(seed=seed, scale=scale, progress=progress))

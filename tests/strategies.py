"""Hypothesis strategies shared by the test suite: valid registries of every shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from medalliance import (
    AllianceForm,
    CentreKind,
    CooperationItem,
    FigureUnit,
    Grade,
    InstitutionKind,
    MemberRole,
    ProfessionalTitle,
    Qualifier,
    Registry,
    ServiceKind,
    Specialty,
    Tier,
    Tightness,
    Weekday,
)

ids = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
cjk = st.text(
    alphabet=st.sampled_from(
        "医院卫生服务中心社区乡镇村人民县市省第一二三中西医结合妇幼保健瑞金同仁"
    ),
    min_size=2,
    max_size=12,
)
text = st.one_of(
    cjk,
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1
    ).filter(str.strip),
)
dates = st.dates(min_value=dt.date(1949, 10, 1), max_value=dt.date(2030, 12, 31))
counts = st.integers(min_value=0, max_value=10_000)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def provenance(draw: st.DrawFn, sources: list[str]) -> dict[str, Any] | None:
    if not sources or draw(st.booleans()):
        return None
    out: dict[str, Any] = {"source": draw(st.sampled_from(sources))}
    if draw(st.booleans()):
        out["quote"] = draw(cjk)
    if draw(st.booleans()):
        out["inferred"] = draw(
            st.lists(
                st.sampled_from(["tier", "grade", "name", "region", "form"]),
                unique=True,
                max_size=3,
            )
        )
    if draw(st.booleans()):
        out["note"] = draw(text)
    return out


@st.composite
def region(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in ("province", "city", "county", "township"):
        if draw(st.booleans()):
            out[f] = draw(cjk)
    if draw(st.booleans()):
        out["division_code"] = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    return out


@st.composite
def institution(
    draw: st.DrawFn, iid: str, sources: list[str], history: str = "all"
) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(InstitutionKind)))
    tier = draw(st.sampled_from(sorted(kind.allowed_tiers)))
    d: dict[str, Any] = {"id": iid, "name": draw(cjk), "kind": kind.value, "tier": tier.value}
    if draw(st.booleans()):
        # any institution may be ungraded; hospital grades need a graded kind above village
        graded = tier is not Tier.VILLAGE and kind.takes_grade
        grades = [
            g
            for g in Grade
            if g is Grade.UNGRADED or (graded and (g is not Grade.SPECIAL or tier is Tier.TERTIARY))
        ]
        d["grade"] = draw(st.sampled_from(grades)).value
    if draw(st.booleans()):
        d["name_en"] = draw(text)
    if draw(st.booleans()):
        d["aliases"] = draw(st.lists(cjk, unique=True, max_size=3))
    if draw(st.booleans()):
        d["ownership"] = draw(st.sampled_from(["public", "private"]))
    if history != "old" and draw(st.integers(0, 3)) == 0:
        d["opened"] = draw(dates)
    if history != "old" and draw(st.integers(0, 4)) == 0:
        d["closed"] = d.get("opened", dt.date(1949, 10, 1)) + dt.timedelta(
            days=draw(st.integers(1, 20000))
        )
        if history == "all" and draw(st.booleans()):
            until = d["closed"] - dt.timedelta(days=1)
            d["former_names"] = [{"name": draw(cjk), "until": until}]
    if draw(st.booleans()):
        d["region"] = draw(region())
    if draw(st.booleans()):
        d["lat"] = draw(st.floats(-90, 90, allow_nan=False))
        d["lon"] = draw(st.floats(-180, 180, allow_nan=False))
    if draw(st.booleans()):
        d["beds"] = draw(counts)
    if draw(st.booleans()):
        d["population_served"] = draw(counts)
    if draw(st.booleans()):
        d["specialties"] = [
            s.value
            for s in draw(st.lists(st.sampled_from(list(Specialty)), unique=True, max_size=4))
        ]
    if draw(st.booleans()):
        d["services"] = [
            s.value
            for s in draw(st.lists(st.sampled_from(list(ServiceKind)), unique=True, max_size=5))
        ]
    prov = draw(provenance(sources))
    if prov is not None:
        d["provenance"] = prov
    return d


@st.composite
def alliance_dates(
    draw: st.DrawFn,
    d: dict[str, Any],
    form: AllianceForm,
    tightness: Tightness | None,
    history: str = "all",
) -> dict[str, Any]:
    """``dissolved`` and dated ``changes`` for alliance data ``d`` (consistent with its dates)."""
    out: dict[str, Any] = {}
    joined = [m["joined"] for m in d["memberships"] if "joined" in m]
    first = d.get("founded", dt.date(1949, 10, 1))
    if history != "old" and draw(st.integers(0, 3)) == 0:
        floor = max([first, *joined])
        out["dissolved"] = floor + dt.timedelta(days=draw(st.integers(0, 3650)))
    if history == "all" and draw(st.integers(0, 2)) == 0:
        last = out.get("dissolved", dt.date(2030, 12, 31))
        # a change repeating the lead needs the leads to be members on its date
        lead_joined = [m.get("joined") for m in d["memberships"] if m["institution"] in d["lead"]]
        start = max([first, *[j for j in lead_joined if j is not None]])
        days = draw(st.lists(st.dates(start, last), unique=True, min_size=1, max_size=2))
        changes = []
        for day in sorted(days):
            c: dict[str, Any] = {"date": day}
            if form is not AllianceForm.SPECIALTY_ALLIANCE and draw(st.booleans()):
                others = [f for f in AllianceForm if f is not AllianceForm.SPECIALTY_ALLIANCE]
                c["form"] = draw(st.sampled_from(others)).value
            if tightness is not None and (draw(st.booleans()) or "form" not in c):
                c["tightness"] = draw(st.sampled_from(list(Tightness))).value
            if "form" not in c and "tightness" not in c:
                c["note"] = draw(cjk)
                c["lead"] = list(d["lead"])
            changes.append(c)
        out["changes"] = changes
    return out


@st.composite
def alliance(
    draw: st.DrawFn,
    aid: str,
    inst_ids: list[str],
    sources: list[str],
    used: set[str],
    *,
    parents: tuple[str, ...] = (),
    history: str = "all",
) -> dict[str, Any]:
    members = draw(
        st.lists(st.sampled_from(inst_ids), unique=True, min_size=1, max_size=min(8, len(inst_ids)))
    )
    n_leads = draw(st.integers(1, min(2, len(members))))
    leads = members[:n_leads]
    form = draw(st.sampled_from(list(AllianceForm)))
    tightness = draw(st.sampled_from([*Tightness, None]))
    memberships = []
    for m in members:
        role = (
            "lead"
            if m in leads
            else draw(st.sampled_from([r.value for r in MemberRole if r is not MemberRole.LEAD]))
        )
        ms: dict[str, Any] = {"institution": m, "role": role}
        if tightness is None or draw(st.integers(0, 3)) == 0:
            ms["tightness"] = draw(st.sampled_from(list(Tightness))).value
        if draw(st.booleans()):
            ms["joined"] = draw(dates)
        if history != "old" and m not in leads and draw(st.integers(0, 3)) == 0:
            ms["left"] = ms.get("joined", dt.date(1949, 10, 1)) + dt.timedelta(
                days=draw(st.integers(0, 3650))
            )
        prov = draw(provenance(sources))
        if prov is not None:
            ms["provenance"] = prov
        memberships.append(ms)
    d: dict[str, Any] = {
        "id": aid,
        "name": draw(cjk),
        "form": form.value,
        "lead": leads,
        "memberships": memberships,
        "tightness": None if tightness is None else tightness.value,
    }
    if draw(st.integers(0, 3)) == 0:
        d["unit"] = "centre"
    in_parent = draw(st.booleans())
    if parents and in_parent:
        d["part_of"] = draw(st.sampled_from(parents))
    elif draw(st.integers(0, 4)) == 0:
        d["part_of_name"] = draw(cjk)
    if form is AllianceForm.SPECIALTY_ALLIANCE or draw(st.booleans()):
        d["specialty"] = draw(st.sampled_from(list(Specialty))).value
    if draw(st.booleans()):
        d["founded"] = draw(dates)
    d.update(draw(alliance_dates(d, form, tightness, history)))
    if draw(st.booleans()):
        d["region"] = draw(region())
    if draw(st.booleans()):
        d["provisions"] = [
            i.value
            for i in draw(st.lists(st.sampled_from(list(CooperationItem)), unique=True, max_size=4))
        ]
    centres = []
    for _ in range(draw(st.integers(0, 2))):
        cid = draw(ids.filter(lambda x: x not in used))
        used.add(cid)
        c: dict[str, Any] = {
            "id": cid,
            "kind": draw(st.sampled_from(list(CentreKind))).value,
            "host": draw(st.sampled_from(members)),
        }
        if draw(st.booleans()):
            c["serves"] = draw(
                st.lists(st.sampled_from(members), unique=True, max_size=len(members))
            )
        if draw(st.booleans()):
            c["capacity_per_day"] = draw(counts)
        if draw(st.booleans()):
            c["services"] = [
                s.value
                for s in draw(st.lists(st.sampled_from(list(ServiceKind)), unique=True, max_size=3))
            ]
        if draw(st.booleans()):
            c["name"] = draw(cjk)
        centres.append(c)
    if centres:
        d["shared_centres"] = centres
    clinics = []
    if len(members) >= 2:
        for _ in range(draw(st.integers(0, 2))):
            cid = draw(ids.filter(lambda x: x not in used))
            used.add(cid)
            host, site = draw(
                st.lists(st.sampled_from(members), unique=True, min_size=2, max_size=2)
            )
            e: dict[str, Any] = {
                "id": cid,
                "host": host,
                "site": site,
                "department": draw(st.sampled_from(list(Specialty))).value,
                "weekdays": [
                    w.value
                    for w in draw(
                        st.lists(
                            st.sampled_from(list(Weekday)), unique=True, min_size=1, max_size=3
                        )
                    )
                ],
            }
            if draw(st.booleans()):
                e["start"] = draw(dates)
            clinics.append(e)
    if clinics:
        d["expert_clinics"] = clinics
    postings = draw(staff_postings(members, sources, used))
    if postings:
        d["staff_postings"] = postings
    figures = []
    subjects = [None, aid, *members, *(c["id"] for c in (*centres, *clinics, *postings))]
    for _ in range(draw(st.integers(0, 3))):
        unit = draw(st.sampled_from(list(FigureUnit)))
        value: int | float = (
            draw(counts)
            if unit.is_count
            else draw(st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False)))
        )
        f: dict[str, Any] = {
            "metric": draw(
                st.sampled_from(
                    ["member_count", "grassroots_members", "beds_radiated", "service_volume", "x_1"]
                )
            ),
            "value": value,
            "unit": unit.value,
            "qualifier": draw(st.sampled_from(list(Qualifier))).value,
        }
        subject = draw(st.sampled_from(subjects))
        if subject is not None:
            f["subject"] = subject
        if draw(st.booleans()):
            f["service"] = draw(st.sampled_from(list(ServiceKind))).value
        if draw(st.booleans()):
            f["period"] = draw(cjk)
        figures.append(f)
    if figures:
        d["declared"] = figures
    prov = draw(provenance(sources))
    if prov is not None:
        d["provenance"] = prov
    return d


@st.composite
def staff_postings(
    draw: st.DrawFn, members: list[str], sources: list[str], used: set[str]
) -> list[dict[str, Any]]:
    """Staff postings between distinct members (none when there is one member)."""
    out: list[dict[str, Any]] = []
    if len(members) < 2:
        return out
    for _ in range(draw(st.integers(0, 2))):
        pid = draw(ids.filter(lambda x: x not in used))
        used.add(pid)
        host, site = draw(st.lists(st.sampled_from(members), unique=True, min_size=2, max_size=2))
        p: dict[str, Any] = {"id": pid, "host": host, "site": site}
        if draw(st.booleans()):
            p["person"] = draw(cjk)
        else:
            p["count"] = draw(st.integers(1, 500))
        if draw(st.booleans()):
            p["title"] = draw(st.sampled_from(list(ProfessionalTitle))).value
        if draw(st.booleans()):
            p["specialty"] = draw(st.sampled_from(list(Specialty))).value
        if draw(st.booleans()):
            p["start"] = draw(dates)
            if draw(st.booleans()):
                p["end"] = p["start"] + dt.timedelta(days=draw(st.integers(0, 1000)))
        elif draw(st.booleans()):
            p["end"] = draw(dates)
        prov = draw(provenance(sources))
        if prov is not None:
            p["provenance"] = prov
        out.append(p)
    return out


@st.composite
def registry_data(
    draw: st.DrawFn, max_institutions: int = 10, max_alliances: int = 3, history: str = "all"
) -> dict[str, Any]:
    """Plain data (file format, without schema_version) of a valid registry.

    ``history``: ``"all"`` dated fields, ``"tables"`` no alliance changes or former names
    (what the tables carry), ``"old"`` only the dates older files had.
    """
    source_ids = draw(st.lists(ids, unique=True, max_size=2))
    sources = [{"id": s, "title": draw(cjk)} for s in source_ids]
    inst_ids = draw(st.lists(ids, unique=True, min_size=1, max_size=max_institutions))
    institutions = [draw(institution(i, source_ids, history)) for i in inst_ids]
    used: set[str] = set()
    alliance_ids = draw(st.lists(ids, unique=True, max_size=max_alliances))
    alliances = [
        draw(
            alliance(
                a, inst_ids, source_ids, used, parents=tuple(alliance_ids[:k]), history=history
            )
        )
        for k, a in enumerate(alliance_ids)
    ]
    agreements = []
    for a in alliances:
        members = [m["institution"] for m in a["memberships"]]
        if len(members) < 2:
            continue
        for _ in range(draw(st.integers(0, 2))):
            gid = draw(ids.filter(lambda x: x not in used))
            used.add(gid)
            g: dict[str, Any] = {
                "id": gid,
                "alliance": a["id"],
                "parties": draw(
                    st.lists(
                        st.sampled_from(members), unique=True, min_size=2, max_size=len(members)
                    )
                ),
                "items": [
                    i.value
                    for i in draw(
                        st.lists(
                            st.sampled_from(list(CooperationItem)),
                            unique=True,
                            min_size=1,
                            max_size=4,
                        )
                    )
                ],
            }
            if draw(st.booleans()):
                g["signed"] = draw(dates)
            if draw(st.booleans()):
                g["status"] = draw(st.sampled_from(["in_force", "proposed", "ended"]))
            if draw(st.booleans()):
                start = draw(dates)
                g["valid_from"] = start
                g["valid_until"] = start + dt.timedelta(days=draw(st.integers(0, 3650)))
            agreements.append(g)
    out: dict[str, Any] = {
        "sources": sources,
        "institutions": institutions,
        "alliances": alliances,
        "agreements": agreements,
    }
    if draw(st.booleans()):
        out["title"] = draw(cjk)
    if history != "old" and draw(st.integers(0, 3)) == 0:
        out["divisions"] = draw(division_chain())
    return out


@st.composite
def division_chain(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Two or three county codes, each merged into the next (plain data of ``divisions``)."""
    codes = draw(
        st.lists(st.from_regex(r"[0-9]{6}", fullmatch=True), unique=True, min_size=2, max_size=3)
    )
    names = draw(st.lists(cjk, unique=True, min_size=len(codes), max_size=len(codes)))
    province = draw(cjk)
    day = draw(st.dates(dt.date(1980, 1, 1), dt.date(2010, 12, 31)))
    out: list[dict[str, Any]] = []
    for k, (code, name) in enumerate(zip(codes, names, strict=True)):
        d: dict[str, Any] = {"code": code, "name": name, "level": "county", "province": province}
        if k and draw(st.booleans()):
            d["valid_from"] = out[-1]["valid_until"] + dt.timedelta(days=1)
        if k + 1 < len(codes):
            day += dt.timedelta(days=draw(st.integers(0, 3000)))
            d["valid_until"] = day
            d["successor"] = codes[k + 1]
            day += dt.timedelta(days=1)
        if draw(st.booleans()):
            d["uncertain"] = True
            d["note"] = draw(cjk)
        out.append(d)
    return out


@st.composite
def registries_with_divisions(draw: st.DrawFn, max_institutions: int = 6) -> Registry:
    """Valid registries with their own division records that some regions name."""
    data = draw(registry_data(max_institutions, 2))
    chain = draw(division_chain())
    data["divisions"] = chain
    for rec in [*data["institutions"], *data["alliances"]]:
        pick = draw(st.integers(-1, len(chain) - 1))
        if pick < 0:
            continue
        d = chain[pick]
        if draw(st.booleans()):  # a county-level region: matched by its code
            rec["region"] = {
                "province": d["province"],
                "county": d["name"],
                "division_code": d["code"],
            }
        else:  # a township region: matched by province and county name
            rec["region"] = {"province": d["province"], "county": d["name"], "township": "某街道"}
    return Registry.model_validate(data)


@st.composite
def registries(
    draw: st.DrawFn, max_institutions: int = 10, max_alliances: int = 3, history: str = "all"
) -> Registry:
    """Valid registries (``history``: see :func:`registry_data`)."""
    return Registry.model_validate(draw(registry_data(max_institutions, max_alliances, history)))


@st.composite
def referral_registries(draw: st.DrawFn, max_institutions: int = 12) -> Registry:
    """Valid registries dense in referral channels and priority items.

    Like :func:`registries`, but alliance provisions and agreement items often include
    two-way referral, a green channel and priority items, and institutions usually have
    coordinates, so referral decisions have something to decide.
    """
    data = draw(registry_data(max_institutions, 4))
    extra = ["two_way_referral", "green_channel", "priority_reception", "priority_admission"]
    for record in data["alliances"]:
        record["provisions"] = _add_items(draw, record.get("provisions", []), extra)
    for record in data["agreements"]:
        record["items"] = _add_items(draw, record["items"], extra)
    for inst in data["institutions"]:
        if "lat" not in inst and draw(st.integers(0, 3)) > 0:
            inst["lat"] = draw(st.floats(20, 50, allow_nan=False))
            inst["lon"] = draw(st.floats(80, 130, allow_nan=False))
    return Registry.model_validate(data)


def _add_items(draw: st.DrawFn, items: list[str], extra: list[str]) -> list[str]:
    out = list(items)
    for item in extra:
        if item not in out and draw(st.integers(0, 2)) > 0:
            out.append(item)
    return out

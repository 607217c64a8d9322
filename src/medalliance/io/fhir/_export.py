"""Registry -> FHIR Bundle (plain dicts). Private to :mod:`medalliance.io.fhir`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from medalliance._progress import Bar, bar
from medalliance.errors import MedAllianceError, Problem
from medalliance.io.fhir._map import (
    _DIVISION_KEYS,
    _EXT,
    _HL7_ORG_ROLE,
    _HL7_ORG_TYPE,
    _TRANSLATION,
    Json,
    _cc,
    _coding,
    _count_problem,
    _ext,
    _full_url,
    _identifier,
    _org_url,
    _part_of,
    _ref,
    _rid,
    _served_centres,
    _url_problem,
)
from medalliance.model.agreement import Agreement, AgreementStatus
from medalliance.model.alliance import (
    Alliance,
    AllianceChange,
    AllianceUnit,
    DeclaredFigure,
    ExpertClinic,
    SharedCentre,
)
from medalliance.model.common import Provenance, Region
from medalliance.model.divisions import Division
from medalliance.model.institution import Institution
from medalliance.model.registry import Registry, Source
from medalliance.model.staffing import StaffPosting

LARGE = 50_000
"""Records from which an export shows a progress bar by default (when someone watches)."""


class _Exporter:
    """Builds the Bundle of one registry.

    Values FHIR cannot carry are collected as problems and raised together at the end.
    """

    def __init__(self, registry: Registry, version: str) -> None:
        self.reg = registry
        self.r5 = version == "R5"
        self.problems: list[Problem] = []
        self.part_of = _part_of(registry)
        self.entries: list[Json] = []

    # helpers
    def add(self, resource: Json) -> str:
        url = _full_url(resource["resourceType"], resource["id"])
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def count(
        self, path: tuple[Any, ...], name: str, value: int, *, key: str = "valueUnsignedInt"
    ) -> Json:
        problem = _count_problem(value, key)
        if problem is not None:
            self.problems.append(Problem(path, problem))
        return _ext(name, key, value)

    def provenance(self, prov: Provenance) -> Json:
        parts: list[Json] = [
            {
                "url": "source",
                "valueReference": _ref(_full_url("DocumentReference", _rid("src", prov.source))),
            }
        ]
        if prov.quote is not None:
            parts.append({"url": "quote", "valueString": prov.quote})
        parts.extend({"url": "inferred", "valueString": f} for f in prov.inferred)
        if prov.note is not None:
            parts.append({"url": "note", "valueString": prov.note})
        return {"url": _EXT + "provenance", "extension": parts}

    def address(self, region: Region) -> Json | None:
        out: Json = {}
        ext: list[Json] = []
        if region.township is not None:
            ext.append(_ext("township", "valueString", region.township))
        if region.division_code is not None:
            ext.append(_ext("division-code", "valueCode", region.division_code))
        if ext:
            out["extension"] = ext
        if region.city is not None:
            out["city"] = region.city
        if region.county is not None:
            out["district"] = region.county
        if region.province is not None:
            out["state"] = region.province
        return out or None

    def names(self, res: Json, name: str, name_en: str | None, aliases: Sequence[str]) -> None:
        res["name"] = name
        if name_en is not None:
            res["_name"] = {
                "extension": [
                    {
                        "url": _TRANSLATION,
                        "extension": [
                            {"url": "lang", "valueCode": "en"},
                            {"url": "content", "valueString": name_en},
                        ],
                    }
                ]
            }
        if aliases:
            res["alias"] = list(aliases)

    # resources
    def bundle(self, *, progress: bool | None = None) -> Json:
        reg = self.reg
        records = len(reg.sources) + len(reg.institutions) + len(reg.alliances)
        records += len(reg.agreements)
        with bar(
            total=records, desc="FHIR export", unit="record", progress=progress, large=LARGE
        ) as done:
            self._records(done)
        if self.problems:
            raise MedAllianceError(self.problems)
        bundle: Json = {"resourceType": "Bundle", "type": "collection"}
        if self.entries:  # FHIR JSON has no empty arrays
            bundle["entry"] = self.entries
        return bundle

    def _records(self, done: Bar) -> None:
        """One entry per source, institution and agreement, several per alliance."""
        reg = self.reg
        if reg.title is not None or reg.description is not None or reg.divisions:
            header: Json = {
                "resourceType": "List",
                "id": "registry",
                "status": "current",
                "mode": "snapshot",
            }
            if reg.divisions:
                header["extension"] = [_division(d) for d in reg.divisions]
            if reg.title is not None:
                header["title"] = reg.title
            if reg.description is not None:
                header["note"] = [{"text": reg.description}]
            self.add(header)
        for i, s in enumerate(reg.sources):
            self.source(i, s)
        done.update(len(reg.sources))
        for i, inst in enumerate(reg.institutions):
            self.institution(i, inst)
            done.update()
        for i, a in enumerate(reg.alliances):
            self.alliance(i, a)
            done.update()
        for g in reg.agreements:
            self.agreement(g)
        done.update(len(reg.agreements))

    def source(self, i: int, s: Source) -> None:
        attachment: Json = {}
        if s.file is not None:
            attachment["extension"] = [_ext("source-file", "valueString", s.file)]
        if s.url is not None:
            problem = _url_problem(s.url)
            if problem is not None:
                self.problems.append(Problem(("sources", i, "url"), problem))
            attachment["url"] = s.url
        attachment["title"] = s.title
        if s.published is not None:
            attachment["creation"] = s.published.isoformat()
        res: Json = {
            "resourceType": "DocumentReference",
            "id": _rid("src", s.id),
            "identifier": [_identifier("source", s.id)],
            "status": "current",
        }
        if s.note is not None:
            res["description"] = s.note
        res["content"] = [{"attachment": attachment}]
        self.add(res)

    def institution(self, i: int, inst: Institution) -> None:
        org_rid = _rid("org", inst.id)
        org: Json = {"resourceType": "Organization", "id": org_rid}
        ext: list[Json] = []
        if inst.provenance is not None:
            ext.append(self.provenance(inst.provenance))
        if inst.ownership is not None:
            ext.append(_ext("ownership", "valueCoding", _coding("ownership", inst.ownership)))
        if inst.beds is not None:
            ext.append(self.count(("institutions", i, "beds"), "beds", inst.beds))
        if inst.population_served is not None:
            ext.append(
                self.count(
                    ("institutions", i, "population_served"),
                    "population-served",
                    inst.population_served,
                )
            )
        ext.extend(self.life("opened", inst.opened, "closed", inst.closed))
        ext.extend(
            {
                "url": _EXT + "former-name",
                "extension": [
                    {"url": "name", "valueString": f.name},
                    {"url": "until", "valueDate": f.until.isoformat()},
                ],
            }
            for f in inst.former_names
        )
        if ext:
            org["extension"] = ext
        org["identifier"] = [_identifier("institution", inst.id)]
        types = [
            {
                "coding": [
                    {"system": _HL7_ORG_TYPE, "code": "prov", "display": "Healthcare Provider"}
                ]
            },
            _cc("institution-kind", inst.kind),
            _cc("tier", inst.tier),
        ]
        if inst.grade is not None:
            types.append(_cc("grade", inst.grade))
        org["type"] = types
        self.names(org, inst.name, inst.name_en, inst.aliases)
        head = self.part_of.get(inst.id)
        if head is not None:
            org["partOf"] = _ref(_org_url(head))
        org_url = self.add(org)

        loc: Json = {
            "resourceType": "Location",
            "id": _rid("loc", inst.id),
            "name": inst.name,
            "mode": "instance",
        }
        address = self.address(inst.region)
        if address is not None:
            loc["address"] = address
        if inst.lat is not None:
            loc["position"] = {"longitude": inst.lon, "latitude": inst.lat}
        loc["managingOrganization"] = _ref(org_url)
        self.add(loc)

        if inst.services or inst.specialties:
            svc: Json = {
                "resourceType": "HealthcareService",
                "id": _rid("svc", inst.id),
                "providedBy": _ref(org_url),
                "category": [_cc("service-category", "institution-services")],
            }
            if inst.services:
                svc["type"] = [_cc("service-kind", s) for s in inst.services]
            if inst.specialties:
                svc["specialty"] = [_cc("specialty", s) for s in inst.specialties]
            self.add(svc)

    def alliance(self, i: int, a: Alliance) -> None:
        """The alliance's Organization, its memberships, shared centres, clinics, postings."""
        net_url = _full_url("Organization", _rid("net", a.id))
        centre_urls = {
            c.id: _full_url("HealthcareService", _rid("ctr", c.id)) for c in a.shared_centres
        }
        self.add(self.network(a, net_url, centre_urls))
        self.memberships(a, net_url, centre_urls)
        for ci, c in enumerate(a.shared_centres):
            self.add(self.shared_centre(("alliances", i, "shared_centres", ci), c, net_url))
        for e in a.expert_clinics:
            self.add(self.expert_clinic(e, net_url))
        for pi, p in enumerate(a.staff_postings):
            self.add(self.staff_posting(("alliances", i, "staff_postings", pi), p, net_url))

    def network(self, a: Alliance, net_url: str, centre_urls: Mapping[str, str]) -> Json:
        """The Organization of an alliance acting as a network."""
        org: Json = {"resourceType": "Organization", "id": _rid("net", a.id)}
        ext: list[Json] = []
        if a.provenance is not None:
            ext.append(self.provenance(a.provenance))
        ext.append(_ext("alliance-form", "valueCoding", _coding("alliance-form", a.form)))
        if a.unit is not AllianceUnit.ALLIANCE:
            ext.append(_ext("alliance-unit", "valueCoding", _coding("alliance-unit", a.unit)))
        if a.part_of_name is not None:
            ext.append(_ext("part-of-name", "valueString", a.part_of_name))
        if a.tightness is None:
            ext.append(_ext("tightness-per-member", "valueBoolean", True))
        else:
            ext.append(_ext("tightness", "valueCoding", _coding("tightness", a.tightness)))
        ext.extend(_ext("alliance-lead", "valueReference", _ref(_org_url(x))) for x in a.lead)
        if a.specialty is not None:
            ext.append(_ext("alliance-specialty", "valueCoding", _coding("specialty", a.specialty)))
        ext.extend(self.life("founded", a.founded, "dissolved", a.dissolved))
        ext.extend(self.change(c) for c in a.changes)
        ext.extend(
            _ext("provision", "valueCoding", _coding("cooperation-item", p)) for p in a.provisions
        )
        ext.extend(_ext("policy-basis", "valueString", p) for p in a.policy_basis)
        subjects = {m: _org_url(m) for m in a.members}
        for cid, url in centre_urls.items():
            subjects.setdefault(cid, url)
        for e in a.expert_clinics:
            subjects.setdefault(e.id, _full_url("HealthcareService", _rid("clin", e.id)))
        for p in a.staff_postings:
            subjects.setdefault(p.id, _full_url("PractitionerRole", _rid("post", p.id)))
        subjects.setdefault(a.id, net_url)
        ext.extend(self.figure(f, subjects) for f in a.declared)
        if a.description is not None and not self.r5:
            ext.append(_ext("description", "valueString", a.description))
        org["extension"] = ext
        org["identifier"] = [_identifier("alliance", a.id)]
        org["type"] = [_cc("organization-type", "medical-alliance")]
        self.names(org, a.name, a.name_en, a.aliases)
        if a.description is not None and self.r5:
            org["description"] = a.description
        if a.part_of is not None:
            org["partOf"] = _ref(_full_url("Organization", _rid("net", a.part_of)))
        address = self.address(a.region)
        if address is not None:
            if self.r5:
                org["contact"] = [{"address": address}]
            else:
                org["address"] = [address]
        return org

    def memberships(self, a: Alliance, net_url: str, centre_urls: Mapping[str, str]) -> None:
        """One OrganizationAffiliation per membership of ``a``."""
        first_lead = a.lead[0]
        centres_of = _served_centres(a)
        for k, m in enumerate(a.memberships):
            oa: Json = {"resourceType": "OrganizationAffiliation", "id": _rid("mem", a.id, k)}
            ext: list[Json] = []
            if m.provenance is not None:
                ext.append(self.provenance(m.provenance))
            if m.tightness is not None:
                ext.append(_ext("tightness", "valueCoding", _coding("tightness", m.tightness)))
            if ext:
                oa["extension"] = ext
            period = _period(m.joined, m.left)
            if period:
                oa["period"] = period
            if m.institution != first_lead:
                oa["organization"] = _ref(_org_url(first_lead))
            oa["participatingOrganization"] = _ref(_org_url(m.institution))
            oa["network"] = [_ref(net_url)]
            oa["code"] = [
                {"coding": [{"system": _HL7_ORG_ROLE, "code": "member", "display": "Member"}]},
                _cc("member-role", m.role),
            ]
            if a.specialty is not None:
                oa["specialty"] = [_cc("specialty", a.specialty)]
            served = centres_of.get(m.institution)
            if served:
                oa["healthcareService"] = [_ref(centre_urls[c]) for c in served]
            self.add(oa)

    def shared_centre(self, where: tuple[Any, ...], c: SharedCentre, net_url: str) -> Json:
        """The HealthcareService of a shared centre (``where``: its path, for problems)."""
        hs: Json = {"resourceType": "HealthcareService", "id": _rid("ctr", c.id)}
        ext = []
        if c.provenance is not None:
            ext.append(self.provenance(c.provenance))
        ext.append(_ext("alliance", "valueReference", _ref(net_url)))
        ext.append(_ext("serves-all", "valueBoolean", c.serves == "all"))
        if c.serves != "all":
            ext.extend(_ext("serves", "valueReference", _ref(_org_url(s))) for s in c.serves)
        if c.capacity_per_day is not None:
            ext.append(
                self.count((*where, "capacity_per_day"), "capacity-per-day", c.capacity_per_day)
            )
        hs["extension"] = ext
        hs["identifier"] = [_identifier("shared-centre", c.id)]
        hs["providedBy"] = _ref(_org_url(c.host))
        hs["category"] = [
            _cc("service-category", "shared-centre"),
            _cc("centre-kind", c.kind),
        ]
        if c.services:
            hs["type"] = [_cc("service-kind", s) for s in c.services]
        if c.name is not None:
            hs["name"] = c.name
        return hs

    def expert_clinic(self, e: ExpertClinic, net_url: str) -> Json:
        """The HealthcareService of an expert clinic."""
        hs: Json = {"resourceType": "HealthcareService", "id": _rid("clin", e.id)}
        ext = []
        if e.provenance is not None:
            ext.append(self.provenance(e.provenance))
        ext.append(_ext("alliance", "valueReference", _ref(net_url)))
        if e.start is not None:
            ext.append(_ext("start-date", "valueDate", e.start.isoformat()))
        hs["extension"] = ext
        hs["identifier"] = [_identifier("expert-clinic", e.id)]
        hs["providedBy"] = _ref(_org_url(e.host))
        hs["category"] = [_cc("service-category", "expert-clinic")]
        hs["specialty"] = [_cc("specialty", e.department)]
        hs["location"] = [_ref(_full_url("Location", _rid("loc", e.site)))]
        days = {"daysOfWeek": [str(w.value) for w in e.weekdays]}
        if self.r5:
            hs["availability"] = [{"availableTime": [days]}]
        else:
            hs["availableTime"] = [days]
        return hs

    def staff_posting(self, where: tuple[Any, ...], p: StaffPosting, net_url: str) -> Json:
        """The PractitionerRole of a staff posting (``where``: its path, for problems)."""
        role: Json = {"resourceType": "PractitionerRole", "id": _rid("post", p.id)}
        ext = []
        if p.provenance is not None:
            ext.append(self.provenance(p.provenance))
        ext.append(_ext("alliance", "valueReference", _ref(net_url)))
        if p.count is not None:
            ext.append(
                self.count((*where, "count"), "staff-count", p.count, key="valuePositiveInt")
            )
        role["extension"] = ext
        role["identifier"] = [_identifier("staff-posting", p.id)]
        period: Json = {}
        if p.start is not None:
            period["start"] = p.start.isoformat()
        if p.end is not None:
            period["end"] = p.end.isoformat()
        if period:
            role["period"] = period
        if p.person is not None:
            role["practitioner"] = {"display": p.person}
        role["organization"] = _ref(_org_url(p.host))
        if p.title is not None:
            role["code"] = [_cc("professional-title", p.title)]
        if p.specialty is not None:
            role["specialty"] = [_cc("specialty", p.specialty)]
        role["location"] = [_ref(_full_url("Location", _rid("loc", p.site)))]
        return role

    @staticmethod
    def life(first: str, start: dt.date | None, last: str, end: dt.date | None) -> list[Json]:
        """The date extensions ``first`` and ``last`` of a record's life, when known."""
        return [
            _ext(name, "valueDate", day.isoformat())
            for name, day in ((first, start), (last, end))
            if day is not None
        ]

    def change(self, c: AllianceChange) -> Json:
        """The complex extension of one dated change of an alliance."""
        parts: list[Json] = [{"url": "date", "valueDate": c.date.isoformat()}]
        if c.form is not None:
            parts.append({"url": "form", "valueCoding": _coding("alliance-form", c.form)})
        if c.tightness is not None:
            parts.append({"url": "tightness", "valueCoding": _coding("tightness", c.tightness)})
        parts.extend({"url": "lead", "valueReference": _ref(_org_url(x))} for x in c.lead or ())
        if c.note is not None:
            parts.append({"url": "note", "valueString": c.note})
        if c.provenance is not None:
            prov = self.provenance(c.provenance)
            parts.append({"url": "provenance", "extension": prov["extension"]})
        return {"url": _EXT + "alliance-change", "extension": parts}

    def figure(self, f: DeclaredFigure, subjects: Mapping[str, str]) -> Json:
        parts: list[Json] = [
            {"url": "metric", "valueCode": f.metric},
            {"url": "value", "valueDecimal": f.value},
            {"url": "unit", "valueCoding": _coding("figure-unit", f.unit)},
            {"url": "qualifier", "valueCoding": _coding("figure-qualifier", f.qualifier)},
        ]
        if f.subject is not None:
            parts.append({"url": "subject", "valueReference": _ref(subjects[f.subject])})
        if f.service is not None:
            parts.append({"url": "service", "valueCoding": _coding("service-kind", f.service)})
        if f.period is not None:
            parts.append({"url": "period", "valueString": f.period})
        if f.description is not None:
            parts.append({"url": "description", "valueString": f.description})
        if f.provenance is not None:
            prov = self.provenance(f.provenance)
            parts.append({"url": "provenance", "extension": prov["extension"]})
        return {"url": _EXT + "declared-figure", "extension": parts}

    def agreement(self, g: Agreement) -> None:
        net_url = _full_url("Organization", _rid("net", g.alliance))
        first = _org_url(g.parties[0])
        for k, party in enumerate(g.parties[1:], start=1):
            ext: list[Json] = []
            if g.provenance is not None:
                ext.append(self.provenance(g.provenance))
            ext.append(
                _ext("agreement-status", "valueCoding", _coding("agreement-status", g.status))
            )
            if g.title is not None:
                ext.append(_ext("agreement-title", "valueString", g.title))
            if g.signed is not None:
                ext.append(_ext("agreement-signed", "valueDate", g.signed.isoformat()))
            oa: Json = {
                "resourceType": "OrganizationAffiliation",
                "id": _rid("agr", g.id, k),
                "extension": ext,
                "identifier": [_identifier("agreement", g.id)],
                "active": g.status is AgreementStatus.IN_FORCE,
            }
            period = _period(g.valid_from, g.valid_until)
            if period:
                oa["period"] = period
            oa["organization"] = _ref(first)
            oa["participatingOrganization"] = _ref(_org_url(party))
            oa["network"] = [_ref(net_url)]
            oa["code"] = [_cc("cooperation-item", item) for item in g.items]
            self.add(oa)


def _division(d: Division) -> Json:
    """The complex extension of one administrative division record."""
    values = d.model_dump(mode="json", exclude_defaults=True)
    parts = [
        {"url": name, key: values[name]} for name, key in _DIVISION_KEYS.items() if name in values
    ]
    return {"url": _EXT + "division", "extension": parts}


def _period(start: dt.date | None, end: dt.date | None) -> Json:
    """A FHIR Period from a first and a last day (both inclusive), empty when neither is known."""
    out: Json = {}
    if start is not None:
        out["start"] = start.isoformat()
    if end is not None:
        out["end"] = end.isoformat()
    return out

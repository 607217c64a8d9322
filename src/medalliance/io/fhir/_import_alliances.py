"""Reading alliances from FHIR: networks, declared figures, memberships and agreements.

Private to :mod:`medalliance.io.fhir`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from medalliance.io.fhir._import_values import _PASSIVE, Path, _ReaderBase, _Res
from medalliance.io.fhir._map import _EXT, _HL7_ORG_ROLE, Json, _served_centres
from medalliance.model.agreement import AgreementStatus
from medalliance.model.registry import Registry


class _MembershipDerived(NamedTuple):
    """The elements of a membership derived from its alliance, as read."""

    has_organization: bool
    head: str | None
    specialties: list[str]
    centres: list[str | None] | None


class _AllianceReader(_ReaderBase):
    """Reads alliance Organizations and the OrganizationAffiliations of its records."""

    def read_alliance(self, k: int, res: Mapping[str, Any], aid: str) -> Json:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        ext = self.extensions(
            r,
            {
                "provenance": "extension",
                "alliance-form": "valueCoding",
                "alliance-unit": "valueCoding",
                "part-of-name": "valueString",
                "tightness": "valueCoding",
                "tightness-per-member": "valueBoolean",
                "alliance-lead": "valueReference",
                "alliance-specialty": "valueCoding",
                "founded": "valueDate",
                "dissolved": "valueDate",
                "alliance-change": "extension",
                "provision": "valueCoding",
                "policy-basis": "valueString",
                "declared-figure": "extension",
                "description": "valueString",
            },
        )
        out: Json = {"id": aid}
        self.names(r, out)
        self.concepts(r.get("type"), r.at("type"), ("organization-type",))
        form = self.ext_coding(ext, "alliance-form", "alliance-form")
        if form is not None:
            out["form"] = str(form.value)
        elif "alliance-form" not in ext:
            self.p(r.at("extension"), f"missing required extension {_EXT}alliance-form")
        self.read_structure(r, ext, k, out)
        leads = ext.get("alliance-lead", [])
        if not leads:
            self.p(r.at("extension"), f"missing required extension {_EXT}alliance-lead")
        out["lead"] = [self.target(v, p, k, ("institution",)) for p, v in leads]
        out["memberships"] = []
        specialty = self.ext_coding(ext, "alliance-specialty", "specialty")
        if specialty is not None:
            out["specialty"] = str(specialty.value)
        self.history(ext, k, out)
        provisions = [self.coding(v, p, "cooperation-item") for p, v in ext.get("provision", [])]
        if provisions:
            out["provisions"] = [str(x.value) for x in provisions if x is not None]
        basis = [self.typed((p, v), str, "a string") for p, v in ext.get("policy-basis", [])]
        if basis:
            out["policy_basis"] = basis
        figures = [self.figure(p, v, k) for p, v in ext.get("declared-figure", [])]
        if figures:
            out["declared"] = figures
        description = r.get("description")
        ext_description = self.ext_string(ext, "description")
        if description is not None and ext_description is not None:
            self.p(r.at("description"), "the description is given twice (element and extension)")
        self.put(out, "description", description if description is not None else ext_description)
        contact, address = r.get("contact"), r.get("address")
        if contact is not None and address is not None:
            self.p(r.at("address"), "the region is given twice (address and contact.address)")
        elif contact is not None:
            first = self.one_of_list(contact, r.at("contact"), "contact")
            if isinstance(first, Mapping):
                if set(first) != {"address"}:
                    self.p(r.at("contact", 0), "a contact here has only an 'address'")
                else:
                    self.put(
                        out, "region", self.region(first["address"], r.at("contact", 0, "address"))
                    )
        elif address is not None:
            first = self.one_of_list(address, r.at("address"), "Address")
            if first is not None:
                self.put(out, "region", self.region(first, r.at("address", 0)))
        self.put(out, "provenance", self.provenance(ext, k))
        out["shared_centres"] = []
        out["expert_clinics"] = []
        out["staff_postings"] = []
        r.finish("an alliance (Organization)")
        return out

    def read_structure(
        self, r: _Res, ext: Mapping[str, list[tuple[Path, Any]]], k: int, out: Json
    ) -> None:
        """An alliance's unit, parent (``partOf`` or its name) and tightness."""
        unit = self.ext_coding(ext, "alliance-unit", "alliance-unit")
        if unit is not None:
            out["unit"] = str(unit.value)
        part_of = r.get("partOf")
        if part_of is not None:
            self.put(out, "part_of", self.target(part_of, r.at("partOf"), k, ("alliance",)))
        self.put(out, "part_of_name", self.ext_string(ext, "part-of-name"))
        tightness = self.ext_coding(ext, "tightness", "tightness")
        if tightness is not None:
            out["tightness"] = str(tightness.value)
        per_member = self.one(ext, "tightness-per-member")
        if per_member is not None:
            if per_member[1] is not True:
                self.p(per_member[0], f"expected true, got {per_member[1]!r}")
            elif tightness is not None or "tightness" in ext:
                self.p(per_member[0], "tightness is given both for the alliance and per member")
            else:
                out["tightness"] = None

    def history(self, ext: Mapping[str, list[tuple[Path, Any]]], k: int, out: Json) -> None:
        """An alliance's founding and dissolution dates and its dated changes."""
        self.put(out, "founded", self.ext_date(ext, "founded"))
        self.put(out, "dissolved", self.ext_date(ext, "dissolved"))
        changes = [self.change(p, v, k) for p, v in ext.get("alliance-change", [])]
        if changes:
            out["changes"] = changes

    def change(self, path: Path, value: Any, k: int) -> Json:
        """A dated change of an alliance (complex extension ``alliance-change``)."""
        holder = _Res(self, {"extension": value}, path[:-1])
        parts = self.extensions(
            holder,
            {
                "date": "valueDate",
                "form": "valueCoding",
                "tightness": "valueCoding",
                "lead": "valueReference",
                "note": "valueString",
                "provenance": "extension",
            },
            complex_=True,
        )
        out: Json = {}
        if "date" not in parts:
            self.p(path, "an alliance change needs a 'date' sub-extension")
        self.put(out, "date", self.ext_date(parts, "date"))
        for name, system in (("form", "alliance-form"), ("tightness", "tightness")):
            member = self.ext_coding(parts, name, system)
            if member is not None:
                out[name] = str(member.value)
        leads = [self.target(v, p, k, ("institution",)) for p, v in parts.get("lead", [])]
        if leads:
            out["lead"] = leads
        self.put(out, "note", self.ext_string(parts, "note"))
        self.put(out, "provenance", self.provenance(parts, k))
        return out

    def figure(self, path: Path, value: Any, k: int) -> Json:
        holder = _Res(self, {"extension": value}, path[:-1])
        parts = self.extensions(
            holder,
            {
                "metric": "valueCode",
                "value": "valueDecimal",
                "unit": "valueCoding",
                "qualifier": "valueCoding",
                "subject": "valueReference",
                "service": "valueCoding",
                "period": "valueString",
                "description": "valueString",
                "provenance": "extension",
            },
            complex_=True,
        )
        out: Json = {}
        for name in ("metric", "value", "unit"):
            if name not in parts:
                self.p(path, f"a declared figure needs a {name!r} sub-extension")
        self.put(out, "metric", self.ext_string(parts, "metric"))
        self.put(out, "value", self.typed(self.one(parts, "value"), (int, float), "a number"))
        for name, system in (
            ("unit", "figure-unit"),
            ("qualifier", "figure-qualifier"),
            ("service", "service-kind"),
        ):
            member = self.ext_coding(parts, name, system)
            if member is not None:
                out[name] = str(member.value)
        subject = self.one(parts, "subject")
        if subject is not None:
            self.put(
                out,
                "subject",
                self.target(
                    subject[1],
                    subject[0],
                    k,
                    ("institution", "centre", "clinic", "posting", "alliance"),
                ),
            )
        self.put(out, "period", self.ext_string(parts, "period"))
        self.put(out, "description", self.ext_string(parts, "description"))
        self.put(out, "provenance", self.provenance(parts, k))
        return out

    def read_membership(
        self, k: int, res: Mapping[str, Any], alliances: Mapping[str, Json], pos: Mapping[str, int]
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        ext = self.extensions(r, {"provenance": "extension", "tightness": "valueCoding"})
        out: Json = {}
        out["institution"] = self.target(
            r.get("participatingOrganization"),
            r.at("participatingOrganization"),
            k,
            ("institution",),
        )
        if "participatingOrganization" not in res:
            self.p(r.at("participatingOrganization"), "required: the member")
        period = r.get("period")
        if period is not None:
            if not isinstance(period, Mapping) or not period or not set(period) <= {"start", "end"}:
                self.p(
                    r.at("period"),
                    "a membership's period has a 'start' (the day it joined), an 'end' (the "
                    "last day it was a member) or both",
                )
            else:
                self.put(out, "joined", self.date(period.get("start"), r.at("period", "start")))
                self.put(out, "left", self.date(period.get("end"), r.at("period", "end")))
        roles = self.concepts(
            r.get("code"), r.at("code"), ("member-role",), allowed=((_HL7_ORG_ROLE, "member"),)
        )
        self.put(out, "role", self.single(roles, "member-role", r.at("code")))
        tightness = self.ext_coding(ext, "tightness", "tightness")
        if tightness is not None:
            out["tightness"] = str(tightness.value)
        self.put(out, "provenance", self.provenance(ext, k))
        network = self.one_of_list(r.get("network"), r.at("network"), "alliance reference")
        found = (
            None
            if network is None
            else self.alliance_of(k, network, r.at("network", 0), alliances, pos)
        )
        derived = self.membership_derived(k, r)
        r.finish("a membership (OrganizationAffiliation)")
        if found is None:
            return
        alliance, ai = found
        mi = len(alliance["memberships"])
        self.where[("alliances", ai, "memberships", mi)] = k
        alliance["memberships"].append(out)
        self.checks.append(
            self.membership_check(r, alliance["id"], out.get("institution"), derived)
        )

    def membership_derived(self, k: int, r: _Res) -> _MembershipDerived:
        """Read the elements of a membership derived from its alliance, checked later."""
        organization = r.get("organization")
        head = (
            None
            if organization is None
            else self.target(organization, r.at("organization"), k, ("institution",))
        )
        specialties = self.concepts(r.get("specialty"), r.at("specialty"), ("specialty",))
        services = r.get("healthcareService")
        centres: list[str | None] | None = None
        if services is not None:
            if not isinstance(services, list):
                self.p(r.at("healthcareService"), "must be a list")
            else:
                centres = [
                    self.target(v, r.at("healthcareService", j), k, ("centre",))
                    for j, v in enumerate(services)
                ]
        return _MembershipDerived(organization is not None, head, self.values(specialties), centres)

    def membership_check(
        self, r: _Res, aid: str, member: str | None, derived: _MembershipDerived
    ) -> Callable[[Registry], None]:
        """The check that a membership's derived elements agree with its alliance."""
        has_organization, head, got, centres = derived

        def check(reg: Registry) -> None:
            a = reg.alliance(aid)
            if has_organization and head is not None:
                expected = a.lead[0] if member != a.lead[0] else None
                if head != expected:
                    self.p(
                        r.at("organization"),
                        f"{head!r} disagrees with the alliance: expected "
                        + (
                            "no organization (the member is the first lead)"
                            if expected is None
                            else repr(expected)
                        ),
                    )
            if got and got != ([str(a.specialty.value)] if a.specialty is not None else []):
                self.p(r.at("specialty"), f"{got} disagrees with the alliance's specialty")
            if centres is not None and member is not None:
                served = self.derived(("served", aid), lambda: _served_centres(a))
                expected_centres = set(served.get(member, []))
                if set(centres) != expected_centres:
                    self.p(
                        r.at("healthcareService"),
                        f"{sorted(c for c in centres if c)} disagrees with the "
                        f"centres the member hosts or is served by ({sorted(expected_centres)})",
                    )

        return check

    def read_agreement(
        self,
        k: int,
        res: Mapping[str, Any],
        gid: str,
        data: Json,
        index: dict[str, tuple[Json, Json, int]],
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        ext = self.extensions(
            r,
            {
                "provenance": "extension",
                "agreement-status": "valueCoding",
                "agreement-title": "valueString",
                "agreement-signed": "valueDate",
            },
        )
        shared: Json = {"id": gid}
        network = self.one_of_list(r.get("network"), r.at("network"), "alliance reference")
        if network is not None:
            shared["alliance"] = self.target(network, r.at("network", 0), k, ("alliance",))
        items = self.concepts(r.get("code"), r.at("code"), ("cooperation-item",))
        shared["items"] = self.values(items)
        self.put(shared, "title", self.ext_string(ext, "agreement-title"))
        self.put(shared, "signed", self.ext_date(ext, "agreement-signed"))
        period = r.get("period")
        if period is not None:
            if not isinstance(period, Mapping) or not set(period) <= {"start", "end"}:
                self.p(r.at("period"), "a Period here has only 'start' and 'end'")
            else:
                self.put(
                    shared, "valid_from", self.date(period.get("start"), r.at("period", "start"))
                )
                self.put(shared, "valid_until", self.date(period.get("end"), r.at("period", "end")))
        status = self.ext_coding(ext, "agreement-status", "agreement-status")
        if status is not None:
            shared["status"] = str(status.value)
        self.put(shared, "provenance", self.provenance(ext, k))
        first = self.target(r.get("organization"), r.at("organization"), k, ("institution",))
        party = self.target(
            r.get("participatingOrganization"),
            r.at("participatingOrganization"),
            k,
            ("institution",),
        )
        active = r.get("active")
        if active is not None:
            path = r.at("active")

            def check(reg: Registry) -> None:
                status = reg.agreement(gid).status
                if active is not (status is AgreementStatus.IN_FORCE):
                    self.p(path, f"{active!r} disagrees with the agreement status {status.value!r}")

            self.checks.append(check)
        r.finish("an agreement (OrganizationAffiliation)")
        if gid not in index:
            record = {**shared, "parties": [first, party]}
            g = len(data["agreements"])
            self.where[("agreements", g)] = k
            self.where[("agreements", g, "parties", 1)] = k
            data["agreements"].append(record)
            index[gid] = (record, shared, g)
            return
        record, first_shared, g = index[gid]
        if shared != first_shared or first != record["parties"][0]:
            self.p(
                ("entry", k, "resource"),
                f"disagrees with the first OrganizationAffiliation of agreement {gid!r} "
                f"(entry[{self.where['agreements', g]}]) on its alliance, first party, items, "
                "term, status, title, date or provenance",
            )
            return
        self.where[("agreements", g, "parties", len(record["parties"]))] = k
        record["parties"].append(party)

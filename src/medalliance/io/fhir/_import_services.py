"""Reading HealthcareServices from FHIR: an institution's services, shared centres, clinics.

Private to :mod:`medalliance.io.fhir`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medalliance.errors import quote
from medalliance.io.fhir._import_values import _PASSIVE, _ReaderBase, _Res
from medalliance.io.fhir._map import _EXT, Json
from medalliance.model.vocab import Weekday

_WEEKDAY_ORDER = tuple(str(w.value) for w in Weekday)
_WEEKDAYS = frozenset(_WEEKDAY_ORDER)


class _ServiceReader(_ReaderBase):
    """Reads the HealthcareServices of institutions, shared centres and expert clinics."""

    def read_services(
        self, k: int, res: Mapping[str, Any], record: Json | None, pos: int | None
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("providedBy")
        self.concepts(r.get("category"), r.at("category"), ("service-category",))
        services = self.values(self.concepts(r.get("type"), r.at("type"), ("service-kind",)))
        specialties = self.values(
            self.concepts(r.get("specialty"), r.at("specialty"), ("specialty",))
        )
        if not services and not specialties:  # to_fhir writes this resource only for them
            self.p(r.path, "an institution's services HealthcareService with no type or specialty")
        r.finish("an institution's services (HealthcareService)")
        if record is None or pos is None:
            return
        self.where[("institutions", pos, "services")] = k
        self.where[("institutions", pos, "specialties")] = k
        if services:
            record["services"] = services
        if specialties:
            record["specialties"] = specialties

    def read_centre_or_clinic(
        self,
        k: int,
        res: Mapping[str, Any],
        kind: str,
        cid: str,
        *,
        alliances: Mapping[str, Json],
        pos: Mapping[str, int],
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        centre = kind == "centre"
        spec = {"provenance": "extension", "alliance": "valueReference"}
        if centre:
            spec.update(
                {
                    "serves-all": "valueBoolean",
                    "serves": "valueReference",
                    "capacity-per-day": "valueUnsignedInt",
                }
            )
        else:
            spec["start-date"] = "valueDate"
        ext = self.extensions(r, spec)
        out: Json = {
            "id": cid,
            "host": self.target(r.get("providedBy"), r.at("providedBy"), k, ("institution",)),
        }
        categories = self.concepts(
            r.get("category"), r.at("category"), ("service-category", "centre-kind")
        )
        kinds = [c for c in categories if c[0] == "centre-kind"]
        if centre:
            self.put(out, "kind", self.single(categories, "centre-kind", r.at("category")))
            services = self.values(self.concepts(r.get("type"), r.at("type"), ("service-kind",)))
            if services:
                out["services"] = services
            self.put(out, "name", r.get("name"))
            serves_all = self.typed(self.one(ext, "serves-all"), bool, "a boolean")
            listed = ext.get("serves", [])
            if "serves-all" not in ext:
                self.p(r.at("extension"), f"missing required extension {_EXT}serves-all")
            elif serves_all is True:
                if listed:
                    self.p(listed[0][0], "a centre that serves all members lists no 'serves'")
            elif serves_all is False:
                out["serves"] = [self.target(v, p, k, ("institution",)) for p, v in listed]
            self.put(out, "capacity_per_day", self.ext_count(ext, "capacity-per-day"))
        else:
            for c in kinds:
                self.p(c[1], "an expert clinic has no centre kind")
            departments = self.concepts(r.get("specialty"), r.at("specialty"), ("specialty",))
            self.put(out, "department", self.single(departments, "specialty", r.at("specialty")))
            location = self.one_of_list(r.get("location"), r.at("location"), "Location reference")
            if location is not None:
                out["site"] = self.target(location, r.at("location", 0), k, ("location",))
            self.read_weekdays(r, out)
            self.put(out, "start", self.ext_date(ext, "start-date"))
        self.put(out, "provenance", self.provenance(ext, k))
        if "alliance" not in ext:
            self.p(r.at("extension"), f"missing required extension {_EXT}alliance")
        r.finish("a shared centre" if centre else "an expert clinic")
        found_ext = self.one(ext, "alliance")
        found = (
            None
            if found_ext is None
            else self.alliance_of(k, found_ext[1], found_ext[0], alliances, pos)
        )
        if found is None:
            return
        alliance, ai = found
        key = "shared_centres" if centre else "expert_clinics"
        self.where[("alliances", ai, key, len(alliance[key]))] = k
        alliance[key].append(out)

    def read_weekdays(self, r: _Res, out: Json) -> None:
        availability, times = r.get("availability"), r.get("availableTime")
        if availability is not None and times is not None:
            self.p(
                r.at("availableTime"), "weekdays are given twice (availability and availableTime)"
            )
            return
        if availability is not None:
            first = self.one_of_list(availability, r.at("availability"), "Availability")
            if not isinstance(first, Mapping) or set(first) != {"availableTime"}:
                self.p(r.at("availability", 0), "an Availability here has only 'availableTime'")
                return
            times, path = first["availableTime"], r.at("availability", 0, "availableTime")
        else:
            path = r.at("availableTime")
        time = self.one_of_list(times, path, "available time")
        if (
            not isinstance(time, Mapping)
            or set(time) != {"daysOfWeek"}
            or not isinstance(time["daysOfWeek"], list)
        ):
            self.p((*path, 0), "an available time here has only 'daysOfWeek' (a list of day codes)")
            return
        days = []
        for j, day in enumerate(time["daysOfWeek"]):
            if not isinstance(day, str) or day not in _WEEKDAYS:
                self.p(
                    (*path, 0, "daysOfWeek", j),
                    f"unknown day-of-week code {quote(day)} (known: {', '.join(_WEEKDAY_ORDER)})",
                )
            else:
                days.append(day)
        out["weekdays"] = days

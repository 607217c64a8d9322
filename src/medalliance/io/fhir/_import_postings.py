"""Reading staff postings (PractitionerRole) from FHIR. Private to :mod:`medalliance.io.fhir`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medalliance.io.fhir._import_values import _PASSIVE, _ReaderBase, _Res
from medalliance.io.fhir._map import _EXT, Json


class _PostingReader(_ReaderBase):
    """Reads the PractitionerRoles of staff postings."""

    def read_posting(
        self,
        k: int,
        res: Mapping[str, Any],
        pid: str,
        *,
        alliances: Mapping[str, Json],
        pos: Mapping[str, int],
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        ext = self.extensions(
            r,
            {
                "provenance": "extension",
                "alliance": "valueReference",
                "staff-count": "valuePositiveInt",
            },
        )
        out: Json = {
            "id": pid,
            "host": self.target(r.get("organization"), r.at("organization"), k, ("institution",)),
        }
        location = self.one_of_list(r.get("location"), r.at("location"), "Location reference")
        if location is not None:
            out["site"] = self.target(location, r.at("location", 0), k, ("location",))
        practitioner = r.get("practitioner")
        if practitioner is not None:
            if not isinstance(practitioner, Mapping) or set(practitioner) != {"display"}:
                self.p(r.at("practitioner"), "a posted person is a Reference with only 'display'")
            else:
                out["person"] = practitioner["display"]
        self.put(out, "count", self.ext_count(ext, "staff-count", key="valuePositiveInt"))
        titles = self.concepts(r.get("code"), r.at("code"), ("professional-title",))
        self.put(
            out, "title", self.single(titles, "professional-title", r.at("code"), required=False)
        )
        specialties = self.concepts(r.get("specialty"), r.at("specialty"), ("specialty",))
        self.put(
            out,
            "specialty",
            self.single(specialties, "specialty", r.at("specialty"), required=False),
        )
        period = r.get("period")
        if period is not None:
            if not isinstance(period, Mapping) or not set(period) <= {"start", "end"}:
                self.p(r.at("period"), "a Period here has only 'start' and 'end'")
            else:
                self.put(out, "start", self.date(period.get("start"), r.at("period", "start")))
                self.put(out, "end", self.date(period.get("end"), r.at("period", "end")))
        self.put(out, "provenance", self.provenance(ext, k))
        if "alliance" not in ext:
            self.p(r.at("extension"), f"missing required extension {_EXT}alliance")
        r.finish("a staff posting (PractitionerRole)")
        found_ext = self.one(ext, "alliance")
        found = (
            None
            if found_ext is None
            else self.alliance_of(k, found_ext[1], found_ext[0], alliances, pos)
        )
        if found is None:
            return
        alliance, ai = found
        self.where[("alliances", ai, "staff_postings", len(alliance["staff_postings"]))] = k
        alliance["staff_postings"].append(out)

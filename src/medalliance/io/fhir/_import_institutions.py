"""Reading institutions from FHIR: their Organization and Location.

Private to :mod:`medalliance.io.fhir`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medalliance.errors import quote
from medalliance.io.fhir._import_values import _PASSIVE, Path, _ReaderBase, _Res
from medalliance.io.fhir._map import _HL7_ORG_TYPE, Json, _part_of
from medalliance.model.registry import Registry


class _InstitutionReader(_ReaderBase):
    """Reads an institution's Organization and its Location."""

    def read_institution(self, k: int, res: Mapping[str, Any], iid: str) -> Json:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        ext = self.extensions(
            r,
            {
                "provenance": "extension",
                "ownership": "valueCoding",
                "beds": "valueUnsignedInt",
                "population-served": "valueUnsignedInt",
                "opened": "valueDate",
                "closed": "valueDate",
                "former-name": "extension",
            },
        )
        out: Json = {"id": iid}
        self.names(r, out)
        codes = self.concepts(
            r.get("type"),
            r.at("type"),
            ("institution-kind", "tier", "grade"),
            allowed=((_HL7_ORG_TYPE, "prov"),),
        )
        for system, key, required in (
            ("institution-kind", "kind", True),
            ("tier", "tier", True),
            ("grade", "grade", False),
        ):
            self.put(out, key, self.single(codes, system, r.at("type"), required=required))
        ownership = self.ext_coding(ext, "ownership", "ownership")
        if ownership is not None:
            out["ownership"] = str(ownership.value)
        self.put(out, "beds", self.ext_count(ext, "beds"))
        self.put(out, "population_served", self.ext_count(ext, "population-served"))
        self.put(out, "opened", self.ext_date(ext, "opened"))
        self.put(out, "closed", self.ext_date(ext, "closed"))
        former = [self.former_name(p, v) for p, v in ext.get("former-name", [])]
        if former:
            out["former_names"] = former
        self.put(out, "provenance", self.provenance(ext, k))
        part_of = r.get("partOf")
        if part_of is not None:
            head = self.target(part_of, r.at("partOf"), k, ("institution",))
            path = r.at("partOf")

            def check(
                reg: Registry, iid: str = iid, head: str | None = head, path: Path = path
            ) -> None:
                expected = self.derived(("part_of",), lambda: _part_of(reg)).get(iid)
                if head is not None and head != expected:
                    self.p(
                        path,
                        f"{head!r} disagrees with the alliances (expected {expected!r}: a "
                        "non-lead member of tight alliances with one lead is part of that lead)",
                    )

            self.checks.append(check)
        r.finish("an institution (Organization)")
        return out

    def former_name(self, path: Path, value: Any) -> Json:
        """A former name (complex extension ``former-name``: ``name`` and ``until``)."""
        holder = _Res(self, {"extension": value}, path[:-1])
        parts = self.extensions(
            holder, {"name": "valueString", "until": "valueDate"}, complex_=True
        )
        out: Json = {}
        for name in ("name", "until"):
            if name not in parts:
                self.p(path, f"a former name needs a {name!r} sub-extension")
        self.put(out, "name", self.ext_string(parts, "name"))
        self.put(out, "until", self.ext_date(parts, "until"))
        return out

    def read_location(
        self, k: int, res: Mapping[str, Any], record: Json | None, pos: int | None
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("managingOrganization")
        out: Json = {}
        mode = r.get("mode")
        if mode is not None and mode != "instance":
            self.p(r.at("mode"), f"expected 'instance', got {quote(mode)}")
        address = r.get("address")
        if address is not None:
            self.put(out, "region", self.region(address, r.at("address")))
        position = r.get("position")
        if position is not None:
            if not isinstance(position, Mapping) or set(position) != {"latitude", "longitude"}:
                self.p(r.at("position"), "a position here has exactly 'latitude' and 'longitude'")
            else:
                for key, field in (("latitude", "lat"), ("longitude", "lon")):
                    value = position[key]
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        self.p(r.at("position", key), f"expected a number, got {quote(value)}")
                    else:
                        out[field] = value
        name = r.get("name")
        r.finish("an institution's Location")
        if record is None or pos is None:
            return
        for field in ("region", "lat", "lon"):
            self.where[("institutions", pos, field)] = k
        record.update(out)
        if name is not None:
            iid, path = record["id"], r.at("name")

            def check(reg: Registry) -> None:
                expected = reg.institution(iid).name
                if name != expected:
                    self.p(
                        path, f"{quote(name)} disagrees with the institution's name {expected!r}"
                    )

            self.checks.append(check)

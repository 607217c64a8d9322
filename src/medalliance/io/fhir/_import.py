"""FHIR Bundle -> Registry, rejecting what cannot be read faithfully.

Private to :mod:`medalliance.io.fhir`. The reader is put together from mixins, one per concern:
shared state and values (``_import_values``), the bundle scan (``_import_bundle``),
institutions (``_import_institutions``), HealthcareServices (``_import_services``), staff
postings (``_import_postings``) and alliances, memberships and agreements
(``_import_alliances``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medalliance.errors import MedAllianceError, Problem, format_path, quote
from medalliance.io.fhir._import_alliances import _AllianceReader
from medalliance.io.fhir._import_bundle import _BundleScan
from medalliance.io.fhir._import_institutions import _InstitutionReader
from medalliance.io.fhir._import_postings import _PostingReader
from medalliance.io.fhir._import_services import _ServiceReader
from medalliance.io.fhir._import_values import _PASSIVE, Path, _Res
from medalliance.io.fhir._map import _DIVISION_KEYS, Json, _url_problem
from medalliance.model.registry import Registry


@dataclass
class _Found:
    """The records read so far, by medalliance id, for the entries that attach to them."""

    institutions: dict[str, tuple[Json, int]] = field(default_factory=dict)
    alliances: dict[str, Json] = field(default_factory=dict)
    alliance_pos: dict[str, int] = field(default_factory=dict)
    agreements: dict[str, tuple[Json, Json, int]] = field(default_factory=dict)
    locations: dict[str, int] = field(default_factory=dict)
    services: dict[str, int] = field(default_factory=dict)

    def institution(self, iid: str) -> tuple[Json | None, int | None]:
        """The record of institution ``iid`` and its position, or ``(None, None)``."""
        return self.institutions.get(iid, (None, None))


class _Reader(_BundleScan, _InstitutionReader, _ServiceReader, _PostingReader, _AllianceReader):
    """Reads one bundle in passes, collecting every problem with its path.

    1. ``scan``: the Bundle and its entries, fullUrls and resource ids (indexed in dicts);
    2. ``identify``: what each resource is (institution, alliance, source, centre, clinic,
       posting, membership, agreement, Location, services, header) and its medalliance id, so
       that
       references resolve to ids in O(1);
    3. ``read``: every element into plain registry data, remembering which entry each record
       comes from (``where``) to report registry rules at that entry;
    4. the registry is validated, then the derived elements are checked against it.
    """

    # -- entry point --------------------------------------------------------------------------

    def registry(self) -> Registry:
        self.scan()
        self.fail_if_any()
        self.identify()
        data = self.read()
        self.fail_if_any()
        try:
            reg = Registry.model_validate(data)
        except MedAllianceError as exc:
            raise MedAllianceError([self.locate(p) for p in exc.problems]) from None
        for check in self.checks:
            check(reg)
        self.fail_if_any()
        return reg

    def locate(self, problem: Problem) -> Problem:
        """Turn a registry problem into one at the bundle entry it comes from."""
        path = problem.path
        for n in range(len(path), 0, -1):
            k = self.where.get(tuple(path[:n]))
            if k is not None:
                return Problem(("entry", k, "resource"), f"{format_path(path)}: {problem.message}")
        return Problem((), f"{format_path(path)}: {problem.message}")

    # -- pass 3: read every resource ----------------------------------------------------------

    def read(self) -> Json:
        """Every resource into plain registry data: records first, then what attaches to them."""
        data: Json = {"sources": [], "institutions": [], "alliances": [], "agreements": []}
        found = _Found()
        pending = self.read_records(data, found)
        for kind, k in pending:
            self.read_attached(kind, k, data, found)
        return data

    def read_records(self, data: Json, found: _Found) -> list[tuple[str, int]]:
        """Read the header, sources, institutions and alliances; return the other entries."""
        header_seen: int | None = None
        pending: list[tuple[str, int]] = []
        for k in sorted(self.ident):
            kind, mid = self.ident[k]
            res = self.res[k]
            if kind == "header":
                if header_seen is not None:
                    self.p(
                        ("entry", k, "resource"),
                        f"only one List (the registry header) is read; "
                        f"another is entry[{header_seen}]",
                    )
                    continue
                header_seen = k
                self.read_header(k, res, data)
            elif kind == "source":
                self.where[("sources", len(data["sources"]))] = k
                data["sources"].append(self.read_source(k, res, str(mid)))
            elif kind == "institution":
                record = self.read_institution(k, res, str(mid))
                i = len(data["institutions"])
                self.where[("institutions", i)] = k
                data["institutions"].append(record)
                found.institutions.setdefault(str(mid), (record, i))
            elif kind == "alliance":
                record = self.read_alliance(k, res, str(mid))
                i = len(data["alliances"])
                self.where[("alliances", i)] = k
                data["alliances"].append(record)
                found.alliances.setdefault(str(mid), record)
                found.alliance_pos.setdefault(str(mid), i)
            else:
                pending.append((kind, k))
        return pending

    def read_attached(self, kind: str, k: int, data: Json, found: _Found) -> None:
        """Read a Location, services, centre, clinic, posting, membership or agreement entry."""
        res = self.res[k]
        base: Path = ("entry", k, "resource")
        if kind == "location":
            owner = self.ident[k][1]
            if owner is not None and self.first_of(found.locations, owner, k, "Location"):
                self.read_location(k, res, *found.institution(owner))
        elif kind == "services":
            owner = self.target(res.get("providedBy"), (*base, "providedBy"), k, ("institution",))
            if owner is not None and self.first_of(
                found.services, owner, k, "services HealthcareService"
            ):
                self.read_services(k, res, *found.institution(owner))
        elif kind in ("centre", "clinic"):
            self.read_centre_or_clinic(
                k,
                res,
                kind,
                str(self.ident[k][1]),
                alliances=found.alliances,
                pos=found.alliance_pos,
            )
        elif kind == "posting":
            self.read_posting(
                k, res, str(self.ident[k][1]), alliances=found.alliances, pos=found.alliance_pos
            )
        elif kind == "membership":
            self.read_membership(k, res, found.alliances, found.alliance_pos)
        elif kind == "agreement":
            self.read_agreement(k, res, str(self.ident[k][1]), data, found.agreements)

    def first_of(self, seen: dict[str, int], owner: str, k: int, what: str) -> bool:
        """Whether entry ``k`` is the first ``what`` of institution ``owner`` (else a problem)."""
        if owner in seen:
            self.p(
                ("entry", k, "resource"),
                f"institution {owner!r} has another {what} (entry[{seen[owner]}])",
            )
            return False
        seen[owner] = k
        return True

    def read_header(self, k: int, res: Mapping[str, Any], data: Json) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        for key, expected in (("status", "current"), ("mode", "snapshot")):
            value = r.get(key)
            if value is not None and value != expected:
                self.p(r.at(key), f"expected {expected!r}, got {quote(value)}")
        title = r.get("title")
        if title is not None:
            data["title"] = title
            self.where[("title",)] = k
        note = r.get("note")
        if note is not None:
            first = self.one_of_list(note, r.at("note"), "Annotation")
            if isinstance(first, Mapping):
                if set(first) != {"text"}:
                    self.p(r.at("note", 0), "an Annotation here has only 'text'")
                data["description"] = first.get("text")
                self.where[("description",)] = k
        divisions = [
            self.division(path, value, k)
            for path, value in self.extensions(r, {"division": "extension"}).get("division", [])
        ]
        if divisions:
            data["divisions"] = divisions
        if title is None and note is None and not divisions:
            self.p(
                ("entry", k, "resource"),
                "a registry header (List) without a title or a note says nothing, and "
                "to_fhir writes none: leave it out",
            )
        r.finish("the registry header (List)")

    def division(self, path: Path, value: Any, k: int) -> Json:
        """One administrative division record (complex extension ``division``)."""
        holder = _Res(self, {"extension": value}, path[:-1])
        parts = self.extensions(holder, _DIVISION_KEYS, complex_=True)
        out: Json = {}
        for name, key in _DIVISION_KEYS.items():
            if key == "valueDate":
                self.put(out, name, self.ext_date(parts, name))
            elif key == "valueBoolean":
                self.put(out, name, self.typed(self.one(parts, name), bool, "a boolean"))
            else:
                self.put(out, name, self.ext_string(parts, name))
        self.where[("divisions",)] = k
        return out

    def read_source(self, k: int, res: Mapping[str, Any], sid: str) -> Json:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        out: Json = {"id": sid}
        status = r.get("status")
        if status != "current":
            self.p(r.at("status"), f"expected 'current', got {quote(status)}")
        content = self.one_of_list(r.get("content"), r.at("content"), "content")
        if isinstance(content, Mapping):
            c = _Res(self, content, r.at("content", 0))
            att = c.get("attachment")
            if not isinstance(att, Mapping):
                self.p(c.at("attachment"), "expected an Attachment")
            else:
                a = _Res(self, att, c.at("attachment"))
                ext = self.extensions(a, {"source-file": "valueString"})
                out["title"] = a.get("title")
                self.put(out, "file", self.ext_string(ext, "source-file"))
                url = a.get("url")
                problem = _url_problem(url) if isinstance(url, str) else None
                if problem is not None:
                    self.p(a.at("url"), problem)
                self.put(out, "url", url)
                self.put(out, "published", self.date(a.get("creation"), a.at("creation")))
                a.finish("a source's attachment")
            c.finish("a source's content")
        self.put(out, "note", r.get("description"))
        r.finish("a source (DocumentReference)")
        return out

"""FHIR Bundle -> Registry, rejecting what cannot be read faithfully.

Private to :mod:`medalliance.io.fhir`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from medalliance.errors import MedAllianceError, Problem, format_path
from medalliance.io.fhir._map import (
    _CS,
    _DECODE,
    _EXT,
    _FHIR_ID,
    _HL7_ORG_ROLE,
    _HL7_ORG_TYPE,
    _NS,
    _RESTFUL,
    _TRANSLATION,
    Json,
    _part_of,
    _resolve,
    _served_centres,
)
from medalliance.model.agreement import AgreementStatus
from medalliance.model.registry import Registry
from medalliance.model.vocab import Weekday

# -- import ----------------------------------------------------------------------------------

_SUPPORTED = (
    "DocumentReference",
    "HealthcareService",
    "List",
    "Location",
    "Organization",
    "OrganizationAffiliation",
)
_PASSIVE = frozenset({"resourceType", "id", "meta", "text", "language"})
_BUNDLE_KEYS = frozenset(
    {"resourceType", "id", "meta", "identifier", "type", "timestamp", "total", "link", "entry"}
)
_ENTRY_KEYS = frozenset({"fullUrl", "resource", "search", "request", "response", "link"})
_WEEKDAY_ORDER = tuple(str(w.value) for w in Weekday)
_WEEKDAYS = frozenset(_WEEKDAY_ORDER)
Path = tuple[Any, ...]


def _english(translated: Any) -> Any:
    """The English name in a ``_name`` element holding one translation extension, or None."""
    if not isinstance(translated, Mapping) or set(translated) != {"extension"}:
        return None
    exts = translated["extension"]
    if not isinstance(exts, list) or len(exts) != 1 or not isinstance(exts[0], Mapping):
        return None
    ext = exts[0]
    if ext.get("url") != _TRANSLATION or set(ext) != {"url", "extension"}:
        return None
    parts = ext["extension"]
    if (
        not isinstance(parts, list)
        or len(parts) != 2
        or not all(isinstance(x, Mapping) for x in parts)
    ):
        return None
    by_url = {x.get("url"): x for x in parts if isinstance(x.get("url"), str)}
    content = by_url.get("content")
    if by_url.get("lang") != {"url": "lang", "valueCode": "en"} or content is None:
        return None
    return content["valueString"] if set(content) == {"url", "valueString"} else None


def _coding_at(value: Any, path: Path, base: Path) -> Any:
    """The Coding at ``path`` (which extends ``base``) inside ``value``."""
    node = value
    for key in path[len(base) :]:
        node = node[key]
    return node


class _Res:
    """One mapping being read: remembers which keys were read, to report the others."""

    __slots__ = ("data", "path", "reader", "used")

    def __init__(
        self, reader: _Reader, data: Mapping[str, Any], path: Path, passive: Iterable[str] = ()
    ) -> None:
        self.reader, self.data, self.path = reader, data, path
        self.used = set(passive)

    def get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key)

    def at(self, *keys: Any) -> Path:
        return (*self.path, *keys)

    def finish(self, what: str) -> None:
        for key in self.data:
            if key not in self.used:
                self.reader.p(
                    self.at(key),
                    f"{key!r} is not part of the medalliance mapping of {what}; it would be lost",
                )


class _Reader:
    """Reads one bundle in passes, collecting every problem with its path.

    1. ``scan``: the Bundle and its entries, fullUrls and resource ids (indexed in dicts);
    2. ``identify``: what each resource is (institution, alliance, source, centre, clinic,
       membership, agreement, Location, services, header) and its medalliance id, so that
       references resolve to ids in O(1);
    3. ``read``: every element into plain registry data, remembering which entry each record
       comes from (``where``) to report registry rules at that entry;
    4. the registry is validated, then the derived elements are checked against it.
    """

    def __init__(self, bundle: Any) -> None:
        self.bundle = bundle
        self.problems: list[Problem] = []
        self.res: dict[int, Mapping[str, Any]] = {}
        self.rtype: dict[int, str] = {}
        self.by_url: dict[str, int] = {}
        self.base: dict[int, str | None] = {}
        self.ident: dict[int, tuple[str, str | None]] = {}
        self.where: dict[Path, int] = {}
        self.checks: list[Callable[[Registry], None]] = []
        self.memo: dict[Any, Any] = {}

    def p(self, path: Path, message: str) -> None:
        self.problems.append(Problem(tuple(path), message))

    def derived(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A value derived from the registry, computed once for every check that needs it."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def fail_if_any(self) -> None:
        if self.problems:
            raise MedAllianceError(self.problems)

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

    # -- pass 1: entries, fullUrls, ids -------------------------------------------------------

    def scan(self) -> None:
        b = self.bundle
        if not isinstance(b, Mapping):
            raise MedAllianceError(
                [f"expected a FHIR Bundle (a JSON object), got {type(b).__name__}"]
            )
        if b.get("resourceType") != "Bundle":
            self.p(("resourceType",), f"expected 'Bundle', got {b.get('resourceType')!r}")
            return
        for key in b:
            if key not in _BUNDLE_KEYS:
                self.p((key,), f"{key!r} is not read from a Bundle; it would be lost")
        if not isinstance(b.get("type"), str):
            self.p(("type",), "a Bundle needs a type (e.g. 'collection')")
        entries = b.get("entry", [])
        if not isinstance(entries, list):
            self.p(("entry",), "must be a list")
            return
        seen_ids: dict[tuple[str, str], int] = {}
        for k, e in enumerate(entries):
            path: Path = ("entry", k)
            if not isinstance(e, Mapping):
                self.p(path, "an entry must be a JSON object")
                continue
            for key in e:
                if key not in _ENTRY_KEYS:
                    self.p((*path, key), f"{key!r} is not read from a bundle entry")
            res = e.get("resource")
            if not isinstance(res, Mapping):
                self.p((*path, "resource"), "missing resource")
                continue
            rt = res.get("resourceType")
            if rt not in _SUPPORTED:
                self.p(
                    (*path, "resource", "resourceType"),
                    f"unsupported resource type {rt!r}; a medalliance bundle holds "
                    + ", ".join(_SUPPORTED),
                )
                continue
            self.res[k], self.rtype[k] = res, rt
            url = e.get("fullUrl")
            rid = res.get("id")
            if rid is not None:
                if not isinstance(rid, str) or not _FHIR_ID.match(rid):
                    self.p(
                        (*path, "resource", "id"),
                        f"invalid FHIR id {rid!r}: 1-64 ASCII letters, digits, '-' and '.'",
                    )
                elif (rt, rid) in seen_ids:
                    self.p(
                        (*path, "resource", "id"),
                        f"duplicate {rt} id {rid!r} (also entry[{seen_ids[rt, rid]}])",
                    )
                else:
                    seen_ids[rt, rid] = k
            if not isinstance(url, str):
                self.p((*path, "fullUrl"), "missing fullUrl (references are resolved by it)")
                continue
            if url in self.by_url:
                self.p(
                    (*path, "fullUrl"),
                    f"duplicate fullUrl {url!r} (also entry[{self.by_url[url]}])",
                )
                continue
            self.by_url[url] = k
            m = _RESTFUL.match(url)
            self.base[k] = m.group(1) if m else None
            if m and (m.group(2) != rt or m.group(3) != rid):
                self.p(
                    (*path, "fullUrl"), f"fullUrl {url!r} disagrees with the resource's type and id"
                )

    # -- pass 2: what each resource is --------------------------------------------------------

    def identifier(self, k: int, kinds: Sequence[str]) -> tuple[str, str] | None:
        """(system name, value) of the one identifier of a medalliance system in ``kinds``."""
        res = self.res[k]
        path: Path = ("entry", k, "resource", "identifier")
        found: list[tuple[str, str]] = []
        idents = res.get("identifier")
        if idents is not None and not isinstance(idents, list):
            self.p(path, "must be a list")
            idents = []
        for j, ident in enumerate(idents or ()):
            ip = (*path, j)
            if not isinstance(ident, Mapping) or set(ident) - {"system", "value"}:
                self.p(ip, "an identifier here has only 'system' and 'value'")
                continue
            system, value = ident.get("system"), ident.get("value")
            kind = system[len(_NS) :] if isinstance(system, str) and system.startswith(_NS) else ""
            if kind not in kinds:
                self.p(
                    (*ip, "system"),
                    f"identifier system {system!r} is not read here; expected "
                    + " or ".join(_NS + x for x in kinds),
                )
                continue
            if not isinstance(value, str):
                self.p((*ip, "value"), "missing identifier value")
                continue
            found.append((kind, value))
        if len(found) != 1:
            expected = " or ".join(_NS + x for x in kinds)
            self.p(path, f"needs exactly one identifier with system {expected}, found {len(found)}")
            return None
        return found[0]

    def identify(self) -> None:
        for k, res in self.res.items():
            rt = self.rtype[k]
            if rt == "Organization":
                got = self.identifier(k, ("institution", "alliance"))
                if got is not None:
                    self.ident[k] = got
            elif rt == "DocumentReference":
                got = self.identifier(k, ("source",))
                if got is not None:
                    self.ident[k] = got
            elif rt == "HealthcareService":
                category = self.service_category(k)
                if category == "institution-services":
                    self.ident[k] = ("services", None)
                elif category is not None:
                    kind = "centre" if category == "shared-centre" else "clinic"
                    got = self.identifier(
                        k, ("shared-centre" if kind == "centre" else "expert-clinic",)
                    )
                    if got is not None:
                        self.ident[k] = (kind, got[1])
            elif rt == "OrganizationAffiliation":
                if res.get("identifier") is None:
                    self.ident[k] = ("membership", None)
                else:
                    got = self.identifier(k, ("agreement",))
                    if got is not None:
                        self.ident[k] = got
            elif rt == "Location":
                self.ident[k] = ("location", None)
            else:
                self.ident[k] = ("header", None)
        for k, (kind, _) in list(self.ident.items()):
            if kind == "location":  # a Location stands for its institution
                ref = self.res[k].get("managingOrganization")
                target = self.target(
                    ref, ("entry", k, "resource", "managingOrganization"), k, ("institution",)
                )
                self.ident[k] = ("location", target)

    def service_category(self, k: int) -> str | None:
        value = self.res[k].get("category")
        path: Path = ("entry", k, "resource", "category")
        found = [
            c
            for c in self.concepts(value, path, ("service-category", "centre-kind"), report=False)
            if c[0] == "service-category"
        ]
        if len(found) != 1:
            self.p(path, f"needs exactly one code from {_CS}service-category")
            return None
        if found[0][2] is None:  # report the unknown code; the resource is not read further
            self.coding(_coding_at(value, found[0][1], path), found[0][1], "service-category")
            return None
        return str(found[0][2])

    # -- values -------------------------------------------------------------------------------

    def single(
        self, codes: list[tuple[str, Path, Any]], system: str, path: Path, *, required: bool = True
    ) -> str | None:
        """The value of the one code of ``system`` among decoded ``codes``."""
        found = [c for c in codes if c[0] == system]
        for _, extra, _ in found[1:]:
            self.p(extra, f"a second code from {_CS}{system}")
        if not found:
            if required:
                self.p(path, f"needs a code from {_CS}{system}")
            return None
        member = found[0][2]
        return None if member is None else str(member.value)

    @staticmethod
    def values(codes: list[tuple[str, Path, Any]]) -> list[str]:
        """The values of the known codes among decoded ``codes``, in order."""
        return [str(c[2].value) for c in codes if c[2] is not None]

    def target(self, ref: Any, path: Path, k_from: int, kinds: Sequence[str]) -> str | None:
        """Resolve a Reference to the medalliance id of the resource it points to."""
        if not isinstance(ref, Mapping) or not isinstance(ref.get("reference"), str):
            self.p(path, "expected a Reference with a 'reference'")
            return None
        for key in ref:
            if key not in ("reference", "type", "display"):
                self.p((*path, key), f"{key!r} is not read from a Reference; it would be lost")
        text = ref["reference"]
        k = _resolve(text, self.base.get(k_from), self.by_url)
        if k is None:
            self.p(
                (*path, "reference"),
                f"reference {text!r} does not resolve to an entry of the bundle",
            )
            return None
        if "type" in ref and ref["type"] != self.rtype[k]:
            self.p((*path, "type"), f"says {ref['type']!r} but the entry is a {self.rtype[k]}")
        kind, value = self.ident.get(k, (None, None))
        if kind not in kinds:
            what = {
                "institution": "an institution Organization",
                "alliance": "an alliance Organization",
                "location": "an institution's Location",
                "source": "a source DocumentReference",
                "centre": "a shared-centre HealthcareService",
                "clinic": "an expert-clinic HealthcareService",
            }
            expected = " or ".join(what.get(x, x) for x in kinds)
            self.p(
                (*path, "reference"), f"points to entry[{k}] ({self.rtype[k]}), expected {expected}"
            )
            return None
        return value

    def coding(self, value: Any, path: Path, system: str) -> Any:
        """Decode one Coding of the medalliance code system ``system``."""
        url = _CS + system
        if not isinstance(value, Mapping):
            self.p(path, "expected a Coding")
            return None
        for key in value:
            if key not in ("system", "code", "display"):
                self.p((*path, key), f"{key!r} is not read from a Coding; it would be lost")
        if value.get("system") != url:
            self.p(
                (*path, "system"), f"expected a code from {url}, got system {value.get('system')!r}"
            )
            return None
        code = value.get("code")
        found = _DECODE[url].get(code) if isinstance(code, str) else None
        if found is None:
            known = ", ".join(_DECODE[url])
            self.p((*path, "code"), f"unknown code {code!r} in {url} (known: {known})")
        return found

    def concepts(
        self,
        value: Any,
        path: Path,
        systems: Sequence[str],
        *,
        allowed: Sequence[tuple[str, str]] = (),
        report: bool = True,
    ) -> list[tuple[str, Path, Any]]:
        """Decode a list of CodeableConcepts: (system name, path, member) for each coding.

        ``member`` is ``None`` for an unknown code (reported when ``report``). Codings from
        other systems are errors (they would be lost) unless listed in ``allowed`` as
        (system URL, code) pairs medalliance writes itself.
        """
        out: list[tuple[str, Path, Any]] = []
        if value is None:
            return out
        if not isinstance(value, list):
            if report:
                self.p(path, "must be a list of CodeableConcepts")
            return out
        for j, cc in enumerate(value):
            cp = (*path, j)
            if not isinstance(cc, Mapping) or not isinstance(cc.get("coding"), list):
                if report:
                    self.p(cp, "expected a CodeableConcept with 'coding'")
                continue
            if report:
                for key in cc:
                    if key != "coding":
                        self.p(
                            (*cp, key),
                            f"{key!r} is not read from a CodeableConcept; it would be lost",
                        )
            for c, coding in enumerate(cc["coding"]):
                p = (*cp, "coding", c)
                system = coding.get("system") if isinstance(coding, Mapping) else None
                name = (
                    system[len(_CS) :] if isinstance(system, str) and system.startswith(_CS) else ""
                )
                raw = coding.get("code") if isinstance(coding, Mapping) else None
                code = raw if isinstance(raw, str) else ""  # not a code: never known or allowed
                if name in systems:
                    member = (
                        self.coding(coding, p, name) if report else _DECODE[_CS + name].get(code)
                    )
                    out.append((name, p, member))  # None: an unknown code (reported)
                elif report and (not isinstance(system, str) or (system, code) not in allowed):
                    self.p(p, f"a code from {system!r} is not read here; it would be lost")
        return out

    def extensions(
        self, owner: _Res, spec: Mapping[str, str], *, complex_: bool = False
    ) -> dict[str, list[tuple[Path, Any]]]:
        """Group the extensions of ``owner`` by name; report unknown ones and malformed values.

        ``spec`` maps each extension name (the part after ``StructureDefinition/``, or the
        bare url of a sub-extension when ``complex_``) to its value key (``valueString``, ...,
        or ``extension`` for a complex extension).
        """
        out: dict[str, list[tuple[Path, Any]]] = {}
        value = owner.get("extension")
        if value is None:
            return out
        path = owner.at("extension")
        if not isinstance(value, list):
            self.p(path, "must be a list")
            return out
        for j, ext in enumerate(value):
            p = (*path, j)
            url = ext.get("url") if isinstance(ext, Mapping) else None
            if not isinstance(url, str):
                self.p(p, "an extension needs a url")
                continue
            if complex_:
                name: str | None = url
            else:
                name = url[len(_EXT) :] if url.startswith(_EXT) else None
            key = spec.get(name) if name is not None else None
            if key is None:
                self.p((*p, "url"), f"extension {url!r} is not read here; it would be lost")
                continue
            keys = set(ext) - {"url"}
            if keys != {key}:
                self.p(p, f"extension {url!r} needs exactly one {key!r}")
                continue
            out.setdefault(str(name), []).append(((*p, key), ext[key]))
        return out

    def one(
        self, groups: Mapping[str, list[tuple[Path, Any]]], name: str
    ) -> tuple[Path, Any] | None:
        found = groups.get(name, [])
        for path, _ in found[1:]:
            self.p(path, f"extension {name!r} may be given once")
        return found[0] if found else None

    def typed(
        self, found: tuple[Path, Any] | None, kind: type | tuple[type, ...], what: str
    ) -> Any:
        if found is None:
            return None
        path, value = found
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.p(path, f"expected {what}, got {value!r}")
            return None
        return value

    def ext_string(self, groups: Mapping[str, list[tuple[Path, Any]]], name: str) -> Any:
        return self.typed(self.one(groups, name), str, "a string")

    def ext_count(self, groups: Mapping[str, list[tuple[Path, Any]]], name: str) -> Any:
        return self.typed(self.one(groups, name), int, "a non-negative integer")

    def ext_coding(
        self, groups: Mapping[str, list[tuple[Path, Any]]], name: str, system: str
    ) -> Any:
        found = self.one(groups, name)
        return None if found is None else self.coding(found[1], found[0], system)

    def put(self, out: Json, key: str, value: Any) -> None:
        if value is not None:
            out[key] = value

    def provenance(
        self, groups: Mapping[str, list[tuple[Path, Any]]], k: int, *, name: str = "provenance"
    ) -> Json | None:
        found = self.one(groups, name)
        if found is None:
            return None
        path, value = found
        holder = _Res(self, {"extension": value}, path[:-1])
        parts = self.extensions(
            holder,
            {
                "source": "valueReference",
                "quote": "valueString",
                "inferred": "valueString",
                "note": "valueString",
            },
            complex_=True,
        )
        out: Json = {}
        source = self.one(parts, "source")
        if source is None:
            self.p(path, "provenance needs a 'source' sub-extension")
        else:
            self.put(out, "source", self.target(source[1], source[0], k, ("source",)))
        self.put(out, "quote", self.ext_string(parts, "quote"))
        inferred = [self.typed(x, str, "a string") for x in parts.get("inferred", [])]
        if inferred:
            out["inferred"] = inferred
        self.put(out, "note", self.ext_string(parts, "note"))
        return out

    def names(self, r: _Res, out: Json) -> None:
        out["name"] = r.get("name")
        translated = r.get("_name")
        if translated is not None:
            english = _english(translated)
            if english is None:
                self.p(
                    r.at("_name"),
                    "only one English translation of the name (extension "
                    f"{_TRANSLATION} with lang 'en' and a valueString content) is read here",
                )
            else:
                out["name_en"] = english
        alias = r.get("alias")
        if alias is not None:
            out["aliases"] = alias

    def region(self, value: Any, path: Path) -> Json | None:
        if not isinstance(value, Mapping):
            self.p(path, "expected an Address")
            return None
        a = _Res(self, value, path)
        ext = self.extensions(a, {"township": "valueString", "division-code": "valueCode"})
        out: Json = {}
        self.put(out, "province", a.get("state"))
        self.put(out, "city", a.get("city"))
        self.put(out, "county", a.get("district"))
        self.put(out, "township", self.ext_string(ext, "township"))
        self.put(out, "division_code", self.ext_string(ext, "division-code"))
        a.finish("an address")
        return out

    def date(self, value: Any, path: Path) -> Any:
        if value is not None and not isinstance(value, str):
            self.p(path, f"expected a date string, got {value!r}")
            return None
        return value

    def one_of_list(self, value: Any, path: Path, what: str) -> Any:
        if not isinstance(value, list) or len(value) != 1:
            self.p(path, f"expected a list of exactly one {what}")
            return None
        return value[0]

    # -- pass 3: read every resource ----------------------------------------------------------

    def read(self) -> Json:
        data: Json = {"sources": [], "institutions": [], "alliances": [], "agreements": []}
        inst_index: dict[str, Json] = {}
        inst_pos: dict[str, int] = {}
        alliance_index: dict[str, Json] = {}
        alliance_pos: dict[str, int] = {}
        agreement_index: dict[str, tuple[Json, Json, int]] = {}
        header_seen: int | None = None
        locations: dict[str, int] = {}
        services: dict[str, int] = {}
        pending: list[tuple[str, int]] = []

        order = sorted(self.ident)
        for k in order:
            kind, mid = self.ident[k]
            res = self.res[k]
            base: Path = ("entry", k, "resource")
            if kind == "header":
                if header_seen is not None:
                    self.p(
                        base,
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
                inst_index.setdefault(str(mid), record)
                inst_pos.setdefault(str(mid), i)
            elif kind == "alliance":
                record = self.read_alliance(k, res, str(mid))
                i = len(data["alliances"])
                self.where[("alliances", i)] = k
                data["alliances"].append(record)
                alliance_index.setdefault(str(mid), record)
                alliance_pos.setdefault(str(mid), i)
            else:
                pending.append((kind, k))
        for kind, k in pending:
            res = self.res[k]
            base = ("entry", k, "resource")
            if kind == "location":
                owner = self.ident[k][1]
                if owner is None:
                    continue
                if owner in locations:
                    self.p(
                        base,
                        f"institution {owner!r} has another Location (entry[{locations[owner]}])",
                    )
                    continue
                locations[owner] = k
                self.read_location(k, res, inst_index.get(owner), inst_pos.get(owner))
            elif kind == "services":
                owner = self.target(
                    res.get("providedBy"), (*base, "providedBy"), k, ("institution",)
                )
                if owner is None:
                    continue
                if owner in services:
                    self.p(
                        base,
                        f"institution {owner!r} has another services HealthcareService "
                        f"(entry[{services[owner]}])",
                    )
                    continue
                services[owner] = k
                self.read_services(k, res, inst_index.get(owner), inst_pos.get(owner))
            elif kind in ("centre", "clinic"):
                self.read_centre_or_clinic(
                    k, res, kind, str(self.ident[k][1]), alliances=alliance_index, pos=alliance_pos
                )
            elif kind == "membership":
                self.read_membership(k, res, alliance_index, alliance_pos)
            elif kind == "agreement":
                self.read_agreement(k, res, str(self.ident[k][1]), data, agreement_index)
        return data

    def read_header(self, k: int, res: Mapping[str, Any], data: Json) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        for key, expected in (("status", "current"), ("mode", "snapshot")):
            value = r.get(key)
            if value is not None and value != expected:
                self.p(r.at(key), f"expected {expected!r}, got {value!r}")
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
        r.finish("the registry header (List)")

    def read_source(self, k: int, res: Mapping[str, Any], sid: str) -> Json:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        out: Json = {"id": sid}
        status = r.get("status")
        if status != "current":
            self.p(r.at("status"), f"expected 'current', got {status!r}")
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
                self.put(out, "url", a.get("url"))
                self.put(out, "published", self.date(a.get("creation"), a.at("creation")))
                a.finish("a source's attachment")
            c.finish("a source's content")
        self.put(out, "note", r.get("description"))
        r.finish("a source (DocumentReference)")
        return out

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

    def read_location(
        self, k: int, res: Mapping[str, Any], record: Json | None, pos: int | None
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("managingOrganization")
        out: Json = {}
        mode = r.get("mode")
        if mode is not None and mode != "instance":
            self.p(r.at("mode"), f"expected 'instance', got {mode!r}")
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
                        self.p(r.at("position", key), f"expected a number, got {value!r}")
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
                    self.p(path, f"{name!r} disagrees with the institution's name {expected!r}")

            self.checks.append(check)

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
        r.finish("an institution's services (HealthcareService)")
        if record is None or pos is None:
            return
        self.where[("institutions", pos, "services")] = k
        self.where[("institutions", pos, "specialties")] = k
        if services:
            record["services"] = services
        if specialties:
            record["specialties"] = specialties

    def read_alliance(self, k: int, res: Mapping[str, Any], aid: str) -> Json:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        r.get("identifier")
        ext = self.extensions(
            r,
            {
                "provenance": "extension",
                "alliance-form": "valueCoding",
                "tightness": "valueCoding",
                "alliance-lead": "valueReference",
                "alliance-specialty": "valueCoding",
                "founded": "valueDate",
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
        tightness = self.ext_coding(ext, "tightness", "tightness")
        if tightness is not None:
            out["tightness"] = str(tightness.value)
        leads = ext.get("alliance-lead", [])
        if not leads:
            self.p(r.at("extension"), f"missing required extension {_EXT}alliance-lead")
        out["lead"] = [self.target(v, p, k, ("institution",)) for p, v in leads]
        out["memberships"] = []
        specialty = self.ext_coding(ext, "alliance-specialty", "specialty")
        if specialty is not None:
            out["specialty"] = str(specialty.value)
        self.put(out, "founded", self.date(self.ext_string(ext, "founded"), r.at("extension")))
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
        r.finish("an alliance (Organization)")
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
                    subject[1], subject[0], k, ("institution", "centre", "clinic", "alliance")
                ),
            )
        self.put(out, "period", self.ext_string(parts, "period"))
        self.put(out, "description", self.ext_string(parts, "description"))
        self.put(out, "provenance", self.provenance(parts, k))
        return out

    def alliance_of(
        self, k: int, value: Any, path: Path, alliances: Mapping[str, Json], pos: Mapping[str, int]
    ) -> tuple[Json, int] | None:
        aid = self.target(value, path, k, ("alliance",))
        if aid is None or aid not in alliances:
            return None
        return alliances[aid], pos[aid]

    def read_membership(
        self, k: int, res: Mapping[str, Any], alliances: Mapping[str, Json], pos: Mapping[str, int]
    ) -> None:
        r = _Res(self, res, ("entry", k, "resource"), _PASSIVE)
        ext = self.extensions(r, {"provenance": "extension"})
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
            if not isinstance(period, Mapping) or set(period) != {"start"}:
                self.p(
                    r.at("period"), "a membership's period has only a 'start' (the date it joined)"
                )
            else:
                out["joined"] = self.date(period["start"], r.at("period", "start"))
        roles = self.concepts(
            r.get("code"), r.at("code"), ("member-role",), allowed=((_HL7_ORG_ROLE, "member"),)
        )
        self.put(out, "role", self.single(roles, "member-role", r.at("code")))
        self.put(out, "provenance", self.provenance(ext, k))
        network = self.one_of_list(r.get("network"), r.at("network"), "alliance reference")
        found = (
            None
            if network is None
            else self.alliance_of(k, network, r.at("network", 0), alliances, pos)
        )
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
        r.finish("a membership (OrganizationAffiliation)")
        if found is None:
            return
        alliance, ai = found
        mi = len(alliance["memberships"])
        self.where[("alliances", ai, "memberships", mi)] = k
        alliance["memberships"].append(out)
        aid, member = alliance["id"], out.get("institution")

        def check(reg: Registry) -> None:
            a = reg.alliance(aid)
            if organization is not None and head is not None:
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
            got = self.values(specialties)
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

        self.checks.append(check)

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
            self.put(out, "start", self.date(self.ext_string(ext, "start-date"), r.at("extension")))
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
                    f"unknown day-of-week code {day!r} (known: {', '.join(_WEEKDAY_ORDER)})",
                )
            else:
                days.append(day)
        out["weekdays"] = days

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
        self.put(
            shared, "signed", self.date(self.ext_string(ext, "agreement-signed"), r.at("extension"))
        )
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

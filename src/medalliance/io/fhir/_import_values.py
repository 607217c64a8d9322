"""The shared state of the FHIR reader and its value readers (codings, references, extensions).

Private to :mod:`medalliance.io.fhir`: :class:`_ReaderBase` holds what one reading of a bundle
collects (resources by entry, fullUrl index, identities, problems, checks against the
registry) and reads the values every resource uses; the resource readers are mixins on it
(``_import_bundle``, ``_import_institutions``, ``_import_alliances``, ``_import_services``)
and ``_import._Reader`` puts them together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from medalliance.errors import MedAllianceError, Problem, quote
from medalliance.io.fhir._map import (
    _CS,
    _DECODE,
    _EXT,
    _TRANSLATION,
    Json,
    _count_problem,
    _date_problem,
    _resolve,
)
from medalliance.model.registry import Registry

_PASSIVE = frozenset({"resourceType", "id", "meta", "text", "language"})
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
        self, reader: _ReaderBase, data: Mapping[str, Any], path: Path, passive: Iterable[str] = ()
    ) -> None:
        self.reader, self.data, self.path = reader, data, path
        self.used = set(passive)

    def get(self, key: str) -> Any:
        """The element ``key`` (None when absent); an empty or null one is reported."""
        self.used.add(key)
        value = self.data.get(key)
        if key in self.data and (value is None or value in ("", [], {})):
            self.reader.p(
                self.at(key), f"{quote(value)} is empty: FHIR leaves an element out instead"
            )
            return None
        return value

    def at(self, *keys: Any) -> Path:
        return (*self.path, *keys)

    def finish(self, what: str) -> None:
        for key in self.data:
            if key not in self.used:
                self.reader.p(
                    self.at(key),
                    f"{quote(key)} is not part of the medalliance mapping of {what}; "
                    "it would be lost",
                )


class _ReaderBase:
    """What one reading of a bundle collects, and the readers of shared values.

    ``res``/``rtype``: the supported resources and their types by entry number; ``by_url``:
    entry number by fullUrl; ``base``: the RESTful base of each fullUrl; ``ident``: what each
    resource is and its medalliance id; ``where``: the entry each registry record comes from;
    ``checks``: checks of derived elements, run on the validated registry.
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
                self.p((*path, key), f"{quote(key)} is not read from a Reference; it would be lost")
        text = ref["reference"]
        k = _resolve(text, self.base.get(k_from), self.by_url)
        if k is None:
            self.p(
                (*path, "reference"),
                f"reference {quote(text)} does not resolve to an entry of the bundle",
            )
            return None
        if "type" in ref and ref["type"] != self.rtype[k]:
            self.p((*path, "type"), f"says {quote(ref['type'])} but the entry is a {self.rtype[k]}")
        kind, value = self.ident.get(k, (None, None))
        if kind not in kinds:
            what = {
                "institution": "an institution Organization",
                "alliance": "an alliance Organization",
                "location": "an institution's Location",
                "source": "a source DocumentReference",
                "centre": "a shared-centre HealthcareService",
                "clinic": "an expert-clinic HealthcareService",
                "posting": "a staff-posting PractitionerRole",
            }
            expected = " or ".join(what.get(x, x) for x in kinds)
            self.p(
                (*path, "reference"), f"points to entry[{k}] ({self.rtype[k]}), expected {expected}"
            )
            return None
        return value

    def alliance_of(
        self, k: int, value: Any, path: Path, alliances: Mapping[str, Json], pos: Mapping[str, int]
    ) -> tuple[Json, int] | None:
        aid = self.target(value, path, k, ("alliance",))
        if aid is None or aid not in alliances:
            return None
        return alliances[aid], pos[aid]

    def coding(self, value: Any, path: Path, system: str) -> Any:
        """Decode one Coding of the medalliance code system ``system``."""
        url = _CS + system
        if not isinstance(value, Mapping):
            self.p(path, "expected a Coding")
            return None
        for key in value:
            if key not in ("system", "code", "display"):
                self.p((*path, key), f"{quote(key)} is not read from a Coding; it would be lost")
        if value.get("system") != url:
            self.p(
                (*path, "system"),
                f"expected a code from {url}, got system {quote(value.get('system'))}",
            )
            return None
        code = value.get("code")
        found = _DECODE[url].get(code) if isinstance(code, str) else None
        if found is None:
            known = ", ".join(_DECODE[url])
            self.p((*path, "code"), f"unknown code {quote(code)} in {url} (known: {known})")
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
        fixed: set[tuple[str, str]] = set()  # the allowed codes seen, each read once
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
                            f"{quote(key)} is not read from a CodeableConcept; it would be lost",
                        )
                if len(cc["coding"]) != 1:
                    self.p((*cp, "coding"), "a CodeableConcept here has exactly one Coding")
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
                elif not report:
                    continue
                elif not isinstance(system, str) or (system, code) not in allowed:
                    self.p(p, f"a code from {quote(system)} is not read here; it would be lost")
                else:
                    self.fixed_coding(coding, p, (system, code), fixed)
        return out

    def fixed_coding(
        self,
        coding: Mapping[str, Any],
        path: Path,
        key: tuple[str, str],
        seen: set[tuple[str, str]],
    ) -> None:
        """Check a code from another system that medalliance writes itself (HL7 ``prov``...)."""
        for k in coding:
            if k not in ("system", "code", "display"):
                self.p((*path, k), f"{quote(k)} is not read from a Coding; it would be lost")
        if key in seen:
            self.p(path, f"a second code {key[1]!r} from {key[0]}")
        seen.add(key)

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
                self.p((*p, "url"), f"extension {quote(url)} is not read here; it would be lost")
                continue
            keys = set(ext) - {"url"}
            if keys != {key}:
                self.p(p, f"extension {quote(url)} needs exactly one {key!r}")
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
            self.p(path, f"expected {what}, got {quote(value)}")
            return None
        return value

    def ext_string(self, groups: Mapping[str, list[tuple[Path, Any]]], name: str) -> Any:
        return self.typed(self.one(groups, name), str, "a string")

    def ext_count(
        self,
        groups: Mapping[str, list[tuple[Path, Any]]],
        name: str,
        *,
        key: str = "valueUnsignedInt",
    ) -> Any:
        """The integer value ``key`` of extension ``name``, in its FHIR type's range."""
        found = self.one(groups, name)
        value = self.typed(found, int, "a non-negative integer")
        if found is None or value is None:
            return None
        problem = _count_problem(value, key)
        if problem is not None:
            self.p(found[0], problem)
            return None
        return value

    def ext_date(self, groups: Mapping[str, list[tuple[Path, Any]]], name: str) -> Any:
        """The ``valueDate`` of extension ``name`` (``YYYY-MM-DD``), or None."""
        found = self.one(groups, name)
        value = self.typed(found, str, "a date string")
        return None if found is None or value is None else self.date(value, found[0])

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
        """A date as :func:`to_fhir` writes it (``YYYY-MM-DD``), or None (reported)."""
        if value is None:
            return None
        problem = _date_problem(value) if isinstance(value, str) else "expected a date string"
        if problem is not None:
            self.p(path, f"{problem}, got {quote(value)}")
            return None
        return value

    def one_of_list(self, value: Any, path: Path, what: str) -> Mapping[str, Any] | None:
        """The one JSON object of a list of exactly one ``what``, or None (reported)."""
        if not isinstance(value, list) or len(value) != 1:
            self.p(path, f"expected a list of exactly one {what}")
            return None
        if not isinstance(value[0], Mapping):
            self.p((*path, 0), f"expected {what} (a JSON object), got {quote(value[0])}")
            return None
        return value[0]

"""Reading a FHIR bundle, passes 1 and 2: entries, fullUrls and ids; what each resource is.

Private to :mod:`medalliance.io.fhir`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from medalliance.errors import MedAllianceError, quote
from medalliance.io.fhir._import_values import Path, _coding_at, _ReaderBase
from medalliance.io.fhir._map import _CS, _FHIR_ID, _NS, _RESTFUL

_SUPPORTED = (
    "DocumentReference",
    "HealthcareService",
    "List",
    "Location",
    "Organization",
    "OrganizationAffiliation",
    "PractitionerRole",
)
_BUNDLE_KEYS = frozenset({"resourceType", "id", "meta", "identifier", "type", "timestamp", "entry"})
"""What a Bundle may hold: its own id, meta, identifier and timestamp describe the bundle, not
the registry, and are not read; ``total`` and ``link`` (the pages of a search) are refused,
because the entries of other pages would be lost."""
_ENTRY_KEYS = frozenset({"fullUrl", "resource"})
"""What an entry may hold: ``search``, ``request`` and ``response`` belong to other types of
bundle (searchset, transaction, batch, history), and ``link`` would be lost."""
_TYPE = "collection"
"""The one Bundle type read: what :func:`~medalliance.io.fhir.to_fhir` writes."""


class _BundleScan(_ReaderBase):
    """Scans the Bundle and its entries, and tells what each resource stands for."""

    # -- pass 1: entries, fullUrls, ids -------------------------------------------------------

    def scan(self) -> None:
        b = self.bundle
        if not isinstance(b, Mapping):
            raise MedAllianceError(
                [f"expected a FHIR Bundle (a JSON object), got {type(b).__name__}"]
            )
        if b.get("resourceType") != "Bundle":
            self.p(("resourceType",), f"expected 'Bundle', got {quote(b.get('resourceType'))}")
            return
        for key in b:
            if key not in _BUNDLE_KEYS:
                self.p((key,), f"{quote(key)} is not read from a Bundle; it would be lost")
        kind = b.get("type")
        if kind is None:
            self.p(("type",), f"a Bundle needs a type: {_TYPE!r}")
        elif kind != _TYPE:
            self.p(
                ("type",),
                f"expected {_TYPE!r} (what to_fhir writes), got {quote(kind)}: the entries of "
                "other types of bundle (a search's pages, a transaction's requests) are not "
                "a registry",
            )
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
                    self.p((*path, key), f"{quote(key)} is not read from a bundle entry")
            res = e.get("resource")
            if not isinstance(res, Mapping):
                self.p((*path, "resource"), "missing resource")
                continue
            rt = res.get("resourceType")
            if rt not in _SUPPORTED:
                self.p(
                    (*path, "resource", "resourceType"),
                    f"unsupported resource type {quote(rt)}; a medalliance bundle holds "
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
                        f"invalid FHIR id {quote(rid)}: 1-64 ASCII letters, digits, '-' and '.'",
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
                    f"duplicate fullUrl {quote(url)} (also entry[{self.by_url[url]}])",
                )
                continue
            self.by_url[url] = k
            m = _RESTFUL.match(url)
            self.base[k] = m.group(1) if m else None
            if m and (m.group(2) != rt or m.group(3) != rid):
                self.p(
                    (*path, "fullUrl"),
                    f"fullUrl {quote(url)} disagrees with the resource's type and id",
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
                    f"identifier system {quote(system)} is not read here; expected "
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
            elif rt == "PractitionerRole":
                got = self.identifier(k, ("staff-posting",))
                if got is not None:
                    self.ident[k] = ("posting", got[1])
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

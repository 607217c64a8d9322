"""Cross-record checks of a registry: duplicate ids, references, sub-units. Private.

:class:`~medalliance.model.registry.Registry` runs :func:`reference_problems` on itself once its
records are valid, and on a read-only view of the raw input (:class:`RawView`) when some are
not, so that one error lists every problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Protocol

from medalliance.errors import Problem, format_path
from medalliance.model.alliance import Alliance, AllianceChange, Membership
from medalliance.model.common import Provenance
from medalliance.model.dates import change_lead_problems
from medalliance.model.figures import DeclaredFigure
from medalliance.model.institution import TIER_REQUIRED, InstitutionKind
from medalliance.model.labels import did_you_mean

__all__ = ["RawView", "Records", "missing_tiers", "reference_problems"]


class Records(Protocol):
    """What the check reads: a registry, or a :class:`RawView` of raw input."""

    @property
    def institutions(self) -> Sequence[Any]: ...
    @property
    def alliances(self) -> Sequence[Any]: ...
    @property
    def agreements(self) -> Sequence[Any]: ...
    @property
    def sources(self) -> Sequence[Any]: ...


_ID = attrgetter("id")
_PROVENANCE = attrgetter("provenance")


def _duplicates(problems: list[Problem], field: str, ids: list[Any]) -> set[Any]:
    """Report duplicate ids among ``ids`` (of the records of ``field``); return their set."""
    unique = set(ids)
    if len(unique) != len(ids):
        seen: set[str] = set()
        for i, id_ in enumerate(ids):
            if id_ is None:  # missing in raw input: reported by the record's own validation
                continue
            if id_ in seen:
                problems.append(Problem((field, i, "id"), f"duplicate {field[:-1]} id {id_!r}"))
            seen.add(id_)
    return unique


def missing_tiers(data: dict[str, Any]) -> list[Problem]:
    """Find hospitals given with neither tier nor level in raw input.

    The institution's own check reports this only once its other fields are valid; the scan
    lets one error list it beside them.
    """
    out = []
    records = data.get("institutions")
    for i, rec in enumerate(records if isinstance(records, list | tuple) else ()):
        if not isinstance(rec, dict) or rec.get("tier") is not None or rec.get("level") is not None:
            continue
        kind_label = rec.get("kind")
        kind = InstitutionKind.table().lookup(kind_label) if isinstance(kind_label, str) else None
        if kind is not None and kind.default_tier is None:
            out.append(Problem(("institutions", i, "tier"), TIER_REQUIRED))
    return out


class RawView:
    """Read-only attribute view of raw input data, for the reference scan of invalid input.

    Missing or malformed collections read as empty, records that are not mappings as empty
    records, unhashable values as their repr, so the scan reports what it can and never fails
    on data the field validators already rejected. A missing id or reference reads as
    ``None`` and is skipped by the scan (the field validators report it).
    """

    __slots__ = ("_d",)
    _COLLECTIONS = frozenset(
        {
            "institutions",
            "alliances",
            "agreements",
            "sources",
            "memberships",
            "shared_centres",
            "expert_clinics",
            "staff_postings",
            "declared",
            "parties",
            "lead",
        }
    )

    def __init__(self, d: Any) -> None:
        self._d = d

    def __getattr__(self, name: str) -> Any:
        d = self._d
        value = d.get(name) if isinstance(d, dict) else getattr(d, name, None)
        if name in self._COLLECTIONS:
            items = value if isinstance(value, list | tuple) else ()
            if name in ("lead", "parties"):  # ids, not records
                return tuple(_plain(v) for v in items)
            return tuple(RawView(v if isinstance(v, dict) else None) for v in items)
        if name == "members":
            return tuple(m.institution for m in self.memberships)
        if name == "provenance":
            if isinstance(value, dict):
                return RawView(value)
            return value if isinstance(value, Provenance) else None
        return _plain(value)


def _plain(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


_HINTS = 20
"""Unknown references that get a "did you mean" hint (the rest are listed without one)."""


class _ReferenceCheck:
    """Cross-record references of a registry (or of raw input), every problem collected."""

    def __init__(self, reg: Records) -> None:
        self.problems: list[Problem] = []
        self.hints = 0
        self.ids = {
            name: list(map(_ID, getattr(reg, name)))
            for name in ("institutions", "alliances", "agreements", "sources")
        }
        self.inst = _duplicates(self.problems, "institutions", self.ids["institutions"])
        _duplicates(self.problems, "alliances", self.ids["alliances"])
        _duplicates(self.problems, "agreements", self.ids["agreements"])
        self.sources = _duplicates(self.problems, "sources", self.ids["sources"])
        self.members_by_alliance: dict[str, frozenset[str]] = {}
        self.seen_ids: dict[str, dict[str, tuple[Any, ...]]] = {
            "shared centre": {},
            "expert clinic": {},
            "staff posting": {},
        }
        self.alliance_pos: dict[str, int] = {}
        self.parents: dict[str, tuple[int, Any]] = {}

    def unknown(self, path: tuple[Any, ...], kind: str, id_: Any, known: Any) -> None:
        """Report an unknown reference, with the closest known ids for the first few."""
        hint = ""
        if self.hints < _HINTS:
            self.hints += 1
            hint = did_you_mean(id_, [k for k in known if isinstance(k, str)])
        self.problems.append(Problem(path, f"unknown {kind} {id_!r}{hint}"))

    def provenance(self, path: tuple[Any, ...], prov: Provenance | None) -> None:
        if prov is not None and prov.source is not None and prov.source not in self.sources:
            self.unknown((*path, "provenance", "source"), "source", prov.source, self.sources)

    def unique(self, kind: str, path: tuple[Any, ...], id_: str) -> None:
        """``id_`` of a centre, clinic or posting must be unique across the registry."""
        seen = self.seen_ids[kind]
        if id_ in seen:
            msg = f"duplicate {kind} id {id_!r} (also at {_fmt(seen[id_])})"
            self.problems.append(Problem((*path, "id"), msg))
        seen.setdefault(id_, path)

    def alliance(self, ai: int, a: Any) -> None:
        base = ("alliances", ai)
        members = frozenset(map(_INSTITUTION, a.memberships))
        if a.id is not None:
            self.members_by_alliance.setdefault(a.id, members)
            self.alliance_pos.setdefault(a.id, ai)
            if a.part_of is not None and a.part_of != a.id:
                self.parents.setdefault(a.id, (ai, a.part_of))
            elif a.part_of is not None:  # (checked by Alliance too; kept for raw input)
                msg = "an alliance cannot be part of itself"
                self.problems.append(Problem((*base, "part_of"), msg))
        for li, lead in enumerate(a.lead):  # (checked by Alliance too; kept for raw input)
            if lead not in members:
                msg = f"lead {lead!r} is not a member"
                self.problems.append(Problem((*base, "lead", li), msg))
        if not members <= self.inst:  # set arithmetic first: the loop only names the culprits
            for mi, m in enumerate(a.memberships):
                if m.institution is not None and m.institution not in self.inst:
                    path = (*base, "memberships", mi, "institution")
                    self.unknown(path, "institution", m.institution, self.inst)
        _provenances(self, (*base, "memberships"), a.memberships)
        self.provenance(base, a.provenance)
        for ci, c in enumerate(a.shared_centres):
            if c.id is not None:
                self.unique("shared centre", (*base, "shared_centres", ci), c.id)
                self.provenance((*base, "shared_centres", ci), c.provenance)
        for ei, e in enumerate(a.expert_clinics):
            if e.id is not None:
                self.unique("expert clinic", (*base, "expert_clinics", ei), e.id)
                self.provenance((*base, "expert_clinics", ei), e.provenance)
        for pi, p in enumerate(a.staff_postings):
            if p.id is not None:
                self.unique("staff posting", (*base, "staff_postings", pi), p.id)
                self.provenance((*base, "staff_postings", pi), p.provenance)
        if not a.declared:
            return
        local_subjects = members | {a.id}
        for records in (a.shared_centres, a.expert_clinics, a.staff_postings):
            local_subjects |= {r.id for r in records}
        for fi, f in enumerate(a.declared):
            _check_figure(self.problems, (*base, "declared", fi), f, local_subjects)
            self.provenance((*base, "declared", fi), f.provenance)

    def agreement(self, gi: int, g: Any) -> None:
        base = ("agreements", gi)
        party_scope = self.members_by_alliance.get(g.alliance)
        if party_scope is None and g.alliance is not None:
            self.unknown((*base, "alliance"), "alliance", g.alliance, self.members_by_alliance)
        for pi, p in enumerate(g.parties):
            if p is None:
                continue
            if p not in self.inst:
                self.unknown((*base, "parties", pi), "institution", p, self.inst)
            if party_scope is not None and p not in party_scope:
                msg = f"party {p!r} is not a member of alliance {g.alliance!r}"
                self.problems.append(Problem((*base, "parties", pi), msg))
        self.provenance(base, g.provenance)

    def parents_known_and_acyclic(self) -> None:
        """Every ``part_of`` names an alliance of the registry, and no chain returns to itself."""
        for ai, parent in self.parents.values():
            if parent not in self.alliance_pos:
                self.unknown(("alliances", ai, "part_of"), "alliance", parent, self.alliance_pos)
        done: set[str] = set()
        for start in self.parents:
            chain: list[str] = []
            at: Any = start
            while at in self.parents and at not in done and at not in chain:
                chain.append(at)
                at = self.parents[at][1]
            done.update(chain)
            if at in chain:
                cycle = chain[chain.index(at) :]
                first = min(cycle, key=lambda x: self.parents[x][0])
                i = cycle.index(first)
                shown = " -> ".join(map(repr, [*cycle[i:], *cycle[:i], first]))
                msg = f"part_of forms a cycle: {shown}"
                self.problems.append(Problem(("alliances", self.parents[first][0], "part_of"), msg))


def reference_problems(reg: Records, *, ids: dict[str, list[Any]] | None = None) -> list[Problem]:
    """Every broken reference and repeated id of ``reg`` (a registry or a view of raw input).

    ``ids``, when given, receives the ids of the institutions, alliances, agreements and
    sources in their order (the registry reuses them to check that order).

    Examples
    --------
    >>> from medalliance import examples
    >>> reference_problems(examples.load("gangkou"))
    []
    """
    check = _ReferenceCheck(reg)
    if ids is not None:
        ids.update(check.ids)
    _provenances(check, ("institutions",), reg.institutions)
    for ai, a in enumerate(reg.alliances):
        check.alliance(ai, a)
        check.problems += _change_lead_problems(ai, a)
    check.parents_known_and_acyclic()
    for gi, g in enumerate(reg.agreements):
        check.agreement(gi, g)
    return check.problems


def _change_lead_problems(ai: int, a: Any) -> list[Problem]:
    """New leads not members on their change's date, for an alliance or its raw input."""
    if isinstance(a, Alliance):
        changes, memberships = a.changes, a.memberships
    else:  # raw input: read the changes and memberships when they are valid on their own
        raw: Any = a._d if isinstance(a, RawView) else None
        try:
            changes = tuple(AllianceChange.model_validate(c) for c in raw["changes"])
            memberships = tuple(Membership.model_validate(m) for m in raw["memberships"])
        except (TypeError, KeyError, ValueError):  # MedAllianceError is a ValueError
            return []
    found = change_lead_problems(changes, memberships)
    return [Problem(("alliances", ai, *p.path), p.message) for p in found]


_INSTITUTION = attrgetter("institution")


def _provenances(check: _ReferenceCheck, path: tuple[Any, ...], records: Sequence[Any]) -> None:
    """Check the provenance of each of ``records`` (``path`` leads to their list)."""
    provenances = list(map(_PROVENANCE, records))
    if provenances.count(None) == len(provenances):  # the usual case, without a Python loop
        return
    for i, prov in enumerate(provenances):
        if prov is not None:
            check.provenance((*path, i), prov)


def _check_figure(
    problems: list[Problem],
    path: tuple[Any, ...],
    fig: DeclaredFigure,
    subjects: frozenset[str] | set[str],
) -> None:
    if fig.subject is not None and fig.subject not in subjects:
        problems.append(
            Problem(
                (*path, "subject"),
                f"subject {fig.subject!r} is not a member, centre or clinic of this alliance",
            )
        )


def _fmt(path: tuple[Any, ...]) -> str:
    return format_path(path)

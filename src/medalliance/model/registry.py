"""The :class:`Registry`: the frozen aggregate of institutions, alliances and agreements.

A registry is the single source of truth every other part of medalliance reads. Building one
validates each record and then the references between them, reporting **every** problem with
its path in one :class:`~medalliance.errors.MedAllianceError`: duplicate ids, unknown
institutions, a lead that is not a member, agreement parties outside their alliance, a
specialty alliance without a specialty, a centre serving a non-member, negative or
non-integer counts, unknown sources.

Institutions, alliances, agreements and sources are kept sorted by id (their canonical
order), so two registries with the same content compare equal and serialise identically.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("shanghai_luwan")
>>> reg.alliance("luwan_ruijin").lead
('ruijin',)
>>> reg.institution("ruijin").tier
<Tier.TERTIARY: 'tertiary'>
>>> sorted(a.id for a in reg.alliances_of("ruijin"))
['luwan_ruijin']
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from functools import cached_property
from itertools import islice
from operator import attrgetter
from typing import Any

from pydantic import ValidationError, model_validator

from medalliance._gc import paused_gc
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model.agreement import Agreement
from medalliance.model.alliance import Alliance, DeclaredFigure
from medalliance.model.common import Provenance
from medalliance.model.institution import TIER_REQUIRED, Institution, InstitutionKind
from medalliance.model.types import FrozenModel, Id, IsoDate, NonEmptyText, render_html

__all__ = ["Registry", "Source"]


class Source(FrozenModel):
    """A source document facts are taken from (an article, a policy, a dataset)."""

    id: Id
    """Unique source id, referred to by :class:`~medalliance.model.common.Provenance`."""
    title: NonEmptyText
    """Title of the source."""
    file: NonEmptyText | None = None
    """File name of a stored copy (e.g. the seed article's file name)."""
    url: NonEmptyText | None = None
    """Where the source was published, when known."""
    published: IsoDate | None = None
    """Publication date, when known."""
    note: NonEmptyText | None = None
    """Remarks: encoding problems, reliability."""


def _sort_by_id(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return ``items`` sorted by id (the same tuple when it already is)."""
    ids = [x.id for x in items]
    if all(map(operator.le, ids, islice(ids, 1, None))):
        return items
    return tuple(sorted(items, key=attrgetter("id")))


class Registry(FrozenModel):
    """Institutions, alliances and agreements, validated together.

    Construct it with keyword arguments ``institutions``, ``alliances``, ``agreements`` and
    ``sources`` (models or plain dicts; stored as tuples sorted by id) and optionally ``title``
    and ``description``.

    Raises
    ------
    MedAllianceError
        Listing every invalid record and every broken reference, with paths.

    Examples
    --------
    >>> reg = Registry(
    ...     institutions=[
    ...         {"id": "h", "name": "某县人民医院", "kind": "综合医院", "level": "二级甲等"},
    ...         {"id": "t", "name": "某镇卫生院", "kind": "乡镇卫生院"},
    ...     ],
    ...     alliances=[{"id": "a", "name": "某县医共体", "form": "县域医共体", "lead": ["h"],
    ...                 "memberships": [{"institution": "h", "role": "lead"},
    ...                                 {"institution": "t", "role": "hub"}]}],
    ... )
    >>> reg.alliance("a").members
    ('h', 't')
    >>> reg.replace(agreements=[{"id": "g", "alliance": "a", "parties": ["h", "x"],
    ...                          "items": ["双向转诊"]}])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - agreements[0].parties[1]: unknown institution 'x'
      - agreements[0].parties[1]: party 'x' is not a member of alliance 'a'
    """

    title: NonEmptyText | None = None
    """What the registry describes."""
    description: NonEmptyText | None = None
    """Longer description, e.g. what was inferred and why."""
    sources: tuple[Source, ...] = ()
    """Sources the records cite, sorted by id."""
    institutions: tuple[Institution, ...] = ()
    """Every institution, sorted by id."""
    alliances: tuple[Alliance, ...] = ()
    """Every alliance, sorted by id."""
    agreements: tuple[Agreement, ...] = ()
    """Every agreement, sorted by id."""

    def __init__(self, /, **data: Any) -> None:
        with paused_gc():
            super().__init__(**data)

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Registry:
        """Validate plain data (or a registry) into a :class:`Registry`.

        Raises
        ------
        MedAllianceError
            Listing every invalid record and broken reference, with paths.

        Examples
        --------
        >>> Registry.model_validate({"institutions": [{"id": "v", "name": "某村卫生室",
        ...                                            "kind": "村卫生室"}]})
        Registry(institutions=1, alliances=0, agreements=0)
        """
        with paused_gc():
            return super().model_validate(obj, **kwargs)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Registry:
        """Validate a JSON document into a :class:`Registry`.

        Duplicate keys are not detected here; :func:`medalliance.io.registry_from_json`
        detects them.

        Raises
        ------
        MedAllianceError
            Listing every invalid record and broken reference, with paths.

        Examples
        --------
        >>> Registry.model_validate_json('{"institutions": []}')
        Registry(institutions=0, alliances=0, agreements=0)
        """
        with paused_gc():
            return super().model_validate_json(json_data, **kwargs)

    @model_validator(mode="wrap")
    @classmethod
    def _report_everything(cls, data: Any, handler: Any) -> Any:
        """Report broken references even when some records are invalid.

        The raw input is scanned too, so one error lists every problem instead of revealing
        them a pass at a time.
        """
        try:
            return handler(data)
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            first = MedAllianceError.from_validation_error(exc).problems
            seen = {(p.path, p.message) for p in first}
            scanned = (*_missing_tiers(data), *_reference_problems(_Raw(data)))
            extra = [p for p in scanned if (p.path, p.message) not in seen]
            if not extra:
                raise
            raise MedAllianceError([*first, *extra]) from None

    @model_validator(mode="after")
    def _check_references(self) -> Registry:
        problems = _reference_problems(self)
        if problems:
            raise MedAllianceError(problems)
        for name in ("institutions", "alliances", "agreements", "sources"):
            items = getattr(self, name)
            ordered = _sort_by_id(items)
            if ordered is not items:
                object.__setattr__(self, name, ordered)
        return self

    # -- lookups -----------------------------------------------------------------------------

    @cached_property
    def _institution_index(self) -> dict[str, Institution]:
        return {i.id: i for i in self.institutions}

    @cached_property
    def _alliance_index(self) -> dict[str, Alliance]:
        return {a.id: a for a in self.alliances}

    @cached_property
    def _agreement_index(self) -> dict[str, Agreement]:
        return {g.id: g for g in self.agreements}

    @cached_property
    def _alliances_by_member(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for a in self.alliances:
            for m in a.memberships:
                out.setdefault(m.institution, []).append(a.id)
        return {k: tuple(v) for k, v in out.items()}

    def institution(self, id: str) -> Institution:
        """Return the institution with ``id``.

        Raises
        ------
        UnknownIdError
            If there is none; the message suggests close ids.

        Examples
        --------
        >>> from medalliance import examples
        >>> examples.load("shanghai_luwan").institution("ruijin").name
        '上海交通大学医学院附属瑞金医院'
        """
        found = self._institution_index.get(id)
        if found is None:
            raise _unknown("institution", id, self._institution_index)
        return found

    def alliance(self, id: str) -> Alliance:
        """Return the alliance with ``id``.

        Raises
        ------
        UnknownIdError
            If there is none.

        Examples
        --------
        >>> from medalliance import examples
        >>> examples.load("shanghai_luwan").alliance("luwan_ruijin").form.value
        'urban_medical_group'
        """
        found = self._alliance_index.get(id)
        if found is None:
            raise _unknown("alliance", id, self._alliance_index)
        return found

    def agreement(self, id: str) -> Agreement:
        """Return the agreement with ``id``.

        Raises
        ------
        UnknownIdError
            If there is none.

        Examples
        --------
        >>> from medalliance import examples
        >>> examples.load("beijing_tongren").agreement("tongren_agreement").parties[0]
        'tongren'
        """
        found = self._agreement_index.get(id)
        if found is None:
            raise _unknown("agreement", id, self._agreement_index)
        return found

    def has_institution(self, id: str) -> bool:
        """Whether an institution with ``id`` exists.

        Examples
        --------
        >>> from medalliance import examples
        >>> examples.load("beijing_tongren").has_institution("puren")
        True
        """
        return id in self._institution_index

    def alliances_of(self, institution: str) -> tuple[Alliance, ...]:
        """Alliances ``institution`` is a member of (in id order).

        Raises
        ------
        UnknownIdError
            If the institution does not exist.

        Examples
        --------
        >>> from medalliance import examples
        >>> [a.id for a in examples.load("beijing_tongren").alliances_of("puren")]
        ['tongren_alliance']
        """
        self.institution(institution)
        return tuple(
            self._alliance_index[a] for a in self._alliances_by_member.get(institution, ())
        )

    def agreements_of(self, alliance: str) -> tuple[Agreement, ...]:
        """Agreements that belong to ``alliance``.

        Raises
        ------
        UnknownIdError
            If the alliance does not exist.

        Examples
        --------
        >>> from medalliance import examples
        >>> [g.id for g in examples.load("beijing_tongren").agreements_of("tongren_alliance")]
        ['tongren_agreement', 'tongren_gerd_intent']
        """
        self.alliance(alliance)
        return tuple(g for g in self.agreements if g.alliance == alliance)

    def members_of(self, alliance: str) -> tuple[Institution, ...]:
        """The member institutions of ``alliance``, in membership order.

        Examples
        --------
        >>> from medalliance import examples
        >>> [i.tier.value for i in examples.load("shanghai_luwan").members_of("luwan_ruijin")][:3]
        ['tertiary', 'secondary', 'secondary']
        """
        return tuple(self._institution_index[m] for m in self.alliance(alliance).members)

    def subset(self, alliances: Iterable[str]) -> Registry:
        """A registry with only the given alliances, their members, agreements and sources.

        Raises
        ------
        UnknownIdError
            If an alliance id does not exist.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("dingzhou")
        >>> sub = reg.subset([reg.alliances[0].id])
        >>> len(sub.alliances), len(sub.institutions) < len(reg.institutions)
        (1, True)
        """
        keep = [self.alliance(a) for a in alliances]
        ids = {a.id for a in keep}
        members = {m for a in keep for m in a.members}
        return Registry(
            institutions=tuple(i for i in self.institutions if i.id in members),
            alliances=tuple(keep),
            agreements=tuple(g for g in self.agreements if g.alliance in ids),
            sources=self.sources,
            title=self.title,
            description=self.description,
        )

    def __len__(self) -> int:
        return len(self.institutions)

    def __repr__(self) -> str:
        title = f"{self.title!r}, " if self.title else ""
        return (
            f"Registry({title}institutions={len(self.institutions)}, "
            f"alliances={len(self.alliances)}, agreements={len(self.agreements)})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return render_html(self, "registry")


def _unknown(kind: str, id_: str, index: dict[str, Any]) -> UnknownIdError:
    import difflib

    close = difflib.get_close_matches(str(id_), list(index)[:100_000], n=3) if index else []
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return UnknownIdError([Problem((), f"unknown {kind} {id_!r}{hint}")])


def _duplicates(problems: list[Problem], field: str, items: Sequence[Any]) -> set[Any]:
    """Report duplicate ids among ``items``; return the set of their ids."""
    ids = [item.id for item in items]
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


def _missing_tiers(data: dict[str, Any]) -> list[Problem]:
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


class _Raw:
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
            return tuple(_Raw(v if isinstance(v, dict) else None) for v in items)
        if name == "members":
            return tuple(m.institution for m in self.memberships)
        if name == "provenance":
            if isinstance(value, dict):
                return _Raw(value)
            return value if isinstance(value, Provenance) else None
        return _plain(value)


def _plain(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class _ReferenceCheck:
    """Cross-record references of a registry (or of raw input), every problem collected."""

    def __init__(self, reg: Registry | _Raw) -> None:
        self.problems: list[Problem] = []
        self.inst = _duplicates(self.problems, "institutions", reg.institutions)
        _duplicates(self.problems, "alliances", reg.alliances)
        _duplicates(self.problems, "agreements", reg.agreements)
        self.sources = _duplicates(self.problems, "sources", reg.sources)
        self.members_by_alliance: dict[str, frozenset[str]] = {}
        self.seen_ids: dict[str, dict[str, tuple[Any, ...]]] = {
            "shared centre": {},
            "expert clinic": {},
        }

    def provenance(self, path: tuple[Any, ...], prov: Provenance | None) -> None:
        if prov is not None and prov.source is not None and prov.source not in self.sources:
            msg = f"unknown source {prov.source!r}"
            self.problems.append(Problem((*path, "provenance", "source"), msg))

    def unique(self, kind: str, path: tuple[Any, ...], id_: str) -> None:
        """``id_`` of a shared centre or expert clinic must be unique across the registry."""
        seen = self.seen_ids[kind]
        if id_ in seen:
            msg = f"duplicate {kind} id {id_!r} (also at {_fmt(seen[id_])})"
            self.problems.append(Problem((*path, "id"), msg))
        seen.setdefault(id_, path)

    def alliance(self, ai: int, a: Any) -> None:
        base = ("alliances", ai)
        members = frozenset(a.members)
        if a.id is not None:
            self.members_by_alliance.setdefault(a.id, members)
        for li, lead in enumerate(a.lead):  # (checked by Alliance too; kept for raw input)
            if lead not in members:
                msg = f"lead {lead!r} is not a member"
                self.problems.append(Problem((*base, "lead", li), msg))
        if not members <= self.inst:  # set arithmetic first: the loop only names the culprits
            for mi, m in enumerate(a.memberships):
                if m.institution is not None and m.institution not in self.inst:
                    path = (*base, "memberships", mi, "institution")
                    self.problems.append(Problem(path, f"unknown institution {m.institution!r}"))
        for mi, m in enumerate(a.memberships):
            if m.provenance is not None:
                self.provenance((*base, "memberships", mi), m.provenance)
        self.provenance(base, a.provenance)
        for ci, c in enumerate(a.shared_centres):
            if c.id is not None:
                self.unique("shared centre", (*base, "shared_centres", ci), c.id)
                self.provenance((*base, "shared_centres", ci), c.provenance)
        for ei, e in enumerate(a.expert_clinics):
            if e.id is not None:
                self.unique("expert clinic", (*base, "expert_clinics", ei), e.id)
                self.provenance((*base, "expert_clinics", ei), e.provenance)
        local_subjects = (
            members | {c.id for c in a.shared_centres} | {e.id for e in a.expert_clinics} | {a.id}
        )
        for fi, f in enumerate(a.declared):
            _check_figure(self.problems, (*base, "declared", fi), f, local_subjects)
            self.provenance((*base, "declared", fi), f.provenance)

    def agreement(self, gi: int, g: Any) -> None:
        base = ("agreements", gi)
        party_scope = self.members_by_alliance.get(g.alliance)
        if party_scope is None and g.alliance is not None:
            self.problems.append(Problem((*base, "alliance"), f"unknown alliance {g.alliance!r}"))
        for pi, p in enumerate(g.parties):
            if p is None:
                continue
            if p not in self.inst:
                msg = f"unknown institution {p!r}"
                self.problems.append(Problem((*base, "parties", pi), msg))
            if party_scope is not None and p not in party_scope:
                msg = f"party {p!r} is not a member of alliance {g.alliance!r}"
                self.problems.append(Problem((*base, "parties", pi), msg))
        self.provenance(base, g.provenance)


def _reference_problems(reg: Registry | _Raw) -> list[Problem]:
    check = _ReferenceCheck(reg)
    for i, ins in enumerate(reg.institutions):
        if ins.provenance is not None:
            check.provenance(("institutions", i), ins.provenance)
    for ai, a in enumerate(reg.alliances):
        check.alliance(ai, a)
    for gi, g in enumerate(reg.agreements):
        check.agreement(gi, g)
    return check.problems


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
    from medalliance.errors import format_path

    return format_path(path)

"""The :class:`Registry`: the frozen aggregate of institutions, alliances and agreements.

A registry is the single source of truth every other part of medalliance reads. Building one
validates each record and then the references between them, reporting **every** problem with
its path in one :class:`~medalliance.errors.MedAllianceError`: duplicate ids, unknown
institutions, a lead that is not a member, agreement parties outside their alliance, a
specialty alliance without a specialty, a centre serving a non-member, negative or
non-integer counts, unknown sources, a ``part_of`` naming an unknown alliance or closing a
cycle.

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

import datetime as _dt
import json
import operator
from collections.abc import Iterable
from functools import cached_property
from itertools import islice
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator, model_validator

from medalliance._gc import paused_gc
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model import divisions as _div
from medalliance.model._references import RawView, missing_tiers, reference_problems
from medalliance.model.agreement import Agreement
from medalliance.model.alliance import Alliance
from medalliance.model.divisions import Division
from medalliance.model.institution import Institution
from medalliance.model.labels import did_you_mean
from medalliance.model.types import (
    REPLACED_FROM,
    FrozenModel,
    Id,
    IsoDate,
    NonEmptyText,
    render_html,
    trusted,
)

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


def _sort_by_id(items: tuple[Any, ...], ids: list[Any]) -> tuple[Any, ...]:
    """Return ``items`` (whose ids are ``ids``) sorted by id (the same tuple when it already is)."""
    if all(map(operator.le, ids, islice(ids, 1, None))):
        return items
    return tuple(sorted(items, key=attrgetter("id")))


class _BrokenReferencesError(MedAllianceError):
    """Raised by the registry's own reference check (its records are all valid)."""


def _registry_error(exc: ValidationError, data: Any) -> MedAllianceError:
    """Convert ``exc``; when records are invalid, add the broken references of the raw input.

    When some records are invalid, the registry's own reference check never runs; scanning
    the raw input (``data``: keyword arguments, plain data or JSON text) lets one error list
    every problem instead of revealing them a pass at a time. This runs on the error path
    only: a wrap validator doing it would make pydantic turn every JSON document into Python
    objects before validating it, which made loading twice as slow.
    """
    err = MedAllianceError.from_validation_error(exc)
    inner = ((e.get("ctx") or {}).get("error") for e in exc.errors())
    if any(isinstance(error, _BrokenReferencesError) for error in inner):
        return err
    if isinstance(data, str | bytes | bytearray):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            return err
    if not isinstance(data, dict):
        return err
    seen = {(p.path, p.message) for p in err.problems}
    scanned = (
        *missing_tiers(data),
        *reference_problems(RawView(data)),
        *_div.raw_division_problems(data),
    )
    extra = [p for p in scanned if (p.path, p.message) not in seen]
    if not extra:
        return err
    return MedAllianceError([*err.problems, *extra])


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
    divisions: tuple[Division, ...] = ()
    """Own division records; each replaces the bundled records of its code (model.divisions)."""

    def __init__(self, /, **data: Any) -> None:
        with paused_gc():
            try:
                BaseModel.__init__(self, **data)
            except ValidationError as exc:
                raise _registry_error(exc, data) from None

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
            try:
                return super(FrozenModel, cls).model_validate(obj, **kwargs)
            except ValidationError as exc:
                raise _registry_error(exc, obj) from None

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
            try:
                return super(FrozenModel, cls).model_validate_json(json_data, **kwargs)
            except ValidationError as exc:
                raise _registry_error(exc, json_data) from None

    @field_validator("institutions", "alliances", "agreements", "sources", "divisions", mode="wrap")
    @classmethod
    def _revalidate_parts(cls, value: Any, handler: Any, info: ValidationInfo) -> Any:
        """Validate every part again, except those of the registry being replaced or subset.

        pydantic accepts a model instance as it is, but ``model_copy(update=...)`` and
        ``model_construct`` skip validation: parts given as instances are validated again
        from their fields (:func:`_as_input`), so a registry never holds a part its files
        would refuse. A field whose items all belong to the registry named in the context
        (:meth:`replace`, :meth:`subset`) is kept as it is: they were validated with it.
        """
        source = info.context.get(REPLACED_FROM) if isinstance(info.context, dict) else None
        if isinstance(source, Registry) and isinstance(value, tuple | list):
            own = getattr(source, info.field_name or "")
            if value is own:
                return value
            ids = {id(x) for x in own}
            if all(id(x) in ids for x in value):
                return tuple(value)
        return handler(_as_input(value))

    @classmethod
    def _from_valid_records(cls, fields: dict[str, Any]) -> Registry:
        """Build a registry from ``fields`` whose records are already validated instances.

        For the fast JSON load (:mod:`medalliance.io._json_load`), which validated every
        record from the text: pydantic would run each record's after-validators again on the
        instances. Only the registry's own check runs here (``_check_references``, its only
        validator; ``tests/test_io.py`` checks that it stays the only one).

        Raises
        ------
        MedAllianceError
            For broken references or repeated ids.
        """
        values = {name: fields.get(name, info.default) for name, info in cls.model_fields.items()}
        registry = trusted(cls, values)
        object.__setattr__(registry, "__pydantic_fields_set__", set(fields))
        registry._check_references()  # type: ignore[operator]  # (pydantic wraps the method)
        return registry

    @model_validator(mode="after")
    def _check_references(self) -> Registry:
        ids: dict[str, list[Any]] = {}
        problems = reference_problems(self, ids=ids)
        problems += _div.division_problems(self.divisions)
        if problems:
            raise _BrokenReferencesError(problems)
        for name in ("institutions", "alliances", "agreements", "sources"):
            items = getattr(self, name)
            ordered = _sort_by_id(items, ids[name])
            if ordered is not items:
                object.__setattr__(self, name, ordered)
        object.__setattr__(self, "divisions", _div.sorted_divisions(self.divisions))
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
    def _sub_alliances(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for a in self.alliances:
            if a.part_of is not None:
                out.setdefault(a.part_of, []).append(a.id)
        return {k: tuple(v) for k, v in out.items()}

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

    def sub_alliances(self, alliance: str) -> tuple[Alliance, ...]:
        """The alliances (centres, sub-alliances) that are ``part_of`` ``alliance``, in id order.

        Only the direct units; call it again on each for deeper levels.

        Raises
        ------
        UnknownIdError
            If the alliance does not exist.

        Examples
        --------
        >>> reg = Registry(
        ...     institutions=[{"id": "h", "name": "某省人民医院", "kind": "综合医院",
        ...                    "level": "三甲"}],
        ...     alliances=[
        ...         {"id": "region", "name": "某省区域医联体", "form": "城市医疗集团",
        ...          "lead": ["h"], "memberships": [{"institution": "h", "role": "lead"}]},
        ...         {"id": "onco", "name": "某省区域医联体肿瘤诊疗中心", "form": "专科联盟",
        ...          "specialty": "肿瘤科", "unit": "诊疗中心", "part_of": "region",
        ...          "lead": ["h"], "memberships": [{"institution": "h", "role": "lead"}]}])
        >>> [a.id for a in reg.sub_alliances("region")], reg.sub_alliances("onco")
        (['onco'], ())
        """
        self.alliance(alliance)
        return tuple(self._alliance_index[a] for a in self._sub_alliances.get(alliance, ()))

    def parent_of(self, alliance: str) -> Alliance | None:
        """The alliance ``alliance`` is ``part_of``, or ``None`` (none, or not in the registry).

        Raises
        ------
        UnknownIdError
            If the alliance does not exist.

        Examples
        --------
        >>> from medalliance import examples
        >>> print(examples.load("dingzhou").parent_of("dingzhou_mch_alliance"))
        None
        """
        parent = self.alliance(alliance).part_of
        return None if parent is None else self._alliance_index[parent]

    def members_of(self, alliance: str) -> tuple[Institution, ...]:
        """The member institutions of ``alliance``, in membership order.

        Examples
        --------
        >>> from medalliance import examples
        >>> [i.tier.value for i in examples.load("shanghai_luwan").members_of("luwan_ruijin")][:3]
        ['tertiary', 'secondary', 'secondary']
        """
        return tuple(self._institution_index[m] for m in self.alliance(alliance).members)

    @cached_property
    def _as_of_views(self) -> dict[_dt.date, Registry]:
        return {}

    def as_of(self, on: _dt.date | str) -> Registry:
        """The registry as it stood on ``on``: only what was in force that day.

        Left out: institutions not open that day, alliances not founded yet or dissolved,
        memberships not begun or ended (and alliances left without a lead), agreements whose
        ``valid_from``/``valid_until`` exclude the day or whose parties are not all members
        then, expert clinics and staff postings outside their dates, and anything referring
        to what was left out. Dated changes up to the day are applied (form, tightness, lead;
        the view holds the values of the day and no changes), an institution takes the name
        it had then and regions the division of the day (:mod:`~medalliance.model.divisions`).
        Events still to come are not part of
        the view: ``left``, ``dissolved`` and ``closed`` dates (all on or after the day for
        what is kept), and changes and renames after it. Undated records always stay, so a
        registry without dates is returned as it is. The rule is
        :func:`medalliance.model.dates.in_force` (both ends inclusive). Views are cached per
        day with the registry.

        Parameters
        ----------
        on : datetime.date or str
            The day, e.g. ``"2018-12-31"``.

        Raises
        ------
        MedAllianceError
            If ``on`` is not a date.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("shanghai_luwan")
        >>> len(reg.as_of("2010-12-31").alliances), len(reg.as_of("2011-01-28").alliances)
        (0, 1)
        """
        from medalliance.model._as_of import as_date, registry_as_of

        day = as_date(on)
        views = self._as_of_views
        view = views.get(day)
        if view is None:
            view = views[day] = registry_as_of(self, day)
        return view

    def subset(self, alliances: Iterable[str]) -> Registry:
        """A registry with only the given alliances, their members, agreements and sources.

        A kept alliance that is ``part_of`` an alliance left out keeps the parent's name, as
        ``part_of_name``.

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
        keep = [
            a.replace(part_of=None, part_of_name=self.alliance(a.part_of).name)
            if a.part_of is not None and a.part_of not in ids
            else a
            for a in keep
        ]
        members = {m for a in keep for m in a.members}
        data = {
            "institutions": tuple(i for i in self.institutions if i.id in members),
            "alliances": tuple(keep),
            "agreements": tuple(g for g in self.agreements if g.alliance in ids),
            "sources": self.sources,
            "divisions": self.divisions,
            "title": self.title,
            "description": self.description,
        }
        return Registry.model_validate(data, context={REPLACED_FROM: self})

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


def _as_input(value: Any) -> Any:
    """Model instances inside ``value`` as plain input data: their fields, recursively.

    Only declared fields are taken (a cached property kept in an instance's ``__dict__`` is
    not one); lists and tuples of records become lists.

    Examples
    --------
    >>> from medalliance.model.common import Region
    >>> _as_input((Region(province="浙江省"), {"x": Region()}))[0]["province"]
    '浙江省'
    """
    if isinstance(value, _PLAIN):  # most values: checked first, and cheaply
        return value
    declared = getattr(type(value), "__pydantic_fields__", None)
    if declared is not None:
        given = value.__dict__
        return {k: _as_input(given[k]) for k in declared if k in given}
    if isinstance(value, list | tuple):
        return [_as_input(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_input(v) for k, v in value.items()}
    return value


_PLAIN = (str, int, float, type(None))  # label enums are str subclasses


def _unknown(kind: str, id_: str, index: dict[str, Any]) -> UnknownIdError:
    hint = did_you_mean(id_, index.keys())
    return UnknownIdError([Problem((), f"unknown {kind} {id_!r}{hint}")])

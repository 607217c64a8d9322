"""Alliances (医联体): form, tightness, memberships, centres, clinics, postings, sub-units.

The four forms of 国办发〔2017〕32号 are :class:`AllianceForm`: urban medical group
(城市医疗集团), county medical community (县域医共体), specialty alliance (专科联盟) and
telemedicine network (远程医疗协作网). :class:`Tightness` orders how integrated an alliance is,
from an agreement among independent legal persons (松散型) to one legal entity (merged); it may
be set member by member (:attr:`Membership.tightness`, 一院一策).

An alliance may be a unit inside another one (:attr:`Alliance.part_of`): a 诊疗中心 of a
regional alliance is an alliance record of :class:`AllianceUnit` ``centre`` with its own lead
and members. Staff posted from one member to another (派驻) are
:class:`~medalliance.model.staffing.StaffPosting` s, and facts a source states without
itemising them are :class:`~medalliance.model.figures.DeclaredFigure` s (re-exported here).

Examples
--------
>>> AllianceForm.parse("县域医共体")
<AllianceForm.COUNTY_MEDICAL_COMMUNITY: 'county_medical_community'>
>>> Tightness.parse("紧密型") > Tightness.parse("松散型")
True
>>> a = Alliance(id="a1", name="某医联体", form="城市医疗集团", lead=("h1",),
...              memberships=[{"institution": "h1", "role": "牵头"},
...                           {"institution": "c1", "role": "成员单位", "tightness": "紧密型"}])
>>> a.members
('h1', 'c1')
>>> a.tightness_of("h1").value, a.tightness_of("c1").value
('loose', 'tight')
"""

from __future__ import annotations

import datetime as _dt
from functools import cached_property
from operator import attrgetter
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from medalliance.errors import MedAllianceError, Problem, duplicate_problems
from medalliance.model.agreement import ItemTuple
from medalliance.model.alliance_vocab import (
    AllianceForm,
    AllianceUnit,
    CentreKind,
    MemberRole,
    Tightness,
)
from medalliance.model.common import Provenance, Region
from medalliance.model.figures import DeclaredFigure, FigureUnit, Qualifier
from medalliance.model.staffing import StaffPosting, posting_problems
from medalliance.model.types import (
    FrozenModel,
    Id,
    IsoDate,
    NonEmptyText,
    NonNegInt,
    no_duplicates,
    render_html,
)
from medalliance.model.vocab import (
    ServiceKind,
    ServiceKindField,
    SpecialtyField,
    WeekdayField,
)

__all__ = [
    "Alliance",
    "AllianceChange",
    "AllianceForm",
    "AllianceUnit",
    "CentreKind",
    "DeclaredFigure",
    "ExpertClinic",
    "FigureUnit",
    "MemberRole",
    "Membership",
    "Qualifier",
    "SharedCentre",
    "Tightness",
]


RoleField = MemberRole
FormField = AllianceForm
TightnessField = Tightness
CentreKindField = CentreKind
IdTuple = Annotated[tuple[Id, ...], AfterValidator(no_duplicates)]


class Membership(FrozenModel):
    """One institution's membership of an alliance."""

    institution: Id
    """Id of the member institution."""
    role: RoleField = MemberRole.MEMBER
    """Role in the alliance."""
    tightness: TightnessField | None = None
    """How tightly this member is joined, when it is set member by member (一院一策);
    ``None`` means the alliance's :attr:`Alliance.tightness`."""
    joined: IsoDate | None = None
    """Date the institution joined, when known."""
    left: IsoDate | None = None
    """Last day the institution was a member, when it has left (not before ``joined``; the
    alliance checks the dates of its memberships together)."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""


class SharedCentre(FrozenModel):
    """A shared-service or management centre hosted by one member and serving others."""

    id: Id
    """Unique centre id (unique across the registry)."""
    kind: CentreKindField
    """What the centre is."""
    host: Id
    """Id of the member that hosts the centre."""
    name: NonEmptyText | None = None
    """Name of the centre, when it has one."""
    services: Annotated[tuple[ServiceKindField, ...], AfterValidator(no_duplicates)] = ()
    """Services provided; empty means the kind's :attr:`CentreKind.default_services`."""
    serves: Literal["all"] | IdTuple = "all"
    """Members served: ``"all"`` (every member of the alliance) or a tuple of member ids."""
    capacity_per_day: NonNegInt | None = None
    """Units of service per day (examinations, tests, items), when known."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""

    @property
    def effective_services(self) -> tuple[ServiceKind, ...]:
        """``services`` if given, else the kind's default services.

        Examples
        --------
        >>> from medalliance import examples
        >>> centre = examples.load("gangkou").alliance("gangkou_community").shared_centres[0]
        >>> centre.id, [s.value for s in centre.effective_services]
        ('gangkou_imaging', ['ct', 'colour_doppler', 'ultrasound'])
        """
        return self.services or self.kind.default_services


class ExpertClinic(FrozenModel):
    """A programme of expert clinics (专家坐诊): experts of ``host`` hold clinics at ``site``."""

    id: Id
    """Unique programme id (unique across the registry)."""
    host: Id
    """Id of the member that sends the experts."""
    site: Id
    """Id of the member where the clinics are held."""
    department: SpecialtyField
    """Department / specialty of the experts."""
    weekdays: Annotated[
        tuple[WeekdayField, ...], Field(min_length=1), AfterValidator(no_duplicates)
    ]
    """Days of the week the clinic is held."""
    start: IsoDate | None = None
    """First clinic date, when known."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""

    @model_validator(mode="after")
    def _check(self) -> ExpertClinic:
        if self.host == self.site:
            raise MedAllianceError(
                [Problem(("site",), "an expert clinic's site must differ from its host")]
            )
        return self


class AllianceChange(FrozenModel):
    """A dated change of an alliance's form, tightness or lead (an event, not an overwrite).

    From ``date`` on, the alliance has the values given here; the alliance's own fields hold
    the values from its founding until its first change. A new lead must be a member on the
    change's date; applying the change (:meth:`~medalliance.model.registry.Registry.as_of`)
    gives the new leads the role ``lead`` and the former leads the role ``member``.

    Examples
    --------
    >>> AllianceChange(date="2018-01-01", tightness="紧密型").tightness.value
    'tight'
    """

    date: IsoDate
    """First day the new values hold."""
    form: FormField | None = None
    """The new form, when it changes."""
    tightness: TightnessField | None = None
    """The new alliance-wide tightness, when it changes."""
    lead: Annotated[IdTuple, Field(min_length=1)] | None = None
    """The new lead(s), when the lead changes."""
    note: NonEmptyText | None = None
    """What happened, in the source's words."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""

    @model_validator(mode="after")
    def _check(self) -> AllianceChange:
        if self.form is None and self.tightness is None and self.lead is None:
            raise MedAllianceError(
                [Problem(("date",), "a change must give a new form, tightness or lead")]
            )
        return self


class Alliance(FrozenModel):
    """A medical alliance (医联体) of any of the four forms, or a unit inside one.

    Per-alliance rules checked here: leads are members with role ``lead`` and every ``lead``
    member is listed in ``lead``; no institution is a member twice; a specialty alliance names
    its specialty; centre, clinic and posting ids are unique; hosts, sites and members served
    are members; when ``tightness`` is ``None`` every membership states its own; an alliance
    is not part of itself. Rules that need the other records (unknown ids, the parent of
    ``part_of``, cycles) are checked by :class:`~medalliance.model.registry.Registry`.
    """

    id: Id
    """Unique alliance id."""
    name: NonEmptyText
    """Official name in simplified Chinese."""
    name_en: NonEmptyText | None = None
    """English name, when known."""
    aliases: Annotated[tuple[NonEmptyText, ...], AfterValidator(no_duplicates)] = ()
    """Other names."""
    form: FormField
    """Which of the four forms the alliance takes."""
    unit: AllianceUnit = AllianceUnit.ALLIANCE
    """What the record is: an alliance (the default) or a centre (诊疗中心) inside one."""
    part_of: Id | None = None
    """Id of the alliance this one is a unit of (a centre's regional alliance), when that
    alliance is in the registry."""
    part_of_name: NonEmptyText | None = None
    """Name of the alliance this one is a unit of, when that alliance is not in the registry
    (its members are not itemised); never together with ``part_of``."""
    tightness: TightnessField | None = Tightness.LOOSE
    """How integrated the alliance is (default loose). ``None``: set member by member
    (一院一策), and then every membership states its :attr:`Membership.tightness`."""
    lead: Annotated[IdTuple, Field(min_length=1)]
    """Id(s) of the lead institution(s) (牵头单位)."""
    memberships: Annotated[tuple[Membership, ...], Field(min_length=1)]
    """Every member, leads included, with its role."""
    specialty: SpecialtyField | None = None
    """The specialty (required for a specialty alliance)."""
    region: Region = Region()
    """Area the alliance covers or is based in."""
    founded: IsoDate | None = None
    """Founding / signing date."""
    dissolved: IsoDate | None = None
    """Last day the alliance existed, when it was dissolved (not before ``founded``)."""
    changes: tuple[AllianceChange, ...] = ()
    """Dated changes of form, tightness or lead, in date order (see :class:`AllianceChange`)."""
    provisions: ItemTuple = ()
    """Cooperation items that apply alliance-wide (to every pair of members)."""
    shared_centres: tuple[SharedCentre, ...] = ()
    """Shared-service and management centres."""
    expert_clinics: tuple[ExpertClinic, ...] = ()
    """Expert-clinic programmes."""
    staff_postings: tuple[StaffPosting, ...] = ()
    """Staff posted from one member to work at another (派驻 / 下沉)."""
    declared: tuple[DeclaredFigure, ...] = ()
    """Figures the source states but does not itemise."""
    policy_basis: Annotated[tuple[NonEmptyText, ...], AfterValidator(no_duplicates)] = ()
    """Policy documents the alliance is founded on."""
    description: NonEmptyText | None = None
    """Short description."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""

    @model_validator(mode="after")
    def _check(self) -> Alliance:
        roles: dict[str, MemberRole] = {}
        problems = _membership_problems(self, roles)
        if self.form is AllianceForm.SPECIALTY_ALLIANCE and self.specialty is None:
            problems.append(Problem(("specialty",), "a specialty alliance must name its specialty"))
        if self.part_of is not None and self.part_of == self.id:
            problems.append(Problem(("part_of",), "an alliance cannot be part of itself"))
        if self.part_of is not None and self.part_of_name is not None:
            problems.append(
                Problem(
                    ("part_of_name",),
                    "give part_of (an alliance in the registry) or part_of_name (one that is "
                    "not), not both",
                )
            )
        problems += _centre_and_clinic_problems(self, roles)
        problems += posting_problems(self.staff_postings, roles)
        if (
            self.dissolved is not None
            or self.changes
            or self.founded is not None
            or any(map(_LEFT, self.memberships))
        ):
            problems += _date_problems(self, roles)
        if problems:
            raise MedAllianceError(problems)
        return self

    @property
    def members(self) -> tuple[str, ...]:
        """Ids of every member, leads included, in membership order.

        Examples
        --------
        >>> from medalliance import examples
        >>> luwan = examples.load("shanghai_luwan").alliance("luwan_ruijin")
        >>> luwan.members[:3]
        ('ruijin', 'ruijin_luwan_branch', 'luwan_dongnan')
        """
        return tuple(map(_INSTITUTION, self.memberships))

    def role_of(self, institution: str) -> MemberRole | None:
        """The role of ``institution`` in this alliance, or ``None`` if it is not a member.

        Examples
        --------
        >>> a = Alliance(id="a", name="n", form="urban_medical_group", lead=("h",),
        ...              memberships=[{"institution": "h", "role": "lead"}])
        >>> a.role_of("h"), a.role_of("x")
        (<MemberRole.LEAD: 'lead'>, None)
        """
        for m in self.memberships:
            if m.institution == institution:
                return m.role
        return None

    @cached_property
    def _tightness_by_member(self) -> dict[str, Tightness]:
        """The one rule for a member's tightness: its own, else the alliance's."""
        return {
            m.institution: level
            for m in self.memberships
            if (level := m.tightness or self.tightness) is not None
        }

    def tightness_of(self, institution: str) -> Tightness | None:
        """How tightly ``institution`` is joined: its own tightness, else the alliance's.

        ``None`` if it is not a member. Every table and analysis that reads tightness per
        member calls this.

        Examples
        --------
        >>> a = Alliance(id="a", name="n", form="urban_medical_group", tightness=None,
        ...              lead=("h",), memberships=[
        ...                  {"institution": "h", "role": "lead", "tightness": "tight"},
        ...                  {"institution": "c", "tightness": "semi_tight"}])
        >>> a.tightness_of("c"), a.tightness_of("x")
        (<Tightness.SEMI_TIGHT: 'semi_tight'>, None)
        """
        return self._tightness_by_member.get(institution)

    @property
    def tightness_range(self) -> tuple[Tightness, Tightness]:
        """The loosest and the tightest of the members' tightness (:meth:`tightness_of`).

        Examples
        --------
        >>> a = Alliance(id="a", name="n", form="urban_medical_group", tightness="tight",
        ...              lead=("h",), memberships=[{"institution": "h", "role": "lead"},
        ...                                        {"institution": "c", "tightness": "loose"}])
        >>> [t.value for t in a.tightness_range]
        ['loose', 'tight']
        """
        levels = self._tightness_by_member.values()
        return min(levels), max(levels)

    @property
    def tightness_label(self) -> str:
        """The alliance's tightness as text: its value, or ``per_member (low–high)``.

        Examples
        --------
        >>> a = Alliance(id="a", name="n", form="urban_medical_group", tightness=None,
        ...              lead=("h",), memberships=[
        ...                  {"institution": "h", "role": "lead", "tightness": "tight"},
        ...                  {"institution": "c", "tightness": "loose"}])
        >>> a.tightness_label
        'per_member (loose–tight)'
        """
        if self.tightness is not None:
            return str(self.tightness.value)
        low, high = self.tightness_range
        span = low.value if low is high else f"{low.value}–{high.value}"
        return f"per_member ({span})"

    def declared_value(self, metric: str, *, subject: str | None = None) -> DeclaredFigure | None:
        """The first declared figure for ``metric`` (and ``subject``), or ``None``.

        Examples
        --------
        >>> from medalliance import examples
        >>> luwan = examples.load("shanghai_luwan").alliance("luwan_ruijin")
        >>> luwan.declared_value("member_count").value, luwan.declared_value("beds")
        (7, None)
        """
        for fig in self.declared:
            if fig.metric == metric and (subject is None or fig.subject == subject):
                return fig
        return None

    def __repr__(self) -> str:
        return (
            f"Alliance({self.id!r}, {self.name!r}, {self.form.value}, {self.tightness_label}, "
            f"members={len(self.memberships)})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return render_html(self, "alliance")


_INSTITUTION = attrgetter("institution")
_ROLE = attrgetter("role")
_TIGHTNESS = attrgetter("tightness")
_LEFT = attrgetter("left")


def _membership_problems(a: Alliance, roles: dict[str, MemberRole]) -> list[Problem]:
    """Problems of members and leads; fills ``roles`` (member id -> role)."""
    ids = list(map(_INSTITUTION, a.memberships))
    member_roles = list(map(_ROLE, a.memberships))
    roles.update(zip(ids, member_roles, strict=True))
    if (  # the usual, valid alliance, checked without a Python loop over its members
        len(roles) == len(ids)
        and (a.tightness is not None or None not in map(_TIGHTNESS, a.memberships))
        and all(roles.get(lead) is MemberRole.LEAD for lead in a.lead)
        and member_roles.count(MemberRole.LEAD) == len(set(a.lead))
    ):
        return []
    roles.clear()
    problems: list[Problem] = []
    for i, m in enumerate(a.memberships):
        if m.institution in roles:
            problems.append(
                Problem(
                    ("memberships", i, "institution"),
                    f"{m.institution!r} is listed as a member twice",
                )
            )
        else:
            roles[m.institution] = m.role
        if a.tightness is None and m.tightness is None:
            problems.append(
                Problem(
                    ("memberships", i, "tightness"),
                    "required: the alliance's tightness is None (set member by member)",
                )
            )
    for i, lead in enumerate(a.lead):
        role = roles.get(lead)
        if role is None:
            problems.append(Problem(("lead", i), f"lead {lead!r} is not a member"))
        elif role is not MemberRole.LEAD:
            problems.append(
                Problem(("lead", i), f"lead {lead!r} has member role {role.value!r}, not 'lead'")
            )
    leads = set(a.lead)
    for i, m in enumerate(a.memberships):
        if m.role is MemberRole.LEAD and m.institution not in leads:
            problems.append(
                Problem(
                    ("memberships", i, "role"),
                    f"{m.institution!r} has role 'lead' but is not in 'lead'",
                )
            )
    return problems


def _centre_and_clinic_problems(a: Alliance, roles: dict[str, MemberRole]) -> list[Problem]:
    """Repeated ids, and hosts, sites or members served that are not members."""
    problems = duplicate_problems("shared_centres", [c.id for c in a.shared_centres])
    problems += duplicate_problems("expert_clinics", [c.id for c in a.expert_clinics])
    for i, c in enumerate(a.shared_centres):
        if c.host not in roles:
            problems.append(
                Problem(("shared_centres", i, "host"), f"host {c.host!r} is not a member")
            )
        if c.serves != "all":
            problems.extend(
                Problem(("shared_centres", i, "serves", j), f"centre serves non-member {s!r}")
                for j, s in enumerate(c.serves)
                if s not in roles
            )
    for i, e in enumerate(a.expert_clinics):
        for fld in ("host", "site"):
            ref = getattr(e, fld)
            if ref not in roles:
                problems.append(
                    Problem(("expert_clinics", i, fld), f"{fld} {ref!r} is not a member")
                )
    return problems


def _date_problems(a: Alliance, roles: dict[str, MemberRole]) -> list[Problem]:
    """Dates out of order: dissolved before founded, members or changes outside the life."""
    problems: list[Problem] = []
    first, last = a.founded, a.dissolved
    if first is not None and last is not None and last < first:
        problems.append(Problem(("dissolved",), f"dissolved ({last}) before founded ({first})"))
    for i, m in enumerate(a.memberships):
        if m.left is not None and m.joined is not None and m.left < m.joined:
            problems.append(
                Problem(("memberships", i, "left"), f"left ({m.left}) before joined ({m.joined})")
            )
        if m.joined is not None and last is not None and m.joined > last:
            problems.append(
                Problem(
                    ("memberships", i, "joined"),
                    f"{m.institution!r} joined ({m.joined}) after the alliance was dissolved "
                    f"({last})",
                )
            )
    for i, c in enumerate(a.changes):
        if (first is not None and c.date < first) or (last is not None and c.date > last):
            problems.append(
                Problem(
                    ("changes", i, "date"),
                    f"change dated {c.date} is outside the alliance's life "
                    f"({first or 'unknown'} to {last or 'now'})",
                )
            )
        if i and c.date <= a.changes[i - 1].date:
            problems.append(
                Problem(("changes", i, "date"), "changes must be in date order, one per date")
            )
        for j, lead in enumerate(c.lead or ()):
            if lead not in roles:
                problems.append(
                    Problem(("changes", i, "lead", j), f"new lead {lead!r} is not a member")
                )
    problems += _lead_period_problems(a, roles)
    return problems


def _lead_period_problems(a: Alliance, roles: dict[str, MemberRole]) -> list[Problem]:
    """A lead may not leave while it leads (until the next change of lead or dissolution).

    A lead that joined after the founding date is not an error (older files say so); the
    advisory date checks report it.
    """
    index = {m.institution: i for i, m in enumerate(a.memberships)}
    starts: list[tuple[_dt.date | None, tuple[str, ...], tuple[Any, ...]]] = [
        (a.founded, a.lead, ("lead",))
    ]
    starts += [(c.date, c.lead, ("changes", i, "lead")) for i, c in enumerate(a.changes) if c.lead]
    problems: list[Problem] = []
    for k, (_, leads, _path) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else None
        for lead in leads:
            i = index.get(lead)
            if i is None:
                continue  # reported as an unknown lead
            m = a.memberships[i]
            if m.left is not None and (
                (end is None and (a.dissolved is None or m.left < a.dissolved))
                or (end is not None and m.left < end - _dt.timedelta(days=1))
            ):
                problems.append(
                    Problem(
                        ("memberships", i, "left"),
                        f"lead {lead!r} left ({m.left}) while it still leads the alliance "
                        "(record a change of lead first)",
                    )
                )
    return problems

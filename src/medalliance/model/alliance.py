"""Alliances (医联体): form, tightness, memberships, shared centres, expert clinics, figures.

The four forms of 国办发〔2017〕32号 are :class:`AllianceForm`: urban medical group
(城市医疗集团), county medical community (县域医共体), specialty alliance (专科联盟) and
telemedicine network (远程医疗协作网). :class:`Tightness` orders how integrated an alliance is,
from an agreement among independent legal persons (松散型) to one legal entity (merged).

Facts a source states without itemising them — "42 grassroots units", "13,000+ beds
radiated", "10 member MCH institutions of which 6 named" — are :class:`DeclaredFigure` s kept
with their source; they are never turned into invented institutions.

Examples
--------
>>> AllianceForm.parse("县域医共体")
<AllianceForm.COUNTY_MEDICAL_COMMUNITY: 'county_medical_community'>
>>> Tightness.parse("紧密型") > Tightness.parse("松散型")
True
>>> a = Alliance(id="a1", name="某医联体", form="城市医疗集团", lead=("h1",),
...              memberships=[{"institution": "h1", "role": "牵头"},
...                           {"institution": "c1", "role": "成员单位"}])
>>> a.members
('h1', 'c1')
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from medalliance.errors import MedAllianceError, Problem, duplicate_problems
from medalliance.model.agreement import ItemTuple
from medalliance.model.alliance_vocab import AllianceForm, CentreKind, MemberRole, Tightness
from medalliance.model.common import Provenance, Region
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
    LabelledEnum,
    ServiceKind,
    ServiceKindField,
    SpecialtyField,
    WeekdayField,
)

__all__ = [
    "Alliance",
    "AllianceForm",
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
    joined: IsoDate | None = None
    """Date the institution joined, when known."""
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


class FigureUnit(LabelledEnum):
    """Unit of a declared figure."""

    INSTITUTIONS = "institutions"
    BEDS = "beds"
    PEOPLE = "people"
    PATIENT_VISITS = "patient_visits"
    ITEMS = "items"
    TESTS = "tests"
    SESSIONS = "sessions"
    DEPARTMENTS = "departments"
    STAFF = "staff"
    YUAN = "yuan"
    PERCENT = "percent"

    @property
    def is_count(self) -> bool:
        """Whether values in this unit are counts (non-negative integers).

        Examples
        --------
        >>> FigureUnit.INSTITUTIONS.is_count, FigureUnit.YUAN.is_count
        (True, False)
        """
        return self not in {FigureUnit.YUAN, FigureUnit.PERCENT}

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        u = cls
        return {
            u.INSTITUTIONS: ("家", "机构", "institution"),
            u.BEDS: ("张", "床位", "bed"),
            u.PEOPLE: ("人", "persons", "person", "residents"),
            u.PATIENT_VISITS: ("人次", "patient-times", "visits"),
            u.ITEMS: ("件", "item"),
            u.TESTS: ("检测人次", "test"),
            u.SESSIONS: ("次", "session", "postings"),
            u.DEPARTMENTS: ("个科室", "department"),
            u.STAFF: ("名", "staff members"),
            u.YUAN: ("元", "cny", "rmb"),
            u.PERCENT: ("%", "百分比", "pct"),
        }


class Qualifier(LabelledEnum):
    """How a declared value is stated: exactly, at least (以上), more than (超/余), about (约)."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    ABOUT = "about"
    UP_TO = "up_to"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.EXACT: ("=", "exactly"),
            cls.AT_LEAST: ("以上", ">=", "at least"),
            cls.MORE_THAN: ("超", "余", "逾", "多", ">", "more than", "over"),
            cls.ABOUT: ("约", "近", "~", "approximately"),
            cls.UP_TO: ("至多", "<=", "at most"),
        }


class DeclaredFigure(FrozenModel):
    """A figure a source states but does not itemise, kept with its source.

    ``metric`` is a short snake_case name (e.g. ``grassroots_members``, ``beds_radiated``,
    ``service_volume``); ``subject`` optionally names the institution, centre or clinic the
    figure is about; ``service`` the service a volume counts. Counts (every unit except
    ``yuan`` and ``percent``) must be non-negative integers.
    """

    metric: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    """What is counted or measured (snake_case)."""
    value: int | float
    """The stated value."""
    unit: FigureUnit
    """Unit of the value."""
    qualifier: Qualifier = Qualifier.EXACT
    """Whether the value is exact, a lower bound, approximate, ..."""
    subject: Id | None = None
    """Id of the institution, shared centre or expert clinic the figure is about."""
    service: ServiceKindField | None = None
    """Service a volume counts, when the figure is a service volume."""
    period: NonEmptyText | None = None
    """Period the figure refers to, as the source puts it (e.g. ``2018``, ``建设以来``)."""
    description: NonEmptyText | None = None
    """What the figure means, in a sentence."""
    provenance: Provenance | None = None
    """Source of the figure."""

    @model_validator(mode="before")
    @classmethod
    def _reject_bool(cls, data: Any) -> Any:
        value = data.get("value") if isinstance(data, dict) else None
        if isinstance(value, bool):
            raise MedAllianceError([Problem(("value",), "must be a number, not a boolean")])
        if isinstance(value, str | bytes):
            raise MedAllianceError([Problem(("value",), f"must be a number, not text: {value!r}")])
        return data

    @model_validator(mode="after")
    def _check(self) -> DeclaredFigure:
        v = self.value
        if isinstance(v, float) and not math.isfinite(v):
            raise MedAllianceError([Problem(("value",), "must be a finite number")])
        if self.unit.is_count and (not isinstance(v, int) or v < 0):
            raise MedAllianceError(
                [
                    Problem(
                        ("value",),
                        f"a count of {self.unit.value} must be a non-negative integer, got {v!r}",
                    )
                ]
            )
        return self


class Alliance(FrozenModel):
    """A medical alliance (医联体) of any of the four forms.

    Per-alliance rules checked here: leads are members with role ``lead`` and every ``lead``
    member is listed in ``lead``; no institution is a member twice; a specialty alliance names
    its specialty; centre and clinic ids are unique. Rules that need the institutions
    (unknown ids) are checked by :class:`~medalliance.model.registry.Registry`.
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
    tightness: TightnessField = Tightness.LOOSE
    """How integrated the alliance is (default loose)."""
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
    provisions: ItemTuple = ()
    """Cooperation items that apply alliance-wide (to every pair of members)."""
    shared_centres: tuple[SharedCentre, ...] = ()
    """Shared-service and management centres."""
    expert_clinics: tuple[ExpertClinic, ...] = ()
    """Expert-clinic programmes."""
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
        problems: list[Problem] = []
        roles: dict[str, MemberRole] = {}
        for i, m in enumerate(self.memberships):
            if m.institution in roles:
                problems.append(
                    Problem(
                        ("memberships", i, "institution"),
                        f"{m.institution!r} is listed as a member twice",
                    )
                )
            else:
                roles[m.institution] = m.role
        for i, lead in enumerate(self.lead):
            role = roles.get(lead)
            if role is None:
                problems.append(Problem(("lead", i), f"lead {lead!r} is not a member"))
            elif role is not MemberRole.LEAD:
                problems.append(
                    Problem(
                        ("lead", i), f"lead {lead!r} has member role {role.value!r}, not 'lead'"
                    )
                )
        leads = set(self.lead)
        for i, m in enumerate(self.memberships):
            if m.role is MemberRole.LEAD and m.institution not in leads:
                problems.append(
                    Problem(
                        ("memberships", i, "role"),
                        f"{m.institution!r} has role 'lead' but is not in 'lead'",
                    )
                )
        if self.form is AllianceForm.SPECIALTY_ALLIANCE and self.specialty is None:
            problems.append(Problem(("specialty",), "a specialty alliance must name its specialty"))
        problems += duplicate_problems("shared_centres", [c.id for c in self.shared_centres])
        problems += duplicate_problems("expert_clinics", [c.id for c in self.expert_clinics])
        for i, c in enumerate(self.shared_centres):
            if c.host not in roles:
                problems.append(
                    Problem(("shared_centres", i, "host"), f"host {c.host!r} is not a member")
                )
            if c.serves != "all":
                for j, s in enumerate(c.serves):
                    if s not in roles:
                        problems.append(
                            Problem(
                                ("shared_centres", i, "serves", j),
                                f"centre serves non-member {s!r}",
                            )
                        )
        for i, e in enumerate(self.expert_clinics):
            for fld in ("host", "site"):
                ref = getattr(e, fld)
                if ref not in roles:
                    problems.append(
                        Problem(("expert_clinics", i, fld), f"{fld} {ref!r} is not a member")
                    )
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
        return tuple(m.institution for m in self.memberships)

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
            f"Alliance({self.id!r}, {self.name!r}, {self.form.value}, {self.tightness.value}, "
            f"members={len(self.memberships)})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return render_html(self, "alliance")

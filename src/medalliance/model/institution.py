"""Institutions: tiers, grades, kinds, ownership and the :class:`Institution` model.

China grades hospitals in three levels (三级十等: 一级/二级/三级, each 甲/乙/丙, plus 三级特等);
grassroots institutions sit below or at the lowest level. medalliance orders them as
``village < primary < secondary < tertiary`` (:class:`Tier`, with an integer ``rank``).
Grassroots kinds imply their tier: a 村卫生室 (village clinic) or 社区卫生服务站 (community
health service station) is ``village``; a 乡镇卫生院 or 社区卫生服务中心 is ``primary`` unless
stated otherwise (some central township centres are rated 二级). A stated tier the kind does not
allow is an error, not a silent correction. The vocabularies and the level parser live in
:mod:`medalliance.model.institution_vocab` and are re-exported here.

Examples
--------
>>> parse_level("三甲")
(<Tier.TERTIARY: 'tertiary'>, <Grade.A: 'A'>)
>>> parse_level("二級")
(<Tier.SECONDARY: 'secondary'>, None)
>>> Tier.VILLAGE < Tier.PRIMARY < Tier.TERTIARY
True
>>> clinic = Institution(id="v1", name="某村卫生室", kind="村卫生室")
>>> clinic.tier, clinic.is_grassroots
(<Tier.VILLAGE: 'village'>, True)
"""

from __future__ import annotations

from pydantic import Field, model_validator

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.common import Provenance, Region
from medalliance.model.institution_vocab import (
    _GRASSROOTS,
    _NOT_GRADED,
    TIER_REQUIRED,
    TIER_UNGRADED,
    Grade,
    InstitutionKind,
    Ownership,
    Tier,
    parse_level,
)
from medalliance.model.types import (
    FrozenModel,
    Id,
    IsoDate,
    Latitude,
    Longitude,
    NonEmptyText,
    NonNegInt,
    no_duplicates,
    render_html,
)
from medalliance.model.vocab import ServiceKindField, SpecialtyField

__all__ = [
    "TIER_REQUIRED",
    "TIER_UNGRADED",
    "FormerName",
    "Grade",
    "Institution",
    "InstitutionKind",
    "Ownership",
    "Tier",
    "parse_level",
]


_ALLOWED_TIERS_BY_KIND = {k: k.allowed_tiers for k in InstitutionKind}


TierField = Tier
GradeField = Grade
KindField = InstitutionKind
OwnershipField = Ownership


class FormerName(FrozenModel):
    """A name an institution had until a date (a rename: 更名).

    Examples
    --------
    >>> FormerName(name="卢湾区五里桥街道社区卫生服务中心", until="2011-06-07").until.year
    2011
    """

    name: NonEmptyText
    """The former name."""
    until: IsoDate
    """Last day the institution had this name."""


class Institution(FrozenModel):
    """A medical or care institution (医疗卫生机构).

    ``tier`` may be omitted for grassroots kinds (it is implied); a ``level`` label such as
    ``三级甲等`` may be given instead of ``tier`` + ``grade`` and is split into both. The level
    ``未定级`` (ungraded) sets ``grade`` to ``ungraded`` and leaves the tier to the kind (a
    clinic is ``village``) or to an explicit ``tier`` (an ungraded private hospital).

    Examples
    --------
    >>> h = Institution(id="qhu", name="青海大学附属医院", kind="综合医院", level="三级甲等",
    ...                 region={"province": "青海省", "city": "西宁市"})
    >>> (h.tier, h.grade, h.level_zh)
    (<Tier.TERTIARY: 'tertiary'>, <Grade.A: 'A'>, '三级甲等')
    >>> Institution(id="x", name="某村卫生室", kind="村卫生室", tier="tertiary")
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - tier: a village_clinic cannot be tertiary (allowed: village)
    """

    id: Id
    """Unique id within the registry (ASCII letters, digits, ``_ . -``)."""
    name: NonEmptyText
    """Official name in simplified Chinese."""
    name_en: NonEmptyText | None = None
    """English name, when known."""
    aliases: tuple[NonEmptyText, ...] = ()
    """Other names: short names, former names, traditional-character spellings."""
    kind: KindField
    """What the institution is."""
    tier: TierField = Field(default=None)  # type: ignore[assignment]  # set by _check
    """Level in the hierarchy; implied for grassroots kinds when omitted, required otherwise."""
    grade: GradeField | None = None
    """Grade within the level (甲/乙/丙/特等), ``ungraded`` (未定级: holds no official level),
    or ``None`` when not known."""
    ownership: OwnershipField | None = None
    """Public or private; ``None`` when the source does not say."""
    region: Region = Region()
    """Administrative location."""
    lat: Latitude | None = None
    """WGS84 latitude in degrees (given together with ``lon``)."""
    lon: Longitude | None = None
    """WGS84 longitude in degrees (given together with ``lat``)."""
    beds: NonNegInt | None = None
    """Number of approved inpatient beds, when known."""
    specialties: tuple[SpecialtyField, ...] = ()
    """Clinical specialties / departments of note."""
    services: tuple[ServiceKindField, ...] = ()
    """Services and equipment the institution offers itself."""
    population_served: NonNegInt | None = None
    """Residents in the institution's service area, when known."""
    opened: IsoDate | None = None
    """First day the institution was open, when known."""
    closed: IsoDate | None = None
    """Last day the institution was open, when it has closed or merged into another."""
    former_names: tuple[FormerName, ...] = ()
    """Earlier names, oldest first, each with the last day it was used; ``name`` is the name
    after the last of them."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""
    level: str | None = Field(default=None, exclude=True, repr=False)
    """Input only: a level label such as ``三级甲等`` that sets ``tier`` and ``grade``; always
    ``None`` on a validated institution."""

    @model_validator(mode="after")
    def _check(self) -> Institution:
        # fast path: the common, valid record costs a few dict/len lookups
        d = self.__dict__
        if d["level"] is not None or d["tier"] is None:
            self._apply_level_and_default_tier()
        tier, grade = d["tier"], d["grade"]
        if (
            tier in _ALLOWED_TIERS_BY_KIND[d["kind"]]
            and (
                grade is None
                or grade is Grade.UNGRADED
                or (
                    tier is not Tier.VILLAGE
                    and d["kind"] not in _NOT_GRADED
                    and (grade is not Grade.SPECIAL or tier is Tier.TERTIARY)
                )
            )
            and (d["lat"] is None) == (d["lon"] is None)
            # no value listed twice (inline: this runs once per institution of a file)
            and (len(x := d["services"]) < 2 or len(set(x)) == len(x))
            and (len(x := d["specialties"]) < 2 or len(set(x)) == len(x))
            and (len(x := d["aliases"]) < 2 or len(set(x)) == len(x))
            and not d["former_names"]
            and (d["closed"] is None or d["opened"] is None or d["opened"] <= d["closed"])
        ):
            return self
        problems: list[Problem] = []
        allowed = self.kind.allowed_tiers
        if self.tier not in allowed:
            names = ", ".join(t.value for t in sorted(allowed))
            problems.append(
                Problem(
                    ("tier",), f"a {self.kind.value} cannot be {self.tier.value} (allowed: {names})"
                )
            )
        if self.grade is not None and self.grade is not Grade.UNGRADED:
            if self.tier is Tier.VILLAGE:
                problems.append(Problem(("grade",), "village-tier institutions are not graded"))
            elif not self.kind.takes_grade:
                problems.append(
                    Problem(
                        ("grade",),
                        f"kind {self.kind.value!r} is not a hospital and holds no hospital grade "
                        "(use 'ungraded' / 未定级, or leave the grade out)",
                    )
                )
            elif self.grade is Grade.SPECIAL and self.tier is not Tier.TERTIARY:
                problems.append(
                    Problem(("grade",), "grade 'special' (特等) exists only for tertiary")
                )
        for name in ("aliases", "specialties", "services"):  # (one check, not three validators)
            values = getattr(self, name)
            if len(values) > 1 and len(set(values)) != len(values):
                try:
                    no_duplicates(values)
                except ValueError as exc:
                    problems.append(Problem((name,), str(exc)))
        problems += _date_problems(self)
        if (self.lat is None) != (self.lon is None):
            problems.append(
                Problem(
                    ("lat" if self.lat is None else "lon",), "lat and lon must be given together"
                )
            )
        if problems:
            raise MedAllianceError(problems)
        return self

    def _apply_level_and_default_tier(self) -> None:
        """Turn ``level`` into tier and grade, or imply the tier from the kind."""
        d = self.__dict__
        level = d["level"]
        if level is not None:
            try:
                tier, grade = parse_level(level)
            except MedAllianceError as exc:
                raise exc.with_prefix(("level",)) from None
            problems = []
            if tier is not None and d["tier"] is not None and d["tier"] is not tier:
                problems.append(
                    Problem(("tier",), f"tier {d['tier'].value!r} contradicts level {level!r}")
                )
            if grade is not None and d["grade"] is not None and d["grade"] is not grade:
                problems.append(
                    Problem(("grade",), f"grade {d['grade'].value!r} contradicts level {level!r}")
                )
            if problems:
                raise MedAllianceError(problems)
            if tier is not None:
                d["tier"] = tier
            if grade is not None:
                d["grade"] = grade
            d["level"] = None
        if d["tier"] is None:
            default = d["kind"].default_tier
            if default is None:
                message = TIER_REQUIRED if d["grade"] is not Grade.UNGRADED else TIER_UNGRADED
                raise MedAllianceError([Problem(("tier",), message)])
            d["tier"] = default

    @property
    def is_grassroots(self) -> bool:
        """Whether this is a grassroots institution (基层医疗卫生机构).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("shanghai_luwan")
        >>> reg.institution("wuliqiao_chc").is_grassroots, reg.institution("ruijin").is_grassroots
        (True, False)
        """
        return self.kind in _GRASSROOTS

    @property
    def level_zh(self) -> str:
        """The level in Chinese, e.g. ``三级甲等``, ``村级`` or ``未定级`` (ungraded).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("shanghai_luwan")
        >>> reg.institution("ruijin").level_zh
        '三级甲等'
        """
        if self.grade is Grade.UNGRADED:
            return self.grade.label_zh
        return self.tier.label_zh + (self.grade.label_zh if self.grade is not None else "")

    @property
    def has_coordinates(self) -> bool:
        """Whether ``lat``/``lon`` are given.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("shanghai_luwan")
        >>> reg.institution("ruijin").has_coordinates
        False
        """
        return self.lat is not None

    def __repr__(self) -> str:
        return f"Institution({self.id!r}, {self.name!r}, {self.kind.value}, {self.level_zh})"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return render_html(self, "institution")


def _date_problems(i: Institution) -> list[Problem]:
    """Closed before opened; former names out of order or outside the institution's life."""
    problems: list[Problem] = []
    if i.opened is not None and i.closed is not None and i.closed < i.opened:
        problems.append(Problem(("closed",), f"closed ({i.closed}) before opened ({i.opened})"))
    for k, former in enumerate(i.former_names):
        if k and former.until <= i.former_names[k - 1].until:
            problems.append(
                Problem(("former_names", k, "until"), "former names must be oldest first")
            )
        if (i.opened is not None and former.until < i.opened) or (
            i.closed is not None and former.until >= i.closed
        ):
            problems.append(
                Problem(
                    ("former_names", k, "until"),
                    f"renamed on {former.until} outside the institution's life",
                )
            )
    return problems

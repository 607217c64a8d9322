"""Institutions: tiers, grades, kinds, ownership and the :class:`Institution` model.

China grades hospitals in three levels (三级十等: 一级/二级/三级, each 甲/乙/丙, plus 三级特等);
grassroots institutions sit below or at the lowest level. medalliance orders them as
``village < primary < secondary < tertiary`` (:class:`Tier`, with an integer ``rank``).
Grassroots kinds imply their tier: a 村卫生室 (village clinic) or 社区卫生服务站 (community
health service station) is ``village``; a 乡镇卫生院 or 社区卫生服务中心 is ``primary`` unless
stated otherwise (some central township centres are rated 二级). A stated tier the kind does not
allow is an error, not a silent correction.

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

from typing import Any

from pydantic import Field, model_validator

from medalliance.errors import LabelError, MedAllianceError, Problem
from medalliance.model.common import Provenance, Region
from medalliance.model.labels import normalize_label
from medalliance.model.types import (
    FrozenModel,
    Id,
    Latitude,
    Longitude,
    NonEmptyText,
    NonNegInt,
    no_duplicates,
    render_html,
)
from medalliance.model.vocab import LabelledEnum, RankedEnum, ServiceKindField, SpecialtyField

__all__ = [
    "Grade",
    "Institution",
    "InstitutionKind",
    "Ownership",
    "Tier",
    "parse_level",
]


_UNGRADED_LABELS = ("未定级", "未评级", "not graded", "unrated")


class Tier(RankedEnum):
    """Level of an institution in the referral hierarchy, ordered by :attr:`rank`.

    ``village`` (村级: village clinics, community health service stations) < ``primary``
    (一级: township health centres, community health service centres, first-level hospitals)
    < ``secondary`` (二级: county and district hospitals) < ``tertiary`` (三级: city,
    provincial and national hospitals).
    """

    VILLAGE = "village"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"

    @classmethod
    def _missing_(cls, value: object) -> Tier | None:
        """Also accept a grade-less level label such as ``二级医院``."""
        found = super()._missing_(value)
        if found is None and isinstance(value, str):
            level = _LEVELS.get(normalize_label(value))
            if level is not None and level[1] is None:
                found = level[0]
        return found

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.VILLAGE: ("村级", "村", "村卫生室级", "level 0", "grassroots village"),
            cls.PRIMARY: ("一级", "一级医院", "一级医疗机构", "level 1", "first level", "1"),
            cls.SECONDARY: ("二级", "二级医院", "二级医疗机构", "level 2", "second level", "2"),
            cls.TERTIARY: ("三级", "三级医院", "三级医疗机构", "level 3", "third level", "3"),
        }


class Grade(LabelledEnum):
    """Grade within a hospital level: 甲 (A) > 乙 (B) > 丙 (C); 特等 (special, tertiary only).

    ``ungraded`` (未定级 / 未评级) records that an institution holds **no** official level or
    grade — a statistical category of its own, e.g. many private hospitals — as opposed to
    ``None``, which means the grade is not known. An ungraded institution's tier is its place
    in the referral hierarchy: implied by its kind where the kind implies one, else stated.
    """

    SPECIAL = "special"
    A = "A"
    B = "B"
    C = "C"
    UNGRADED = "ungraded"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.SPECIAL: ("特等", "grade special"),
            cls.A: ("甲等", "甲", "grade a"),
            cls.B: ("乙等", "乙", "grade b"),
            cls.C: ("丙等", "丙", "grade c"),
            cls.UNGRADED: _UNGRADED_LABELS,
        }


class Ownership(LabelledEnum):
    """Public (公立) or private (民营 / 社会办) ownership."""

    PUBLIC = "public"
    PRIVATE = "private"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.PUBLIC: ("公立", "公办", "政府办", "国有", "government"),
            cls.PRIVATE: ("民营", "私立", "社会办", "社会办医", "非公立", "民办"),
        }


class InstitutionKind(LabelledEnum):
    """What an institution is (机构类别).

    The grassroots kinds (基层医疗卫生机构) follow the statistical yearbooks' category:
    社区卫生服务中心(站), 卫生院 (乡镇 and 街道), 门诊部, 诊所 (卫生所, 医务室) and 村卫生室, plus
    the 社区医院 (community hospital), a community or township centre upgraded to run beds.
    A 诊所 or 门诊部 is not a hospital and takes no hospital grade (甲/乙/丙/特等).
    """

    GENERAL_HOSPITAL = "general_hospital"
    TCM_HOSPITAL = "tcm_hospital"
    SPECIALTY_HOSPITAL = "specialty_hospital"
    MCH_INSTITUTION = "mch_institution"
    COMMUNITY_HOSPITAL = "community_hospital"
    COMMUNITY_HEALTH_CENTRE = "community_health_centre"
    COMMUNITY_HEALTH_STATION = "community_health_station"
    TOWNSHIP_HEALTH_CENTRE = "township_health_centre"
    VILLAGE_CLINIC = "village_clinic"
    OUTPATIENT_DEPARTMENT = "outpatient_department"
    CLINIC = "clinic"
    NURSING_REHAB = "nursing_rehab"
    ELDERLY_CARE = "elderly_care"
    EMERGENCY_CENTRE = "emergency_centre"
    PUBLIC_HEALTH = "public_health"
    OTHER = "other"

    @property
    def is_grassroots(self) -> bool:
        """Whether the kind is a grassroots institution (基层医疗卫生机构).

        Examples
        --------
        >>> InstitutionKind.TOWNSHIP_HEALTH_CENTRE.is_grassroots
        True
        >>> InstitutionKind.GENERAL_HOSPITAL.is_grassroots
        False
        """
        return self in _GRASSROOTS

    @property
    def default_tier(self) -> Tier | None:
        """The tier implied when none is stated (``None``: must be stated).

        Examples
        --------
        >>> InstitutionKind.TOWNSHIP_HEALTH_CENTRE.default_tier
        <Tier.PRIMARY: 'primary'>
        >>> InstitutionKind.GENERAL_HOSPITAL.default_tier is None  # a hospital states its tier
        True
        """
        return _DEFAULT_TIER.get(self)

    @property
    def takes_grade(self) -> bool:
        """Whether the kind can hold a hospital grade (甲/乙/丙/特等); any kind may be ungraded.

        Examples
        --------
        >>> InstitutionKind.GENERAL_HOSPITAL.takes_grade, InstitutionKind.CLINIC.takes_grade
        (True, False)
        """
        return self not in _NOT_GRADED

    @property
    def allowed_tiers(self) -> frozenset[Tier]:
        """Tiers an institution of this kind may have.

        Examples
        --------
        >>> sorted(t.value for t in InstitutionKind.TOWNSHIP_HEALTH_CENTRE.allowed_tiers)
        ['primary', 'secondary']
        """
        return _ALLOWED_TIERS.get(self, _ALL_TIERS)

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        k = cls
        return {
            k.GENERAL_HOSPITAL: (
                "综合医院",
                "人民医院",
                "县医院",
                "县人民医院",
                "general hospital",
            ),
            k.TCM_HOSPITAL: (
                "中医医院",
                "中医院",
                "中西医结合医院",
                "民族医院",
                "tcm hospital",
                "traditional chinese medicine hospital",
            ),
            k.SPECIALTY_HOSPITAL: (
                "专科医院",
                "肿瘤医院",
                "儿童医院",
                "妇产医院",
                "妇产科医院",
                "口腔医院",
                "眼科医院",
                "精神病医院",
                "精神卫生中心",
                "传染病医院",
                "specialty hospital",
                "specialist hospital",
            ),
            k.MCH_INSTITUTION: (
                "妇幼保健院",
                "妇幼保健所",
                "妇幼保健机构",
                "妇幼保健院所",
                "妇幼保健计划生育服务中心",
                "maternal and child health hospital",
                "maternal and child health institution",
                "mch hospital",
            ),
            k.COMMUNITY_HOSPITAL: ("社区医院", "community hospital"),
            k.COMMUNITY_HEALTH_CENTRE: (
                "社区卫生服务中心",
                "community health service centre",
                "community health service center",
                "community health centre",
                "community health center",
            ),
            k.COMMUNITY_HEALTH_STATION: (
                "社区卫生服务站",
                "community health service station",
                "community health station",
            ),
            k.TOWNSHIP_HEALTH_CENTRE: (
                "乡镇卫生院",
                "中心卫生院",
                "卫生院",
                "乡卫生院",
                "镇卫生院",
                "街道卫生院",
                "township health centre",
                "township health center",
                "township hospital",
            ),
            k.VILLAGE_CLINIC: ("村卫生室", "村卫生站", "村卫生所", "村医务室", "village clinic"),
            k.OUTPATIENT_DEPARTMENT: ("门诊部", "outpatient department"),
            k.CLINIC: ("诊所", "卫生所", "医务室", "个体诊所", "clinic", "infirmary"),
            k.NURSING_REHAB: (
                "护理院",
                "康复医院",
                "康复机构",
                "专业康复机构",
                "护理康复机构",
                "nursing home",
                "rehabilitation institution",
                "rehabilitation hospital",
            ),
            k.ELDERLY_CARE: ("养老机构", "养老院", "敬老院", "elderly care institution"),
            k.EMERGENCY_CENTRE: (
                "急救中心",
                "急救站",
                "急救中心站",
                "emergency centre",
                "emergency center",
                "first-aid centre",
            ),
            k.PUBLIC_HEALTH: (
                "公共卫生机构",
                "疾病预防控制中心",
                "疾控中心",
                "public health institution",
                "cdc",
            ),
            k.OTHER: ("其他", "其他机构", "other institution"),
        }


# 基层医疗卫生机构 as the statistical yearbooks count them: 社区卫生服务中心(站), 卫生院,
# 门诊部, 诊所(卫生所、医务室), 村卫生室 (e.g. 福建统计年鉴2021 table 17-6), and the
# community hospitals that grew out of community and township centres
_GRASSROOTS = frozenset(
    {
        InstitutionKind.COMMUNITY_HOSPITAL,
        InstitutionKind.COMMUNITY_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_STATION,
        InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        InstitutionKind.VILLAGE_CLINIC,
        InstitutionKind.OUTPATIENT_DEPARTMENT,
        InstitutionKind.CLINIC,
    }
)
# outpatient-only institutions are not hospitals and hold no hospital grade
_NOT_GRADED = frozenset({InstitutionKind.CLINIC, InstitutionKind.OUTPATIENT_DEPARTMENT})
_ALL_TIERS = frozenset(Tier)
_DEFAULT_TIER = {
    InstitutionKind.VILLAGE_CLINIC: Tier.VILLAGE,
    InstitutionKind.COMMUNITY_HEALTH_STATION: Tier.VILLAGE,
    InstitutionKind.CLINIC: Tier.VILLAGE,
    InstitutionKind.COMMUNITY_HEALTH_CENTRE: Tier.PRIMARY,
    InstitutionKind.TOWNSHIP_HEALTH_CENTRE: Tier.PRIMARY,
    InstitutionKind.OUTPATIENT_DEPARTMENT: Tier.PRIMARY,
    InstitutionKind.COMMUNITY_HOSPITAL: Tier.PRIMARY,
}
_ALLOWED_TIERS = {
    InstitutionKind.VILLAGE_CLINIC: frozenset({Tier.VILLAGE}),
    InstitutionKind.COMMUNITY_HEALTH_STATION: frozenset({Tier.VILLAGE}),
    InstitutionKind.CLINIC: frozenset({Tier.VILLAGE, Tier.PRIMARY}),
    InstitutionKind.OUTPATIENT_DEPARTMENT: frozenset({Tier.VILLAGE, Tier.PRIMARY}),
    InstitutionKind.COMMUNITY_HEALTH_CENTRE: frozenset({Tier.PRIMARY, Tier.SECONDARY}),
    InstitutionKind.TOWNSHIP_HEALTH_CENTRE: frozenset({Tier.PRIMARY, Tier.SECONDARY}),
    InstitutionKind.COMMUNITY_HOSPITAL: frozenset({Tier.PRIMARY, Tier.SECONDARY}),
    InstitutionKind.GENERAL_HOSPITAL: frozenset({Tier.PRIMARY, Tier.SECONDARY, Tier.TERTIARY}),
    InstitutionKind.TCM_HOSPITAL: frozenset({Tier.PRIMARY, Tier.SECONDARY, Tier.TERTIARY}),
    InstitutionKind.SPECIALTY_HOSPITAL: frozenset({Tier.PRIMARY, Tier.SECONDARY, Tier.TERTIARY}),
    InstitutionKind.MCH_INSTITUTION: frozenset({Tier.PRIMARY, Tier.SECONDARY, Tier.TERTIARY}),
}


TIER_REQUIRED = (
    "required: state the tier (tertiary/secondary/primary/village, 三级/二级/一级/村级) or a "
    "level such as 三级甲等; only grassroots kinds imply their tier"
)
"""Message for a hospital (or other kind without an implied tier) given no tier."""
TIER_UNGRADED = (
    "required: an ungraded (未定级) institution of a kind that implies no tier needs its tier "
    "stated: the level in the referral hierarchy it works at (mark it inferred in provenance "
    "when the source does not say)"
)
"""Message for an ungraded institution whose kind implies no tier, given no tier."""
_ALLOWED_TIERS_BY_KIND = {k: k.allowed_tiers for k in InstitutionKind}


def _unique(values: tuple[Any, ...]) -> bool:
    return len(values) < 2 or len(set(values)) == len(values)


def _level_table() -> dict[str, tuple[Tier | None, Grade | None]]:
    tiers = {
        Tier.PRIMARY: ("一级", "一", "1", "primary", "level1", "first level"),
        Tier.SECONDARY: ("二级", "二", "2", "secondary", "level2", "second level"),
        Tier.TERTIARY: ("三级", "三", "3", "tertiary", "level3", "third level"),
    }
    grades = {
        Grade.A: ("甲等", "甲", "a"),
        Grade.B: ("乙等", "乙", "b"),
        Grade.C: ("丙等", "丙", "c"),
        Grade.SPECIAL: ("特等",),
    }
    table: dict[str, tuple[Tier | None, Grade | None]] = {}
    for tier, tlabels in tiers.items():
        for t in tlabels:
            table[normalize_label(t)] = (tier, None)
            for suffix in ("医院", "医疗机构"):
                if not t.isascii():
                    table[normalize_label(t + suffix)] = (tier, None)
            for grade, glabels in grades.items():
                if grade is Grade.SPECIAL and tier is not Tier.TERTIARY:
                    continue
                for g in glabels:
                    if t.isascii() != g.isascii():
                        continue
                    sep = " " if t.isascii() else ""
                    table[normalize_label(t + sep + g)] = (tier, grade)
                    if not t.isascii():
                        for suffix in ("医院", "医疗机构", "综合医院"):
                            table[normalize_label(t + g + suffix)] = (tier, grade)
    for t in (Tier.VILLAGE.value, *Tier._labels()[Tier.VILLAGE]):
        table[normalize_label(t)] = (Tier.VILLAGE, None)
    for u in (Grade.UNGRADED.value, *_UNGRADED_LABELS):
        table[normalize_label(u)] = (None, Grade.UNGRADED)
        if not u.isascii():
            for suffix in ("医院", "医疗机构"):
                table[normalize_label(u + suffix)] = (None, Grade.UNGRADED)
    return table


_LEVELS = _level_table()


def parse_level(label: str) -> tuple[Tier | None, Grade | None]:
    """Parse a hospital level label into a tier and an optional grade.

    Accepts ``三级甲等``, ``三甲``, ``三級甲等``, ``二级``, ``一级医院``, ``三级特等``,
    ``tertiary A``, ``3A`` and the like, and the ungraded labels ``未定级``, ``未评级`` and
    ``ungraded``, which give no tier (``None``) and :attr:`Grade.UNGRADED`: such an
    institution holds no official level, and its tier comes from its kind or is stated.

    Parameters
    ----------
    label : str
        The level as written.

    Returns
    -------
    tuple of (Tier or None, Grade or None)
        The tier (``None`` only for an ungraded label) and, when the label states one, the
        grade.

    Raises
    ------
    LabelError
        For an unknown label; the message lists accepted forms.

    Examples
    --------
    >>> parse_level("三级甲等")
    (<Tier.TERTIARY: 'tertiary'>, <Grade.A: 'A'>)
    >>> parse_level("tertiary A")
    (<Tier.TERTIARY: 'tertiary'>, <Grade.A: 'A'>)
    >>> parse_level("一级医院")
    (<Tier.PRIMARY: 'primary'>, None)
    >>> parse_level("未定级")
    (None, <Grade.UNGRADED: 'ungraded'>)
    """
    found = _LEVELS.get(normalize_label(label)) if isinstance(label, str) else None
    if found is None:
        examples = (
            "三级甲等, 三甲, 三級甲等, 三级特等, 二级, 二乙, 一级医院, 村级, 未定级, "
            "tertiary A, 3A, secondary, ungraded"
        )
        raise LabelError(
            [Problem((), f"unknown hospital level {label!r}; accepted forms: {examples}")]
        )
    return found


TierField = Tier


GradeField = Grade
KindField = InstitutionKind
OwnershipField = Ownership


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
            and _unique(d["services"])
            and _unique(d["specialties"])
            and _unique(d["aliases"])
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

"""Vocabularies of institutions: tiers, grades, ownership, kinds, and hospital level labels.

China grades hospitals in three levels (三级十等: 一级/二级/三级, each 甲/乙/丙, plus 三级特等);
grassroots institutions sit below or at the lowest level, and institutions that were never
rated are 未定级 (:attr:`Grade.UNGRADED`). medalliance orders tiers as
``village < primary < secondary < tertiary`` (:class:`Tier`). Which kinds are grassroots,
which tier a kind implies and which tiers it allows are the tables here (``_GRASSROOTS``,
``_DEFAULT_TIER``, ``_ALLOWED_TIERS``, ``_NOT_GRADED``); :mod:`medalliance.model.institution`
re-exports every public name.

Examples
--------
>>> parse_level("二級乙等")
(<Tier.SECONDARY: 'secondary'>, <Grade.B: 'B'>)
>>> InstitutionKind.parse("门诊部").is_grassroots
True
"""

from __future__ import annotations

from typing import Any

from medalliance.errors import LabelError, Problem, quote
from medalliance.model.labels import normalize_label
from medalliance.model.vocab import LabelledEnum, RankedEnum

__all__ = [
    "TIER_REQUIRED",
    "TIER_UNGRADED",
    "Grade",
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

    # kept whole: the label table is data, one entry per member, read top to bottom
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
            [Problem((), f"unknown hospital level {quote(label)}; accepted forms: {examples}")]
        )
    return found

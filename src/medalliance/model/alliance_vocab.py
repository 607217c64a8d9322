"""Vocabularies of alliances: forms, tightness, member roles and shared-centre kinds.

:class:`AllianceForm` holds the four forms of 国办发〔2017〕32号, :class:`Tightness` how
integrated an alliance is, :class:`MemberRole` the standing of a member and
:class:`CentreKind` what a shared centre is, each with its Chinese and English labels (and
the labels that are ambiguous, rejected with the choices named).
:mod:`medalliance.model.alliance` re-exports every name.

Examples
--------
>>> AllianceForm.parse("區域醫療聯合體")
<AllianceForm.URBAN_MEDICAL_GROUP: 'urban_medical_group'>
>>> MemberRole.parse("副理事长单位")
<MemberRole.VICE_CHAIR: 'vice_chair'>
"""

from __future__ import annotations

from typing import Any

from medalliance.model.vocab import LabelledEnum, RankedEnum, ServiceKind

__all__ = ["AllianceForm", "AllianceUnit", "CentreKind", "MemberRole", "Tightness"]


class AllianceForm(LabelledEnum):
    """The four alliance forms of 国办发〔2017〕32号.

    Older and local names map to the form they stand for: 区域医疗联合体 / 区域医联体 (the
    pre-2017 name of a tertiary-secondary-community alliance in a planned city area, as in
    Shanghai's 卢湾 and Beijing's 2013 pilots) is an urban group; 医疗共同体 is the county
    form's own word ("在县域主要组建医疗共同体"). Labels used for more than one form are
    **ambiguous** and rejected with the choices named: 医疗集团 (城市医疗集团 in the city,
    县域医疗集团 in counties) and the umbrella terms 医联体 / 医疗联合体.
    """

    URBAN_MEDICAL_GROUP = "urban_medical_group"
    COUNTY_MEDICAL_COMMUNITY = "county_medical_community"
    SPECIALTY_ALLIANCE = "specialty_alliance"
    TELEMEDICINE_NETWORK = "telemedicine_network"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        f = cls
        return {
            f.URBAN_MEDICAL_GROUP: (
                "城市医疗集团",
                "城市医联体",
                "城市医疗联合体",
                "区域医疗联合体",
                "区域医联体",
                "紧密型城市医疗集团",
                "urban medical group",
                "city medical group",
                "regional medical alliance",
            ),
            f.COUNTY_MEDICAL_COMMUNITY: (
                "县域医共体",
                "医共体",
                "医疗共同体",
                "县域医联体",
                "县域医疗集团",
                "县域医疗共同体",
                "县域医疗卫生共同体",
                "区级医疗共同体",
                "紧密型县域医共体",
                "紧密型县域医疗卫生共同体",
                "county medical community",
            ),
            f.SPECIALTY_ALLIANCE: (
                "专科联盟",
                "专科医联体",
                "专科医疗联合体",
                "specialty alliance",
                "specialist alliance",
            ),
            f.TELEMEDICINE_NETWORK: (
                "远程医疗协作网",
                "远程医疗网络",
                "telemedicine network",
                "telemedicine collaboration network",
            ),
        }

    @classmethod
    def _ambiguous(cls) -> dict[str, tuple[Any, ...]]:
        f = cls
        every = tuple(f)
        return {
            # 城市医疗集团 in cities, 县域医疗集团 / county "medical groups" in counties
            "医疗集团": (f.URBAN_MEDICAL_GROUP, f.COUNTY_MEDICAL_COMMUNITY),
            "medical group": (f.URBAN_MEDICAL_GROUP, f.COUNTY_MEDICAL_COMMUNITY),
            # the umbrella term for all four forms
            "医联体": every,
            "医疗联合体": every,
            "medical alliance": every,
        }


class Tightness(RankedEnum):
    """How integrated an alliance is; ordered ``loose < semi_tight < tight < merged``.

    县乡一体化管理 and 乡村一体化管理 (county-township and township-village integrated
    management) are ``tight``: one management over institutions that stay separate, not a
    merger into one legal entity. Bare 一体化 ("integration") says neither and is rejected as
    ambiguous.
    """

    LOOSE = "loose"
    SEMI_TIGHT = "semi_tight"
    TIGHT = "tight"
    MERGED = "merged"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.LOOSE: ("松散型", "松散", "契约式", "loose"),
            cls.SEMI_TIGHT: ("半紧密型", "半紧密", "托管", "semi-tight"),
            cls.TIGHT: (
                "紧密型",
                "紧密",
                "县乡一体化管理",
                "县乡一体管理",
                "乡村一体化管理",
                "乡村一体管理",
                "县乡一体化",
                "县乡一体",
                "乡村一体化",
                "乡村一体",
                "县乡村一体化",
                "close-knit",
                "tight",
                "integrated management",
            ),
            cls.MERGED: ("单一法人", "合并", "同一法人", "merged", "single legal entity"),
        }

    @classmethod
    def _ambiguous(cls) -> dict[str, tuple[Any, ...]]:
        return {"一体化": (cls.TIGHT, cls.MERGED), "integrated": (cls.TIGHT, cls.MERGED)}


class MemberRole(LabelledEnum):
    """Role of a member in an alliance.

    ``lead`` (牵头/龙头; also a specialty alliance's 依托单位 and 理事长单位), the governance
    roles of specialty alliances ``vice_chair`` (副理事长单位) and ``council_member``
    (理事单位), the county-community layers ``hub`` (枢纽) and ``base`` (基础), ``member``
    (成员单位, the default) and ``collaborator`` (协作单位: cooperates with the alliance
    without full membership). Roles describe standing and structure; for cooperation
    channels every role counts as a member (see :mod:`medalliance.compiled`).
    """

    LEAD = "lead"
    VICE_CHAIR = "vice_chair"
    COUNCIL_MEMBER = "council_member"
    HUB = "hub"
    MEMBER = "member"
    BASE = "base"
    COLLABORATOR = "collaborator"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.LEAD: (
                "牵头",
                "牵头医院",
                "牵头单位",
                "龙头",
                "核心单位",
                "总院",
                "依托单位",
                "理事长单位",
                "理事长",
                "lead hospital",
                "chair",
            ),
            cls.VICE_CHAIR: ("副理事长单位", "副理事长", "vice chair", "vice-chair unit"),
            cls.COUNCIL_MEMBER: (
                "理事单位",
                "常务理事单位",
                "理事",
                "council member",
                "council member unit",
            ),
            cls.HUB: ("枢纽", "hub member"),
            cls.MEMBER: (
                "成员",
                "成员单位",
                "成员医院",
                "成员机构",
                "分院",
                "member unit",
                "participant",
            ),
            cls.BASE: ("基础", "网底", "base member"),
            cls.COLLABORATOR: ("协作单位", "协作医院", "协作机构", "collaborating unit"),
        }


class CentreKind(LabelledEnum):
    """Kind of shared-service or management centre (资源共享中心 / 管理中心)."""

    IMAGING = "imaging"
    LAB = "lab"
    ECG = "ecg"
    PATHOLOGY = "pathology"
    STERILISATION_SUPPLY = "sterilisation_supply"
    PCR_LAB = "pcr_lab"
    TELECONSULTATION = "teleconsultation"
    CHRONIC_DISEASE_MANAGEMENT = "chronic_disease_management"
    LOGISTICS = "logistics"
    FINANCE = "finance"
    HUMAN_RESOURCES = "human_resources"
    QUALITY_CONTROL = "quality_control"
    INFORMATION = "information"
    HEALTH_EDUCATION = "health_education"
    PHARMACY = "pharmacy"

    @property
    def default_services(self) -> tuple[ServiceKind, ...]:
        """Services a centre of this kind provides unless its ``services`` say otherwise.

        Examples
        --------
        >>> [s.value for s in CentreKind.IMAGING.default_services][:3]
        ['ct', 'mri', 'dr']
        """
        return _CENTRE_SERVICES.get(self, ())

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        k = cls
        return {
            k.IMAGING: (
                "医学影像中心",
                "影像中心",
                "区域影像中心",
                "影像诊断中心",
                "医学影像诊断中心",
                "远程影像诊断中心",
                "影像云",
                "imaging centre",
                "imaging center",
            ),
            k.LAB: ("检验中心", "医学检验中心", "检查检验中心", "laboratory centre", "lab centre"),
            k.ECG: (
                "心电中心",
                "心电诊断中心",
                "远程心电中心",
                "远程心电诊断中心",
                "ecg centre",
                "ecg center",
            ),
            k.PATHOLOGY: (
                "病理中心",
                "病理诊断中心",
                "远程病理诊断中心",
                "pathology centre",
                "pathology center",
            ),
            k.STERILISATION_SUPPLY: ("消毒供应中心", "sterilisation supply centre", "cssd"),
            k.PCR_LAB: ("PCR实验室", "PCR核酸检测实验室", "核酸检测实验室", "pcr laboratory"),
            k.TELECONSULTATION: ("远程会诊中心", "teleconsultation centre", "telemedicine centre"),
            k.CHRONIC_DISEASE_MANAGEMENT: (
                "慢病管理中心",
                "老年慢病管理中心",
                "chronic disease management centre",
            ),
            k.LOGISTICS: ("后勤管理中心", "物流配送中心", "后勤物流中心", "logistics centre"),
            k.FINANCE: ("财务中心", "finance centre"),
            k.HUMAN_RESOURCES: ("人力资源中心", "hr centre"),
            k.QUALITY_CONTROL: ("质控中心", "quality control centre"),
            k.INFORMATION: ("信息中心", "information centre"),
            k.HEALTH_EDUCATION: ("宣教中心", "health education centre"),
            k.PHARMACY: ("中心药房", "共享药房", "central pharmacy", "pharmacy centre"),
        }


_CENTRE_SERVICES: dict[CentreKind, tuple[ServiceKind, ...]] = {
    CentreKind.IMAGING: (
        ServiceKind.CT,
        ServiceKind.MRI,
        ServiceKind.DR,
        ServiceKind.ULTRASOUND,
        ServiceKind.COLOUR_DOPPLER,
        ServiceKind.TELE_IMAGING,
    ),
    CentreKind.LAB: (ServiceKind.LAB,),
    CentreKind.ECG: (ServiceKind.ECG,),
    CentreKind.PATHOLOGY: (ServiceKind.PATHOLOGY,),
    CentreKind.STERILISATION_SUPPLY: (ServiceKind.STERILISATION_SUPPLY,),
    CentreKind.PCR_LAB: (ServiceKind.PCR,),
    CentreKind.TELECONSULTATION: (ServiceKind.TELECONSULTATION,),
    CentreKind.CHRONIC_DISEASE_MANAGEMENT: (ServiceKind.CHRONIC_DISEASE_MANAGEMENT,),
    CentreKind.LOGISTICS: (ServiceKind.LOGISTICS,),
    CentreKind.PHARMACY: (ServiceKind.PHARMACY,),
}


class AllianceUnit(LabelledEnum):
    """What kind of unit an alliance record is: an alliance, or a centre inside one.

    ``centre`` is a 诊疗中心 (or 专科中心): a group of institutions organised around one clinical
    field, usually inside a regional alliance
    (:attr:`~medalliance.model.alliance.Alliance.part_of`), with its own lead and members. It
    is not a :class:`~medalliance.model.alliance.SharedCentre`, which is one member's service
    point.
    """

    ALLIANCE = "alliance"
    CENTRE = "centre"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.ALLIANCE: ("医联体", "医疗联合体", "联合体", "联盟", "sub-alliance"),
            cls.CENTRE: (
                "诊疗中心",
                "中心",
                "专科中心",
                "区域专科中心",
                "center",
                "treatment centre",
                "diagnosis and treatment centre",
            ),
        }

"""Cooperation agreements (合作协议) between institutions of an alliance.

An :class:`Agreement` binds two or more parties of one alliance to a set of
:class:`CooperationItem` s: two-way referral, a green channel, priority reception /
examination / admission, expert clinics and staff postings, consultation, teleconsultation,
training, quality control, mutual recognition of test results, shared service use, drug
procurement and distribution, information sharing, payment by global budget or per episode,
unified management of people, finance and assets, and more. The same items can be declared
alliance-wide in :attr:`medalliance.model.alliance.Alliance.provisions`.

Examples
--------
>>> CooperationItem.parse("双向转诊")
<CooperationItem.TWO_WAY_REFERRAL: 'two_way_referral'>
>>> CooperationItem.parse("檢查檢驗結果互認")
<CooperationItem.RESULT_RECOGNITION: 'result_recognition'>
>>> a = Agreement(id="ag1", alliance="a1", parties=("h1", "c1"), items=("双向转诊", "绿色通道"))
>>> [i.value for i in a.items]
['two_way_referral', 'green_channel']
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.common import Provenance
from medalliance.model.types import (
    FrozenModel,
    Id,
    IsoDate,
    NonEmptyText,
    no_duplicates,
    render_html,
)
from medalliance.model.vocab import LabelledEnum

__all__ = ["Agreement", "AgreementStatus", "CooperationItem", "CooperationItemField"]


class CooperationItem(LabelledEnum):
    """A kind of cooperation an agreement or an alliance-wide provision grants.

    Payment items are kept apart because they are different instruments:
    ``bundled_payment`` pays **per episode** (按病种打包付费: one price for a disease's whole
    course of care), ``global_budget`` pays the alliance **as a whole** (医保打包付费 / 总额付费:
    the insurance fund's budget for the population it serves), ``surplus_retention`` is the
    rule that goes with a global budget (结余留用、合理超支分担), and ``capitation`` pays per
    enrolled person (按人头付费). ``staff_posting`` (派驻 / 人员下沉: staff who work at a member
    for a period) is not ``expert_clinics`` (专家坐诊: scheduled clinic sessions), and
    ``joint_drug_distribution`` (联合药品配送) is not ``unified_drug_procurement`` (统一采购).
    """

    TWO_WAY_REFERRAL = "two_way_referral"
    GREEN_CHANNEL = "green_channel"
    PRIORITY_RECEPTION = "priority_reception"
    PRIORITY_EXAMINATION = "priority_examination"
    PRIORITY_ADMISSION = "priority_admission"
    TREATMENT_PLAN_HANDOVER = "treatment_plan_handover"
    MEDICATION_CONTINUITY = "medication_continuity"
    FAMILY_DOCTOR_CONTRACTING = "family_doctor_contracting"
    TIERED_MCH_SERVICES = "tiered_mch_services"
    EXPERT_CLINICS = "expert_clinics"
    STAFF_POSTING = "staff_posting"
    MULTI_SITE_PRACTICE = "multi_site_practice"
    CONSULTATION = "consultation"
    JOINT_CLINIC = "joint_clinic"
    TELECONSULTATION = "teleconsultation"
    TELE_IMAGING = "tele_imaging"
    TELE_ECG = "tele_ecg"
    TRAINING = "training"
    TECHNICAL_GUIDANCE = "technical_guidance"
    PAIRED_SUPPORT = "paired_support"
    JOINT_SPECIALTY_BUILDING = "joint_specialty_building"
    RESEARCH_COLLABORATION = "research_collaboration"
    APPROPRIATE_TECHNOLOGY = "appropriate_technology"
    QUALITY_CONTROL = "quality_control"
    RESULT_RECOGNITION = "result_recognition"
    SHARED_SERVICES = "shared_services"
    UNIFIED_DRUG_PROCUREMENT = "unified_drug_procurement"
    JOINT_DRUG_DISTRIBUTION = "joint_drug_distribution"
    LONG_PRESCRIPTION = "long_prescription"
    INFORMATION_SHARING = "information_sharing"
    BUNDLED_PAYMENT = "bundled_payment"
    GLOBAL_BUDGET = "global_budget"
    SURPLUS_RETENTION = "surplus_retention"
    CAPITATION = "capitation"
    UNIFIED_MANAGEMENT = "unified_management"
    MEDICAL_ELDERLY_CARE = "medical_elderly_care"

    # kept whole: the label table is data, one entry per member, read top to bottom
    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        c = cls
        return {
            c.TWO_WAY_REFERRAL: ("双向转诊", "双向转诊通道", "two-way referral", "referral"),
            c.GREEN_CHANNEL: (
                "绿色通道",
                "转诊绿色通道",
                "双向转诊绿色通道",
                "疑难危重患者绿色通道",
            ),
            c.PRIORITY_RECEPTION: ("优先接诊", "优先诊治", "priority reception"),
            c.PRIORITY_EXAMINATION: ("优先检查", "priority examination"),
            c.PRIORITY_ADMISSION: ("优先住院", "priority admission"),
            c.TREATMENT_PLAN_HANDOVER: (
                "治疗方案交接",
                "下转治疗方案传递",
                "treatment plan handover",
            ),
            c.MEDICATION_CONTINUITY: (
                "用药衔接",
                "上下级用药衔接",
                "药品衔接",
                "medication continuity",
            ),
            c.FAMILY_DOCTOR_CONTRACTING: (
                "家庭医生签约",
                "家庭医生签约服务",
                "家庭医生签约服务团队",
                "family doctor contracting",
                "family doctor contract services",
            ),
            c.TIERED_MCH_SERVICES: (
                "妇幼分层服务",
                "妇幼分层服务模式",
                "母婴保健专项技术分层服务",
                "tiered maternal and child health services",
            ),
            c.EXPERT_CLINICS: (
                "专家坐诊",
                "专家门诊",
                "定点坐诊",
                "expert clinic",
                "expert clinics",
            ),
            c.STAFF_POSTING: (
                "人员下沉",
                "派驻",
                "专家下沉",
                "医生下沉",
                "骨干下沉",
                "医务人员下沉",
                "派驻医师",
                "staff posting",
                "expert deployment",
            ),
            c.MULTI_SITE_PRACTICE: ("多点执业", "multi-site practice", "multisite practice"),
            c.CONSULTATION: (
                "会诊",
                "疑难病人会诊",
                "疑难病例会诊",
                "院际会诊",
                "consultation",
                "case consultation",
            ),
            c.JOINT_CLINIC: ("联合门诊", "joint clinic", "joint outpatient clinic"),
            c.TELECONSULTATION: ("远程会诊", "远程医疗", "telemedicine"),
            c.TELE_IMAGING: (
                "远程影像",
                "远程影像诊断",
                "远程阅片",
                "tele-imaging",
                "teleradiology",
            ),
            c.TELE_ECG: ("远程心电", "远程心电诊断", "tele-ecg", "remote ecg"),
            c.TRAINING: ("培训", "人才培养", "进修", "业务培训", "staff training"),
            c.TECHNICAL_GUIDANCE: ("技术指导", "业务指导", "技术指导帮扶", "technical support"),
            c.PAIRED_SUPPORT: ("对口支援", "对口帮扶", "专科对口支援", "专科对口扶持", "科室结对"),
            c.JOINT_SPECIALTY_BUILDING: ("专科共建", "学科建设", "joint specialty development"),
            c.RESEARCH_COLLABORATION: ("科研合作", "科研协作", "research cooperation"),
            c.APPROPRIATE_TECHNOLOGY: (
                "适宜技术推广",
                "适宜技术",
                "appropriate technology promotion",
            ),
            c.QUALITY_CONTROL: (
                "质控",
                "质量控制",
                "同质化",
                "同质化管理",
                "巡查",
                "质控巡查",
                "quality control",
                "homogenisation",
            ),
            c.RESULT_RECOGNITION: (
                "检查检验结果互认",
                "检查结果互认",
                "检验结果互认",
                "结果互认",
                "mutual recognition of test results",
                "test result recognition",
            ),
            c.SHARED_SERVICES: ("资源共享", "共享服务", "shared service use", "resource sharing"),
            c.UNIFIED_DRUG_PROCUREMENT: (
                "药品耗材统一采购",
                "统一采购",
                "药品统一采购",
                "unified procurement",
                "unified drug procurement",
            ),
            c.JOINT_DRUG_DISTRIBUTION: (
                "联合药品配送",
                "药品统一配送",
                "统一配送",
                "joint drug distribution",
            ),
            c.LONG_PRESCRIPTION: ("长处方", "long prescription", "long-term prescription"),
            c.INFORMATION_SHARING: ("信息共享", "信息互联互通", "信息互通", "information exchange"),
            c.BUNDLED_PAYMENT: (
                "按病种打包付费",
                "按病种付费",
                "单病种付费",
                "bundled payment",
                "episode-based payment",
            ),
            c.GLOBAL_BUDGET: (
                "总额付费",
                "医保打包付费",
                "医保打包支付",
                "医保资金打包支付",
                "打包付费",
                "打包支付",
                "总额预付",
                "医保总额付费",
                "医保总额预付",
                "医保基金总额付费",
                "global budget",
                "global budget payment",
            ),
            c.SURPLUS_RETENTION: (
                "结余留用",
                "合理超支分担",
                "结余留用、合理超支分担",
                "surplus retention",
            ),
            c.CAPITATION: ("按人头付费", "按人头支付", "capitation", "capitation payment"),
            c.UNIFIED_MANAGEMENT: (
                "人财物统一管理",
                "统一管理",
                "unified management of people finance and assets",
            ),
            c.MEDICAL_ELDERLY_CARE: (
                "医养结合",
                "integrated medical and elderly care",
                "medical and elderly care integration",
            ),
        }

    @classmethod
    def _ambiguous(cls) -> dict[str, tuple[Any, ...]]:
        both = (cls.UNIFIED_DRUG_PROCUREMENT, cls.JOINT_DRUG_DISTRIBUTION)
        return {
            # procurement and distribution are two items; a file that means both lists both
            "统一采购配送": both,
            "药品耗材统一采购、统一配送": both,
            "unified drug procurement and distribution": both,
        }


class AgreementStatus(LabelledEnum):
    """Whether an agreement is in force, only proposed, or has ended."""

    IN_FORCE = "in_force"
    PROPOSED = "proposed"
    ENDED = "ended"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.IN_FORCE: ("生效", "执行中", "in force", "active"),
            cls.PROPOSED: ("建议", "拟议", "草案", "proposal", "draft"),
            cls.ENDED: ("终止", "已终止", "expired", "terminated"),
        }


CooperationItemField = CooperationItem
"""A :class:`CooperationItem` model field that also accepts labels."""

ItemTuple = Annotated[tuple[CooperationItemField, ...], AfterValidator(no_duplicates)]


class Agreement(FrozenModel):
    """A cooperation agreement among two or more members of one alliance.

    The registry checks that ``alliance`` exists and every party is one of its members.
    """

    id: Id
    """Unique agreement id."""
    alliance: Id
    """Id of the alliance the agreement belongs to."""
    parties: Annotated[tuple[Id, ...], Field(min_length=2), AfterValidator(no_duplicates)]
    """Institution ids of the parties; the first is usually the lead."""
    items: Annotated[ItemTuple, Field(min_length=1)]
    """What the parties agree to."""
    title: NonEmptyText | None = None
    """Title of the agreement, when known."""
    signed: IsoDate | None = None
    """Date of signing."""
    valid_from: IsoDate | None = None
    """Start of the term, when stated."""
    valid_until: IsoDate | None = None
    """End of the term, when stated."""
    status: AgreementStatus = AgreementStatus.IN_FORCE
    """In force (default), proposed, or ended; only agreements in force open referral
    channels. Record what dates cannot say here (``proposed``: never signed; ``ended``:
    ended at a date the source does not give); an agreement that ended on a known day keeps
    ``in_force`` and gives ``valid_until`` (see :mod:`medalliance.model.dates`)."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""

    @model_validator(mode="after")
    def _check_term(self) -> Agreement:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise MedAllianceError(
                [
                    Problem(
                        ("valid_until",),
                        f"term ends ({self.valid_until}) before it starts ({self.valid_from})",
                    )
                ]
            )
        return self

    def grants(self, item: CooperationItem | str) -> bool:
        """Whether the agreement includes ``item`` (a member or any accepted label).

        Examples
        --------
        >>> g = Agreement(id="g", alliance="a", parties=("x", "y"), items=("双向转诊",))
        >>> g.grants("referral")
        True
        """
        return CooperationItem.parse(item) in self.items

    def __repr__(self) -> str:
        items = ", ".join(i.value for i in self.items)
        return (
            f"Agreement({self.id!r}, alliance={self.alliance!r}, "
            f"parties={len(self.parties)}, items=[{items}])"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return render_html(self, "agreement")

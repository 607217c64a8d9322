"""Controlled vocabularies shared by several models: specialties, services, weekdays.

Each enum has a :class:`~medalliance.model.labels.LabelTable` accepting its Chinese (simplified and
traditional) and English spellings; models annotate fields with the ``*Field`` aliases so a
file may say
``心内科`` or ``cardiology`` and both validate to :attr:`Specialty.CARDIOLOGY`.

Examples
--------
>>> Specialty.parse("耳鼻喉科")
<Specialty.OTOLARYNGOLOGY: 'otolaryngology'>
>>> ServiceKind.parse("磁共振")
<ServiceKind.MRI: 'mri'>
>>> Weekday.parse("星期三")
<Weekday.WED: 'wed'>
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from typing_extensions import Self

from medalliance.errors import register_label_enum
from medalliance.model.labels import LabelTable

__all__ = [
    "LabelledEnum",
    "RankedEnum",
    "ServiceKind",
    "ServiceKindField",
    "Specialty",
    "SpecialtyField",
    "Weekday",
    "WeekdayField",
]

_TABLES: dict[type[Enum], LabelTable[Any]] = {}


class LabelledEnum(str, Enum):
    """A string enum whose members also parse from Chinese and English labels."""

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:  # pragma: no cover - overridden
        return {}

    @classmethod
    def _ambiguous(cls) -> dict[str, tuple[Any, ...]]:
        """Labels that may mean several members (rejected with the choices named)."""
        return {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_label_enum(cls)

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        """Let ``cls(label)`` and pydantic accept any label; canonical values never get here."""
        if isinstance(value, str):
            return cls.table().lookup(value)
        return None

    @classmethod
    def table(cls) -> LabelTable[Self]:
        """The label table of this enum (built once).

        Examples
        --------
        >>> Weekday.table().parse("禮拜五")
        <Weekday.FRI: 'fri'>
        """
        table = _TABLES.get(cls)
        if table is None:
            table = LabelTable(
                _kind_name(cls),
                {m: cls._labels().get(m, ()) for m in cls},
                ambiguous=cls._ambiguous(),
            )
            _TABLES[cls] = table
        return table

    @classmethod
    def parse(cls, label: object) -> Self:
        """Return the member named by ``label`` (a member, its value or any accepted label).

        Raises
        ------
        LabelError
            For an unknown label; the message lists the accepted ones.

        Examples
        --------
        >>> Specialty.parse("神經內科")
        <Specialty.NEUROLOGY: 'neurology'>
        """
        if type(label) is cls:
            return label
        return cls.table().parse(label)

    @property
    def label_zh(self) -> str:
        """The Chinese label (the first Chinese one in the label table, else the value).

        Examples
        --------
        >>> Specialty.CARDIOLOGY.label_zh
        '心内科'
        """
        for label in type(self)._labels().get(self, ()):
            if not label.isascii():
                return label
        return str(self.value)

    def __str__(self) -> str:
        return str(self.value)


class RankedEnum(LabelledEnum):
    """A labelled enum whose members are ordered by definition order (:attr:`rank`)."""

    @property
    def rank(self) -> int:
        """Position in definition order, from 0.

        Examples
        --------
        >>> from medalliance import Tier
        >>> Tier.VILLAGE.rank, Tier.TERTIARY.rank
        (0, 3)
        """
        return _ranks(type(self))[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RankedEnum) or type(other) is not type(self):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RankedEnum) or type(other) is not type(self):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RankedEnum) or type(other) is not type(self):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RankedEnum) or type(other) is not type(self):
            return NotImplemented
        return self.rank >= other.rank

    __hash__ = LabelledEnum.__hash__


_RANKS: dict[type[Enum], dict[str, int]] = {}


def _ranks(cls: type[Enum]) -> dict[str, int]:
    ranks = _RANKS.get(cls)
    if ranks is None:
        ranks = {m.value: i for i, m in enumerate(cls)}
        _RANKS[cls] = ranks
    return ranks


def _kind_name(cls: type[Enum]) -> str:
    name = cls.__name__
    return "".join(" " + c.lower() if c.isupper() else c for c in name).strip()


class Specialty(LabelledEnum):
    """Clinical specialty or department (科室 / 专科).

    Sub-specialties (``prenatal_diagnosis``, ``cervical_disease``,
    ``gynaecological_endocrinology`` ...) are their own members: an institution offers what it
    lists, and a sub-specialty neither implies nor is implied by its parent. 妇科内分泌
    (gynaecological endocrinology) is a branch of gynaecology, not internal-medicine
    ``endocrinology`` (内分泌科).
    """

    GENERAL_PRACTICE = "general_practice"
    INTERNAL_MEDICINE = "internal_medicine"
    SURGERY = "surgery"
    CARDIOLOGY = "cardiology"
    NEUROLOGY = "neurology"
    RESPIRATORY = "respiratory"
    GASTROENTEROLOGY = "gastroenterology"
    NEPHROLOGY = "nephrology"
    ENDOCRINOLOGY = "endocrinology"
    ONCOLOGY = "oncology"
    GERIATRICS = "geriatrics"
    OBSTETRICS = "obstetrics"
    GYNAECOLOGY = "gynaecology"
    OBSTETRICS_GYNAECOLOGY = "obstetrics_gynaecology"
    MATERNAL_CHILD_HEALTH = "maternal_child_health"
    PAEDIATRICS = "paediatrics"
    NEONATOLOGY = "neonatology"
    REPRODUCTIVE_MEDICINE = "reproductive_medicine"
    MEDICAL_GENETICS = "medical_genetics"
    PRENATAL_DIAGNOSIS = "prenatal_diagnosis"
    CERVICAL_DISEASE = "cervical_disease"
    GYNAECOLOGICAL_ENDOCRINOLOGY = "gynaecological_endocrinology"
    OPHTHALMOLOGY = "ophthalmology"
    OTOLARYNGOLOGY = "otolaryngology"
    ORTHOPAEDICS = "orthopaedics"
    REHABILITATION = "rehabilitation"
    EMERGENCY = "emergency"
    CRITICAL_CARE = "critical_care"
    PSYCHIATRY = "psychiatry"
    DERMATOLOGY = "dermatology"
    STOMATOLOGY = "stomatology"
    INFECTIOUS_DISEASE = "infectious_disease"
    ANAESTHESIOLOGY = "anaesthesiology"
    RADIOLOGY = "radiology"
    PATHOLOGY = "pathology"
    LABORATORY_MEDICINE = "laboratory_medicine"
    TCM = "tcm"
    NURSING = "nursing"
    PUBLIC_HEALTH = "public_health"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        s = cls
        return {
            s.GENERAL_PRACTICE: (
                "全科",
                "全科医学",
                "全科医学科",
                "general practice",
                "family medicine",
            ),
            s.INTERNAL_MEDICINE: ("内科", "internal medicine"),
            s.SURGERY: ("外科", "普外科", "general surgery"),
            s.CARDIOLOGY: ("心内科", "心血管内科", "心血管", "cardiology"),
            s.NEUROLOGY: ("神经内科", "神经科", "neurology"),
            s.RESPIRATORY: ("呼吸内科", "呼吸科", "respiratory medicine", "pulmonology"),
            s.GASTROENTEROLOGY: ("消化内科", "消化科", "gastroenterology"),
            s.NEPHROLOGY: ("肾内科", "肾脏科", "nephrology"),
            s.ENDOCRINOLOGY: ("内分泌科", "内分泌", "endocrinology"),
            s.ONCOLOGY: ("肿瘤", "肿瘤科", "肿瘤学", "oncology", "cancer"),
            s.GERIATRICS: (
                "老年病",
                "老年医学",
                "老年医学科",
                "老年病科",
                "geriatrics",
                "geriatric medicine",
            ),
            s.OBSTETRICS: ("产科", "obstetrics"),
            s.GYNAECOLOGY: ("妇科", "gynaecology", "gynecology"),
            s.OBSTETRICS_GYNAECOLOGY: ("妇产科", "obstetrics and gynaecology", "obgyn"),
            s.MATERNAL_CHILD_HEALTH: (
                "妇幼",
                "妇幼保健",
                "妇幼健康",
                "maternal and child health",
                "mch",
            ),
            s.PAEDIATRICS: ("儿科", "paediatrics", "pediatrics"),
            s.NEONATOLOGY: ("新生儿科", "neonatology"),
            s.REPRODUCTIVE_MEDICINE: (
                "生殖医学",
                "生殖医学中心",
                "生育技术科",
                "reproductive medicine",
            ),
            s.MEDICAL_GENETICS: ("遗传医学", "遗传医学中心", "medical genetics"),
            s.PRENATAL_DIAGNOSIS: ("产前诊断", "产前诊断中心", "prenatal diagnosis"),
            s.CERVICAL_DISEASE: ("宫颈疾病科", "cervical disease"),
            s.GYNAECOLOGICAL_ENDOCRINOLOGY: (
                "妇科内分泌",
                "妇科内分泌科",
                "gynaecological endocrinology",
                "gynecologic endocrinology",
            ),
            s.OPHTHALMOLOGY: ("眼科", "ophthalmology"),
            s.OTOLARYNGOLOGY: ("耳鼻喉科", "耳鼻咽喉科", "耳鼻喉", "otolaryngology", "ent"),
            s.ORTHOPAEDICS: ("骨科", "orthopaedics", "orthopedics"),
            s.REHABILITATION: ("康复医学科", "康复科", "康复", "rehabilitation medicine"),
            s.EMERGENCY: ("急诊科", "急诊", "emergency medicine"),
            s.CRITICAL_CARE: ("重症医学科", "重症医学", "critical care medicine"),
            s.PSYCHIATRY: ("精神科", "精神卫生", "psychiatry", "mental health"),
            s.DERMATOLOGY: ("皮肤科", "dermatology"),
            s.STOMATOLOGY: ("口腔科", "口腔", "stomatology", "dentistry"),
            s.INFECTIOUS_DISEASE: ("感染科", "传染科", "infectious diseases"),
            s.ANAESTHESIOLOGY: ("麻醉科", "anaesthesiology", "anesthesiology"),
            s.RADIOLOGY: ("放射科", "影像科", "医学影像科", "radiology"),
            s.PATHOLOGY: ("病理科", "pathology department"),
            s.LABORATORY_MEDICINE: ("检验科", "laboratory medicine"),
            s.TCM: ("中医", "中医科", "traditional chinese medicine"),
            s.NURSING: ("护理", "护理部", "nursing"),
            s.PUBLIC_HEALTH: ("公共卫生", "预防保健科", "public health"),
        }


class ServiceKind(LabelledEnum):
    """A clinical or support service an institution offers or a shared centre provides."""

    CT = "ct"
    MRI = "mri"
    DR = "dr"
    ULTRASOUND = "ultrasound"
    COLOUR_DOPPLER = "colour_doppler"
    LAB = "lab"
    PATHOLOGY = "pathology"
    ECG = "ecg"
    PCR = "pcr"
    ENDOSCOPY = "endoscopy"
    DIALYSIS = "dialysis"
    STERILISATION_SUPPLY = "sterilisation_supply"
    ICU = "icu"
    SURGERY = "surgery"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"
    MDT = "mdt"
    TELECONSULTATION = "teleconsultation"
    TELE_IMAGING = "tele_imaging"
    REHABILITATION = "rehabilitation"
    CHRONIC_DISEASE_MANAGEMENT = "chronic_disease_management"
    GERIATRIC_ASSESSMENT = "geriatric_assessment"
    TCM = "tcm"
    PHARMACY = "pharmacy"
    LOGISTICS = "logistics"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        s = cls
        return {
            s.CT: ("CT检查", "计算机断层扫描", "computed tomography"),
            s.MRI: ("磁共振", "核磁共振", "磁共振检查", "magnetic resonance imaging"),
            s.DR: ("数字化X线摄影", "X线", "X光", "digital radiography", "xray", "x-ray"),
            s.ULTRASOUND: ("B超", "超声", "ultrasonography"),
            s.COLOUR_DOPPLER: ("彩色多普勒", "彩超", "color doppler", "colour doppler"),
            s.LAB: ("检验", "医学检验", "化验", "laboratory", "lab tests"),
            s.PATHOLOGY: ("病理", "病理诊断"),
            s.ECG: ("心电", "心电图", "electrocardiography", "ekg"),
            s.PCR: ("核酸检测", "PCR核酸检测", "pcr testing"),
            s.ENDOSCOPY: ("内镜", "内窥镜", "胃镜"),
            s.DIALYSIS: ("透析", "血液透析", "haemodialysis", "hemodialysis"),
            s.STERILISATION_SUPPLY: (
                "消毒供应",
                "消毒",
                "sterilization supply",
                "sterilisation",
                "sterilization",
            ),
            s.ICU: ("重症监护", "重症监护室", "intensive care"),
            s.SURGERY: ("手术", "外科手术", "operating theatre"),
            s.INPATIENT: ("住院", "住院床位", "inpatient beds", "admission"),
            s.EMERGENCY: ("急诊", "急救", "emergency care"),
            s.MDT: ("多学科诊疗", "多学科综合治疗", "multidisciplinary team"),
            s.TELECONSULTATION: ("远程会诊", "远程医疗", "telemedicine consultation"),
            s.TELE_IMAGING: ("远程影像", "远程阅片", "teleradiology"),
            s.REHABILITATION: ("康复", "康复治疗"),
            s.CHRONIC_DISEASE_MANAGEMENT: ("慢病管理", "慢性病管理", "chronic disease management"),
            s.GERIATRIC_ASSESSMENT: ("老年综合评估", "comprehensive geriatric assessment"),
            s.TCM: ("中医药服务", "中医诊疗", "traditional chinese medicine services"),
            s.PHARMACY: ("药房", "药品", "药事"),
            s.LOGISTICS: ("物流配送", "后勤", "后勤管理"),
        }


class Weekday(LabelledEnum):
    """Day of the week (expert clinic schedules). Ordered Monday first."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday … 6 for Sunday (as :meth:`datetime.date.weekday`).

        Examples
        --------
        >>> Weekday.MON.number, Weekday.TUE.number, Weekday.SUN.number
        (0, 1, 6)
        """
        return _WEEKDAY_ORDER.index(str(self.value))

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        cn = "一二三四五六日"
        en = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        out: dict[Any, tuple[str, ...]] = {}
        for i, member in enumerate(cls):
            c = cn[i]
            extra = ("周天", "星期天", "礼拜天") if member is cls.SUN else ()
            out[member] = (f"周{c}", f"星期{c}", f"礼拜{c}", en[i], *extra)
        return out


_WEEKDAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


SpecialtyField = Specialty
"""A :class:`Specialty` model field that also accepts labels."""
ServiceKindField = ServiceKind
"""A :class:`ServiceKind` model field that also accepts labels."""
WeekdayField = Weekday
"""A :class:`Weekday` model field that also accepts labels."""

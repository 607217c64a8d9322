"""Colours, markers, line styles and the fixed names of :mod:`medalliance.plot`.

Private to :mod:`medalliance.plot`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Any

from medalliance.model.agreement import CooperationItem
from medalliance.model.alliance import MemberRole
from medalliance.model.institution import Tier

CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
"""Fonts tried first, in order, by :func:`~medalliance.plot.cjk_font` (any other font with CJK
glyphs after)."""

FONT_PACKAGES = ("noto_cjk_sans_otc", "mplfonts")
"""Python packages that ship CJK fonts (installed with pip); :func:`~medalliance.plot.cjk_font`
adds their font files to matplotlib's font manager. ``noto-cjk-sans-otc`` (Noto Sans CJK, SIL
Open Font License) is in the ``docs`` and ``test`` extras."""

ITEM_GROUPS: dict[str, tuple[CooperationItem, ...]] = {
    "referral": (
        CooperationItem.TWO_WAY_REFERRAL,
        CooperationItem.GREEN_CHANNEL,
        CooperationItem.PRIORITY_RECEPTION,
        CooperationItem.PRIORITY_EXAMINATION,
        CooperationItem.PRIORITY_ADMISSION,
        CooperationItem.TREATMENT_PLAN_HANDOVER,
        CooperationItem.MEDICATION_CONTINUITY,
        CooperationItem.FAMILY_DOCTOR_CONTRACTING,
        CooperationItem.TIERED_MCH_SERVICES,
    ),
    "support": (
        CooperationItem.EXPERT_CLINICS,
        CooperationItem.STAFF_POSTING,
        CooperationItem.MULTI_SITE_PRACTICE,
        CooperationItem.CONSULTATION,
        CooperationItem.JOINT_CLINIC,
        CooperationItem.TELECONSULTATION,
        CooperationItem.TELE_IMAGING,
        CooperationItem.TELE_ECG,
        CooperationItem.TRAINING,
        CooperationItem.TECHNICAL_GUIDANCE,
        CooperationItem.PAIRED_SUPPORT,
        CooperationItem.JOINT_SPECIALTY_BUILDING,
        CooperationItem.RESEARCH_COLLABORATION,
        CooperationItem.APPROPRIATE_TECHNOLOGY,
        CooperationItem.QUALITY_CONTROL,
    ),
    "sharing": (
        CooperationItem.RESULT_RECOGNITION,
        CooperationItem.SHARED_SERVICES,
        CooperationItem.UNIFIED_DRUG_PROCUREMENT,
        CooperationItem.JOINT_DRUG_DISTRIBUTION,
        CooperationItem.LONG_PRESCRIPTION,
        CooperationItem.INFORMATION_SHARING,
    ),
    "integration": (
        CooperationItem.BUNDLED_PAYMENT,
        CooperationItem.GLOBAL_BUDGET,
        CooperationItem.SURPLUS_RETENTION,
        CooperationItem.CAPITATION,
        CooperationItem.UNIFIED_MANAGEMENT,
        CooperationItem.MEDICAL_ELDERLY_CARE,
    ),
}
"""How agreement items are grouped into the line styles of
:func:`~medalliance.plot.plot_alliance`."""

_GROUP_OF = {item: group for group, items in ITEM_GROUPS.items() for item in items}
_GROUP_ZH = {"referral": "转诊", "support": "帮扶", "sharing": "资源共享", "integration": "一体化"}
"""The groups of :data:`ITEM_GROUPS` in Chinese (legends drawn with a CJK font)."""
_CENTRE_COLOUR = "#148f77"
"""Colour of shared centres (共享中心) in :func:`~medalliance.plot.plot_alliance`."""
_GROUP_STYLE: dict[str, dict[str, Any]] = {
    "referral": {"color": "#c0392b", "linestyle": "-"},
    "support": {"color": "#2471a3", "linestyle": "--"},
    "sharing": {"color": "#1e8449", "linestyle": "-."},
    "integration": {"color": "#7d3c98", "linestyle": ":"},
}
_TIER_COLOUR = {
    Tier.TERTIARY: "#b03a2e",
    Tier.SECONDARY: "#d68910",
    Tier.PRIMARY: "#229954",
    Tier.VILLAGE: "#2e86c1",
}
_ROLE_MARKER = {
    MemberRole.LEAD: "*",
    MemberRole.VICE_CHAIR: "P",
    MemberRole.COUNCIL_MEMBER: "h",
    MemberRole.HUB: "D",
    MemberRole.MEMBER: "o",
    MemberRole.BASE: "s",
    MemberRole.COLLABORATOR: "^",
}
_ROLE_SIZE = {
    MemberRole.LEAD: 320,
    MemberRole.VICE_CHAIR: 120,
    MemberRole.COUNCIL_MEMBER: 100,
    MemberRole.HUB: 90,
    MemberRole.MEMBER: 90,
    MemberRole.BASE: 60,
    MemberRole.COLLABORATOR: 70,
}
_ROLE_ORDER = {role: k for k, role in enumerate(MemberRole)}
"""Layer order of the roles: the order of :class:`~medalliance.MemberRole`."""
_CROWDED = 60
"""Above this many members, membership lines and the labels of wrapped layers are left out."""
FONT_NOTE_GID = "medalliance-font-note"
"""``gid`` of the note :func:`~medalliance.plot.plot_alliance` and
:func:`~medalliance.plot.plot_map` add when labels fall back."""
MISSING_NOTE_GID = "medalliance-missing-note"
"""``gid`` of the note :func:`~medalliance.plot.plot_map` adds when institutions without
coordinates are left out."""

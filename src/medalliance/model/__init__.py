"""The typed model: vocabularies, labels, institutions, alliances, agreements and the registry.

This layer is the single source of truth and imports nothing above it (no compiled index,
no analysis, no file I/O, no display): every other layer is derived from it.
"""

from __future__ import annotations

from medalliance.model.agreement import Agreement, AgreementStatus, CooperationItem
from medalliance.model.alliance import (
    Alliance,
    AllianceChange,
    AllianceForm,
    AllianceUnit,
    CentreKind,
    DeclaredFigure,
    ExpertClinic,
    FigureUnit,
    MemberRole,
    Membership,
    Qualifier,
    SharedCentre,
    Tightness,
)
from medalliance.model.common import Provenance, Region
from medalliance.model.divisions import Division, DivisionLevel
from medalliance.model.institution import (
    FormerName,
    Grade,
    Institution,
    InstitutionKind,
    Ownership,
    Tier,
    parse_level,
)
from medalliance.model.registry import Registry, Source
from medalliance.model.staffing import ProfessionalTitle, StaffPosting
from medalliance.model.vocab import ServiceKind, Specialty, Weekday

__all__ = [
    "Agreement",
    "AgreementStatus",
    "Alliance",
    "AllianceChange",
    "AllianceForm",
    "AllianceUnit",
    "CentreKind",
    "CooperationItem",
    "DeclaredFigure",
    "Division",
    "DivisionLevel",
    "ExpertClinic",
    "FigureUnit",
    "FormerName",
    "Grade",
    "Institution",
    "InstitutionKind",
    "MemberRole",
    "Membership",
    "Ownership",
    "ProfessionalTitle",
    "Provenance",
    "Qualifier",
    "Region",
    "Registry",
    "ServiceKind",
    "SharedCentre",
    "Source",
    "Specialty",
    "StaffPosting",
    "Tier",
    "Tightness",
    "Weekday",
    "parse_level",
]

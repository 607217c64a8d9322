"""medalliance: typed models, graphs and metrics for Chinese medical alliances (医联体).

The public API re-exported here is the stable surface; submodules hold the details.
Importing medalliance loads no pandas, matplotlib, scipy or FHIR package.

Examples
--------
>>> import medalliance as ma
>>> reg = ma.examples.load("qinghai_oncology")
>>> len(reg.alliance("qinghai_oncology_centre").members)
13
>>> G = ma.to_graph(reg)
>>> ma.from_graph(G) == reg
True
"""

from __future__ import annotations

from medalliance import accessibility, coverage, display, examples, indicators, referral, sharing
from medalliance._version import __version__
from medalliance.checks import Finding, Severity, check_registry
from medalliance.coverage import (
    ReachTarget,
    alliance_coverage,
    articulation_points,
    reachability,
    registry_coverage,
    removal_impact,
    removal_impact_all,
)
from medalliance.errors import LabelError, MedAllianceError, Problem, SchemaError, UnknownIdError
from medalliance.graph import SCHEMA_VERSION as GRAPH_SCHEMA_VERSION
from medalliance.graph import from_graph, to_graph, validate_graph
from medalliance.indicators import Activity, default_targets, evaluate_indicators
from medalliance.io import (
    SCHEMA_VERSION,
    json_schema,
    read_json,
    read_policy,
    read_registry,
    read_yaml,
    write_graphml,
    write_json,
    write_yaml,
)
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
from medalliance.model.labels import normalize_label, to_simplified
from medalliance.model.registry import Registry, Source
from medalliance.model.staffing import ProfessionalTitle, StaffPosting
from medalliance.model.vocab import ServiceKind, Specialty, Weekday
from medalliance.referral import (
    Destination,
    ReferralBatch,
    ReferralCase,
    ReferralCases,
    ReferralDecision,
    ReferralPath,
    Urgency,
    evaluate,
    evaluate_many,
    referral_channels,
    referral_paths,
)
from medalliance.referral.policy import (
    ConditionCatalogue,
    Criterion,
    Direction,
    ReferralPolicy,
    default_policy,
    example_catalogue,
)
from medalliance.sharing import (
    ServiceVolumes,
    SharedPrice,
    TestKind,
    allocate_capacity,
    expert_clinic_coverage,
    recognises,
    recognition_groups,
    service_access,
    sharing_summary,
    volumes_from_declared,
)

__all__ = [
    "GRAPH_SCHEMA_VERSION",
    "SCHEMA_VERSION",
    "Activity",
    "Agreement",
    "AgreementStatus",
    "Alliance",
    "AllianceChange",
    "AllianceForm",
    "AllianceUnit",
    "CentreKind",
    "ConditionCatalogue",
    "CooperationItem",
    "Criterion",
    "DeclaredFigure",
    "Destination",
    "Direction",
    "Division",
    "DivisionLevel",
    "ExpertClinic",
    "FigureUnit",
    "Finding",
    "FormerName",
    "Grade",
    "Institution",
    "InstitutionKind",
    "LabelError",
    "MedAllianceError",
    "MemberRole",
    "Membership",
    "Ownership",
    "Problem",
    "ProfessionalTitle",
    "Provenance",
    "Qualifier",
    "ReachTarget",
    "ReferralBatch",
    "ReferralCase",
    "ReferralCases",
    "ReferralDecision",
    "ReferralPath",
    "ReferralPolicy",
    "Region",
    "Registry",
    "SchemaError",
    "ServiceKind",
    "ServiceVolumes",
    "Severity",
    "SharedCentre",
    "SharedPrice",
    "Source",
    "Specialty",
    "StaffPosting",
    "TestKind",
    "Tier",
    "Tightness",
    "UnknownIdError",
    "Urgency",
    "Weekday",
    "__version__",
    "accessibility",
    "alliance_coverage",
    "allocate_capacity",
    "articulation_points",
    "check_registry",
    "coverage",
    "default_policy",
    "default_targets",
    "display",
    "evaluate",
    "evaluate_indicators",
    "evaluate_many",
    "example_catalogue",
    "examples",
    "expert_clinic_coverage",
    "from_graph",
    "indicators",
    "json_schema",
    "normalize_label",
    "parse_level",
    "reachability",
    "read_json",
    "read_policy",
    "read_registry",
    "read_yaml",
    "recognises",
    "recognition_groups",
    "referral",
    "referral_channels",
    "referral_paths",
    "registry_coverage",
    "removal_impact",
    "removal_impact_all",
    "service_access",
    "sharing",
    "sharing_summary",
    "to_graph",
    "to_simplified",
    "validate_graph",
    "volumes_from_declared",
    "write_graphml",
    "write_json",
    "write_yaml",
]

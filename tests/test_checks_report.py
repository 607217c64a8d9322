"""Advisory checks and summaries on small hand-made registries."""

from __future__ import annotations

from typing import Any

import pytest

from medalliance import MedAllianceError, Registry, Severity, check_registry
from medalliance.checks import check_declared_counts, check_lead_tiers, check_unaffiliated
from medalliance.report import alliance_summary, registry_summary


def _registry(**alliance: Any) -> Registry:
    base: dict[str, Any] = {
        "id": "a",
        "name": "某县医共体",
        "form": "county_medical_community",
        "lead": ["county"],
        "memberships": [
            {"institution": "county", "role": "lead"},
            {"institution": "town", "role": "hub"},
            {"institution": "v1", "role": "base"},
            {"institution": "v2", "role": "base"},
        ],
    }
    return Registry.model_validate(
        {
            "institutions": [
                {
                    "id": "county",
                    "name": "某县人民医院",
                    "kind": "综合医院",
                    "tier": "二级",
                    "beds": 500,
                },
                {
                    "id": "town",
                    "name": "某镇卫生院",
                    "kind": "乡镇卫生院",
                    "beds": 40,
                    "population_served": 30000,
                },
                {"id": "v1", "name": "甲村卫生室", "kind": "村卫生室", "population_served": 1200},
                {"id": "v2", "name": "乙村卫生室", "kind": "村卫生室"},
                {"id": "city", "name": "某市第一人民医院", "kind": "综合医院", "level": "三甲"},
            ],
            "alliances": [{**base, **alliance}],
        }
    )


def test_declared_counts_above_and_below_listed() -> None:
    reg = _registry(
        declared=[
            {"metric": "grassroots_members", "value": 42, "unit": "institutions"},
            {"metric": "member_count", "value": 3, "unit": "institutions"},
            {"metric": "hospital_members", "value": 0, "unit": "institutions"},
            {"metric": "beds_radiated", "value": 13000, "unit": "beds", "qualifier": "more_than"},
        ]
    )
    findings = check_declared_counts(reg)
    assert [(f.code, f.severity, f.message) for f in findings] == [
        (
            "declared_exceeds_listed",
            Severity.INFO,
            "declares grassroots_members 42 but lists 3 (39 not itemised)",
        ),
        ("listed_exceeds_declared", Severity.WARNING, "declares member_count 3 but lists 4"),
    ]
    with pytest.raises(MedAllianceError, match="listed_exceeds_declared"):
        check_registry(reg, strict=True)


def test_lead_below_member_and_missing_hub() -> None:
    reg = _registry(
        memberships=[
            {"institution": "county", "role": "lead"},
            {"institution": "city", "role": "member"},
            {"institution": "v1", "role": "base"},
        ]
    )
    codes = {(f.code, f.severity) for f in check_lead_tiers(reg)}
    assert codes == {
        ("lead_below_member", Severity.WARNING),
        ("county_community_without_hub", Severity.INFO),
    }


def test_unaffiliated_and_sorted_findings() -> None:
    reg = _registry()
    assert [f.subject for f in check_unaffiliated(reg)] == ["city"]
    findings = check_registry(reg)
    assert [f.code for f in findings] == ["unaffiliated"]
    assert str(findings[0]) == "[info] city: belongs to no alliance"


def test_alliance_summary_counts_and_figures() -> None:
    reg = _registry(
        declared=[
            {"metric": "beds_radiated", "value": 13000, "unit": "beds", "qualifier": "more_than"},
            {"metric": "population_covered", "value": 50000, "unit": "people"},
            {"metric": "grassroots_members", "value": 42, "unit": "家"},
            {"metric": "service_volume", "value": 330, "unit": "patient_visits", "service": "ct"},
        ]
    )
    s = alliance_summary(reg, "a")
    assert s.member_count == 4
    assert s.by_tier == (("secondary", 1), ("primary", 1), ("village", 2))
    assert s.by_role == (("lead", 1), ("hub", 1), ("base", 2))
    assert s.by_kind == (
        ("village_clinic", 2),
        ("general_hospital", 1),
        ("township_health_centre", 1),
    )
    assert (s.beds_known, s.beds_unknown_members) == (540, 2)
    got = [(c.figure.metric, c.computed, c.difference, c.unknown_members) for c in s.figures]
    assert got == [
        ("beds_radiated", 540, None, 2),  # a lower bound: undetermined, no difference
        ("population_covered", 31200, None, 2),
        ("grassroots_members", 3, 39, 0),
        ("service_volume", None, None, 0),
    ]


def test_registry_summary() -> None:
    reg = _registry()
    s = registry_summary(reg)
    assert (s.institutions, s.alliances, s.agreements) == (5, 1, 0)
    assert s.by_tier == (("tertiary", 1), ("secondary", 1), ("primary", 1), ("village", 2))
    assert s.by_form == (("county_medical_community", 1),)
    assert s.multi_alliance_institutions == 0


def test_label_errors_raised_inside_pydantic_list_accepted_labels() -> None:
    with pytest.raises(MedAllianceError) as info:
        _registry(form="宇宙飞船")
    [problem] = info.value.problems
    assert problem.path == ("alliances", 0, "form")
    assert problem.message.startswith("unknown alliance form '宇宙飞船'; accepted: ")
    assert "县域医共体" in problem.message

"""Referral policy as data: the default policy, catalogues, loading and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from medalliance import MedAllianceError, SchemaError, Specialty, Tier, UnknownIdError
from medalliance.io import read_policy
from medalliance.referral.policy import (
    ConditionCatalogue,
    Direction,
    ReferralPolicy,
    default_policy,
    example_catalogue,
)


def test_default_policy_has_the_articles_criteria() -> None:
    policy = default_policy()
    up = {c.code for c in policy.criteria_for(Direction.UP)}
    down = {c.code for c in policy.criteria_for("下转")}
    assert {
        "critical_or_difficult",
        "beyond_capability",
        "needs_equipment_or_exam",
        "needs_inpatient_bed",
        "specialty_condition",
    } <= up
    # seed 002: the canonical three down-criteria and one up-criterion
    assert {"acute_recovery", "postop_recovery", "critical_stabilised", "chronic_confirmed"} <= down
    assert not up & down
    assert policy.criterion("critical_or_difficult").name_zh == "危重疑难病症"
    assert [c.code for c in policy.criteria if c.uncertain] == ["elderly_or_terminal_care"]
    assert all(c.source for c in policy.criteria)
    assert {c.code for c in policy.criteria_for("lateral")} == {
        "beyond_capability",
        "needs_equipment_or_exam",
        "specialty_condition",
    }


def test_unknown_criterion_lists_known_codes() -> None:
    with pytest.raises(
        UnknownIdError, match="unknown referral criterion 'x'; known: critical_or_difficult"
    ):
        default_policy().criterion("x")


def test_example_catalogue_is_illustrative_and_matches_longest_prefix() -> None:
    cat = example_catalogue()
    assert cat.illustrative
    lung = cat.lookup("C34.1")
    assert lung is not None
    assert (lung.code, lung.min_tier) == ("C34", Tier.TERTIARY)
    other_cancer = cat.lookup("C18")
    assert other_cancer is not None
    assert (other_cancer.code, other_cancer.specialty) == ("C", Specialty.ONCOLOGY)
    assert cat.lookup("J45") is None


def test_read_policy_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "name: 某县双向转诊办法\n"
        "criteria:\n"
        "  - {code: stroke_rehab, name_en: Stroke rehabilitation,\n"
        "     name_zh: 脑卒中康复期, directions: [下转]}\n"
        "catalogue:\n"
        "  name: 某县病种目录\n"
        "  entries: [{code: I63, min_tier: 二级, specialty: 神经内科}]\n",
        encoding="utf-8",
    )
    policy = read_policy(path)
    assert policy.criterion("stroke_rehab").directions == (Direction.DOWN,)
    assert policy.catalogue is not None
    assert policy.catalogue.lookup("I63.9") is not None
    assert ReferralPolicy.model_validate(policy.model_dump()) == policy


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: p\ncriteria: []\n", "criteria: Tuple should have at least 1 item"),
        (
            "name: p\ncriteria:\n  - {code: Bad Code, name_en: a, name_zh: b, directions: [up]}\n",
            "criteria[0].code: String should match pattern",
        ),
        (
            "name: p\ncriteria:\n  - {code: a, name_en: a, name_zh: b, directions: [sideways]}\n",
            "unknown direction 'sideways'",
        ),
        (
            "name: p\ncriteria:\n  - {code: a, name_en: a, name_zh: b, directions: [up]}\n"
            "  - {code: a, name_en: a, name_zh: b, directions: [down]}\n",
            "duplicate criterion 'a'",
        ),
        ("name: p\ncriteria: [\n", "malformed or unsafe YAML"),
        ("- just\n- a list\n", "expected a mapping with name and criteria"),
        (
            "name: p\ncriteria:\n  - {code: a, name_en: a, name_zh: b, directions: [up]}\n"
            "catalogue: {name: c, entries: [{code: i10, min_tier: primary}]}\n",
            "catalogue.entries[0].code: String should match pattern",
        ),
        (
            "name: p\ncriteria:\n  - {code: a, name_en: a, name_zh: b, directions: [up]}\n"
            "catalogue: {name: c, entries: [{code: I10}]}\n",
            "an entry needs min_tier, specialty or services",
        ),
        (  # a flag given as text is not read as true
            "name: p\nwithin_alliance_only: 'no'\ncriteria:\n"
            "  - {code: a, name_en: a, name_zh: b, directions: [up], needs_capability: 1}\n",
            "within_alliance_only: Input should be a valid boolean (got 'no')",
        ),
        (
            "name: p\ncriteria:\n"
            "  - {code: a, name_en: a, name_zh: b, directions: [up], needs_capability: 1}\n",
            "criteria[0].needs_capability: Input should be a valid boolean (got 1)",
        ),
    ],
)
def test_malformed_policy_files(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MedAllianceError) as info:
        read_policy(path)
    assert fragment in str(info.value)
    assert "bad.yaml" in str(info.value)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="file not found"):
        read_policy(tmp_path / "nope.yaml")


def test_catalogue_rejects_duplicate_codes() -> None:
    with pytest.raises(MedAllianceError, match="duplicate code 'I10'"):
        ConditionCatalogue.model_validate(
            {
                "name": "c",
                "entries": [
                    {"code": "I10", "min_tier": "primary"},
                    {"code": "I10", "specialty": "心内科"},
                ],
            }
        )

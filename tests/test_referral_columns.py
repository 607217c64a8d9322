"""Validating case columns: every input form gives the same columns; every bad value is named."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from medalliance import MedAllianceError, ReferralCase
from medalliance.referral import ReferralCases

FIELDS = ("origin", "criterion", "specialty", "services", "urgency", "home", "condition")


def columns(cases: ReferralCases) -> dict[str, list[Any]]:
    return {f: getattr(cases, f).tolist() for f in FIELDS}


def rendered(**kw: Any) -> list[str]:
    with pytest.raises(MedAllianceError) as info:
        ReferralCases.from_arrays(**kw)
    return [p.render() for p in info.value.problems]


CASES = [
    ReferralCase(origin="v1", criterion="chronic_confirmed", services=("ct", "lab")),
    ReferralCase(origin="v2", criterion="acute_recovery", specialty="心内科", urgency="urgent"),
    ReferralCase(origin="v1", criterion="chronic_confirmed", home="h.1", condition="I10"),
    ReferralCase(origin="t-3", criterion="postop_recovery", services=("lab", "ct")),
]


@pytest.mark.parametrize("form", ["lists", "numpy text", "numpy objects", "tuples"])
def test_every_input_form_gives_the_columns_of_the_cases(form: str) -> None:
    raw: dict[str, list[Any]] = {
        "origin": [c.origin for c in CASES],
        "criterion": [c.criterion for c in CASES],
        "specialty": [c.specialty.value if c.specialty else None for c in CASES],
        "services": [[s.value for s in c.services] for c in CASES],
        "urgency": [c.urgency.value for c in CASES],
        "home": [c.home for c in CASES],
        "condition": [c.condition for c in CASES],
    }
    kw: dict[str, Any] = dict(raw)
    if form == "numpy text":
        kw.update(
            origin=np.array(raw["origin"]),
            criterion=np.array(raw["criterion"]),
            urgency=np.array(raw["urgency"]),
        )
    elif form == "numpy objects":
        kw = {k: np.array(v, dtype=object) if k != "services" else v for k, v in raw.items()}
    elif form == "tuples":
        kw = {k: tuple(tuple(x) if isinstance(x, list) else x for x in v) for k, v in raw.items()}
    got = ReferralCases.from_arrays(**kw)
    assert columns(got) == columns(ReferralCases.from_cases(CASES))
    assert [got.case(i) for i in range(len(CASES))] == CASES


def test_scalars_apply_to_every_case() -> None:
    got = ReferralCases.from_arrays(
        origin=["a", "b", "c"], criterion="acute_recovery", specialty="心内科", urgency="急诊"
    )
    assert got.specialty.tolist() == ["cardiology"] * 3
    assert got.urgency.tolist() == [2, 2, 2]


def test_each_bad_value_is_named_at_its_first_row_once() -> None:
    problems = rendered(
        origin=["a", "b b", "c", "b b"],
        criterion=["acute_recovery", "Bad", "Bad", "acute_recovery"],
        specialty=["astrology", None, "astrology", "心内科"],
        urgency=["whenever", "routine", "whenever", None],
    )
    assert problems[:3] == [
        "origin[1]: not a valid id: 'b b'",
        "origin[3]: not a valid id: 'b b'",
        "criterion[1]: not a criterion code: 'Bad'",
    ]
    assert [p.split(":")[0] for p in problems[3:]] == ["specialty[0]", "urgency[0]"]
    assert "unknown specialty 'astrology'" in problems[3]


def test_a_service_row_that_is_not_a_sequence_is_named() -> None:
    # was a TypeError traceback from inside the validation
    assert rendered(origin=["a", "b", "c"], criterion="x", services=[["ct"], None, 3]) == [
        "services[1]: expected a sequence of services, not NoneType",
        "services[2]: expected a sequence of services, not int",
    ]
    assert rendered(origin=["a"], criterion="x", services=["ct"]) == [
        "services[0]: expected a sequence of services, not a string"
    ]


def test_service_groups_parsed_once_per_distinct_group() -> None:
    many = 10_000
    got = ReferralCases.from_arrays(
        origin=np.array(["a", "b"] * many),
        criterion="chronic_confirmed",
        services=[["ct", "lab"], []] * many,
    )
    assert len(set(got.services.tolist())) == 2
    assert rendered(
        origin=["a", "b", "c"], criterion="x", services=[["ct"], ["ct", "ct"], ["ct", "ct"]]
    ) == ["services[1]: a service is listed twice"]

"""Advisory checks: findings about a valid registry that a person should look at.

:func:`check_registry` runs the checks of the model (:mod:`medalliance.model.checks`: declared
counts, lead tiers, unaffiliated institutions, members of centres outside their parent, records
whose dates say they are not in force today) and
those of resource sharing (:func:`medalliance.sharing.check_sharing`). Each returns
:class:`Finding` objects instead of logging or raising.

Examples
--------
>>> from medalliance import examples
>>> findings = check_registry(examples.load("benxi_central"))
>>> [f.code for f in findings if f.code == "declared_exceeds_listed"][:1]
['declared_exceeds_listed']
"""

from __future__ import annotations

import datetime as _dt

from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.checks import (
    COUNTED_METRICS,
    Finding,
    Severity,
    check_dates,
    check_declared_counts,
    check_lead_tiers,
    check_sub_units,
    check_unaffiliated,
)
from medalliance.model.registry import Registry
from medalliance.sharing import check_sharing

__all__ = [
    "COUNTED_METRICS",
    "Finding",
    "Severity",
    "check_dates",
    "check_declared_counts",
    "check_lead_tiers",
    "check_registry",
    "check_sub_units",
    "check_unaffiliated",
]


def check_registry(
    registry: Registry, *, strict: bool = False, today: _dt.date | None = None
) -> tuple[Finding, ...]:
    """Run every check and return the findings (sorted by subject, then code).

    Parameters
    ----------
    registry : Registry
        The registry to check.
    strict : bool, default False
        Raise :class:`~medalliance.errors.MedAllianceError` if any finding is a warning.
    today : datetime.date, optional
        The day the date checks (:func:`~medalliance.model.checks.check_dates`) compare
        with; default the current date.

    Examples
    --------
    >>> from medalliance import examples
    >>> all(f.severity.value == "info" for f in check_registry(examples.load("gangkou")))
    True
    """
    require_registry(registry)
    findings: list[Finding] = []
    checks = (
        check_declared_counts,
        check_lead_tiers,
        check_sub_units,
        check_unaffiliated,
        check_sharing,
    )
    for check in checks:
        findings.extend(check(registry))
    findings.extend(check_dates(registry, today=today))
    findings.sort(key=lambda f: (f.subject, f.code, f.message))
    if strict:
        warnings = [f for f in findings if f.severity is Severity.WARNING]
        if warnings:
            raise MedAllianceError(
                [Problem((f.subject,), f"{f.code}: {f.message}") for f in warnings]
            )
    return tuple(findings)

"""A computed value or the reason there is none (internal to the formulas)."""

from __future__ import annotations

from typing import Literal

Counted = Literal["persons", "visits"]
"""What a referral indicator counts: distinct persons, or referrals (人次)."""


class Value:
    """A computed value or the reason there is none (internal)."""

    __slots__ = ("counted", "denominator", "note", "numerator", "reason", "value")

    def __init__(
        self,
        value: float | None,
        numerator: float | None = None,
        denominator: float | None = None,
        reason: str | None = None,
        *,
        counted: Counted | None = None,
        note: str | None = None,
    ) -> None:
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.reason = reason
        self.counted = counted
        self.note = note


def none(reason: str, numerator: float | None = None, denominator: float | None = None) -> Value:
    """No value, for ``reason``."""
    return Value(None, numerator, denominator, reason)


def ratio(num: float, den: float, what: str) -> Value:
    """``num / den``, or no value when ``den`` (``what``) is 0."""
    if den == 0:
        return none(f"{what} is 0: the ratio is undefined", num, den)
    return Value(num / den, num, den)


def growth(now: float, before: float, previous_period: str | None, what: str) -> Value:
    """``(now - before) / before``, or no value without a base."""
    if previous_period is None:
        return none("needs the previous period (previous_period=...)", numerator=now)
    if before == 0:
        return none(f"no {what} in {previous_period!r}: growth is undefined", now, before)
    return Value((now - before) / before, now, before)

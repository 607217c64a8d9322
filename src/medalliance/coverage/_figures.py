"""Declared figures (beds, population) of an alliance against the sums of its members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.alliance import Alliance, DeclaredFigure, Qualifier
from medalliance.model.checks import COUNTED_METRICS
from medalliance.model.institution import Institution
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel
from medalliance.model.vocab import LabelledEnum

BED_METRICS = frozenset({"beds", "beds_radiated", "beds_covered"})
"""Declared metrics compared with the sum of the members' ``beds``."""
POPULATION_METRICS = frozenset({"population_covered", "population_served"})
"""Declared metrics compared with the sum of the members' ``population_served``."""


class Consistency(LabelledEnum):
    """Whether a computed total and a declared figure can both be true."""

    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    UNDETERMINED = "undetermined"
    NOT_DECLARED = "not_declared"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.CONSISTENT: ("一致",),
            cls.INCONSISTENT: ("不一致", "矛盾"),
            cls.UNDETERMINED: ("无法判定", "待定"),
            cls.NOT_DECLARED: ("未申报", "未声明"),
        }


class FigureCheck(FrozenModel):
    """A total computed from the members beside one declared figure (or none)."""

    quantity: str
    """``beds`` or ``population`` (the member field summed: ``beds``, ``population_served``)."""
    computed: int
    """Sum over the members that have the figure."""
    members_counted: int
    """Members whose figure is in the sum."""
    members_missing: tuple[str, ...]
    """Ids of members without the figure (not counted as 0: the sum is then a lower bound)."""
    listing_complete: bool
    """Whether the alliance lists at least as many members as it declares (member counts)."""
    declared: DeclaredFigure | None
    """The declared figure compared with, or ``None``."""
    consistency: Consistency
    """See the module rules."""

    @property
    def exact(self) -> bool:
        """Whether :attr:`computed` is the whole total (no member missing, listing complete).

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.coverage import alliance_coverage
        >>> reg = examples.load("zhejiang_geriatric")
        >>> c = alliance_coverage(reg, "zhejiang_geriatric_alliance")
        >>> c.beds[0].exact, c.beds[0].members_missing
        (False, ('zhejiang_hospital',))
        """
        return not self.members_missing and self.listing_complete

    @property
    def difference(self) -> int | float | None:
        """``declared - computed`` (``None`` with nothing declared).

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.coverage import alliance_coverage
        >>> reg = examples.load("zhejiang_geriatric")
        >>> c = alliance_coverage(reg, "zhejiang_geriatric_alliance")
        >>> c.beds[0].declared.value, c.beds[0].computed, c.beds[0].difference
        (13000, 0, 13000)
        """
        return None if self.declared is None else self.declared.value - self.computed


def _figure_range(fig: DeclaredFigure, tol: float) -> tuple[float, bool, float, bool]:
    """Declared range as (low, low open, high, high open)."""
    v = float(fig.value)
    q = fig.qualifier
    if q is Qualifier.AT_LEAST:
        return v, False, float("inf"), True
    if q is Qualifier.MORE_THAN:
        return v, True, float("inf"), True
    if q is Qualifier.UP_TO:
        return 0.0, False, v, False
    if q is Qualifier.ABOUT:
        lo, hi = sorted((v * (1 - tol), v * (1 + tol)))
        return lo, False, hi, False
    return v, False, v, False


def _consistency(fig: DeclaredFigure | None, computed: int, exact: bool, tol: float) -> Consistency:
    if fig is None:
        return Consistency.NOT_DECLARED
    lo, lo_open, hi, hi_open = _figure_range(fig, tol)
    c = float(computed)
    if exact:
        above = c > lo or (c == lo and not lo_open)
        below = c < hi or (c == hi and not hi_open)
        return Consistency.CONSISTENT if above and below else Consistency.INCONSISTENT
    # computed is a lower bound [c, inf): it meets the range unless c already exceeds it
    meets = c < hi or (c == hi and not hi_open)
    return Consistency.UNDETERMINED if meets else Consistency.INCONSISTENT


def _listing_complete(registry: Registry, a: Alliance) -> bool:
    for fig in a.declared:
        count = COUNTED_METRICS.get(fig.metric)
        if count is not None and fig.subject in (None, a.id) and fig.value > count(a, registry):
            return False
    return True


def _figure_checks(
    a: Alliance,
    members: Sequence[Institution],
    *,
    quantity: str,
    metrics: frozenset[str],
    listing_complete: bool,
    tol: float,
) -> tuple[FigureCheck, ...]:
    attr = "beds" if quantity == "beds" else "population_served"
    values = [getattr(m, attr) for m in members]
    computed = sum(v for v in values if v is not None)
    missing = tuple(m.id for m, v in zip(members, values, strict=True) if v is None)
    exact = not missing and listing_complete
    figures: list[DeclaredFigure | None] = [
        f for f in a.declared if f.metric in metrics and f.subject in (None, a.id)
    ]
    return tuple(
        FigureCheck.model_construct(
            quantity=quantity,
            computed=computed,
            members_counted=len(members) - len(missing),
            members_missing=missing,
            listing_complete=listing_complete,
            declared=f,
            consistency=_consistency(f, computed, exact, tol),
        )
        for f in (figures or [None])
    )


def _check_tolerance(about_tolerance: float) -> None:
    if (
        isinstance(about_tolerance, bool)
        or not isinstance(about_tolerance, int | float)
        or not 0 <= about_tolerance < 1
    ):
        raise MedAllianceError(
            [Problem(("about_tolerance",), f"must be a number in [0, 1), got {about_tolerance!r}")]
        )

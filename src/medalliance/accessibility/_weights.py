"""Distance-decay weights: stepped zones (E2SFCA), Gaussian, power (gravity), exponential."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from medalliance.accessibility._common import FloatArray
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import FrozenModel

# --------------------------------------------------------------------------------------
# distance-decay weights

NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Decay(FrozenModel):
    """A distance-decay weight ``W(cost)``, applied to a whole array of costs at once.

    Subclasses are frozen parameter records: :class:`StepWeights` (zones, E2SFCA),
    :class:`GaussianDecay` (kernel), :class:`PowerDecay` (gravity) and
    :class:`ExponentialDecay`. Any vectorised function of a cost array may be used in their
    place; its weights are checked (finite, >= 0, same shape). Costs are travel times in
    minutes, as in :class:`~medalliance.accessibility.CostMatrix`.
    """

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Weights for an array of costs."""
        raise NotImplementedError  # pragma: no cover - every subclass implements it

    @property
    def max_cost(self) -> float | None:
        """Cost (minutes) beyond which the weight is 0 (``None``: it never reaches 0).

        Examples
        --------
        >>> GaussianDecay(sigma=10).max_cost is None
        True
        """
        return None


class StepWeights(Decay):
    """Stepped zone weights (E2SFCA): cost in ``(bounds[k-1], bounds[k]]`` gets ``weights[k]``.

    Zone ``k`` is inclusive at its upper bound (a cost of exactly 10 is in the 0–10 zone);
    costs above the last bound get 0.

    Examples
    --------
    >>> import numpy as np
    >>> E2SFCA_ZONES(np.array([0.0, 10.0, 10.5, 30.0, 30.5])).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    >>> StepWeights.from_mapping({20: 1, 40: 0.5}).bounds
    (20.0, 40.0)
    >>> StepWeights(bounds=(20, 10), weights=(1, 0.5))
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - bounds: zone bounds must be strictly increasing, got (20.0, 10.0)
    """

    bounds: tuple[NonNegFloat, ...]
    """Upper bound of each zone in minutes, strictly increasing."""
    weights: tuple[NonNegFloat, ...]
    """Weight of each zone."""

    @model_validator(mode="after")
    def _check(self) -> StepWeights:
        problems: list[Problem] = []
        if not self.bounds:
            problems.append(Problem(("bounds",), "at least one zone is needed"))
        if len(self.bounds) != len(self.weights):
            msg = f"{len(self.bounds)} bounds but {len(self.weights)} weights"
            problems.append(Problem(("weights",), msg))
        if any(b >= a for b, a in zip(self.bounds, self.bounds[1:], strict=False)):
            msg = f"zone bounds must be strictly increasing, got {self.bounds}"
            problems.append(Problem(("bounds",), msg))
        if problems:
            raise MedAllianceError(problems)
        return self

    @classmethod
    def from_mapping(cls, zones: Mapping[Any, float]) -> StepWeights:
        """Build from ``{upper_bound: weight}`` (the form PySAL ``access`` uses).

        Examples
        --------
        >>> StepWeights.from_mapping({30: 0.22, 10: 1, 20: 0.68}) == E2SFCA_ZONES
        True
        """
        items = sorted((float(k), float(v)) for k, v in zones.items())
        return cls(bounds=tuple(k for k, _ in items), weights=tuple(v for _, v in items))

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Zone weight of each cost (0 beyond the last bound, and for NaN)."""
        cost = np.asarray(cost)
        weights = np.asarray(self.weights, dtype=np.float64)
        if len(self.bounds) > 32:
            # the zone is the number of bounds below the cost (NaN sorts past every bound)
            table = np.append(weights, 0.0)
            zone = np.searchsorted(np.asarray(self.bounds), cost, side="left")
            out: FloatArray = table.take(zone)
            return out
        # few zones: count the bounds at or above each cost, one comparison pass per bound
        # (several times faster than a binary search per cost); NaN counts 0, i.e. weight 0
        above = np.zeros(cost.shape, dtype=np.uint8)
        for bound in self.bounds:
            above += cost <= bound
        out = np.append(weights, 0.0)[::-1].take(above)
        return out  # noqa: RET504  (typed once, above)

    @property
    def max_cost(self) -> float | None:
        """The last zone bound.

        Examples
        --------
        >>> E2SFCA_ZONES.max_cost
        30.0
        """
        return self.bounds[-1]


E2SFCA_ZONES = StepWeights(bounds=(10.0, 20.0, 30.0), weights=(1.0, 0.68, 0.22))
"""Default E2SFCA zones: 0–10, 10–20 and 20–30 minutes weighted 1, 0.68 and 0.22 (Luo & Qi
2009, Gaussian-derived; also PySAL ``access``'s default)."""


class GaussianDecay(Decay):
    """Gaussian kernel ``W = exp(−cost² / 2σ²)`` (``W(0) = 1``, not normalised).

    Examples
    --------
    >>> import numpy as np
    >>> GaussianDecay(sigma=10)(np.array([0.0, 10.0])).round(4).tolist()
    [1.0, 0.6065]
    """

    sigma: PosFloat
    """Width σ in minutes."""

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Kernel weight of each cost."""
        c = np.asarray(cost, dtype=np.float64)
        out: FloatArray = np.square(c, out=np.empty_like(c))
        out /= -(2.0 * self.sigma**2)  # = -cost² / 2σ², in one array
        np.exp(out, out=out)
        return out


class PowerDecay(Decay):
    """Gravity (power) decay ``W = (max(cost, min_cost) / scale)^−β``.

    The floor ``min_cost`` avoids the infinite weight at cost 0. PySAL ``access``'s
    ``weights.gravity(scale, alpha, min_dist)`` is the same function with ``alpha = −β``.

    Examples
    --------
    >>> import numpy as np
    >>> PowerDecay(beta=2, min_cost=1)(np.array([0.0, 1.0, 2.0])).tolist()
    [1.0, 1.0, 0.25]
    """

    beta: NonNegFloat
    """Decay exponent β (>= 0; 1 to 2 is common)."""
    min_cost: PosFloat = 1.0
    """Floor on the cost in minutes (> 0)."""
    scale: PosFloat = 1.0
    """Costs are divided by it (minutes) before the power is taken."""

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Power-decay weight of each cost."""
        out: FloatArray = np.power(np.maximum(cost, self.min_cost) / self.scale, -self.beta)
        return out


class ExponentialDecay(Decay):
    """Exponential decay ``W = exp(−rate · cost)``.

    Examples
    --------
    >>> import numpy as np
    >>> ExponentialDecay(rate=0.1)(np.array([0.0, 10.0])).round(4).tolist()
    [1.0, 0.3679]
    """

    rate: NonNegFloat
    """Decay rate per minute."""

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Exponential weight of each cost."""
        out: FloatArray = np.exp(-self.rate * cost)
        return out


DecayFunction = Decay | Callable[[FloatArray], FloatArray]
"""A :class:`Decay` or any vectorised function of a cost array returning weights."""


def _weights(fn: DecayFunction, cost: FloatArray, field: str) -> FloatArray:
    """The checked weight of every cost; problems name the argument ``field``."""
    # a user's function gets a copy (it might write into it); our own decays do not write
    arg = cost if isinstance(fn, Decay) else cost.copy()
    with np.errstate(over="ignore", under="ignore"):
        w = np.asarray(fn(arg), dtype=np.float64)
    if w.shape != cost.shape:
        msg = f"the weight function returned shape {w.shape} for {cost.shape} costs"
        raise MedAllianceError([Problem((field,), msg)])
    if len(w) and w.min() >= 0 and np.isfinite(w.max()):
        return w
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        p = int(bad[0])
        msg = (
            f"the weight function gave {w[p]} for cost {cost[p]} ({len(bad)} bad weights); "
            "weights must be finite and >= 0"
        )
        raise MedAllianceError([Problem((field,), msg)])
    return w

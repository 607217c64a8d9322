"""Splitting a shared centre's capacity among members' demands."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular
from medalliance.sharing._common import FloatArray, IntArray, _number, _plural

AllocationMethod = Literal["proportional", "max_min_fair", "priority"]
_METHODS = ("proportional", "max_min_fair", "priority")


@dataclass(frozen=True, eq=False, repr=False)
class Allocation(Tabular):
    """A split of a centre's capacity among members (what :func:`allocate_capacity` returns).

    Attributes
    ----------
    capacity : float
        The capacity shared.
    method : str
        ``proportional``, ``max_min_fair`` or ``priority``.
    members : tuple of str or None
        Member ids when the demands were given as a mapping, else ``None`` (positions).
    demands : numpy.ndarray
        Demand of every member (read-only).
    allocated : numpy.ndarray
        Capacity given to every member (read-only; ``int64`` when integral).

    Examples
    --------
    >>> a = allocate_capacity(9, {"c1": 8, "c2": 4})
    >>> a.members, a.allocated.tolist()
    (('c1', 'c2'), [6.0, 3.0])
    >>> a
    Allocation(proportional, 2 members, capacity 9: 9 allocated of 12 demanded)
    """

    capacity: float
    method: str
    members: tuple[str, ...] | None
    demands: np.ndarray[Any, Any]
    allocated: np.ndarray[Any, Any]

    def __repr__(self) -> str:
        demanded = float(np.sum(self.demands))
        allocated = float(np.sum(self.allocated))
        return (
            f"Allocation({self.method}, {_plural(len(self.demands), 'member')}, capacity "
            f"{_number(self.capacity)}: {_number(allocated)} allocated of {_number(demanded)} "
            "demanded)"
        )

    @property
    def total(self) -> float:
        """Capacity given out in total (exactly rounded sum).

        Examples
        --------
        >>> allocate_capacity(10, [8, 4], method="priority").total
        10.0
        """
        return math.fsum(self.allocated.tolist())

    @property
    def unmet(self) -> np.ndarray[Any, Any]:
        """Demand left unserved per member.

        Examples
        --------
        >>> allocate_capacity(10, [8, 4], method="priority").unmet.tolist()
        [0.0, 2.0]
        """
        out: np.ndarray[Any, Any] = self.demands - self.allocated
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per member: demand, allocation and unmet demand.

        Examples
        --------
        >>> allocate_capacity(10, {"c1": 8, "c2": 4}, method="priority").rows()[1]
        {'member': 'c2', 'demand': 4.0, 'allocated': 2.0, 'unmet': 2.0}
        """
        names = self.members if self.members is not None else range(len(self.demands))
        return [
            {"member": m, "demand": d, "allocated": x, "unmet": d - x}
            for m, d, x in zip(names, self.demands.tolist(), self.allocated.tolist(), strict=True)
        ]


def _numbers(
    name: str, values: Any, problems: list[Problem], *, integral: bool, nonneg: bool = True
) -> tuple[tuple[str, ...] | None, FloatArray]:
    """Validate a mapping or 1-D sequence of finite (non-negative) numbers.

    Every bad value is reported, in input order; the values come back as a float array.
    """
    keys: tuple[str, ...] | None = None
    if isinstance(values, Mapping):
        keys = tuple(values)
        for k in keys:
            if not isinstance(k, str):
                problems.append(Problem((name,), f"member ids must be strings, got {k!r}"))
        raw: Any = list(values.values())
    elif isinstance(values, np.ndarray):
        if values.ndim != 1:
            problems.append(Problem((name,), f"must be one-dimensional, got shape {values.shape}"))
            return None, np.zeros(0)
        raw = values
    elif isinstance(values, Sequence) and not isinstance(values, str | bytes):
        raw = values
    else:
        problems.append(Problem((name,), "must be a mapping or a sequence of numbers"))
        return None, np.zeros(0)

    def where(j: int) -> tuple[str | int, ...]:
        return (name, j if keys is None else keys[j])

    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iuf":
        arr = raw.astype(np.float64)
    else:  # plain values: check each one's type (booleans and strings are not numbers)
        bad = [
            j
            for j, v in enumerate(raw)
            if isinstance(v, bool | np.bool_)
            or not isinstance(v, int | float | np.integer | np.floating)
        ]
        if bad:
            for j in bad:
                problems.append(Problem(where(j), f"must be a number, got {raw[j]!r}"))
            return keys, np.zeros(0)
        arr = np.array([float(v) for v in raw], dtype=np.float64)
    finite = np.isfinite(arr)
    checks = [(~finite, "must be finite")]
    if nonneg:
        checks.append((finite & (arr < 0), "must be >= 0"))
    if integral:
        whole = np.floor(np.where(finite, arr, 0.0))
        checks.append((finite & (arr != whole), "must be a whole number when integral"))
        checks.append((finite & (np.abs(arr) > 2.0**53), "must be at most 2**53 when integral"))
    found: list[tuple[int, str]] = []
    for mask, message in checks:
        if mask.any():
            found.extend((j, message) for j in np.flatnonzero(mask).tolist())
    for j, message in sorted(found, key=lambda jm: jm[0]):
        value = raw[j]
        shown = value.item() if isinstance(value, np.generic) else value
        problems.append(Problem(where(j), f"{message}, got {shown!r}"))
    return keys, arr


def allocate_capacity(
    capacity: float,
    demands: Mapping[str, float] | Sequence[float] | np.ndarray[Any, Any],
    *,
    method: AllocationMethod = "proportional",
    priorities: Mapping[str, float] | Sequence[float] | np.ndarray[Any, Any] | None = None,
    integral: bool = False,
) -> Allocation:
    """Split a centre's daily capacity among members' demands.

    When the demands fit, every member gets its demand. Otherwise:

    - ``proportional``: each member gets ``demand * capacity / total demand``;
    - ``max_min_fair`` (water-filling): members get equal shares, capped at their demand,
      with what capped members leave over shared again among the rest; no member that gets
      less than its demand gets less than anyone else;
    - ``priority``: members are served whole in priority order (smaller ``priorities`` value
      first; equal values in input order) until the capacity runs out; one member may be
      served in part.

    Always: no member gets more than its demand or less than 0, and the exact total never
    exceeds the capacity. In floating point a binding capacity is split into whole quanta of
    the float spacing at the capacity (each share moves by less than one unit in the last
    place of the capacity), so that the total can be checked exactly; a quantum or two left
    over by rounding is taken back from the last members (max-min: the last members below
    their demand; priority: the last served). With ``integral=True`` capacity and demands
    must be whole numbers (at most 2**53) and the allocation is in whole units: proportional
    shares are rounded down and the units left go to the largest remainders; max-min fair
    shares differ by at most one unit, extra units going to the earliest members. Ties are
    always broken by input order, so the result is deterministic.

    Parameters
    ----------
    capacity : float
        Units available (e.g. ``capacity_per_day``); finite and >= 0.
    demands : mapping of str to float, or sequence of float
        Demand per member (member id to demand, or a plain sequence); finite and >= 0.
    method : {"proportional", "max_min_fair", "priority"}, default "proportional"
        How to split a capacity smaller than the total demand.
    priorities : mapping or sequence of float, optional
        For ``method="priority"`` only: priority per member (the same keys or length as
        ``demands``; smaller is served first). Omitted: input order.
    integral : bool, default False
        Allocate whole units.

    Returns
    -------
    Allocation
        Demands and allocations (arrays in input order).

    Raises
    ------
    MedAllianceError
        Naming every bad value: negative, non-finite or non-numeric capacity, demands or
        priorities, an unknown method, priorities that do not match the demands or are given
        for another method, fractional values with ``integral=True``.

    Examples
    --------
    >>> a = allocate_capacity(60, {"t1": 80, "t2": 40, "t3": 10}, method="max_min_fair")
    >>> a.allocated.tolist()
    [25.0, 25.0, 10.0]
    >>> allocate_capacity(100, [80, 40, 10], integral=True).allocated.tolist()
    [61, 31, 8]
    >>> allocate_capacity(100, [80, 40, 10], method="priority", priorities=[2, 1, 1]).allocated
    array([50., 40., 10.])
    >>> allocate_capacity(-1, [1, -2])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - capacity: must be a finite number >= 0, got -1
      - demands[1]: must be >= 0, got -2
    """
    problems: list[Problem] = []
    if (
        isinstance(capacity, bool)
        or not isinstance(capacity, int | float | np.integer | np.floating)
        or not math.isfinite(float(capacity))
        or capacity < 0
    ):
        problems.append(Problem(("capacity",), f"must be a finite number >= 0, got {capacity!r}"))
    elif integral and float(capacity) != math.floor(float(capacity)):
        problems.append(
            Problem(("capacity",), f"must be a whole number when integral, got {capacity!r}")
        )
    if method not in _METHODS:
        problems.append(Problem(("method",), f"unknown method {method!r}; use one of {_METHODS}"))
    keys, d = _numbers("demands", demands, problems, integral=integral)
    prio: FloatArray | None = None
    if priorities is not None:
        if method != "priority":
            problems.append(
                Problem(("priorities",), f"only used with method='priority', not {method!r}")
            )
        elif isinstance(priorities, Mapping) and keys is not None:
            missing = [k for k in keys if k not in priorities]
            extra = [k for k in priorities if k not in set(keys)]
            for k in missing:
                problems.append(Problem(("priorities", k), "no priority for this member"))
            for k in extra:
                problems.append(Problem(("priorities", k), "not a member of the demands"))
            if not missing and not extra:
                _, prio = _numbers(
                    "priorities",
                    {k: priorities[k] for k in keys},
                    problems,
                    integral=False,
                    nonneg=False,
                )
        elif isinstance(priorities, Mapping):
            problems.append(
                Problem(("priorities",), "a mapping of priorities needs demands as a mapping")
            )
        else:
            _, prio = _numbers("priorities", priorities, problems, integral=False, nonneg=False)
            if len(prio) != len(d) and not problems:
                problems.append(
                    Problem(
                        ("priorities",),
                        f"has {len(prio)} value(s), expected {len(d)} (one per demand)",
                    )
                )
    if problems:
        raise MedAllianceError(problems)
    n = len(d)
    order_prio = prio if prio is not None else np.arange(n, dtype=np.float64)
    if integral:
        out_i = _allocate_int(int(capacity), d.astype(np.int64), method, order_prio)
        demands_out: np.ndarray[Any, Any] = d.astype(np.int64)
        allocated: np.ndarray[Any, Any] = out_i
    else:
        demands_out = d  # already a private copy of the input
        allocated = _allocate_float(float(capacity), d, method, order_prio)
    demands_out.setflags(write=False)
    allocated.setflags(write=False)
    return Allocation(float(capacity), method, keys, demands_out, allocated)


def _water_level(sorted_d: FloatArray, capacity: float) -> tuple[int, float]:
    """Index of the first unsaturated member (ascending order) and the real water level."""
    n = len(sorted_d)
    before = np.concatenate(([0.0], np.cumsum(sorted_d)[:-1]))
    left = n - np.arange(n)
    # member k is saturated at the level where the first k are: s[k] * left[k] <= cap - before
    over = sorted_d * left > capacity - before
    k = int(np.argmax(over))
    return k, (capacity - float(before[k])) / float(left[k])


def _allocate_float(capacity: float, d: FloatArray, method: str, prio: FloatArray) -> FloatArray:
    total = float(np.sum(d))
    margin = 2.0 * (len(d) + 2) * _EPS  # numpy's sum of n terms >= 0 is within n * eps
    if total * (1.0 + margin) <= capacity or (
        total * (1.0 - margin) <= capacity and math.fsum(d.tolist()) <= capacity
    ):
        same: FloatArray = d.copy()
        return same
    if capacity == 0:
        return np.zeros_like(d)
    n = len(d)
    idx = np.arange(n, dtype=np.int64)
    if method == "proportional":
        out = d * (capacity / total)
        trim_first = idx[::-1]
    elif method == "max_min_fair":
        _, level = _water_level(np.sort(d), capacity)
        out = np.minimum(d, level)
        open_ = d > level
        trim_first = np.concatenate((idx[open_][::-1], idx[~open_][::-1]))
    else:
        order = np.lexsort((idx, prio))
        ds = d[order]
        # demand served before each member: an exclusive prefix sum (``cumsum - ds`` would
        # lose a tiny demand next to a large one and serve the capacity twice)
        before = np.concatenate(([0.0], np.cumsum(ds)[:-1]))
        out = np.empty_like(d)
        out[order] = np.clip(capacity - before, 0.0, ds)
        trim_first = order[::-1]
    return _quantise(np.minimum(out, d), capacity, trim_first)


_EPS = float(np.finfo(np.float64).eps)


def _quantise(out: FloatArray, capacity: float, trim_first: IntArray) -> FloatArray:
    """Make the exact total of ``out`` at most ``capacity``.

    Every value is rounded down to a whole number of quanta ``q`` (the spacing of floats at
    ``capacity``, so each value moves by less than one unit in the last place of the
    capacity); the totals are then compared exactly in integers, and any quanta in excess
    are taken back one at a time from the members in ``trim_first`` order, round after round
    (whole rounds at once, so a large excess costs no more than a small one).
    """
    q = float(np.spacing(capacity))
    units = np.floor(out / q).astype(np.int64)
    excess = int(units.sum()) - int(capacity / q)
    while excess > 0:
        takers = trim_first[units[trim_first] > 0]
        rounds = min(excess // len(takers), int(units[takers].min()))
        if rounds:  # one quantum from every taker, ``rounds`` times over
            units[takers] -= rounds
            excess -= rounds * len(takers)
        else:
            units[takers[:excess]] -= 1
            excess -= len(takers[:excess])
    result: FloatArray = np.asarray(units * q, dtype=np.float64)
    return result


def _allocate_int(capacity: int, d: IntArray, method: str, prio: FloatArray) -> IntArray:
    total = int(d.sum())
    if total <= capacity:
        same: IntArray = d.copy()
        return same
    n = len(d)
    idx = np.arange(n, dtype=np.int64)
    if method == "proportional":
        if int(d.max()) * capacity >= 2**62:
            raise MedAllianceError(
                [Problem(("demands",), "values too large for integral proportional allocation")]
            )
        num = d * capacity
        out = num // total
        rem = num % total
        left = capacity - int(out.sum())
        order = np.lexsort((idx, -rem))
        out[order[:left]] += 1
        return out
    if method == "max_min_fair":
        s = np.sort(d)
        before = np.concatenate(([0], np.cumsum(s)[:-1]))
        count = n - idx
        k = int(np.argmax(s * count > capacity - before))
        level = (capacity - int(before[k])) // int(count[k])
        out = np.minimum(d, level)
        left = capacity - int(out.sum())
        open_ = np.flatnonzero(d > level)
        out[open_[:left]] += 1
        return out
    order = np.lexsort((idx, prio))
    ds = d[order]
    before = np.cumsum(ds) - ds
    out = np.empty_like(d)
    out[order] = np.clip(capacity - before, 0, ds)
    return out

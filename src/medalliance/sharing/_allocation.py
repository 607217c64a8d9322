"""Splitting a shared centre's capacity among members' demands."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular
from medalliance.sharing._common import FloatArray, _number, _plural
from medalliance.sharing._split import fits, split_float, split_int, total_text

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
        demanded = total_text(self.demands.astype(np.float64))
        allocated = total_text(self.allocated.astype(np.float64))
        return (
            f"Allocation({self.method}, {_plural(len(self.demands), 'member')}, capacity "
            f"{_number(self.capacity)}: {allocated} allocated of {demanded} demanded)"
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

    found: list[tuple[int, str]] = []
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iuf":
        arr = raw.astype(np.float64)
        if integral and raw.dtype.kind in "iu":  # exactly: 2**53 + 1 is 2**53 as a float
            big = np.flatnonzero((raw > 2**53) | (raw < -(2**53))).tolist()
            found.extend((j, "must be at most 2**53 when integral") for j in big)
    else:  # plain values: check each one's type (booleans and strings are not numbers)
        bad = [
            j
            for j, v in enumerate(raw)
            if isinstance(v, bool | np.bool_)
            or not isinstance(v, int | float | np.integer | np.floating)
        ]
        if bad:
            for j in bad:
                problems.append(Problem(where(j), f"must be a number, got {_shown(raw[j])}"))
            return keys, np.zeros(0)
        arr = np.zeros(len(raw))
        for j, v in enumerate(raw):
            message = _int_problem(v, integral=integral)
            if message is None:
                arr[j] = float(v)
            else:
                found.append((j, message))
    finite = np.isfinite(arr)
    checks = [(~finite, "must be finite")]
    if nonneg:
        checks.append((finite & (arr < 0), "must be >= 0"))
    if integral:
        whole = np.floor(np.where(finite, arr, 0.0))
        checks.append((finite & (arr != whole), "must be a whole number when integral"))
        checks.append((finite & (np.abs(arr) > 2.0**53), "must be at most 2**53 when integral"))
    for mask, message in checks:
        if mask.any():
            found.extend((j, message) for j in np.flatnonzero(mask).tolist())
    flagged: set[int] = set()
    for j, message in sorted(found, key=lambda jm: jm[0]):
        if j not in flagged:  # one problem per value: the first that applies
            flagged.add(j)
            problems.append(Problem(where(j), f"{message}, got {_shown(raw[j])}"))
    return keys, arr


def _int_problem(value: Any, *, integral: bool) -> str | None:
    """What is wrong with a number beyond what a float check sees (exact, for integers)."""
    if not isinstance(value, int | np.integer):
        return None
    if integral and abs(int(value)) > 2**53:
        return "must be at most 2**53 when integral"
    if abs(int(value)) > _FLOAT_MAX:
        return "must be at most 1.8e308 (the largest float)"
    return None


_FLOAT_MAX = int(np.finfo(np.float64).max)


def _shown(value: Any) -> str:
    """A value for a message: its repr, but a huge integer by its number of digits.

    Python refuses to print integers of more than 4,300 digits, and a message should not
    quote thousands of them anyway.

    Examples
    --------
    >>> _shown(-2), _shown(np.float64(0.5)), _shown(10**400)
    ('-2', '0.5', 'an integer of about 401 digits')
    """
    shown = value.item() if isinstance(value, np.generic) else value
    if isinstance(shown, int) and not isinstance(shown, bool) and abs(shown) >= 10**30:
        return f"an integer of about {int(abs(shown).bit_length() * math.log10(2)) + 1} digits"
    return repr(shown)


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
    exceeds the capacity. In floating point, a binding capacity is split on exact sums (no
    overflow or underflow anywhere from subnormals to the largest float): every share is its
    exact value (in rational arithmetic) rounded down to a whole quantum, the float spacing
    at the capacity, so it is less than one unit in the last place of the capacity below
    that value; a member served whole (priority) or below the water level (max-min fair) gets
    exactly its demand, or the level as rounded when its demand is within a quantum of it
    (so no member below its demand gets less than another). With ``integral=True`` capacity
    and demands must be whole numbers (demands at most 2**53) and the allocation is in whole
    units: proportional shares are rounded down and the units left go to the largest
    remainders; max-min fair shares differ by at most one unit, extra units going to the
    earliest members. Ties are always broken by input order, so the result is deterministic.

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
        priorities (integers past the largest float included), an unknown method, priorities
        that do not match the demands or are given for another method, fractional values or
        demands over 2**53 with ``integral=True``.

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
        or (isinstance(capacity, int | np.integer) and abs(int(capacity)) > _FLOAT_MAX)
        or not math.isfinite(float(capacity))
        or capacity < 0
    ):
        shown = _shown(capacity)
        problems.append(Problem(("capacity",), f"must be a finite number >= 0, got {shown}"))
    elif integral and float(capacity) != math.floor(float(capacity)):
        problems.append(
            Problem(("capacity",), f"must be a whole number when integral, got {_shown(capacity)}")
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
        demands_out: np.ndarray[Any, Any] = d.astype(np.int64)
        allocated: np.ndarray[Any, Any] = split_int(int(capacity), demands_out, method, order_prio)
    else:
        demands_out = d  # already a private copy of the input
        allocated = d.copy()
        if float(capacity) == 0:
            allocated[:] = 0.0
        elif not fits(float(capacity), d):
            allocated = split_float(float(capacity), d, method, order_prio)
    demands_out.setflags(write=False)
    allocated.setflags(write=False)
    return Allocation(float(capacity), method, keys, demands_out, allocated)

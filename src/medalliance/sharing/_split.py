"""The arithmetic of :func:`~medalliance.sharing.allocate_capacity` (internal).

Floating-point splits are exact where it matters: whether the demands fit, who is served
whole and where the water level of max-min fairness lies are decided on exact sums, and every
share is its exact value rounded down to a whole quantum ``q`` (the float spacing at the
capacity). Exact values are Python integers in units of 2**-1074, the smallest subnormal,
so that every finite float is a whole number of them (:func:`_z`); the bulk of the work stays
in numpy, on values scaled so that nothing overflows or underflows, and exact integers are
used only for the few shares that floating point cannot round down for certain. Whole-unit
splits use int64 arrays, or Python integers when int64 could overflow.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np

from medalliance.sharing._common import FloatArray, IntArray, _number

_SHIFT = 1074  # a float times 2**1074 is an integer: the unit of the exact sums
_HALF = 26  # 53-bit significands are summed as a 27-bit and a 26-bit half (exact in float64)
_CHUNK = 1 << _HALF  # so a bucket of up to 2**26 halves sums exactly (below 2**53)


def _z(x: float) -> int:
    """``x * 2**1074`` exactly, for a finite float ``x >= 0``.

    Examples
    --------
    >>> _z(5e-324), _z(1.0) == 2**1074
    (1, True)
    """
    num, den = float(x).as_integer_ratio()
    return num << (_SHIFT - (den.bit_length() - 1))


def _z_total(values: FloatArray) -> int:
    """``sum(values) * 2**1074`` exactly, for finite floats ``>= 0``, without a Python loop.

    Each value is a 53-bit integer times a power of two (:func:`numpy.frexp`); the integers
    are split into halves of 27 and 26 bits and summed per power of two in float64 (exact:
    at most 2**26 halves per call keep every sum below 2**53), and the few per-power sums are
    combined as Python integers.

    Examples
    --------
    >>> _z_total(np.array([1e308, 1e308])) == 2 * _z(1e308)
    True
    >>> _z_total(np.array([0.1, 0.2, 5e-324])) == _z(0.1) + _z(0.2) + 1
    True
    """
    total = 0
    for start in range(0, len(values), _CHUNK):
        mant, exp = np.frexp(values[start : start + _CHUNK])
        m = mant * 2.0**53  # a whole number below 2**53 (float arithmetic only: no casts)
        hi = np.floor(m * 2.0**-_HALF)
        lo = m - hi * 2.0**_HALF
        bucket = exp + (_SHIFT - 53 + 52)  # >= 0: the value is m * 2**(bucket - 52 - 1074)
        sum_hi = np.bincount(bucket, weights=hi)
        sum_lo = np.bincount(bucket, weights=lo)
        for b in np.flatnonzero(sum_hi + sum_lo).tolist():
            total += ((int(sum_hi[b]) << _HALF) + int(sum_lo[b])) << b
    return total >> 52  # every term is a whole number of units, so this is exact


def _z_float(z: int, scale: int = 0) -> float:
    """``z * 2**(scale - 1074)`` as a float, within two units in the last place.

    Examples
    --------
    >>> _z_float(_z(0.1)) == 0.1
    True
    """
    drop = max(z.bit_length() - 64, 0)
    return math.ldexp(float(z >> drop), drop + scale - _SHIFT)


def total_text(values: FloatArray) -> str:
    """The exact sum of ``values`` for a repr, even past the largest float.

    Examples
    --------
    >>> total_text(np.array([1e308, 1e308]))
    '2e+308'
    >>> total_text(np.array([1.0, 2.5, 12000.0]))
    '12,004'
    """
    z = _z_total(values)
    try:
        return _number(_z_float(z))
    except OverflowError:
        mantissa, exponent = f"{Decimal(z) / Decimal(2) ** _SHIFT:.3e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"


def fits(capacity: float, d: FloatArray) -> bool:
    """Whether the exact total of the demands (finite, ``>= 0``) is at most the capacity.

    A floating sum of the values scaled below 1 (no overflow) decides unless it is within
    its error bound of the capacity; then the exact sum does.

    Examples
    --------
    >>> fits(0.3, np.array([0.1, 0.2])), fits(1.7e308, np.array([1e308, 1e308]))
    (False, False)
    """
    if len(d) == 0:
        return True
    scale = math.frexp(max(float(d.max()), capacity))[1]
    total = float(np.sum(np.ldexp(d, -scale)))  # <= len(d); each term lost to underflow < 2**-1074
    bound = total * (len(d) + 2) * 2.0**-52 + len(d) * 2.0**-1074
    cap = math.ldexp(capacity, -scale)
    if total - bound > cap:
        return False
    if total + bound <= cap:
        return True
    return _z_total(d) <= _z(capacity)


def split_float(capacity: float, d: FloatArray, method: str, prio: FloatArray) -> FloatArray:
    """Split a binding ``capacity > 0`` (exact total of ``d`` above it) by ``method``.

    Every share is its exact value rounded down to a whole quantum, except that a member
    served whole (priority) or whose demand is under the water level (max-min fair) gets
    exactly its demand, capped at the quantised level; the exact total is at most the
    capacity.

    Examples
    --------
    >>> split_float(1e308, np.array([1e308, 1e308]), "proportional", np.zeros(2)).tolist()
    [5e+307, 5e+307]
    """
    q = math.ulp(capacity)
    if method == "proportional":
        return _proportional(capacity, q, d)
    if method == "max_min_fair":
        return _max_min_fair(capacity, q, d)
    return _priority(capacity, q, d, prio)


def _proportional(capacity: float, q: float, d: FloatArray) -> FloatArray:
    """Shares ``floor(d * C / T)`` quanta, where ``C = capacity / q`` and ``T`` the total.

    Floating point gives the share of almost every member within 2**-48 of its exact value
    (the demands scaled so that the largest is in [0.5, 1): no overflow, and an underflow
    costs less than a quantum); the exact integer division decides the rest.
    """
    t = _z_total(d)
    units_c = _z(capacity) // _z(q)  # the capacity in quanta: < 2**53, exact as a float too
    scale = math.frexp(float(d.max()))[1]
    x = np.ldexp(d, -scale) / _z_float(t, -scale) * float(units_c)
    slack = x * 2.0**-48 + 2.0**-900
    units = np.floor(np.maximum(x - slack, 0.0))
    unsure = np.flatnonzero(units != np.floor(x + slack))
    out: FloatArray = units
    for i in unsure.tolist():
        out[i] = float(_z(d[i]) * units_c // t)
    return np.asarray(out * q, dtype=np.float64)


def _max_min_fair(capacity: float, q: float, d: FloatArray) -> FloatArray:
    """Water-filling on exact sums: members below the level get their demand, others the level.

    The first unsaturated member (ascending demand) is found in floating point on the
    demands clipped at the capacity and counted in quanta (no overflow), then checked and
    moved to the exact answer on exact prefix sums.
    """
    n = len(d)
    cap, quantum = _z(capacity), _z(q)
    sd = np.sort(d)
    u = np.minimum(sd, capacity) / q
    before = np.concatenate(([0.0], np.cumsum(u)[:-1]))
    over = u * (n - np.arange(n)) > cap / quantum - before
    k = int(np.argmax(over)) if over.any() else n - 1
    done = _z_total(sd[:k])  # exact sum of the demands below member k

    def saturated(j: int, below: int) -> bool:
        return _z(sd[j]) * (n - j) <= cap - below

    while k < n - 1 and saturated(k, done):
        done += _z(sd[k])
        k += 1
    while k > 0 and not saturated(k - 1, done - _z(sd[k - 1])):
        k -= 1
        done -= _z(sd[k])
    level = float((cap - done) // ((n - k) * quantum)) * q  # the level, down to a quantum
    # ties are never split, so the members below the water are those below member k
    out: FloatArray = np.where(d < sd[k], np.minimum(d, level), level)
    return out


def _priority(capacity: float, q: float, d: FloatArray, prio: FloatArray) -> FloatArray:
    """Serve members whole in priority order; the first that does not fit gets the rest.

    Where the capacity runs out is found on a floating cumulative sum of the demands
    clipped at the capacity (in quanta: no overflow), then checked on exact prefix sums.
    """
    n = len(d)
    cap, quantum = _z(capacity), _z(q)
    order = np.lexsort((np.arange(n), prio))
    ds = d[order]
    cum = np.cumsum(np.minimum(ds, capacity) / q)
    p = min(int(np.searchsorted(cum, cap / quantum, side="right")), n - 1)
    served = _z_total(ds[:p])
    while p > 0 and served > cap:
        p -= 1
        served -= _z(ds[p])
    while p < n - 1 and served + _z(ds[p]) <= cap:
        served += _z(ds[p])
        p += 1
    out = np.zeros(n)
    out[order[:p]] = ds[:p]
    out[order[p]] = float((cap - served) // quantum) * q
    return out


def split_int(capacity: int, d: IntArray, method: str, prio: FloatArray) -> IntArray:
    """Split ``capacity`` whole units among whole demands (int64 out).

    Sums and products are int64 when they cannot overflow, else Python integers.

    Examples
    --------
    >>> split_int(100, np.array([80, 40, 10]), "proportional", np.arange(3.0)).tolist()
    [61, 31, 8]
    >>> split_int(2**53, np.full(2000, 2**53), "max_min_fair", np.zeros(2000))[:2].tolist()
    [4503599627371, 4503599627371]
    """
    n = len(d)
    big = n > 0 and int(d.max()) * max(n, capacity, 1) >= 2**62
    dd: np.ndarray[Any, Any] = d.astype(object) if big else d
    total = int(dd.sum()) if n else 0
    if total <= capacity:
        same: IntArray = d.copy()
        return same
    idx = np.arange(n, dtype=np.int64)
    if method == "proportional":
        num = dd * capacity
        out = num // total
        left = capacity - int(out.sum())
        out[np.argsort(-(num % total), kind="stable")[:left]] += 1
    elif method == "max_min_fair":
        s = np.sort(dd)
        before = np.concatenate((np.zeros(1, dtype=dd.dtype), np.cumsum(s)[:-1]))
        count = n - idx
        k = int(np.argmax(s * count > capacity - before))
        level = (capacity - int(before[k])) // int(count[k])
        out = np.minimum(dd, level)
        out[np.flatnonzero(d > level)[: capacity - int(out.sum())]] += 1
    else:
        order = np.lexsort((idx, prio))
        ds = dd[order]
        start = np.cumsum(ds) - ds
        out = np.empty_like(dd)
        out[order] = np.minimum(np.maximum(capacity - start, 0), ds)
    result: IntArray = out.astype(np.int64)
    return result

"""The ranking of referral destinations: the one written specification of the fields.

Every candidate destination of a case is described by six fields (smaller ranks first):

========== ==============================================================================
field      value
========== ==============================================================================
home       0 when the destination is the patient's home institution (down-referral close
           to home), else 1
green      0 when a green channel (绿色通道) leads there, else 1
flags      minus the number of priority flags (green channel, priority reception /
           examination / admission, treatment-plan handover)
distance   great-circle distance from the patient (or the origin) in whole metres; with a
           distance band of ``B`` km (``ranking.distance_band_km``), the number of whole
           bands past the nearest destination of the case: ``(d - d_nearest) // B`` (so
           every destination within ``B`` km of the nearest shares the first band and the
           fields after ``distance`` decide between them). Unknown distances rank last.
step       number of tiers between origin and destination
id         the institution id (registry order), the final tie-break
========== ==============================================================================

*Which* fields are compared, and in which order, is data: the policy's
:class:`~medalliance.referral.policy.Ranking` gives one order per urgency (the default
policy: nearest capable institution first for emergencies, 就近). :func:`rank_key` builds the
key of one destination from an order (the one-case path); :func:`packed_rank_keys` packs the
same fields in the same order into one 63-bit integer per (case, destination) for the batch
path; :func:`distance_keys` turns metres into the ``distance`` field for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "FIELD_BITS",
    "NO_DISTANCE",
    "RANK_FIELDS",
    "distance_keys",
    "packed_rank_keys",
    "rank_key",
]

IntArray = np.ndarray[Any, np.dtype[np.int64]]

RANK_FIELDS = ("home", "green", "flags", "distance", "step", "id")
"""The fields a destination can be ranked by (see the module docstring)."""

FIELD_BITS: Mapping[str, int] = {
    "home": 1,
    "green": 1,
    "flags": 3,  # 7 - number of flags (at most 5)
    "distance": 25,  # metres (or bands), up to 33,554 km; all ones = unknown
    "step": 2,
    "id": 31,  # registry position
}
"""Width of each field in the packed batch key (63 bits with every field)."""

NO_DISTANCE = (1 << FIELD_BITS["distance"]) - 1
"""The ``distance`` field of a destination whose distance is unknown (ranks last)."""

_INDEX = {name: k for k, name in enumerate(RANK_FIELDS)}


def rank_key(values: tuple[Any, ...], order: Sequence[str]) -> tuple[Any, ...]:
    """The sort key of one destination: its field values picked in ``order``.

    ``values`` holds the destination's fields in :data:`RANK_FIELDS` order.

    Examples
    --------
    >>> home, green, flags, metres, step, iid = 1, 0, -2, 12_500, 1, "county"
    >>> rank_key((home, green, flags, metres, step, iid), ("distance", "green", "flags", "id"))
    (12500, 0, -2, 'county')
    >>> rank_key((home, green, flags, metres, step, iid), ("home", "flags", "id"))
    (1, -2, 'county')
    """
    return tuple(values[_INDEX[f]] for f in order)


def distance_keys(metres: IntArray, group: IntArray, n_groups: int, band_m: int) -> IntArray:
    """The ``distance`` field of each row: metres, or bands past the nearest row of its group.

    ``metres`` holds whole metres (:data:`NO_DISTANCE` when unknown), ``group`` the case of
    each row. With ``band_m`` = 0 the field is the distance itself; otherwise it is
    ``(metres - nearest) // band_m``, the nearest known distance of the row's case taken as
    the origin. Unknown distances stay :data:`NO_DISTANCE`.

    Examples
    --------
    >>> m = np.array([5_000, 111_000, 5_900, NO_DISTANCE], dtype=np.int64)
    >>> distance_keys(m, np.zeros(4, dtype=np.int64), 1, 0).tolist()[:3]
    [5000, 111000, 5900]
    >>> distance_keys(m, np.zeros(4, dtype=np.int64), 1, 1_000).tolist() == [0, 106, 0, NO_DISTANCE]
    True
    """
    if band_m <= 0 or len(metres) == 0:
        return metres
    nearest = np.full(n_groups, NO_DISTANCE, dtype=np.int64)
    np.minimum.at(nearest, group, metres)
    known = metres != NO_DISTANCE
    return np.where(known, (metres - nearest[group]) // band_m, NO_DISTANCE).astype(np.int64)


def packed_rank_keys(
    fields: Mapping[str, IntArray], urgency: IntArray, orders: Mapping[int, Sequence[str]]
) -> IntArray:
    """One integer key per row, comparing as :func:`rank_key` does (batch path).

    ``fields`` maps each name of :data:`RANK_FIELDS` to a non-negative integer column (flags
    as ``7 - count``, distance from :func:`distance_keys`, id as registry position);
    ``urgency`` holds each row's urgency code and ``orders`` the order of fields for each
    code. Keys are comparable between rows of the same urgency. The id is packed last, so
    that it can be read back from the lowest 31 bits.

    Examples
    --------
    >>> col = lambda *v: np.array(v, dtype=np.int64)
    >>> f = {"home": col(1, 1), "green": col(1, 0), "flags": col(5, 6),
    ...      "distance": col(5000, 9000), "step": col(1, 1), "id": col(0, 1)}
    >>> orders = {0: ("home", "flags", "distance", "step", "id"),
    ...           2: ("distance", "green", "flags", "step", "id")}
    >>> int(np.argmin(packed_rank_keys(f, col(2, 2), orders)))   # emergency: nearest first
    0
    >>> int(np.argmin(packed_rank_keys(f, col(0, 0), orders)))   # routine: more flags first
    0
    """
    key = np.zeros(len(urgency), dtype=np.int64)
    for code, order in orders.items():
        rows = np.flatnonzero(urgency == code)
        if len(rows) == 0:
            continue
        k = np.zeros(len(rows), dtype=np.int64)
        for name in order:
            k = (k << FIELD_BITS[name]) | fields[name][rows]
        key[rows] = k
    return key

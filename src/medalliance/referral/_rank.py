"""The ranking of referral destinations: the one written specification (best first).

Every candidate destination of a case is described by six fields:

========== ==============================================================================
field      value (smaller ranks first)
========== ==============================================================================
home       0 when the destination is the patient's home institution (down-referral close
           to home), else 1
green      0 when a green channel (绿色通道) leads there, else 1
flags      minus the number of priority flags (green channel, priority reception /
           examination / admission, treatment-plan handover)
distance   great-circle km from the patient (or the origin); unknown distance ranks last
step       number of tiers between origin and destination
id         the institution id (registry order), the final tie-break
========== ==============================================================================

:data:`RANK_ORDER` says, for each urgency, which fields are compared and in which order.
:func:`rank_key` builds the key of one destination from it (used by the one-case path and by
the naive reference); :func:`packed_rank_keys` packs the same fields in the same order into
one 63-bit integer per (case, destination) for the batch path. Change the order here and every
path follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from medalliance.referral._model import URGENCY_CODE, Urgency

__all__ = ["FIELD_BITS", "RANK_FIELDS", "RANK_ORDER", "packed_rank_keys", "rank_key"]

IntArray = np.ndarray[Any, np.dtype[np.int64]]

RANK_FIELDS = ("home", "green", "flags", "distance", "step", "id")
"""The fields a destination is ranked by (see the module docstring)."""

RANK_ORDER: Mapping[Urgency, tuple[str, ...]] = {
    Urgency.ROUTINE: ("home", "flags", "distance", "step", "id"),
    Urgency.URGENT: ("home", "green", "flags", "distance", "step", "id"),
    Urgency.EMERGENCY: ("home", "green", "distance", "flags", "step", "id"),
}
"""The fields compared for each urgency, most important first."""

FIELD_BITS: Mapping[str, int] = {
    "home": 1,
    "green": 1,
    "flags": 3,  # 7 - number of flags (at most 5)
    "distance": 25,  # metres, up to 33,554 km; all ones = unknown
    "step": 2,
    "id": 31,  # registry position
}
"""Width of each field in the packed batch key (63 bits with every field)."""

NO_DISTANCE = (1 << FIELD_BITS["distance"]) - 1
"""The packed distance of a destination whose distance is unknown (ranks last)."""

_INDEX = {name: k for k, name in enumerate(RANK_FIELDS)}
_PICK = {u: tuple(_INDEX[f] for f in order) for u, order in RANK_ORDER.items()}


def rank_key(values: tuple[Any, ...], urgency: Urgency) -> tuple[Any, ...]:
    """The sort key of one destination from its field values (in :data:`RANK_FIELDS` order).

    Examples
    --------
    >>> home, green, flags, km, step, iid = 1, 0, -2, 12.5, 1, "county"
    >>> rank_key((home, green, flags, km, step, iid), Urgency.EMERGENCY)
    (1, 0, 12.5, -2, 1, 'county')
    >>> rank_key((home, green, flags, km, step, iid), Urgency.ROUTINE)
    (1, -2, 12.5, 1, 'county')
    """
    return tuple(values[i] for i in _PICK[urgency])


def packed_rank_keys(fields: Mapping[str, IntArray], urgency: IntArray) -> IntArray:
    """One integer key per row, comparing as :func:`rank_key` does (batch path).

    ``fields`` maps each name of :data:`RANK_FIELDS` to a non-negative integer column (flags
    as ``7 - count``, distance in metres, id as registry position); ``urgency`` holds the
    codes of :data:`~medalliance.referral._model.URGENCY_CODE`. Keys are comparable between
    rows of the same urgency.

    Examples
    --------
    >>> col = lambda *v: np.array(v, dtype=np.int64)
    >>> f = {"home": col(1, 1), "green": col(1, 0), "flags": col(5, 6),
    ...      "distance": col(5000, 9000), "step": col(1, 1), "id": col(0, 1)}
    >>> keys = packed_rank_keys(f, col(2, 2))   # emergency: green channel first
    >>> int(np.argmin(keys))
    1
    >>> int(np.argmin(packed_rank_keys(f, col(0, 0))))   # routine: more flags first
    0
    """
    key = np.zeros(len(urgency), dtype=np.int64)
    for u, code in URGENCY_CODE.items():
        rows = np.flatnonzero(urgency == code)
        if len(rows) == 0:
            continue
        k = np.zeros(len(rows), dtype=np.int64)
        for name in RANK_ORDER[u]:
            k = (k << FIELD_BITS[name]) | fields[name][rows]
        key[rows] = k
    return key

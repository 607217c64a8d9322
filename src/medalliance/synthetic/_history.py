"""Seeded dated records for synthetic registries (``add_history``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

__all__ = ["add_history"]

_DAY = _dt.timedelta(days=1)


def add_history(
    data: dict[str, Any],
    *,
    seed: int,
    first: _dt.date = _dt.date(2013, 1, 1),
    left_share: float = 0.1,
    term_share: float = 0.3,
) -> dict[str, Any]:
    """Give the registry data ``data`` dated records, in place, and return it.

    Every alliance gets a ``founded`` day in the five years from ``first``; every non-lead
    member a ``joined`` day in the five years after its alliance's founding, and a share
    ``left_share`` of them a ``left`` day one to five years later; every agreement starts on
    its alliance's founding and a share ``term_share`` of them runs for three years. Leads join
    on the founding day (recorded as unknown), so every alliance keeps a lead. The same
    ``seed`` always gives the same dates.

    Examples
    --------
    >>> from medalliance import synthetic
    >>> from medalliance.io import registry_from_dict
    >>> data = add_history(synthetic.county_data(seed=1, townships=2), seed=1)
    >>> reg = registry_from_dict(data)
    >>> reg.alliances[0].founded is not None
    True
    """
    rng = np.random.default_rng(seed)
    founded: dict[str, _dt.date] = {}
    alliances = data.get("alliances", [])
    starts = rng.integers(0, 5 * 365, size=len(alliances)).tolist()
    for a, offset in zip(alliances, starts, strict=True):
        day = first + offset * _DAY
        a["founded"] = day
        founded[a["id"]] = day
        leads = set(a["lead"])
        members = [m for m in a["memberships"] if m["institution"] not in leads]
        joined = rng.integers(0, 5 * 365, size=len(members)).tolist()
        leaves = (rng.random(len(members)) < left_share).tolist()
        stay = rng.integers(365, 5 * 365, size=len(members)).tolist()
        for m, j, leaves_, s in zip(members, joined, leaves, stay, strict=True):
            m["joined"] = day + j * _DAY
            if leaves_:
                m["left"] = m["joined"] + s * _DAY
    agreements = data.get("agreements", [])
    terms = (rng.random(len(agreements)) < term_share).tolist()
    for g, term in zip(agreements, terms, strict=True):
        start = founded.get(g["alliance"])
        if start is None:
            continue
        g["valid_from"] = start
        if term:
            g["valid_until"] = start + 3 * 365 * _DAY
    return data

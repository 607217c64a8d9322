"""Batch referral over the partitions of a dask DataFrame of cases."""

from __future__ import annotations

from typing import Any

import numpy as np

from medalliance._optional import require
from medalliance.distributed._ship import Shipped, on_cluster
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry
from medalliance.referral import ReferralCases, ReferralPolicy, evaluate_many

CASE_COLUMNS = (
    "origin",
    "criterion",
    "specialty",
    "services",
    "urgency",
    "home",
    "lat",
    "lon",
    "condition",
)
"""Columns a case table may have (``origin`` and ``criterion`` are required)."""

RESULT_COLUMNS = (
    "origin",
    "criterion",
    "eligible",
    "direction",
    "best",
    "n_destinations",
    "reasons",
    "best_flags",
    "best_distance_km",
)
"""Columns of the result: the summary columns of :class:`~medalliance.referral.ReferralBatch`.

``direction`` is 0 up, 1 down, 2 lateral, -1 none; ``reasons`` and ``best_flags`` are the
batch's bit masks; ``best`` is the id of the best destination, missing (``None``, or NA once
Dask has turned the column into strings) when there is none.
"""


def _check_columns(columns: Any) -> None:
    names = [str(c) for c in columns]
    problems = [
        Problem(("cases", c), "unknown column (known: " + ", ".join(CASE_COLUMNS) + ")")
        for c in names
        if c not in CASE_COLUMNS
    ]
    problems += [
        Problem(("cases",), f"the required column {c!r} is missing")
        for c in ("origin", "criterion")
        if c not in names
    ]
    if problems:
        raise MedAllianceError(problems)


def _objects(col: Any) -> np.ndarray[Any, Any]:
    """A text column as objects, missing values as ``None``."""
    arr = col.to_numpy(dtype=object, na_value=None)
    return np.asarray(arr, dtype=object)


def cases_of_frame(frame: Any) -> ReferralCases:
    """:class:`~medalliance.referral.ReferralCases` from a pandas DataFrame of case columns.

    ``services`` holds space-separated service labels (empty or missing: none).

    Raises
    ------
    MedAllianceError
        For unknown or missing columns, and every invalid value (see
        :meth:`~medalliance.referral.ReferralCases.from_arrays`).

    Examples
    --------
    >>> import pandas as pd
    >>> cases = cases_of_frame(pd.DataFrame({"origin": ["v1"], "criterion": ["postop_recovery"],
    ...                                      "services": ["ct lab"]}))
    >>> len(cases), cases.case(0).criterion
    (1, 'postop_recovery')
    """
    _check_columns(frame.columns)
    kw: dict[str, Any] = {}
    for name in CASE_COLUMNS:
        if name not in frame.columns:
            continue
        if name in ("lat", "lon"):
            kw[name] = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        elif name == "services":
            kw[name] = [tuple(s.split()) if s else () for s in _objects(frame[name]).tolist()]
        else:
            kw[name] = _objects(frame[name])
    return ReferralCases.from_arrays(**kw)


def _decide(
    frame: Any, box: Shipped, policy: ReferralPolicy | None, partition_info: Any = None
) -> Any:
    """Worker side: decide one partition on the worker's registry (compiled once)."""
    pd = require("pandas", extra="dask")
    number = partition_info.get("number") if isinstance(partition_info, dict) else None
    try:
        cases = cases_of_frame(frame)
    except MedAllianceError as exc:
        where: tuple[Any, ...] = ("partition", number) if number is not None else ("partition",)
        raise MedAllianceError(
            [Problem((*where, *p.path), p.message) for p in exc.problems]
        ) from None
    registry = box.registry()
    batch = evaluate_many(registry, cases, policy=policy)
    ids = np.asarray([i.id for i in registry.institutions] + [None], dtype=object)
    columns = {  # the case columns pass through as they came (no conversion per row)
        "origin": frame["origin"],
        "criterion": frame["criterion"],
        "eligible": batch.eligible.astype(bool),
        "direction": batch.direction.astype(np.int8),
        "best": ids[batch.best],  # -1 picks the trailing None
        "n_destinations": batch.n_destinations.astype(np.int64),
        "reasons": batch.reasons.astype(np.uint8),
        "best_flags": batch.best_flags.astype(np.uint8),
        "best_distance_km": batch.best_distance_km.astype(np.float64),
    }
    return pd.DataFrame(columns, index=frame.index)


def evaluate_partitions(
    registry: Registry, cases: Any, *, policy: ReferralPolicy | None = None
) -> Any:
    """:func:`~medalliance.referral.evaluate_many` over every partition of a dask DataFrame.

    Each partition is decided on a worker with the same array code as in memory; the
    registry travels to each worker once (one task of the graph that every partition
    depends on) and is compiled there once. Nothing is computed until the result is.

    Parameters
    ----------
    registry : Registry
        Institutions, alliances and agreements; not modified.
    cases : dask.dataframe.DataFrame
        One case per row, columns among :data:`CASE_COLUMNS` (``origin`` and
        ``criterion`` required; ``services`` as space-separated labels).
    policy : ReferralPolicy, optional
        Criteria to apply; the shipped default when omitted.

    Returns
    -------
    dask.dataframe.DataFrame
        :data:`RESULT_COLUMNS`, one row per case, with the cases' index and partitions.

    Raises
    ------
    MedAllianceError
        At once for unknown or missing columns; when computed, for invalid values, named
        by partition and row within it.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd
    >>> from medalliance import examples
    >>> frame = pd.DataFrame({"origin": ["township_centre", "county_hospital"],
    ...                       "criterion": ["needs_inpatient_bed", "convalescence"]})
    >>> out = evaluate_partitions(examples.load("county_township"),
    ...                           dd.from_pandas(frame, npartitions=2))
    >>> out.compute(scheduler="sync")["best"].tolist()
    ['county_hospital', 'township_centre']
    """
    require_registry(registry)
    require("dask.dataframe", extra="dask")
    if not hasattr(cases, "map_partitions") or not hasattr(cases, "columns"):
        raise MedAllianceError([Problem(("cases",), "must be a dask DataFrame")])
    _check_columns(cases.columns)
    if policy is not None and not isinstance(policy, ReferralPolicy):
        raise MedAllianceError([Problem(("policy",), "must be a ReferralPolicy")])
    box = Shipped.of(registry)
    meta = _decide(cases._meta, box, policy)
    return cases.map_partitions(_decide, on_cluster(registry, box), policy, meta=meta)

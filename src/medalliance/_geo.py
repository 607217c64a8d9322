"""Great-circle distances used by referral ranking (one numpy code path for every caller).

Examples
--------
>>> import numpy as np
>>> haversine_km(31.2, 121.5, np.array([31.2, 39.9]), np.array([121.5, 116.4]))
array([   0.   , 1071.287])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["EARTH_RADIUS_KM", "haversine_km"]

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG) used for great-circle distances."""

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def haversine_km(lat: Any, lon: Any, lats: Any, lons: Any) -> FloatArray:
    """Great-circle distances in km, rounded to metres (3 decimals), element-wise.

    ``lat``/``lon`` and ``lats``/``lons`` are degrees and broadcast against each other; NaN
    coordinates give NaN. Every caller in medalliance goes through this one function so that
    scalar and batch paths round identically.

    Examples
    --------
    >>> float(haversine_km(0.0, 0.0, 0.0, 1.0)[()])
    111.195
    """
    p1 = np.radians(np.asarray(lat, dtype=np.float64))
    p2 = np.radians(np.asarray(lats, dtype=np.float64))
    dl = np.radians(np.asarray(lons, dtype=np.float64) - np.asarray(lon, dtype=np.float64))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    out: FloatArray = np.round(d, 3)
    return out

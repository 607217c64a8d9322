"""The institutions as GeoPandas points. Private to :mod:`medalliance.io.tables`."""

from __future__ import annotations

from typing import Any, Literal

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.io.tables._to_frames import to_frames
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry


def to_geodataframe(
    registry: Registry, *, missing: Literal["error", "drop", "keep"] = "error"
) -> Any:
    """The institutions as a GeoDataFrame of points (longitude, latitude; EPSG:4326).

    The columns are those of ``to_frames(registry).institutions`` plus ``geometry``.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    missing : {"error", "drop", "keep"}, default "error"
        What to do with institutions that have no coordinates: ``"error"`` raises, naming
        each; ``"drop"`` leaves them out and lists their ids in
        ``gdf.attrs["without_coordinates"]``; ``"keep"`` keeps them with a missing
        (``None``) geometry.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per institution kept, in id order. ``attrs["without_coordinates"]`` is the
        tuple of ids without coordinates (empty when every institution has them).

    Raises
    ------
    MedAllianceError
        With ``missing="error"``, listing every institution without coordinates; for an
        unknown ``missing`` option.
    ImportError
        When geopandas is not installed (``pip install 'medalliance[tables]'``).

    Examples
    --------
    >>> from medalliance import synthetic
    >>> gdf = to_geodataframe(synthetic.county(seed=1, townships=2, villages_per_township=2))
    >>> gdf.crs.to_epsg(), gdf.geometry.geom_type.unique().tolist()
    (4326, ['Point'])
    >>> from medalliance import examples
    >>> to_geodataframe(examples.load("benxi_central"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - institutions[0].lat: institution 'benxi_central' has no coordinates (use missing=...
      - institutions[1].lat: institution 'huanren_peoples' has no coordinates (use ...
    >>> gdf = to_geodataframe(examples.load("benxi_central"), missing="drop")
    >>> len(gdf), gdf.attrs["without_coordinates"]
    (0, ('benxi_central', 'huanren_peoples'))
    """
    require_registry(registry)
    if missing not in ("error", "drop", "keep"):
        raise MedAllianceError(
            [Problem(("missing",), f"must be 'error', 'drop' or 'keep', got {missing!r}")]
        )
    gpd = require("geopandas", extra="tables")
    import numpy as np

    frame = to_frames(registry).institutions
    has = np.array([i.has_coordinates for i in registry.institutions], dtype=bool)
    absent = tuple(i.id for i in registry.institutions if not i.has_coordinates)
    if missing == "error" and absent:
        raise MedAllianceError(
            [
                Problem(
                    ("institutions", pos, "lat"),
                    f"institution {i.id!r} has no coordinates "
                    "(use missing='drop' or 'keep' to go on without it)",
                )
                for pos, i in enumerate(registry.institutions)
                if not i.has_coordinates
            ]
        )
    if missing == "drop":
        frame = frame[has].reset_index(drop=True)
        has = has[has]
    points = gpd.points_from_xy(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    shapes = np.asarray(points, dtype=object)
    shapes[~has] = None
    geometry = gpd.GeoSeries(shapes, crs=4326)
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
    gdf.attrs["without_coordinates"] = absent
    return gdf

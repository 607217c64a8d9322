"""Maps of institutions at their coordinates, over an accessibility surface.

Private to :mod:`medalliance.plot`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry, require_sequence
from medalliance.model.alliance import Alliance, MemberRole
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry
from medalliance.plot._draw import _axes, _role_handles, _tier_handles, _title
from medalliance.plot._fonts import _Labels
from medalliance.plot._style import (
    _CROWDED,
    _ROLE_MARKER,
    _ROLE_SIZE,
    _TIER_COLOUR,
    MISSING_NOTE_GID,
)

_XY = dict[str, tuple[float, float]]


def _parse_tiers(tiers: Sequence[Tier | str]) -> frozenset[Tier]:
    problems: list[Problem] = []
    out = set()
    for k, t in enumerate(require_sequence(tiers, "tiers")):
        try:
            out.add(Tier.parse(t))
        except MedAllianceError as exc:
            problems.extend(exc.with_prefix(("tiers", k)).problems)
    if problems:
        raise MedAllianceError(problems)
    return frozenset(out)


def _surface(accessibility: Any) -> tuple[np.ndarray[Any, Any], ...]:
    """Validate ``(lon, lat, values)``; every problem is reported."""
    if not isinstance(accessibility, tuple | list) or len(accessibility) != 3:
        raise MedAllianceError(
            [
                Problem(
                    ("accessibility",),
                    "expected a tuple (lon, lat, values) of three equal-length arrays",
                )
            ]
        )
    problems: list[Problem] = []
    arrays: list[np.ndarray[Any, Any]] = []
    for name, values in zip(("lon", "lat", "values"), accessibility, strict=True):
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            problems.append(Problem(("accessibility", name), "must be numbers"))
            arr = np.zeros(0)
        if arr.ndim != 1:
            problems.append(Problem(("accessibility", name), "must be one-dimensional"))
            arr = arr.reshape(-1)
        arrays.append(arr)
    if problems:
        raise MedAllianceError(problems)
    lon, lat, vals = arrays
    if not len(lon) == len(lat) == len(vals):
        raise MedAllianceError(
            [
                Problem(
                    ("accessibility",),
                    f"lon, lat and values differ in length ({len(lon)}, {len(lat)}, {len(vals)})",
                )
            ]
        )
    for name, arr, low, high in (("lon", lon, -180, 180), ("lat", lat, -90, 90)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < low) | (arr > high))
        if len(bad):
            problems.append(
                Problem(
                    ("accessibility", name, int(bad[0])),
                    f"{len(bad)} value(s) not finite or outside [{low}, {high}] "
                    f"(first: {float(arr[bad[0]])!r})",
                )
            )
    bad = np.flatnonzero(~np.isfinite(vals))
    if len(bad):
        problems.append(
            Problem(
                ("accessibility", "values", int(bad[0])),
                f"{len(bad)} value(s) not finite (first: {float(vals[bad[0]])!r})",
            )
        )
    if problems:
        raise MedAllianceError(problems)
    return lon, lat, vals


def plot_map(
    registry: Registry,
    *,
    alliance: str | None = None,
    accessibility: tuple[Any, Any, Any] | None = None,
    ax: Any = None,
    labels: Literal["auto", "id", "none"] = "auto",
    tiers: Sequence[Tier | str] | None = None,
) -> Any:
    """Map institutions at their coordinates, optionally over an accessibility surface.

    Institutions are points coloured by tier (with ``alliance``: only its members, marked by
    role, with grey lines from the first lead). Institutions without coordinates cannot be
    placed: a note under the axes says how many are left out. ``accessibility`` is a surface
    given as three equal-length arrays ``(lon, lat, values)``, e.g. the coordinates of the
    population points of a :class:`medalliance.accessibility.Population` and the
    ``values`` of an accessibility result computed for them (in the same order); the points
    are drawn as small squares coloured by value with a colour bar.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Show only this alliance's members.
    accessibility : tuple of three arrays, optional
        ``(lon, lat, values)`` of a surface (degrees; finite values).
    ax : matplotlib.axes.Axes, optional
        Axes to draw in; a new figure is made when omitted.
    labels : {"auto", "id", "none"}, default "auto"
        Point labels, drawn when at most 30 institutions are shown: names as in
        :func:`~medalliance.plot.plot_alliance` (``"auto"``), ids, or none.
    tiers : sequence of Tier or str, optional
        Show only institutions of these tiers (labels accepted, e.g. ``"二级"``), e.g. to
        keep village clinics from covering a surface computed at the villages.

    Returns
    -------
    matplotlib.axes.Axes
        The axes. Institution points are collections with ``gid`` ``"institutions"`` (or
        ``"nodes:<role>"`` with ``alliance``); the surface has ``gid`` ``"accessibility"``.

    Raises
    ------
    MedAllianceError
        If no institution shown has coordinates and there is no surface; for a malformed
        surface (every problem listed) or an unknown ``labels`` option.
    UnknownIdError
        For an unknown alliance.
    LabelError
        For an unknown tier label.
    ImportError
        When matplotlib is not installed (``pip install 'medalliance[plot]'``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from medalliance import synthetic
    >>> reg = synthetic.county(seed=1, townships=2, villages_per_township=2)
    >>> ax = plot_map(reg, alliance=reg.alliances[0].id)
    >>> sorted(c.get_gid() for c in ax.collections)
    ['nodes:base', 'nodes:hub', 'nodes:lead', 'nodes:member']
    >>> import numpy as np
    >>> lon = np.linspace(117.8, 118.0, 5); lat = np.full(5, 35.3)
    >>> ax = plot_map(reg, accessibility=(lon, lat, np.arange(5.0)), labels="none")
    >>> [c.get_gid() for c in ax.collections]
    ['accessibility', 'institutions']
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    require_registry(registry)
    if labels not in ("auto", "id", "none"):
        raise MedAllianceError(
            [Problem(("labels",), f"must be 'auto', 'id' or 'none', got {labels!r}")]
        )
    surface = _surface(accessibility) if accessibility is not None else None
    a, shown, roles = _shown(registry, alliance, tiers)
    placed = [i for i in shown if i.has_coordinates]
    if not placed and surface is None:
        what = f"member of alliance {alliance!r}" if alliance else "institution"
        raise MedAllianceError([Problem((), f"no {what} has coordinates; nothing to map")])
    require("matplotlib", extra="plot")
    ax = _axes(ax, (7.0, 6.0))
    text = _Labels()
    text.zh = text.zh and labels != "id"
    if surface is not None:
        lon, lat, vals = surface
        size = float(np.clip(4000.0 / max(len(lon), 1), 3.0, 30.0))
        sc = ax.scatter(
            lon, lat, c=vals, s=size, marker="s", cmap="viridis", zorder=1, gid="accessibility"
        )
        bar = ax.figure.colorbar(sc, ax=ax, fraction=0.046, pad=0.04)
        bar.set_label(text.word("accessibility", "可及性"), fontproperties=text.props(10))
    xy = {i.id: (float(i.lon), float(i.lat)) for i in placed}  # type: ignore[arg-type]
    if a is None:
        _institution_points(ax, placed, xy)
    else:
        _member_points(ax, a, placed, xy, roles)
    if labels != "none" and len(placed) <= 30:
        for i in placed:
            label = i.id if labels == "id" else text.pick(i.name, i.name_en, i.id)
            ax.annotate(
                label,
                xy[i.id],
                xytext=(4, 4),
                textcoords="offset points",
                fontproperties=text.props(7),
                zorder=4,
                parse_math=False,
            )
    lats = [xy[i.id][1] for i in placed] or list(surface[1] if surface is not None else [0.0])
    _map_frame(ax, registry, a, text=text, placed=placed, roles=roles, mid_lat=float(np.mean(lats)))
    missing = len(shown) - len(placed)
    y = -0.12 - (0.04 if text.note(ax, y=-0.12) else 0.0)
    if missing:
        ax.text(
            0.0,
            y,
            f"{missing} of {len(shown)} institutions have no coordinates and are not shown",
            transform=ax.transAxes,
            fontsize=7,
            color="#666666",
            va="top",
            gid=MISSING_NOTE_GID,
            parse_math=False,
        )
    return ax


def _shown(
    registry: Registry, alliance: str | None, tiers: Sequence[Tier | str] | None
) -> tuple[Alliance | None, Sequence[Institution], dict[str, MemberRole]]:
    """The alliance (if any), the institutions to show and the role of each member."""
    shown: Sequence[Institution]
    roles: dict[str, MemberRole] = {}
    a = None
    if alliance is not None:
        a = registry.alliance(alliance)
        shown = registry.members_of(alliance)
        roles = {m.institution: m.role for m in a.memberships}
    else:
        shown = registry.institutions
    if tiers is not None:
        keep = _parse_tiers(tiers)
        shown = [i for i in shown if i.tier in keep]
    return a, shown, roles


def _institution_points(ax: Any, placed: Sequence[Institution], xy: _XY) -> None:
    """Every institution shown as a point coloured and sized by tier."""
    if placed:
        ax.scatter(
            [xy[i.id][0] for i in placed],
            [xy[i.id][1] for i in placed],
            c=[_TIER_COLOUR[i.tier] for i in placed],
            s=[40 + 25 * i.tier.rank for i in placed],
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
            gid="institutions",
        )


def _member_points(
    ax: Any, a: Alliance, placed: Sequence[Institution], xy: _XY, roles: dict[str, MemberRole]
) -> None:
    """Grey lines from the first lead (unless crowded), then the members by role and tier."""
    if placed and len(placed) <= _CROWDED:
        first = a.lead[0]
        if first in xy:
            for i in placed:
                if i.id != first:
                    (x0, y0), (x1, y1) = xy[first], xy[i.id]
                    ax.plot([x0, x1], [y0, y1], color="#bbbbbb", linewidth=0.6, zorder=2)
    for role in MemberRole:
        group = [i for i in placed if roles[i.id] is role]
        if group:
            ax.scatter(
                [xy[i.id][0] for i in group],
                [xy[i.id][1] for i in group],
                c=[_TIER_COLOUR[i.tier] for i in group],
                s=_ROLE_SIZE[role] * 0.6,
                marker=_ROLE_MARKER[role],
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
                gid=f"nodes:{role.value}",
            )


def _map_frame(
    ax: Any,
    registry: Registry,
    a: Alliance | None,
    *,
    text: _Labels,
    placed: Sequence[Institution],
    roles: dict[str, MemberRole],
    mid_lat: float,
) -> None:
    """Aspect for the latitude, axis labels, title and legend."""
    ax.set_aspect(1.0 / max(math.cos(math.radians(mid_lat)), 0.05))
    ax.set_xlabel(text.word("longitude (°E)", "经度（°E）"), fontproperties=text.props(9))
    ax.set_ylabel(text.word("latitude (°N)", "纬度（°N）"), fontproperties=text.props(9))
    if a is not None:
        _title(ax, text, a)
    elif registry.title:
        ax.set_title(
            text.pick(registry.title, None, "registry"),
            fontproperties=text.props(10),
            parse_math=False,
        )
    handles = _tier_handles([i.tier for i in placed], text)
    if a is not None:
        handles = _role_handles(list({roles[i.id] for i in placed}), text) + handles
    if handles:
        ax.legend(handles=handles, loc="best", prop=text.props(7), framealpha=0.8)

"""An alliance's members over time (``plot_members_over_time``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

from medalliance._optional import require
from medalliance.history import panel
from medalliance.model._require import require_registry
from medalliance.model.institution import Tier
from medalliance.model.registry import Registry
from medalliance.plot._draw import _axes
from medalliance.plot._style import _TIER_COLOUR

__all__ = ["plot_members_over_time"]


def plot_members_over_time(
    registry: Registry,
    alliance: str,
    days: Iterable[_dt.date | str],
    *,
    ax: Any = None,
) -> Any:
    """Draw the members of ``alliance`` on each of ``days``, stacked by tier.

    The counts are those of :func:`medalliance.history.panel` (``members_by_tier``): the
    registry as it stood on each day. Days on which the alliance did not exist count zero.

    Parameters
    ----------
    registry : Registry
        The registry with its dated records.
    alliance : str
        Id of the alliance.
    days : iterable of datetime.date or str
        The days to count on (e.g. the end of each year).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    UnknownIdError
        If the alliance does not exist.
    MedAllianceError
        If a day is not a date.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from medalliance import examples
    >>> reg = examples.load("qinghai_oncology")
    >>> ax = plot_members_over_time(reg, "qinghai_oncology_centre", ["2017-12-31", "2018-12-31"])
    >>> [round(float(t.get_height())) for t in ax.patches][:2]
    [0, 4]
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    require_registry(registry).alliance(alliance)
    p = panel(registry, days, measures=["members_by_tier"])
    require("matplotlib", extra="plot")
    counts = {(d, m): v for d, a, m, v in p.records if a == alliance}
    ax = _axes(ax, (7.0, 4.0))
    labels = [d.isoformat() for d in p.days]
    bottom = [0.0] * len(p.days)
    for tier in sorted(Tier, reverse=True):
        heights = [counts.get((d, f"members_{tier.value}"), 0) for d in p.days]
        ax.bar(labels, heights, bottom=bottom, label=tier.value, color=_TIER_COLOUR[tier])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_ylabel("members")
    ax.set_title(alliance)
    ax.legend(title="tier")
    return ax

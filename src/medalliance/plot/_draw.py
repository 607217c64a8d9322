"""Drawing helpers shared by the alliance diagram and the map: axes, titles, legends.

Private to :mod:`medalliance.plot`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medalliance._optional import require
from medalliance.model.alliance import Alliance, MemberRole
from medalliance.model.institution import Tier
from medalliance.plot._fonts import _Labels
from medalliance.plot._style import _GROUP_STYLE, _ROLE_MARKER, _TIER_COLOUR, ITEM_GROUPS


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    plt = require("matplotlib.pyplot", extra="plot")
    _, ax = plt.subplots(figsize=size)
    return ax


def _tier_handles(tiers: Sequence[Tier]) -> list[Any]:
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=_TIER_COLOUR[t],
            markersize=7,
            label=t.value,
        )
        for t in reversed(Tier)
        if t in tiers
    ]


def _role_handles(roles: Sequence[MemberRole]) -> list[Any]:
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [],
            [],
            marker=_ROLE_MARKER[r],
            linestyle="",
            color="#555555",
            markersize=11 if r is MemberRole.LEAD else 7,
            label=r.value,
        )
        for r in MemberRole
        if r in roles
    ]


def _title(ax: Any, labels: _Labels, a: Alliance, *, provisions: bool = False) -> None:
    """Title: name, form and tightness; optionally the alliance-wide provisions below."""
    import textwrap

    name = labels.pick(a.name, a.name_en, a.id)
    pad = 6.0
    if provisions and a.provisions:
        lines = textwrap.wrap("alliance-wide: " + ", ".join(p.value for p in a.provisions), 110)
        ax.text(
            0.5,
            1.01,
            "\n".join(lines),
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=7,
            color="#444444",
            parse_math=False,
        )
        pad += 9.5 * len(lines) + 2
    ax.set_title(
        f"{name}\n{a.form.value} · {a.tightness_label}",
        fontproperties=labels.props(10),
        pad=pad,
        parse_math=False,
    )


def _edge_handles(groups: Sequence[str], *, expert: bool, membership: bool) -> list[Any]:
    from matplotlib.lines import Line2D

    out = []
    if membership:
        out.append(Line2D([], [], color="#bbbbbb", linewidth=0.7, label="membership"))
    for grp in ITEM_GROUPS:
        if grp in groups:
            out.append(
                Line2D([], [], linewidth=1.4, label=f"agreement: {grp}", **_GROUP_STYLE[grp])
            )
    if expert:
        out.append(
            Line2D([], [], color="#e67e22", linewidth=1.2, marker=">", label="expert clinic")
        )
    return out

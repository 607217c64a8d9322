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
from medalliance.plot._style import (
    _CENTRE_COLOUR,
    _GROUP_STYLE,
    _GROUP_ZH,
    _ROLE_MARKER,
    _TIER_COLOUR,
    ITEM_GROUPS,
)


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    plt = require("matplotlib.pyplot", extra="plot")
    _, ax = plt.subplots(figsize=size)
    return ax


def _tier_handles(tiers: Sequence[Tier], text: _Labels) -> list[Any]:
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=_TIER_COLOUR[t],
            markersize=7,
            label=text.word(t.value, t.label_zh),
        )
        for t in reversed(Tier)
        if t in tiers
    ]


def _role_handles(roles: Sequence[MemberRole], text: _Labels) -> list[Any]:
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [],
            [],
            marker=_ROLE_MARKER[r],
            linestyle="",
            color="#555555",
            markersize=11 if r is MemberRole.LEAD else 7,
            label=text.word(r.value, r.label_zh),
        )
        for r in MemberRole
        if r in roles
    ]


def _subtitle(text: _Labels, a: Alliance) -> str:
    """Form and tightness: Chinese when the names are (``县域医共体 · 紧密型``), else codes."""
    if a.tightness is not None:
        tightness = text.word(a.tightness.value, a.tightness.label_zh)
    elif text.zh:
        low, high = a.tightness_range
        span = low.label_zh if low is high else f"{low.label_zh}–{high.label_zh}"
        tightness = f"按成员（{span}）"
    else:
        tightness = a.tightness_label
    return f"{text.word(a.form.value, a.form.label_zh)} · {tightness}"


def _title(ax: Any, labels: _Labels, a: Alliance, *, provisions: bool = False) -> None:
    """Title: name, form and tightness; optionally the alliance-wide provisions below."""
    import textwrap

    name = labels.pick(a.name, a.name_en, a.id)
    pad = 6.0
    if provisions and a.provisions:
        if labels.zh and all(labels.ok(p.label_zh) for p in a.provisions):
            line = "全联盟：" + "、".join(p.label_zh for p in a.provisions)
            lines = [line[k : k + 55] for k in range(0, len(line), 55)]
        else:
            lines = textwrap.wrap("alliance-wide: " + ", ".join(p.value for p in a.provisions), 110)
        ax.text(
            0.5,
            1.01,
            "\n".join(lines),
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontproperties=labels.props(7),
            color="#444444",
            parse_math=False,
        )
        pad += 9.5 * len(lines) + 2
    ax.set_title(
        f"{name}\n{_subtitle(labels, a)}",
        fontproperties=labels.props(10),
        pad=pad,
        parse_math=False,
    )


def _edge_handles(
    groups: Sequence[str], text: _Labels, *, expert: bool, membership: bool, centres: bool
) -> list[Any]:
    from matplotlib.lines import Line2D

    out = []
    if membership:
        out.append(
            Line2D(
                [], [], color="#bbbbbb", linewidth=0.7, label=text.word("membership", "成员关系")
            )
        )
    for grp in ITEM_GROUPS:
        if grp in groups:
            label = text.word(f"agreement: {grp}", f"协议：{_GROUP_ZH[grp]}")
            out.append(Line2D([], [], linewidth=1.4, label=label, **_GROUP_STYLE[grp]))
    if expert:
        label = text.word("expert clinic", "专家门诊")
        out.append(Line2D([], [], color="#e67e22", linewidth=1.2, marker=">", label=label))
    if centres:
        label = text.word("shared centre", "共享中心")
        out.append(
            Line2D(
                [], [], color=_CENTRE_COLOUR, marker="p", linestyle=":", markersize=7, label=label
            )
        )
    return out

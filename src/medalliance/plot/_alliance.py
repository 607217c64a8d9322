"""The layered diagram of one alliance. Private to :mod:`medalliance.plot`."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from medalliance._optional import require
from medalliance.compiled import agreement_in_force
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.alliance import Alliance, MemberRole
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry
from medalliance.plot._draw import _axes, _edge_handles, _role_handles, _tier_handles, _title
from medalliance.plot._fonts import _Labels, _wrap
from medalliance.plot._layout import AllianceLayout, alliance_layout
from medalliance.plot._style import (
    _CENTRE_COLOUR,
    _CROWDED,
    _GROUP_OF,
    _GROUP_STYLE,
    _ROLE_MARKER,
    _ROLE_SIZE,
    _TIER_COLOUR,
    ITEM_GROUPS,
)

_Pos = dict[str, tuple[float, float]]


def plot_alliance(
    registry: Registry,
    alliance: str,
    *,
    ax: Any = None,
    labels: Literal["auto", "id"] = "auto",
    max_per_row: int = 12,
) -> Any:
    """Draw an alliance as layers: lead(s) on top, then members by tier.

    Markers: ``*`` lead, diamond hub, circle member, square base; colours by tier. Lines: grey
    from the first lead to each other member (membership); coloured arcs between the first
    party of an agreement and each other party, one per group of items it grants
    (:data:`~medalliance.plot.ITEM_GROUPS`: referral solid red, support dashed blue, sharing
    dash-dot green, integration dotted purple; faded when the agreement is not in force);
    arrows from the host to the site of each expert-clinic programme. Shared centres (共享中心)
    are teal pentagons beside their host, with dotted lines to the members they serve when
    they serve only some. Alliance-wide provisions are listed under the title. The leads'
    names stand above their markers, clear of the lines that leave them downwards.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str
        Alliance id.
    ax : matplotlib.axes.Axes, optional
        Axes to draw in; a new figure is made when omitted.
    labels : {"auto", "id"}, default "auto"
        ``"auto"``: Chinese names when a CJK font is installed
        (:func:`~medalliance.plot.cjk_font`), with the subtitle (form, tightness), the layer
        names, the alliance-wide provisions and the legend in Chinese too; else the English
        name or the id and English codes, with a note under the axes. ``"id"``: ids, and
        English codes.
    max_per_row : int, default 12
        Members per row before a layer wraps (see :func:`~medalliance.plot.alliance_layout`).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn in. Node markers are collections with ``gid`` ``"nodes:<role>"``,
        shared centres ``"shared_centre:<id>"``; agreement arcs have ``gid``
        ``"agreement:<id>:<group>"``, expert-clinic arrows ``"expert_clinic:<id>"``.

    Raises
    ------
    UnknownIdError
        If the alliance does not exist.
    MedAllianceError
        For an unknown ``labels`` option or a bad ``max_per_row``.
    ImportError
        When matplotlib is not installed (``pip install 'medalliance[plot]'``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> ax = plot_alliance(reg, "luwan_ruijin", labels="id")
    >>> sorted(c.get_gid() for c in ax.collections)
    ['nodes:lead', 'nodes:member']
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['lead', 'secondary', 'primary']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    require_registry(registry)
    if labels not in ("auto", "id"):
        raise MedAllianceError([Problem(("labels",), f"must be 'auto' or 'id', got {labels!r}")])
    layout = alliance_layout(registry, alliance, max_per_row=max_per_row)
    require("matplotlib", extra="plot")
    a = registry.alliance(alliance)
    pos = {i: (float(x), float(y)) for i, x, y in zip(layout.ids, layout.x, layout.y, strict=True)}
    width = float(layout.x.max() - layout.x.min()) + 1 if len(layout.x) else 1.0
    height = float(layout.y.max() - layout.y.min()) + 1 if len(layout.y) else 1.0
    ax = _axes(ax, (max(6.0, 1.1 * width + 2.5), max(3.5, 1.2 * height + 1.5)))
    text = _Labels()
    text.zh = text.zh and labels != "id"
    crowded = len(a.memberships) > _CROWDED
    if not crowded:
        _membership_lines(ax, a, pos)
    groups_used = _agreement_arcs(ax, registry, alliance, pos)
    _expert_clinic_arrows(ax, a, pos)
    roles = {m.institution: m.role for m in a.memberships}
    insts = {i: registry.institution(i) for i in layout.ids}
    _member_markers(ax, layout, pos, roles, insts)
    _shared_centres(ax, a, pos, text, crowded=crowded)
    _member_labels(
        ax,
        layout,
        pos,
        insts,
        text,
        ids_only=labels == "id",
        crowded=crowded,
        max_per_row=max_per_row,
    )
    _title(ax, text, a, provisions=True)
    _frame_and_legend(
        ax, layout, a, text, roles=roles, insts=insts, groups_used=groups_used, crowded=crowded
    )
    text.note(ax)
    return ax


def _member_labels(
    ax: Any,
    layout: AllianceLayout,
    pos: _Pos,
    insts: dict[str, Institution],
    text: _Labels,
    *,
    ids_only: bool,
    crowded: bool,
    max_per_row: int,
) -> None:
    """Names under the members, and above the leads.

    Every line and arc leaves a lead downwards, so a lead's name above its marker stays clear
    of them.
    """
    sizes = Counter(layout.layer)
    for n, i in enumerate(layout.ids):
        if crowded and sizes[layout.layer[n]] > max_per_row:
            continue
        inst = insts[i]
        label = i if ids_only else text.pick(inst.name, inst.name_en, i)
        x, y = pos[i]
        lead = layout.layer[n] == "lead"
        offset = 0.2 if lead else -(0.2 + (0.14 if n % 2 else 0.0))
        ax.text(
            x,
            y + offset,
            _wrap(label, 9),
            ha="center",
            va="bottom" if lead else "top",
            fontproperties=text.props(7),
            zorder=4,
            parse_math=False,
        )


def _shared_centres(ax: Any, a: Alliance, pos: _Pos, text: _Labels, *, crowded: bool) -> None:
    """Each shared centre (共享中心) as a pentagon beside its host, named beside it.

    Dotted lines lead to the members it serves when it serves only some.
    """
    per_host: Counter[str] = Counter()
    for c in a.shared_centres:
        hx, hy = pos[c.host]
        k = per_host[c.host]
        per_host[c.host] += 1
        x, y = hx + 0.3 + 0.12 * k, hy - 0.3 - 0.14 * k
        if c.serves != "all" and not crowded:
            for m in c.serves:
                (mx, my) = pos[m]
                ax.plot(
                    [x, mx],
                    [y, my],
                    color=_CENTRE_COLOUR,
                    linestyle=":",
                    linewidth=0.9,
                    zorder=2,
                    gid=f"shared_centre_serves:{c.id}",
                )
        ax.scatter(
            [x],
            [y],
            s=70,
            marker="p",
            c=_CENTRE_COLOUR,
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
            gid=f"shared_centre:{c.id}",
        )
        label = (
            text.word(c.kind.value, c.kind.label_zh)
            if c.name is None
            else text.pick(c.name, None, text.word(c.kind.value, c.kind.label_zh))
        )
        ax.text(
            x + 0.07,
            y,
            _wrap(label, 6),
            ha="left",
            va="center",
            fontproperties=text.props(6),
            color=_CENTRE_COLOUR,
            zorder=4,
            parse_math=False,
        )


def _membership_lines(ax: Any, a: Alliance, pos: _Pos) -> None:
    """Grey lines from the first lead to every member that is not a lead."""
    first = a.lead[0]
    for m in a.memberships:
        if m.institution not in a.lead:
            (x0, y0), (x1, y1) = pos[first], pos[m.institution]
            ax.plot([x0, x1], [y0, y1], color="#bbbbbb", linewidth=0.7, zorder=1)


def _agreement_arcs(ax: Any, registry: Registry, alliance: str, pos: _Pos) -> list[str]:
    """One arc per agreement, other party and group of items; the groups drawn, in order."""
    from matplotlib.patches import FancyArrowPatch

    groups_used: list[str] = []
    for g in registry.agreements_of(alliance):
        groups = [grp for grp in ITEM_GROUPS if any(_GROUP_OF[i] == grp for i in g.items)]
        faded = not agreement_in_force(g)
        for k, grp in enumerate(groups):
            if grp not in groups_used:
                groups_used.append(grp)
            rad = 0.15 * (k // 2 + 1) * (-1 if k % 2 else 1)
            for party in g.parties[1:]:
                arc = FancyArrowPatch(
                    pos[g.parties[0]],
                    pos[party],
                    arrowstyle="-",
                    connectionstyle=f"arc3,rad={rad}",
                    linewidth=1.4,
                    alpha=0.35 if faded else 0.9,
                    zorder=2,
                    gid=f"agreement:{g.id}:{grp}",
                    **_GROUP_STYLE[grp],
                )
                ax.add_patch(arc)
    return groups_used


def _expert_clinic_arrows(ax: Any, a: Alliance, pos: _Pos) -> None:
    """An arrow from the host to the site of each expert-clinic programme."""
    from matplotlib.patches import FancyArrowPatch

    for e in a.expert_clinics:
        ax.add_patch(
            FancyArrowPatch(
                pos[e.host],
                pos[e.site],
                arrowstyle="-|>",
                mutation_scale=12,
                connectionstyle="arc3,rad=0.45",
                color="#e67e22",
                linewidth=1.2,
                zorder=2,
                gid=f"expert_clinic:{e.id}",
                shrinkA=9,
                shrinkB=9,
            )
        )


def _member_markers(
    ax: Any,
    layout: AllianceLayout,
    pos: _Pos,
    roles: dict[str, MemberRole],
    insts: dict[str, Institution],
) -> None:
    """The members: one scatter per role (marker), coloured by tier."""
    for role in MemberRole:
        ids = [i for i in layout.ids if roles[i] is role]
        if not ids:
            continue
        ax.scatter(
            [pos[i][0] for i in ids],
            [pos[i][1] for i in ids],
            s=_ROLE_SIZE[role],
            marker=_ROLE_MARKER[role],
            c=[_TIER_COLOUR[insts[i].tier] for i in ids],
            edgecolors="white",
            linewidths=0.8,
            zorder=3,
            gid=f"nodes:{role.value}",
        )


def _frame_and_legend(
    ax: Any,
    layout: AllianceLayout,
    a: Alliance,
    text: _Labels,
    *,
    roles: dict[str, MemberRole],
    insts: dict[str, Institution],
    groups_used: list[str],
    crowded: bool,
) -> None:
    """Layer names as y ticks, limits around the members, and the legend on the right."""
    names = [
        text.word("lead", MemberRole.LEAD.label_zh)
        if layer == "lead"
        else text.word(layer, Tier(layer).label_zh)
        for layer in layout.layers
    ]
    ax.set_yticks(list(layout.layer_y), names, fontproperties=text.props(10))
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    right = 0.8 + (0.6 if a.shared_centres else 0.0)
    ax.set_xlim(float(layout.x.min()) - 0.8, float(layout.x.max()) + right)
    ax.set_ylim(float(layout.y.min()) - 0.7, float(layout.y.max()) + 0.75)
    handles = _role_handles(list(set(roles.values())), text)
    handles += _tier_handles([insts[i].tier for i in layout.ids], text)
    handles += _edge_handles(
        groups_used,
        text,
        expert=bool(a.expert_clinics),
        membership=not crowded,
        centres=bool(a.shared_centres),
    )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        prop=text.props(7),
        frameon=False,
    )

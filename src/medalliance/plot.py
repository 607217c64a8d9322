"""Drawings of alliances and maps of members (the ``plot`` extra: matplotlib).

- :func:`plot_alliance` draws one alliance as layers: its lead(s) on top, the other members
  below in layers by tier (tertiary, secondary, primary, village). Marker shapes show roles,
  colours show tiers, and lines show what links members: membership (grey), agreements by
  kind of item (referral, support, sharing, integration) and expert-clinic programmes
  (arrows from the host to the site).
- :func:`plot_map` draws institutions at their coordinates, optionally one alliance's members
  and an accessibility surface (points coloured by value).
- :func:`alliance_layout` gives the positions :func:`plot_alliance` uses, without drawing.

**Chinese labels.** matplotlib's bundled fonts have no Chinese glyphs. :func:`cjk_font`
looks for an installed font that has them (Noto Sans CJK, Source Han Sans, WenQuanYi,
SimHei, Microsoft YaHei, PingFang, ... or any other with CJK glyphs). When there is one, the
labels show the Chinese names. When there is none, each label falls back to the English name
(``name_en``) or the id, and the figure says so in a note under the axes; no missing-glyph
warnings are emitted. Any label containing characters the font lacks falls back the same
way. Install a CJK font (e.g. ``fonts-noto-cjk`` on Debian/Ubuntu) to see Chinese names.

matplotlib is imported only when a function draws; an ImportError names the extra to install.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from medalliance import examples
>>> reg = examples.load("county_township")
>>> ax = plot_alliance(reg, "county_township_community")
>>> ax.get_yticklabels()[0].get_text()
'lead'
>>> layout = alliance_layout(reg, "county_township_community")
>>> layout.ids, layout.layer
(('county_hospital', 'township_centre'), ('lead', 'primary'))
>>> import matplotlib.pyplot as plt
>>> plt.close("all")
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal, NamedTuple

import numpy as np

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.agreement import AgreementStatus, CooperationItem
from medalliance.model.alliance import Alliance, MemberRole
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry

__all__ = [
    "CJK_FONT_NAMES",
    "ITEM_GROUPS",
    "AllianceLayout",
    "alliance_layout",
    "cjk_font",
    "plot_alliance",
    "plot_map",
]

CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
"""Fonts tried first, in order, by :func:`cjk_font` (any other font with CJK glyphs after)."""

ITEM_GROUPS: dict[str, tuple[CooperationItem, ...]] = {
    "referral": (
        CooperationItem.TWO_WAY_REFERRAL,
        CooperationItem.GREEN_CHANNEL,
        CooperationItem.PRIORITY_RECEPTION,
        CooperationItem.PRIORITY_EXAMINATION,
        CooperationItem.PRIORITY_ADMISSION,
        CooperationItem.TREATMENT_PLAN_HANDOVER,
    ),
    "support": (
        CooperationItem.EXPERT_CLINICS,
        CooperationItem.TELECONSULTATION,
        CooperationItem.TRAINING,
        CooperationItem.TECHNICAL_GUIDANCE,
        CooperationItem.PAIRED_SUPPORT,
        CooperationItem.JOINT_SPECIALTY_BUILDING,
        CooperationItem.RESEARCH_COLLABORATION,
    ),
    "sharing": (
        CooperationItem.RESULT_RECOGNITION,
        CooperationItem.SHARED_SERVICES,
        CooperationItem.UNIFIED_DRUG_PROCUREMENT,
        CooperationItem.INFORMATION_SHARING,
    ),
    "integration": (CooperationItem.BUNDLED_PAYMENT, CooperationItem.UNIFIED_MANAGEMENT),
}
"""How agreement items are grouped into the line styles of :func:`plot_alliance`."""

_GROUP_OF = {item: group for group, items in ITEM_GROUPS.items() for item in items}
_GROUP_STYLE: dict[str, dict[str, Any]] = {
    "referral": {"color": "#c0392b", "linestyle": "-"},
    "support": {"color": "#2471a3", "linestyle": "--"},
    "sharing": {"color": "#1e8449", "linestyle": "-."},
    "integration": {"color": "#7d3c98", "linestyle": ":"},
}
_TIER_COLOUR = {
    Tier.TERTIARY: "#b03a2e",
    Tier.SECONDARY: "#d68910",
    Tier.PRIMARY: "#229954",
    Tier.VILLAGE: "#2e86c1",
}
_ROLE_MARKER = {
    MemberRole.LEAD: "*",
    MemberRole.HUB: "D",
    MemberRole.MEMBER: "o",
    MemberRole.BASE: "s",
}
_ROLE_SIZE = {MemberRole.LEAD: 320, MemberRole.HUB: 90, MemberRole.MEMBER: 90, MemberRole.BASE: 60}
_ROLE_ORDER = {MemberRole.LEAD: 0, MemberRole.HUB: 1, MemberRole.MEMBER: 2, MemberRole.BASE: 3}
_CROWDED = 60
"""Above this many members, membership lines and the labels of wrapped layers are left out."""
_PROBE = "医联体医院卫生"  # characters a font must have to count as a CJK font
FONT_NOTE_GID = "medalliance-font-note"
"""``gid`` of the note :func:`plot_alliance` and :func:`plot_map` add when labels fall back."""
MISSING_NOTE_GID = "medalliance-missing-note"
"""``gid`` of the note :func:`plot_map` adds when institutions without coordinates are left out."""


# -- fonts and labels -------------------------------------------------------------------------


def _charmap(path: str) -> dict[int, int]:
    """Code point to glyph index of the font file at ``path`` (empty when unreadable)."""
    from matplotlib import ft2font

    try:
        return dict(ft2font.FT2Font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return {}


def _has_cjk_glyphs(charmap: dict[int, int]) -> bool:
    """Whether the probe characters have glyphs of their own.

    Fallback fonts such as matplotlib's *Last Resort* map every code point to a few
    placeholder boxes; a real CJK font gives each character its own glyph.
    """
    glyphs = [charmap.get(ord(c)) for c in _PROBE]
    return None not in glyphs and len(set(glyphs)) == len(set(_PROBE))


@lru_cache(maxsize=1)
def _cjk_font() -> tuple[str, str] | None:
    """(name, file) of an installed font with CJK glyphs, or None (searched once)."""
    require("matplotlib", extra="plot")
    from matplotlib import font_manager

    fonts = list(font_manager.fontManager.ttflist)
    rank = {name: i for i, name in enumerate(CJK_FONT_NAMES)}
    preferred = sorted((f for f in fonts if f.name in rank), key=lambda f: rank[f.name])
    others = sorted((f for f in fonts if f.name not in rank), key=lambda f: (f.name, f.fname))
    for font in (*preferred, *others):
        if _has_cjk_glyphs(_charmap(font.fname)):
            return font.name, font.fname
    return None


def cjk_font() -> str | None:
    """Name of the installed font :func:`plot_alliance` uses for Chinese labels, or None.

    Fonts named in :data:`CJK_FONT_NAMES` are tried first, then every other installed font;
    a font counts when it has glyphs for common Chinese characters. The search runs once.

    Returns
    -------
    str or None
        The font family name; ``None`` when no installed font has Chinese glyphs (labels then
        show English names or ids).

    Raises
    ------
    ImportError
        When matplotlib is not installed (``pip install 'medalliance[plot]'``).

    Examples
    --------
    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    found = _cjk_font()
    return None if found is None else found[0]


class _Labels:
    """Chooses a label each text can be drawn with in the font in use."""

    def __init__(self) -> None:
        from matplotlib import font_manager

        found = _cjk_font()
        if found is not None:
            self.font: Any = font_manager.FontProperties(fname=found[1])
            path = found[1]
        else:
            self.font = font_manager.FontProperties()
            path = font_manager.findfont(self.font)
        self.cjk = found is not None
        self.chars = frozenset(_charmap(path))
        self.fell_back = False

    def props(self, size: float) -> Any:
        """The font at ``size`` points."""
        font = self.font.copy()
        font.set_size(size)
        return font

    def ok(self, text: str | None) -> bool:
        return text is not None and all(ord(c) in self.chars for c in text)

    def pick(self, name: str, name_en: str | None, id_: str) -> str:
        """``name`` if drawable, else ``name_en`` if drawable, else the id."""
        if self.ok(name):
            return name
        self.fell_back = True
        return name_en if name_en is not None and self.ok(name_en) else id_

    def note(self, ax: Any, *, y: float = -0.04) -> bool:
        """Add the fallback note at axes height ``y``; whether there was one to add."""
        if not self.fell_back:
            return False
        text = (
            "Chinese names not shown: no installed font has Chinese glyphs; labels show "
            "English names or ids (install e.g. Noto Sans CJK)"
            if not self.cjk
            else "Some names use characters the font lacks; they show English names or ids"
        )
        ax.text(
            0.0,
            y,
            text,
            transform=ax.transAxes,
            fontsize=7,
            color="#666666",
            va="top",
            gid=FONT_NOTE_GID,
            parse_math=False,
        )
        return True


def _wrap(label: str, width: int) -> str:
    """Break a long label: CJK text every ``width`` characters, other text at spaces."""
    import textwrap

    if any(ord(c) > 0x2E7F for c in label):
        if len(label) <= width:
            return label
        return "\n".join(label[i : i + width] for i in range(0, len(label), width))
    return "\n".join(textwrap.wrap(label, 2 * width, break_long_words=False)) or label


# -- layout ---------------------------------------------------------------------------------


class AllianceLayout(NamedTuple):
    """Positions of an alliance's members in :func:`plot_alliance`.

    ``ids[k]`` sits at ``(x[k], y[k])`` in layer ``layer[k]``; ``layers`` lists the layers
    from the top (``"lead"``, then tiers from ``tertiary`` down) and ``layer_y`` the ``y`` of
    each layer's first row.
    """

    ids: tuple[str, ...]
    """Member ids, layer by layer from the top."""
    x: np.ndarray[Any, Any]
    """Horizontal positions (float64)."""
    y: np.ndarray[Any, Any]
    """Vertical positions (float64; the top layer is highest)."""
    layer: tuple[str, ...]
    """Layer of each member."""
    layers: tuple[str, ...]
    """Layer names from the top."""
    layer_y: tuple[float, ...]
    """``y`` of each layer's first row."""


def alliance_layout(registry: Registry, alliance: str, *, max_per_row: int = 12) -> AllianceLayout:
    """Positions of the members of ``alliance``: lead(s) on top, then one layer per tier.

    Lead members (``role`` lead) form the top layer whatever their tier; every other member
    is placed in the layer of its tier, tiers from tertiary down, leaving out tiers with no
    member. Within a layer, hubs come first, then members, then base members, each in
    membership order; a layer with more than ``max_per_row`` members wraps into several rows.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str
        Alliance id.
    max_per_row : int, default 12
        Members per row before a layer wraps.

    Returns
    -------
    AllianceLayout
        The positions.

    Raises
    ------
    UnknownIdError
        If the alliance does not exist.
    MedAllianceError
        If ``max_per_row`` is not an integer >= 1.

    Examples
    --------
    >>> from medalliance import examples
    >>> lay = alliance_layout(examples.load("shanghai_luwan"), "luwan_ruijin")
    >>> lay.layers
    ('lead', 'secondary', 'primary')
    >>> lay.ids[0], float(lay.y[0]) > float(lay.y[-1])
    ('ruijin', True)
    """
    if isinstance(max_per_row, bool) or not isinstance(max_per_row, int) or max_per_row < 1:
        raise MedAllianceError([Problem(("max_per_row",), "must be an integer >= 1")])
    a = registry.alliance(alliance)
    lead = [registry.institution(i) for i in a.lead]
    groups: list[tuple[str, list[str]]] = [("lead", [i.id for i in lead])]
    others = [m for m in a.memberships if m.role is not MemberRole.LEAD]
    for tier in reversed(Tier):
        members = [m for m in others if registry.institution(m.institution).tier is tier]
        members.sort(key=lambda m: _ROLE_ORDER[m.role])  # stable: membership order kept
        if members:
            groups.append((tier.value, [m.institution for m in members]))
    ids: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    layer: list[str] = []
    layer_y: list[float] = []
    top = 0.0
    for name, layer_ids in groups:
        layer_y.append(-top)
        rows = [layer_ids[k : k + max_per_row] for k in range(0, len(layer_ids), max_per_row)]
        for r, row in enumerate(rows):
            shift = 0.5 if r % 2 else 0.0
            for k, member in enumerate(row):
                ids.append(member)
                xs.append(k - (len(row) - 1) / 2 + shift)
                ys.append(-(top + 0.7 * r))
                layer.append(name)
        top += 0.7 * (len(rows) - 1) + 1.0
    return AllianceLayout(
        ids=tuple(ids),
        x=np.array(xs, dtype=np.float64),
        y=np.array(ys, dtype=np.float64),
        layer=tuple(layer),
        layers=tuple(g[0] for g in groups),
        layer_y=tuple(layer_y),
    )


# -- drawing --------------------------------------------------------------------------------


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
        f"{name}\n{a.form.value} · {a.tightness.value}",
        fontproperties=labels.props(10),
        pad=pad,
        parse_math=False,
    )


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
    (:data:`ITEM_GROUPS`: referral solid red, support dashed blue, sharing dash-dot green,
    integration dotted purple; faded when the agreement is not in force); arrows from the
    host to the site of each expert-clinic programme. Alliance-wide provisions are listed
    under the title.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str
        Alliance id.
    ax : matplotlib.axes.Axes, optional
        Axes to draw in; a new figure is made when omitted.
    labels : {"auto", "id"}, default "auto"
        ``"auto"``: Chinese names when a CJK font is installed (:func:`cjk_font`), else the
        English name or the id, with a note under the axes; ``"id"``: ids.
    max_per_row : int, default 12
        Members per row before a layer wraps (see :func:`alliance_layout`).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn in. Node markers are collections with ``gid`` ``"nodes:<role>"``;
        agreement arcs have ``gid`` ``"agreement:<id>:<group>"``, expert-clinic arrows
        ``"expert_clinic:<id>"``.

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
    >>> ax = plot_alliance(reg, "luwan_ruijin")
    >>> sorted(c.get_gid() for c in ax.collections)
    ['nodes:lead', 'nodes:member']
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['lead', 'secondary', 'primary']
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    if labels not in ("auto", "id"):
        raise MedAllianceError([Problem(("labels",), f"must be 'auto' or 'id', got {labels!r}")])
    layout = alliance_layout(registry, alliance, max_per_row=max_per_row)
    require("matplotlib", extra="plot")
    from matplotlib.patches import FancyArrowPatch

    a = registry.alliance(alliance)
    pos = {i: (float(x), float(y)) for i, x, y in zip(layout.ids, layout.x, layout.y, strict=True)}
    width = float(layout.x.max() - layout.x.min()) + 1 if len(layout.x) else 1.0
    height = float(layout.y.max() - layout.y.min()) + 1 if len(layout.y) else 1.0
    ax = _axes(ax, (max(6.0, 1.1 * width + 2.5), max(3.5, 1.2 * height + 1.5)))
    text = _Labels()

    first = a.lead[0]
    crowded = len(a.memberships) > _CROWDED
    for m in a.memberships:
        if m.institution not in a.lead and not crowded:
            (x0, y0), (x1, y1) = pos[first], pos[m.institution]
            ax.plot([x0, x1], [y0, y1], color="#bbbbbb", linewidth=0.7, zorder=1)

    groups_used: list[str] = []
    for g in registry.agreements_of(alliance):
        groups = [grp for grp in ITEM_GROUPS if any(_GROUP_OF[i] == grp for i in g.items)]
        faded = g.status is not AgreementStatus.IN_FORCE
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

    roles = {m.institution: m.role for m in a.memberships}
    insts = {i: registry.institution(i) for i in layout.ids}
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
    sizes = Counter(layout.layer)
    for n, i in enumerate(layout.ids):
        if crowded and sizes[layout.layer[n]] > max_per_row:
            continue
        inst = insts[i]
        label = i if labels == "id" else text.pick(inst.name, inst.name_en, i)
        x, y = pos[i]
        below = 0.2 + (0.14 if n % 2 and layout.layer[n] != "lead" else 0.0)
        ax.text(
            x,
            y - below,
            _wrap(label, 9),
            ha="center",
            va="top",
            fontproperties=text.props(7),
            zorder=4,
            parse_math=False,
        )

    _title(ax, text, a, provisions=True)
    ax.set_yticks(list(layout.layer_y), list(layout.layers))
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(float(layout.x.min()) - 0.8, float(layout.x.max()) + 0.8)
    ax.set_ylim(float(layout.y.min()) - 0.7, float(layout.y.max()) + 0.45)
    handles = _role_handles(list(set(roles.values())))
    handles += _tier_handles([insts[i].tier for i in layout.ids])
    handles += _edge_handles(groups_used, expert=bool(a.expert_clinics), membership=not crowded)
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=7,
        frameon=False,
    )
    text.note(ax)
    return ax


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


# -- maps -----------------------------------------------------------------------------------


def _parse_tiers(tiers: Sequence[Tier | str]) -> frozenset[Tier]:
    if isinstance(tiers, str):
        raise MedAllianceError([Problem(("tiers",), "expected a sequence of tiers, got a string")])
    problems: list[Problem] = []
    out = set()
    for k, t in enumerate(tiers):
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
        :func:`plot_alliance` (``"auto"``), ids, or none.
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
    if labels not in ("auto", "id", "none"):
        raise MedAllianceError(
            [Problem(("labels",), f"must be 'auto', 'id' or 'none', got {labels!r}")]
        )
    surface = _surface(accessibility) if accessibility is not None else None
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
    placed = [i for i in shown if i.has_coordinates]
    if not placed and surface is None:
        what = f"member of alliance {alliance!r}" if alliance else "institution"
        raise MedAllianceError([Problem((), f"no {what} has coordinates; nothing to map")])
    require("matplotlib", extra="plot")
    ax = _axes(ax, (7.0, 6.0))
    text = _Labels()
    if surface is not None:
        lon, lat, vals = surface
        size = float(np.clip(4000.0 / max(len(lon), 1), 3.0, 30.0))
        sc = ax.scatter(
            lon, lat, c=vals, s=size, marker="s", cmap="viridis", zorder=1, gid="accessibility"
        )
        ax.figure.colorbar(sc, ax=ax, label="accessibility", fraction=0.046, pad=0.04)
    xy = {i.id: (float(i.lon), float(i.lat)) for i in placed}  # type: ignore[arg-type]
    if a is not None and placed and len(placed) <= _CROWDED:
        first = a.lead[0]
        if first in xy:
            for i in placed:
                if i.id != first:
                    (x0, y0), (x1, y1) = xy[first], xy[i.id]
                    ax.plot([x0, x1], [y0, y1], color="#bbbbbb", linewidth=0.6, zorder=2)
    if a is None:
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
    else:
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
    mid = float(np.mean(lats))
    ax.set_aspect(1.0 / max(math.cos(math.radians(mid)), 0.05))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    if a is not None:
        _title(ax, text, a)
    elif registry.title:
        ax.set_title(
            text.pick(registry.title, None, "registry"),
            fontproperties=text.props(10),
            parse_math=False,
        )
    placed_tiers = [i.tier for i in placed]
    handles = _tier_handles(placed_tiers)
    if a is not None:
        handles = _role_handles(list({roles[i.id] for i in placed})) + handles
    if handles:
        ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.8)
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

"""Drawings of alliances and maps of members (the ``plot`` extra: matplotlib).

- :func:`plot_alliance` draws one alliance as layers: its lead(s) on top, the other members
  below in layers by tier (tertiary, secondary, primary, village). Marker shapes show roles,
  colours show tiers, and lines show what links members: membership (grey), agreements by
  kind of item (referral, support, sharing, integration) and expert-clinic programmes
  (arrows from the host to the site); shared centres sit beside their hosts.
- :func:`plot_map` draws institutions at their coordinates, optionally one alliance's members
  and an accessibility surface (points coloured by value).
- :func:`plot_members_over_time` draws an alliance's members on a sequence of days, stacked
  by tier (the registry as it stood on each day).
- :func:`alliance_layout` gives the positions :func:`plot_alliance` uses, without drawing.

**Chinese labels.** matplotlib's bundled fonts have no Chinese glyphs. :func:`cjk_font`
looks for an installed font that has them (Noto Sans CJK, Source Han Sans, WenQuanYi,
SimHei, Microsoft YaHei, PingFang, ... or any other with CJK glyphs), among the system's fonts
and those of an installed font package (:data:`FONT_PACKAGES`: ``pip install
noto-cjk-sans-otc``). When there is one, the labels show the Chinese names, and subtitles,
layer names and legends are in Chinese too. When there is none, each label falls back to the
English name (``name_en``) or the id, subtitles and legends to English codes, and the figure
says so in a note under the axes; no missing-glyph warnings are emitted. Any label containing
characters the font lacks falls back the same way. Install a CJK font (``pip install
noto-cjk-sans-otc``, or e.g. ``fonts-noto-cjk`` on Debian/Ubuntu) to see Chinese names.

matplotlib is imported only when a function draws; an ImportError names the extra to install.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from medalliance import examples
>>> reg = examples.load("county_township")
>>> ax = plot_alliance(reg, "county_township_community", labels="id")
>>> ax.get_yticklabels()[0].get_text()
'lead'
>>> layout = alliance_layout(reg, "county_township_community")
>>> layout.ids, layout.layer
(('county_hospital', 'township_centre'), ('lead', 'primary'))
>>> import matplotlib.pyplot as plt
>>> plt.close("all")
"""

from __future__ import annotations

# The reference page lists the members in source order: keep this order.
# isort: off
from medalliance.plot._style import CJK_FONT_NAMES, FONT_PACKAGES, ITEM_GROUPS
from medalliance.plot._style import FONT_NOTE_GID, MISSING_NOTE_GID
from medalliance.plot._fonts import cjk_font
from medalliance.plot._layout import AllianceLayout, alliance_layout
from medalliance.plot._alliance import plot_alliance
from medalliance.plot._map import plot_map
from medalliance.plot._time import plot_members_over_time
# isort: on

__all__ = [
    "CJK_FONT_NAMES",
    "FONT_NOTE_GID",
    "FONT_PACKAGES",
    "ITEM_GROUPS",
    "MISSING_NOTE_GID",
    "AllianceLayout",
    "alliance_layout",
    "cjk_font",
    "plot_alliance",
    "plot_map",
    "plot_members_over_time",
]

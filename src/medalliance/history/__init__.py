"""Alliances over time: what changed between two days, every dated event, panels.

The state on one day is :meth:`medalliance.Registry.as_of` (the one date rule is
:mod:`medalliance.model.dates`). This package compares states and lists events:

- :func:`diff`: members joined and left, agreements started and ended, changes of form,
  tightness and lead, between two registries or one registry on two days;
- :func:`timeline`: every dated event of a registry, in order;
- :func:`panel`: measures of every alliance on a sequence of days, as a long table
  (day × alliance × measure) ready for a difference-in-differences or event study;
- :func:`indicator_panel`: the official indicators of each reporting period, evaluated on the
  registry as it stood on the period's day, in the same long table.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("qinghai_oncology")
>>> [x.kind for x in diff(reg, "2018-01-01", "2018-12-31").differences][:1]
['alliance_founded']
"""

from __future__ import annotations

from medalliance.history._diff import Difference, RegistryDiff, diff
from medalliance.history._indicator_panel import indicator_panel
from medalliance.history._panel import MEASURES, Panel, panel
from medalliance.history._timeline import Event, Timeline, timeline

__all__ = [
    "MEASURES",
    "Difference",
    "Event",
    "Panel",
    "RegistryDiff",
    "Timeline",
    "diff",
    "indicator_panel",
    "panel",
    "timeline",
]

"""Where an alliance's members sit in its drawing. Private to :mod:`medalliance.plot`."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.alliance import MemberRole
from medalliance.model.institution import Tier
from medalliance.model.registry import Registry
from medalliance.plot._style import _ROLE_ORDER


class AllianceLayout(NamedTuple):
    """Positions of an alliance's members in :func:`~medalliance.plot.plot_alliance`.

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
    require_registry(registry)
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

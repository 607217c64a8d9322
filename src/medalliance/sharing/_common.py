"""Compiled parts of a registry that the sharing functions share (internal).

The shared centres and agreements in a fixed order (``_Layout``) and own-service keys,
built on first use and kept with the registry's compiled core
(:meth:`~medalliance.compiled.CompiledRegistry.memo`); positions come from the core, and which
agreements grant shared services from the core's one rule
(:func:`~medalliance.compiled.agreement_in_force`). Whether a centre's hosting is inferred is
decided here, once (:func:`_hosting_inferred`), for every sharing result and the report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np

from medalliance._words import count_noun
from medalliance.compiled import CompiledRegistry, agreement_in_force, compiled
from medalliance.errors import MedAllianceError
from medalliance.model.agreement import Agreement, CooperationItem
from medalliance.model.alliance import Alliance, SharedCentre
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]

SERVICES: tuple[ServiceKind, ...] = tuple(ServiceKind)
"""The service kinds, in the column order of :class:`~medalliance.sharing.ServiceAccess`."""
_SERVICE_CODE = {s: k for k, s in enumerate(SERVICES)}


def _hosting_inferred(alliance: Alliance, centre: SharedCentre) -> bool:
    """Whether the source leaves it to inference that ``centre.host`` hosts this centre.

    The one rule: the centre's own provenance marks ``host`` as inferred, or the alliance's
    provenance marks its ``shared_centres`` as inferred (then every centre of the alliance, with
    its host, is the dataset author's inference).

    Examples
    --------
    >>> from medalliance import examples
    >>> a = examples.load("dingzhou").alliance("dingzhou_peoples_alliance")
    >>> _hosting_inferred(a, a.shared_centres[0])
    True
    """
    if centre.provenance is not None and centre.provenance.is_inferred("host"):
        return True
    return alliance.provenance is not None and alliance.provenance.is_inferred("shared_centres")


@dataclass(frozen=True)
class _Centre:
    """A shared centre with its place in the registry (internal)."""

    index: int
    alliance: Alliance
    centre: SharedCentre
    services: frozenset[ServiceKind]
    inferred: bool
    """Whether the centre's hosting is inferred (:func:`_hosting_inferred`)."""


class _Layout:
    """Centres, agreements and their indices of one registry (internal)."""

    def __init__(self, registry: Registry) -> None:
        self.centres: list[_Centre] = []
        for a in registry.alliances:
            for sc in a.shared_centres:
                self.centres.append(
                    _Centre(
                        len(self.centres),
                        a,
                        sc,
                        frozenset(sc.effective_services),
                        _hosting_inferred(a, sc),
                    )
                )
        self.centre_by_id = {c.centre.id: c for c in self.centres}
        self.centres_by_host: dict[str, list[_Centre]] = {}
        for c in self.centres:
            self.centres_by_host.setdefault(c.centre.host, []).append(c)
        self.agreement_index = {g.id: k for k, g in enumerate(registry.agreements)}
        self.sharing_agreements: list[Agreement] = [
            g
            for g in registry.agreements
            if agreement_in_force(g) and CooperationItem.SHARED_SERVICES in g.items
        ]


class _Base:
    """What sharing computations on one registry need, each part compiled on first use."""

    def __init__(self, core: CompiledRegistry) -> None:
        self._core = core
        self.ids = core.ids
        self.pos = core.position

    @cached_property
    def own_keys(self) -> IntArray:
        services = list(map(attrgetter("services"), self._core.institutions))
        counts = np.fromiter(map(len, services), dtype=np.int64, count=len(services))
        codes = np.fromiter(
            map(_SERVICE_CODE.__getitem__, chain.from_iterable(services)),
            dtype=np.int64,
            count=int(counts.sum()),
        )
        rows = np.repeat(np.arange(len(services), dtype=np.int64), counts)
        keys: IntArray = rows * len(SERVICES) + codes
        return keys

    @cached_property
    def layout(self) -> _Layout:
        return _Layout(self._core.registry)

    def positions(self, ids: Iterable[str]) -> IntArray:
        return np.fromiter(map(self.pos.__getitem__, ids), dtype=np.int64)


def _base(registry: Registry) -> _Base:
    """The sharing base of ``registry`` (built once, kept with its compiled core)."""
    core = compiled(registry)
    return core.memo("sharing.base", lambda: _Base(core))


def _parse_service(value: object, path: tuple[str | int, ...] = ("service",)) -> ServiceKind:
    try:
        return ServiceKind.parse(value)
    except MedAllianceError as exc:
        raise exc.with_prefix(path) from None


def _scope(registry: Registry, alliance: str | None) -> Alliance | None:
    return None if alliance is None else registry.alliance(alliance)


_plural = count_noun
"""``n`` with thousands separators and ``noun``, in the plural unless ``n`` is 1 (reprs)."""


def _number(x: float) -> str:
    """A quantity for a repr: whole numbers with thousands separators, others to 4 digits."""
    if math.isfinite(x) and x == math.floor(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) < 1e4:
        return f"{x:,.4g}"
    return f"{x:,.0f}" if abs(x) < 1e15 else f"{x:.4g}"  # not 300 digits for 1e300


def _listing(ids: Sequence[str], limit: int = 3) -> str:
    """The first ``limit`` ids, comma-separated, with ``…`` when there are more (reprs)."""
    shown = ", ".join(ids[:limit])
    return shown + ", …" if len(ids) > limit else shown

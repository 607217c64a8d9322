"""The compiled core of one registry: positions, tiers, bit masks and the capability rule.

Built once per registry by :func:`medalliance.compiled.compiled` and shared by every analysis.
It holds, as arrays over the registry's institutions in canonical order:

- positions (id → row), tier ranks (0 village … 3 tertiary), grassroots and membership flags,
  coordinates;
- service and specialty **bit masks**;
- the cooperation channels of any item (:meth:`CompiledRegistry.channels`, compiled by
  :mod:`medalliance.compiled._channels`).

**The capability rule** (written here once; referral, reachability and the oracles' documented
rule all mean this): an institution *offers* what is needed (:class:`Needs`) when

1. its tier is at least ``min_tier`` (when one is needed);
2. it offers the specialty: the specialty is listed in its ``specialties``, **or** it is a lead
   of an alliance that names that specialty (of any form: an alliance organised around a
   specialty is led by an institution that provides it);
3. it offers every needed service: each is listed in its ``services``.

Shared centres do not make their host "offer" a service here; where institutions *get* a
service is :mod:`medalliance.sharing`'s question.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import numpy as np

from medalliance.compiled._channels import CooperationChannels, compile_channels
from medalliance.model.agreement import CooperationItem
from medalliance.model.institution import Tier
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind, Specialty

__all__ = ["SERVICE_BIT", "SPECIALTY_BIT", "SPECIALTY_CODE", "CompiledRegistry", "Needs"]

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
T = TypeVar("T")

SPECIALTY_CODE: dict[Specialty, int] = {s: k for k, s in enumerate(Specialty)}
"""Bit number of each specialty in the specialty masks."""
SPECIALTY_BIT: dict[Specialty, int] = {s: 1 << k for s, k in SPECIALTY_CODE.items()}
"""Bit of each specialty in the specialty masks."""
SERVICE_BIT: dict[ServiceKind, int] = {s: 1 << k for k, s in enumerate(ServiceKind)}
"""Bit of each service kind in the service masks."""


@dataclass(frozen=True)
class Needs:
    """What a destination must offer (see the capability rule in the module docstring).

    Examples
    --------
    >>> Needs(specialty=Specialty.ONCOLOGY).service_bits
    0
    """

    specialty: Specialty | None = None
    services: frozenset[ServiceKind] = frozenset()
    min_tier: Tier | None = None

    @property
    def anything(self) -> bool:
        """Whether anything is needed at all.

        Examples
        --------
        >>> Needs().anything, Needs(min_tier=Tier.TERTIARY).anything
        (False, True)
        """
        return self.specialty is not None or bool(self.services) or self.min_tier is not None

    @property
    def service_bits(self) -> int:
        """The needed services as a bit mask.

        Examples
        --------
        >>> Needs(services=frozenset({ServiceKind.CT})).service_bits == SERVICE_BIT[ServiceKind.CT]
        True
        """
        return sum(SERVICE_BIT[s] for s in self.services)


def _bitmasks(values: Iterable[Iterable[Any]], bit: dict[Any, int], n: int) -> IntArray:
    """One bit mask per collection of labels (each distinct tuple summed once)."""
    seen: dict[Any, int] = {}
    out = np.zeros(n, dtype=np.int64)
    for k, v in enumerate(values):
        if v:
            mask = seen.get(v)
            if mask is None:
                mask = seen[v] = sum(bit[x] for x in v)
            out[k] = mask
    return out


class CompiledRegistry:
    """Arrays compiled once from one registry; see the module docstring.

    Get it with :func:`medalliance.compiled.compiled`, never by constructing it: that is the
    cache.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.compiled import compiled
    >>> core = compiled(examples.load("qinghai_oncology"))
    >>> hosp = core.position["qhu_affiliated"]
    >>> bool(core.offers(Needs(specialty=Specialty.ONCOLOGY))[hosp])
    True
    """

    def __init__(self, registry: Registry) -> None:
        # weak: the cache entry must not keep its registry alive
        self._registry = weakref.ref(registry)
        self._lock = threading.RLock()
        self._memo: dict[Any, Any] = {}
        insts = registry.institutions
        self.n = len(insts)
        self.institutions = insts
        self.ids: tuple[str, ...] = tuple(i.id for i in insts)
        self.position: dict[str, int] = {iid: k for k, iid in enumerate(self.ids)}
        self._alliances = registry.alliances

    # Everything below is built on first use (an analysis pays only for the arrays it reads)
    # and then kept. Two threads asking at once may both build an array; they build the same
    # values and one of them is kept, so no lock is needed.

    @cached_property
    def id_array(self) -> np.ndarray[Any, np.dtype[np.str_]]:
        """Institution ids as a numpy string array (registry order)."""
        return np.array(self.ids, dtype=str) if self.n else np.zeros(0, dtype="<U1")

    @cached_property
    def tier_list(self) -> list[int]:
        """Tier rank of each institution (:attr:`Tier.rank`)."""
        rank = {t: t.rank for t in Tier}
        return [rank[i.tier] for i in self.institutions]

    @cached_property
    def tier(self) -> IntArray:
        """:attr:`tier_list` as an int64 array."""
        return np.array(self.tier_list, dtype=np.int64)

    @cached_property
    def grassroots(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Whether each institution is a grassroots institution."""
        return np.fromiter((i.is_grassroots for i in self.institutions), bool, self.n)

    @cached_property
    def in_alliance(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Whether each institution is a member of at least one alliance."""
        out = np.zeros(self.n, dtype=bool)
        pos = self.position
        out[[pos[m.institution] for a in self._alliances for m in a.memberships]] = True
        return out

    @cached_property
    def service_sets(self) -> list[frozenset[ServiceKind]]:
        """The services each institution lists."""
        return [frozenset(i.services) for i in self.institutions]

    @cached_property
    def services(self) -> IntArray:
        """Service bit mask of each institution (bits of ``SERVICE_BIT``)."""
        return _bitmasks((i.services for i in self.institutions), SERVICE_BIT, self.n)

    @cached_property
    def offered_specialties(self) -> list[frozenset[Specialty]]:
        """The capability rule, part 2: listed specialties, or lead of an alliance naming one."""
        lead_of: dict[int, set[Specialty]] = {}
        for a in self._alliances:
            if a.specialty is not None:
                for lead in a.lead:
                    lead_of.setdefault(self.position[lead], set()).add(a.specialty)
        out = [frozenset(inst.specialties) for inst in self.institutions]
        for k, extra in lead_of.items():
            out[k] = out[k] | extra
        return out

    @cached_property
    def specialties(self) -> IntArray:
        """Specialty bit mask of each institution (of :attr:`offered_specialties`)."""
        return _bitmasks(
            (tuple(sorted(s, key=SPECIALTY_CODE.__getitem__)) for s in self.offered_specialties),
            SPECIALTY_BIT,
            self.n,
        )

    @cached_property
    def lat(self) -> FloatArray:
        """Latitude of each institution (NaN when unknown)."""
        nan = float("nan")
        return np.array([nan if i.lat is None else i.lat for i in self.institutions], np.float64)

    @cached_property
    def lon(self) -> FloatArray:
        """Longitude of each institution (NaN when unknown)."""
        nan = float("nan")
        return np.array([nan if i.lon is None else i.lon for i in self.institutions], np.float64)

    @property
    def registry(self) -> Registry:
        """The registry this core was compiled from."""
        found = self._registry()
        assert found is not None  # only reached through a live registry
        return found

    def memo(self, key: Any, build: Callable[[], T]) -> T:
        """A structure derived from this core, built by ``build()`` once and kept with it.

        Analyses keep their own indices here (one cache mechanism for everything derived
        from the registry); ``key`` names the structure.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import compiled
        >>> core = compiled(examples.load("gangkou"))
        >>> core.memo("demo", lambda: [1]) is core.memo("demo", lambda: [2])
        True
        """
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]  # type: ignore[no-any-return]

    # -- the capability rule ------------------------------------------------------------------

    def offers(self, needs: Needs) -> BoolArray:
        """Which institutions offer ``needs`` (a boolean array over positions).

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import compiled
        >>> core = compiled(examples.load("county_township"))
        >>> core.offers(Needs(services=frozenset({ServiceKind.CT}))).tolist()
        [True, False]
        """
        ok = np.ones(self.n, dtype=bool)
        if needs.specialty is not None:
            ok &= (self.specialties & SPECIALTY_BIT[needs.specialty]) != 0
        if needs.services:
            want = needs.service_bits
            ok &= (self.services & want) == want
        if needs.min_tier is not None:
            ok &= self.tier >= needs.min_tier.rank
        return ok

    def offers_at(self, position: int, needs: Needs) -> bool:
        """Whether the institution at ``position`` offers ``needs`` (the same rule, one row).

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import compiled
        >>> core = compiled(examples.load("county_township"))
        >>> core.offers_at(1, Needs(min_tier=Tier.SECONDARY))
        False
        """
        return (
            (needs.specialty is None or needs.specialty in self.offered_specialties[position])
            and needs.services <= self.service_sets[position]
            and (needs.min_tier is None or self.tier_list[position] >= needs.min_tier.rank)
        )

    def offers_each(
        self,
        positions: IntArray,
        specialty_bits: IntArray,
        service_bits: IntArray,
        min_tier_ranks: IntArray,
    ) -> BoolArray:
        """The same rule for many (institution, needs) pairs at once (batch paths).

        Row ``i`` asks whether the institution at ``positions[i]`` offers the specialty bit
        ``specialty_bits[i]`` (0: none needed), every service of ``service_bits[i]`` and a
        tier of at least ``min_tier_ranks[i]`` (-1: any).

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import compiled
        >>> core = compiled(examples.load("county_township"))
        >>> i64 = lambda *v: np.array(v, dtype=np.int64)
        >>> ct = SERVICE_BIT[ServiceKind.CT]
        >>> core.offers_each(i64(0, 1), i64(0, 0), i64(ct, ct), i64(-1, -1)).tolist()
        [True, False]
        """
        if len(positions) == 0:
            return np.zeros(0, dtype=bool)
        ok: BoolArray = (specialty_bits == 0) | (
            (self.specialties[positions] & specialty_bits) != 0
        )
        ok &= (self.services[positions] & service_bits) == service_bits
        ok &= self.tier[positions] >= min_tier_ranks
        return ok

    # -- channels -------------------------------------------------------------------------------

    def channels(
        self,
        item: CooperationItem,
        *,
        specialty: Specialty | None = None,
        all_specialties: bool = False,
        alliance: str | None = None,
    ) -> CooperationChannels:
        """The channels of ``item`` open to a case of ``specialty`` (cached per question).

        Channels scoped to a specialty are kept only when it equals ``specialty`` (with
        ``None`` they are left out), unless ``all_specialties``; with ``alliance`` only that
        alliance's channels are kept.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import compiled
        >>> core = compiled(examples.load("xuzhou_mch"))
        >>> item = CooperationItem.TWO_WAY_REFERRAL
        >>> len(core.channels(item).channels)
        0
        >>> len(core.channels(item, all_specialties=True).channels) > 0
        True
        """
        key = ("channels", item, None if all_specialties else specialty, all_specialties, alliance)
        return self.memo(key, lambda: self._channels(item, specialty, all_specialties, alliance))

    def _channels(
        self,
        item: CooperationItem,
        specialty: Specialty | None,
        all_specialties: bool,
        alliance: str | None,
    ) -> CooperationChannels:
        full = self.memo(
            ("channels", item), lambda: compile_channels(self.registry, item, self.position)
        )
        if all_specialties and alliance is None:
            return full
        keep = [
            c
            for c, (scope, owner) in enumerate(zip(full.specialty, full.alliance, strict=True))
            if (all_specialties or scope is None or scope == specialty)
            and (alliance is None or owner == alliance)
        ]
        return full if len(keep) == len(full.channels) else full.select(keep)

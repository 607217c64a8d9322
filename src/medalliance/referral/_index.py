"""The compiled referral index: one case decided on arrays (internal).

One :class:`RefIndex` per registry, kept with the registry's compiled core
(:meth:`~medalliance.compiled.CompiledRegistry.memo`), adds to the core what referral needs:
the referral channels with each channel's members sorted by tier, so that the members of a
channel in a range of tiers are one contiguous slice; institution → channel lists; and what the
members of each (channel, tier) segment offer between them. Positions, tiers, bit masks, the
capability rule and the channels themselves come from the core.

:meth:`RefIndex.decide` decides one case (a short Python loop over the candidates of the
allowed tiers only); :mod:`medalliance.referral._batch` decides a column of cases and
:mod:`medalliance.referral._paths` finds escalation paths on the same index.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from medalliance._geo import haversine_km
from medalliance.compiled import CompiledRegistry, channel_scope, compiled
from medalliance.compiled._core import SPECIALTY_CODE
from medalliance.model.agreement import CooperationItem
from medalliance.model.registry import Registry
from medalliance.model.types import trusted
from medalliance.referral._model import (
    FLAG_ITEMS,
    REASON_CODES,
    Destination,
    ReferralCase,
    ReferralDecision,
    _eligible_reason,
    _failure_reasons,
    _no_channel_reasons,
)
from medalliance.referral._rank import NO_DISTANCE, rank_key
from medalliance.referral._rules import (
    CaseNeeds,
    allowed_tiers,
    case_point,
    needs_text,
    offers,
    offers_all,
    prepare,
)
from medalliance.referral.policy import Direction, ReferralPolicy

__all__ = ["RefIndex", "decide", "index_of"]

IntArray = np.ndarray[Any, np.dtype[np.int64]]

FLAG_BIT = {item: 1 << b for b, item in enumerate(FLAG_ITEMS)}
_GREEN_BIT = FLAG_BIT[CooperationItem.GREEN_CHANNEL]
_FLAG_VALUES = [item.value for item in FLAG_ITEMS]
TIER_NAMES = ("village", "primary", "secondary", "tertiary")
REASON_BIT = {code: 1 << b for b, code in enumerate(REASON_CODES)}
_POPCOUNT = [bin(i).count("1") for i in range(1 << len(FLAG_ITEMS))]
_FLAG_TUPLES = [
    tuple(v for b, v in enumerate(_FLAG_VALUES) if i >> b & 1) for i in range(1 << len(FLAG_ITEMS))
]


def _flag_names(bits: int) -> tuple[str, ...]:
    return _FLAG_TUPLES[bits]


class RefIndex:
    """Arrays for referral decisions, derived from one registry's compiled core."""

    def __init__(self, core: CompiledRegistry) -> None:
        self.core = core
        self.institutions = core.institutions
        self.ids = core.id_array
        self.pos = core.position
        self.tier_list = core.tier_list
        self.tier = core.tier
        self.svc = core.services
        self.spec = core.specialties
        self.lat, self.lon = core.lat, core.lon
        n = core.n
        # the specialty alliances each institution belongs to (reason: specialty_mismatch)
        sa_of: dict[int, list[tuple[str, Any]]] = {}
        for a in core.registry.alliances:
            scope = channel_scope(a)
            if scope is not None:
                for m in a.members:
                    sa_of.setdefault(self.pos[m], []).append((a.id, scope))
        self.specialty_alliances = {k: sorted(v) for k, v in sa_of.items()}
        self.sa_mask = np.zeros(n, dtype=np.int64)
        for k, pairs in self.specialty_alliances.items():
            self.sa_mask[k] = sum({1 << SPECIALTY_CODE[s] for _, s in pairs})

        ch = core.channels(CooperationItem.TWO_WAY_REFERRAL, all_specialties=True)
        self.n_channels = c = len(ch.channels)
        self.ch_alliance = ch.alliance
        self.ch_agreement = tuple(
            cid.split(":", 1)[1] if cid.startswith("agreement:") else None for cid in ch.channels
        )
        self.ch_scope = np.array(
            [-1 if s is None else SPECIALTY_CODE[s] for s in ch.specialty], dtype=np.int64
        )
        self.ch_flags = np.array(
            [sum(FLAG_BIT[i] for i in items if i in FLAG_BIT) for items in ch.items],
            dtype=np.int64,
        )
        self.ch_scope_list = self.ch_scope.tolist()
        self.ch_flags_list = self.ch_flags.tolist()
        row = np.repeat(np.arange(c, dtype=np.int64), np.diff(ch.indptr))
        members = ch.indices.astype(np.int64)
        # channel members sorted by (channel, tier, position); offsets per (channel, tier)
        order = np.lexsort((members, self.tier[members] if n else members, row))
        self.cm = members[order]
        counts = np.zeros((c, 4), dtype=np.int64)
        if len(members):
            np.add.at(counts, (row, self.tier[members]), 1)
        self.off = np.zeros((c, 5), dtype=np.int64)
        self.off[:, 1:] = np.cumsum(counts, axis=1)
        self.off += ch.indptr[:-1, None]
        self.off_list = self.off.tolist()
        # what the members of each (channel, tier) segment offer between them
        self.seg_svc = np.zeros((c, 4), dtype=np.int64)
        self.seg_spec = np.zeros((c, 4), dtype=np.int64)
        if len(members):
            np.bitwise_or.at(self.seg_svc, (row, self.tier[members]), self.svc[members])
            np.bitwise_or.at(self.seg_spec, (row, self.tier[members]), self.spec[members])
        self.seg_svc_list = self.seg_svc.tolist()
        self.seg_spec_list = self.seg_spec.tolist()
        self.size = np.diff(ch.indptr)
        # institution -> channels (CSR, channels in increasing order)
        by_inst = np.lexsort((row, members))
        self.ic = row[by_inst]
        self.ic_ptr = np.zeros(n + 1, dtype=np.int64)
        if n:
            np.cumsum(np.bincount(members, minlength=n), out=self.ic_ptr[1:])
        self.ic_ptr_list = self.ic_ptr.tolist()
        self.ic_list = self.ic.tolist()
        self.cm_list = self.cm.tolist()

    def _channels(self, o: int, specs: frozenset[int] | set[int]) -> list[int]:
        """The origin's channels that carry a case of the given specialty codes."""
        ic = self.ic_list[self.ic_ptr_list[o] : self.ic_ptr_list[o + 1]]
        scope = self.ch_scope_list
        return [c for c in ic if scope[c] < 0 or scope[c] in specs]

    def decide(
        self,
        case: ReferralCase,
        needs: CaseNeeds,
        policy: ReferralPolicy,
        *,
        outside_options: int,
    ) -> ReferralDecision:
        """Decide one case (exactly what the naive reference decides)."""
        o = self.pos[needs.origin.id]
        t_o = self.tier_list[o]
        channels = self._channels(o, {SPECIALTY_CODE[s] for s in needs.channel_specialties})
        criterion = needs.criterion
        k_out = outside_options
        if not any(int(self.size[c]) >= 2 for c in channels):
            wrong_spec = [
                a
                for a, s in self.specialty_alliances.get(o, ())
                if s not in needs.channel_specialties
            ]
            outside = self._outside(case, needs, set(), k_out) if k_out else ()
            return _decision(case, (), _no_channel_reasons(wrong_spec), outside)
        spans = allowed_tiers(t_o, criterion)
        cand, refused, refused_parts = self._candidates(o, channels, spans, needs)
        chosen = list(cand.items())
        point = case_point(case, needs.origin)
        dist: list[float | None] = [None] * len(chosen)
        if point is not None and chosen:
            ms = np.array([m for m, _ in chosen], dtype=np.int64)
            d = haversine_km(point[0], point[1], self.lat[ms], self.lon[ms])
            dist = [None if np.isnan(x) else float(x) for x in d.tolist()]
        if chosen:
            reasons = [_eligible_reason(criterion)]
            order = self._ranked(chosen, dist, case, t_o, policy)
        else:
            # partners in directions (or tiers) the criterion does not allow, and incapable ones
            allowed = {t for t, _ in spans}
            wrong_spans = [
                (row[t], row[t + 1])
                for row in (self.off_list[c] for c in channels)
                for t in range(4)
                if t not in allowed and row[t + 1] > row[t]
            ]
            wrong = self._distinct(wrong_spans, set(), o)
            incapable = self._distinct(refused_parts, refused, o)
            reasons = _failure_reasons(criterion, wrong, incapable, needs_text(needs))
            order = []
        insts = self.institutions
        destinations = tuple(
            trusted(
                Destination,
                {
                    "institution": insts[chosen[k][0]].id,
                    "tier": TIER_NAMES[self.tier_list[chosen[k][0]]],
                    "direction": chosen[k][1][0],
                    "alliances": tuple(sorted(chosen[k][1][1])),
                    "agreements": tuple(sorted(chosen[k][1][2])),
                    "flags": _flag_names(chosen[k][1][3]),
                    "distance_km": dist[k],
                    "alliance_channel": True,
                },
            )
            for k in order
        )
        outside = self._outside(case, needs, set(cand), k_out) if k_out else ()
        return _decision(case, destinations, reasons, outside)

    def _candidates(
        self,
        o: int,
        channels: list[int],
        spans: list[tuple[int, Direction]],
        needs: CaseNeeds,
    ) -> tuple[dict[int, list[Any]], set[int], list[tuple[int, int]]]:
        """Qualifying partners of origin ``o``, and what was refused as incapable.

        Returns the partners with their direction, alliances, agreements and flags; the
        partners refused as incapable; and the tier segments refused whole: a segment none
        of whose members could qualify (the OR of their bit masks lacks what is needed) is
        refused without a loop over its members.
        """
        needs_cap = needs.capability
        core = self.core
        lateral_ok = needs_cap and not offers(core, o, needs)
        want_svc = needs.needs.service_bits
        want_spec = 1 << SPECIALTY_CODE[needs.specialty] if needs.specialty is not None else 0
        any_spec = sum(1 << SPECIALTY_CODE[s] for s in needs.criterion.specialties)
        min_rank = needs.min_tier.rank if needs.min_tier is not None else -1
        cand: dict[int, list[Any]] = {}
        refused: set[int] = set()
        refused_parts: list[tuple[int, int]] = []
        cm = self.cm_list
        for c in channels:
            row = self.off_list[c]
            flags = self.ch_flags_list[c]
            alliance = self.ch_alliance[c]
            agreement = self.ch_agreement[c]
            seg_svc, seg_spec = self.seg_svc_list[c], self.seg_spec_list[c]
            for t, direction in spans:
                if row[t + 1] == row[t]:
                    continue
                if (direction is Direction.LATERAL and not lateral_ok) or (
                    needs_cap
                    and (
                        seg_svc[t] & want_svc != want_svc
                        or (want_spec and not seg_spec[t] & want_spec)
                        or (any_spec and not seg_spec[t] & any_spec)
                        or t < min_rank
                    )
                ):
                    refused_parts.append((row[t], row[t + 1]))
                    continue
                for m in cm[row[t] : row[t + 1]]:
                    if m == o or m in refused:
                        continue
                    entry = cand.get(m)
                    if entry is None:
                        if needs_cap and not offers(core, m, needs):
                            refused.add(m)
                            continue
                        cand[m] = [direction, {alliance}, {agreement} - {None}, flags]
                    else:
                        entry[1].add(alliance)
                        if agreement is not None:
                            entry[2].add(agreement)
                        entry[3] |= flags
        return cand, refused, refused_parts

    def _distinct(self, spans: list[tuple[int, int]], extra: set[int], origin: int) -> int:
        """Number of distinct members in the ``cm`` index spans and ``extra``, origin excluded."""
        if not extra and len(spans) == 1:
            lo, hi = spans[0]
            return hi - lo - (origin in self.cm_list[lo:hi])
        found = set(extra)
        for lo, hi in spans:
            found.update(self.cm_list[lo:hi])
        found.discard(origin)
        return len(found)

    def _ranked(
        self,
        chosen: list[tuple[int, list[Any]]],
        dist: list[float | None],
        case: ReferralCase,
        t_o: int,
        policy: ReferralPolicy,
    ) -> list[int]:
        """Positions of ``chosen`` in rank order.

        The fields of :mod:`._rank`, compared in the policy's order for the case's urgency.
        """
        home = self.pos.get(case.home, -1) if case.home is not None else -1
        order = policy.ranking.order(case.urgency.value)
        band_m = round(policy.ranking.distance_band_km * 1000)
        metres = [NO_DISTANCE if d is None else round(d * 1000) for d in dist]
        known = [m for m in metres if m != NO_DISTANCE]
        if band_m > 0 and known:
            nearest = min(known)
            metres = [m if m == NO_DISTANCE else (m - nearest) // band_m for m in metres]
        ids = self.institutions
        tiers = self.tier_list
        keys = []
        for k, (m, entry) in enumerate(chosen):
            flags = entry[3]
            values = (
                m != home,
                not flags & _GREEN_BIT,
                -_POPCOUNT[flags],
                metres[k],
                abs(tiers[m] - t_o),
                ids[m].id,
            )
            keys.append((rank_key(values, order), k))
        keys.sort()
        return [k for _, k in keys]

    def _outside(
        self, case: ReferralCase, needs: CaseNeeds, linked: set[int], k: int
    ) -> tuple[Destination, ...]:
        """Up to ``k`` qualifying institutions that share no channel with the origin."""
        o = self.pos[needs.origin.id]
        t_o = self.tier_list[o]
        t = self.tier
        ok = np.zeros(len(t), dtype=bool)
        lateral_ok = needs.capability and not offers(self.core, o, needs)
        for tier, direction in allowed_tiers(t_o, needs.criterion):
            if direction is not Direction.LATERAL or lateral_ok:
                ok |= t == tier
        if needs.capability:
            ok &= offers_all(self.core, needs)
        ok[o] = False
        if linked:
            ok[np.fromiter(linked, dtype=np.int64)] = False
        cand = np.flatnonzero(ok)
        point = case_point(case, needs.origin)
        if point is not None:
            d = haversine_km(point[0], point[1], self.lat[cand], self.lon[cand])
        else:
            d = np.full(len(cand), np.nan)
        key_d = np.where(np.isnan(d), np.inf, d)
        order = np.lexsort((cand, np.abs(t[cand] - t_o), key_d))[:k]
        out = []
        for j in order.tolist():
            m = int(cand[j])
            tier = self.tier_list[m]
            direction = (
                Direction.UP if tier > t_o else Direction.DOWN if tier < t_o else Direction.LATERAL
            )
            out.append(
                trusted(
                    Destination,
                    {
                        "institution": self.institutions[m].id,
                        "tier": TIER_NAMES[tier],
                        "direction": direction,
                        "alliances": (),
                        "agreements": (),
                        "flags": (),
                        "distance_km": None if np.isnan(d[j]) else float(d[j]),
                        "alliance_channel": False,
                    },
                )
            )
        return tuple(out)


def _decision(
    case: ReferralCase,
    destinations: tuple[Destination, ...],
    reasons: list[Any],
    outside: tuple[Destination, ...],
) -> ReferralDecision:
    return trusted(
        ReferralDecision,
        {
            "case": case,
            "eligible": bool(destinations),
            "direction": destinations[0].direction if destinations else None,
            "destinations": destinations,
            "reasons": tuple(reasons),
            "outside_options": outside,
        },
    )


def index_of(registry: Registry) -> RefIndex:
    """The referral index of ``registry`` (built once, kept with its compiled core).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> index_of(reg) is index_of(reg)
    True
    """
    core = compiled(registry)
    return core.memo("referral.index", lambda: RefIndex(core))


def decide(
    registry: Registry, case: ReferralCase, policy: ReferralPolicy, *, outside_options: int = 0
) -> ReferralDecision:
    """Check ``case`` and decide it on the registry's index (no option checks).

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.referral import default_policy
    >>> reg = examples.load("county_township")
    >>> case = ReferralCase(origin="township_centre", criterion="needs_inpatient_bed")
    >>> decide(reg, case, default_policy()).destinations[0].institution
    'county_hospital'
    """
    needs = prepare(registry, case, policy)
    return index_of(registry).decide(case, needs, policy, outside_options=outside_options)

"""The compiled referral index behind :mod:`medalliance.referral` (internal).

One :class:`RefIndex` per registry (cached while the registry lives) holds integer arrays:
tier ranks, service and specialty bit masks, coordinates, and the referral channels of
:func:`medalliance.channels.referral_channels` with each channel's members sorted by tier, so
that the members of a channel in a range of tiers are one contiguous slice.

:meth:`RefIndex.decide` decides one case (a short Python loop over the candidates of the
allowed tiers only); :meth:`RefIndex.decide_many` decides a whole column of cases with array
operations: cases × channels, then channel slices of the allowed tiers expanded into
(case, destination) pairs, capability tests on bit masks, and the best destination per case
as the minimum of one packed 63-bit rank key.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from medalliance._geo import haversine_km
from medalliance.alliance import AllianceForm
from medalliance.channels import referral_channels
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.referral import (
    FLAG_ITEMS,
    REASON_CODES,
    Destination,
    ReferralCase,
    ReferralDecision,
    ReferralPath,
    Urgency,
    _eligible_reason,
    _failure_reasons,
    _Needs,
    _no_channel_reasons,
)
from medalliance.referral_policy import Direction, ReferralPolicy
from medalliance.registry import Registry
from medalliance.types import trusted
from medalliance.vocab import ServiceKind, Specialty

if TYPE_CHECKING:
    from medalliance.referral import ReferralCases

IntArray = np.ndarray[Any, np.dtype[np.int64]]

_SPECIALTIES = list(Specialty)
_SPEC_CODE = {s: i for i, s in enumerate(_SPECIALTIES)}
_SERVICES = list(ServiceKind)
_SVC_BIT = {k: 1 << b for b, k in enumerate(_SERVICES)}
_FLAG_BIT = {item: 1 << b for b, item in enumerate(FLAG_ITEMS)}
_FLAG_VALUES = [item.value for item in FLAG_ITEMS]
_TIER_NAMES = ("village", "primary", "secondary", "tertiary")
_BIT = {code: 1 << b for b, code in enumerate(REASON_CODES)}
_MAX_LISTED = 100  # problems listed per error before "... and N more"

# the packed rank key: home | green | flags | distance | step | position (63 bits)
_POS_BITS, _STEP_BITS, _DIST_BITS, _FLAG_BITS = 31, 2, 25, 3
_NO_DISTANCE = (1 << _DIST_BITS) - 1


_POPCOUNT = [bin(i).count("1") for i in range(1 << len(FLAG_ITEMS))]
_FLAG_TUPLES = [
    tuple(v for b, v in enumerate(_FLAG_VALUES) if i >> b & 1) for i in range(1 << len(FLAG_ITEMS))
]


def _flag_names(bits: int) -> tuple[str, ...]:
    return _FLAG_TUPLES[bits]


def _popcount8(x: IntArray) -> IntArray:
    x = x - ((x >> 1) & 0x55)
    x = (x & 0x33) + ((x >> 2) & 0x33)
    return (x + (x >> 4)) & 0x0F


def _ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """Concatenate ``arange(s, s + n)`` for every (s, n), without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.repeat(starts - (ends - lengths), lengths)
    return offsets + np.arange(total, dtype=np.int64)


class RefIndex:
    """Arrays compiled from one registry for referral decisions."""

    def __init__(self, registry: Registry) -> None:
        # the index must not keep its registry alive (the cache below is freed with it)
        self._registry = weakref.ref(registry)
        self.institutions = registry.institutions
        insts = registry.institutions
        n = len(insts)
        self.ids = np.array([i.id for i in insts], dtype=str) if n else np.zeros(0, dtype="<U1")
        self.pos = {inst.id: k for k, inst in enumerate(insts)}
        self.tier_list = [inst.tier.rank for inst in insts]
        self.tier = np.array(self.tier_list, dtype=np.int64)
        self.svc_sets = [frozenset(inst.services) for inst in insts]
        self.svc = np.array(
            [sum(_SVC_BIT[s] for s in inst.services) for inst in insts], dtype=np.int64
        )
        lead_spec: dict[int, set[Specialty]] = {}
        sa_of: dict[int, list[tuple[str, Specialty]]] = {}
        for a in registry.alliances:
            if a.specialty is None:
                continue
            for lead in a.lead:
                lead_spec.setdefault(self.pos[lead], set()).add(a.specialty)
            if a.form is AllianceForm.SPECIALTY_ALLIANCE:
                for m in a.members:
                    sa_of.setdefault(self.pos[m], []).append((a.id, a.specialty))
        self.offers_spec = [
            frozenset(inst.specialties) | frozenset(lead_spec.get(k, ()))
            for k, inst in enumerate(insts)
        ]
        self.spec = np.array(
            [sum(1 << _SPEC_CODE[s] for s in sp) for sp in self.offers_spec], dtype=np.int64
        )
        self.specialty_alliances = {k: sorted(v) for k, v in sa_of.items()}
        self.sa_mask = np.zeros(n, dtype=np.int64)
        for k, pairs in self.specialty_alliances.items():
            self.sa_mask[k] = sum({1 << _SPEC_CODE[s] for _, s in pairs})
        nan = float("nan")
        self.lat = np.array([nan if i.lat is None else i.lat for i in insts], dtype=np.float64)
        self.lon = np.array([nan if i.lon is None else i.lon for i in insts], dtype=np.float64)

        ch = referral_channels(registry, all_specialties=True)
        self.n_channels = c = len(ch.channels)
        self.ch_alliance = ch.alliance
        self.ch_agreement = tuple(
            cid.split(":", 1)[1] if cid.startswith("agreement:") else None for cid in ch.channels
        )
        self.ch_scope = np.array(
            [-1 if s is None else _SPEC_CODE[s] for s in ch.specialty], dtype=np.int64
        )
        self.ch_flags = np.array(
            [sum(_FLAG_BIT[i] for i in items if i in _FLAG_BIT) for items in ch.items],
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

    # ------------------------------------------------------------------------------
    # one case

    def _channels(self, o: int, spec: int) -> list[int]:
        ic = self.ic_list[self.ic_ptr_list[o] : self.ic_ptr_list[o + 1]]
        scope = self.ch_scope_list
        return [c for c in ic if scope[c] < 0 or scope[c] == spec]

    def decide(
        self, case: ReferralCase, needs: _Needs, *, out_of_alliance: int
    ) -> ReferralDecision:
        """Decide one case (exactly what the naive reference decides)."""
        o = self.pos[needs.origin.id]
        t_o = self.tier_list[o]
        spec = _SPEC_CODE[needs.specialty] if needs.specialty is not None else -2
        channels = self._channels(o, spec)
        has_partner = any(int(self.size[c]) >= 2 for c in channels)
        criterion = needs.criterion
        dirs = criterion.directions
        if not has_partner:
            wrong_spec = [
                a for a, s in self.specialty_alliances.get(o, ()) if s is not needs.specialty
            ]
            reasons = _no_channel_reasons(wrong_spec)
            outside = self._outside(case, needs, set(), out_of_alliance) if out_of_alliance else ()
            return trusted(
                ReferralDecision,
                {
                    "case": case,
                    "eligible": False,
                    "direction": None,
                    "destinations": (),
                    "reasons": tuple(reasons),
                    "out_of_alliance": outside,
                },
            )
        spans = []  # (lo tier, hi tier, direction) allowed
        if Direction.UP in dirs:
            spans.append((t_o + 1, 4, Direction.UP))
        if Direction.DOWN in dirs:
            spans.append((0, t_o, Direction.DOWN))
        if Direction.LATERAL in dirs:
            spans.append((t_o, t_o + 1, Direction.LATERAL))
        allowed = [False] * 4
        for lo, hi, _ in spans:
            for t in range(lo, hi):
                allowed[t] = True
        # partners in other directions (counted only if the case turns out ineligible)
        wrong_spans = [
            (row[t], row[t + 1])
            for row in (self.off_list[c] for c in channels)
            for t in range(4)
            if not allowed[t] and row[t + 1] > row[t]
        ]
        # candidates of the allowed tiers; a tier segment none of whose members could
        # qualify is counted (distinct members) without a loop over it
        needs_cap = needs.capability
        origin_capable = self._offers(o, needs)
        lateral_ok = needs_cap and not origin_capable
        want_svc = sum(_SVC_BIT[x] for x in needs.services)
        want_spec = 1 << _SPEC_CODE[needs.specialty] if needs.specialty is not None else 0
        min_rank = needs.min_tier.rank if needs.min_tier is not None else -1
        cand: dict[int, list[Any]] = {}
        refused: set[int] = set()
        refused_parts = []
        cm = self.cm_list
        offers = self._offers
        for c in channels:
            row = self.off_list[c]
            flags = self.ch_flags_list[c]
            alliance = self.ch_alliance[c]
            agreement = self.ch_agreement[c]
            seg_svc, seg_spec = self.seg_svc_list[c], self.seg_spec_list[c]
            for lo, hi, direction in spans:
                for t in range(lo, hi):
                    if row[t + 1] == row[t]:
                        continue
                    if (direction is Direction.LATERAL and not lateral_ok) or (
                        needs_cap
                        and (
                            seg_svc[t] & want_svc != want_svc
                            or (want_spec and not seg_spec[t] & want_spec)
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
                            if needs_cap and not offers(m, needs):
                                refused.add(m)
                                continue
                            cand[m] = [direction, {alliance}, {agreement} - {None}, flags]
                        else:
                            entry[1].add(alliance)
                            if agreement is not None:
                                entry[2].add(agreement)
                            entry[3] |= flags
        chosen = list(cand.items())
        point = _point(case, needs)
        dist: list[float | None] = [None] * len(chosen)
        if point is not None and chosen:
            ms = np.array([m for m, _ in chosen], dtype=np.int64)
            d = haversine_km(point[0], point[1], self.lat[ms], self.lon[ms])
            dist = [None if np.isnan(x) else float(x) for x in d.tolist()]
        if chosen:
            reasons = [_eligible_reason(criterion)]
            order = self._ranked(chosen, dist, case, t_o)
        else:
            wrong = self._distinct(wrong_spans, set(), o)
            incapable = self._distinct(refused_parts, refused, o)
            reasons = _failure_reasons(criterion, wrong, incapable)
            order = []
        insts = self.institutions
        destinations = tuple(
            trusted(
                Destination,
                {
                    "institution": insts[chosen[k][0]].id,
                    "tier": _TIER_NAMES[self.tier_list[chosen[k][0]]],
                    "direction": chosen[k][1][0],
                    "alliances": tuple(sorted(chosen[k][1][1])),
                    "agreements": tuple(sorted(chosen[k][1][2])),
                    "flags": _flag_names(chosen[k][1][3]),
                    "distance_km": dist[k],
                    "in_alliance": True,
                },
            )
            for k in order
        )
        outside = self._outside(case, needs, set(cand), out_of_alliance) if out_of_alliance else ()
        return trusted(
            ReferralDecision,
            {
                "case": case,
                "eligible": bool(destinations),
                "direction": destinations[0].direction if destinations else None,
                "destinations": destinations,
                "reasons": tuple(reasons),
                "out_of_alliance": outside,
            },
        )

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
    ) -> list[int]:
        """Positions of ``chosen`` in rank order (the rule of :func:`referral._rank_key`)."""
        home = self.pos.get(case.home, -1) if case.home is not None else -1
        urgency = case.urgency
        ids = self.institutions
        tiers = self.tier_list
        inf = float("inf")
        green_bit = _FLAG_BIT[FLAG_ITEMS[0]]
        keys = []
        for k, (m, entry) in enumerate(chosen):
            flags = entry[3]
            d = dist[k] if dist[k] is not None else inf
            nflags = -_POPCOUNT[flags]
            if urgency is Urgency.ROUTINE:
                middle: tuple[Any, ...] = (False, nflags, d)
            elif urgency is Urgency.URGENT:
                middle = (not flags & green_bit, nflags, d)
            else:
                middle = (not flags & green_bit, d, nflags)
            keys.append((m != home, *middle, abs(tiers[m] - t_o), ids[m].id, k))
        keys.sort()
        return [key[-1] for key in keys]

    def _offers(self, m: int, needs: _Needs) -> bool:
        return (
            (needs.specialty is None or needs.specialty in self.offers_spec[m])
            and needs.services <= self.svc_sets[m]
            and (needs.min_tier is None or self.tier_list[m] >= needs.min_tier.rank)
        )

    def _outside(
        self, case: ReferralCase, needs: _Needs, linked: set[int], k: int
    ) -> tuple[Destination, ...]:
        """Up to ``k`` qualifying institutions that share no channel with the origin."""
        o = self.pos[needs.origin.id]
        t_o = self.tier_list[o]
        dirs = needs.criterion.directions
        t = self.tier
        ok = np.zeros(len(t), dtype=bool)
        if Direction.UP in dirs:
            ok |= t > t_o
        if Direction.DOWN in dirs:
            ok |= t < t_o
        if Direction.LATERAL in dirs and needs.capability and not self._offers(o, needs):
            ok |= t == t_o
        if needs.capability:
            ok &= self._offers_mask(needs)
        ok[o] = False
        if linked:
            ok[np.fromiter(linked, dtype=np.int64)] = False
        cand = np.flatnonzero(ok)
        point = _point(case, needs)
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
                        "tier": _TIER_NAMES[tier],
                        "direction": direction,
                        "alliances": (),
                        "agreements": (),
                        "flags": (),
                        "distance_km": None if np.isnan(d[j]) else float(d[j]),
                        "in_alliance": False,
                    },
                )
            )
        return tuple(out)

    def _offers_mask(self, needs: _Needs) -> np.ndarray[Any, np.dtype[np.bool_]]:
        ok = np.ones(len(self.tier), dtype=bool)
        if needs.specialty is not None:
            ok &= (self.spec >> _SPEC_CODE[needs.specialty]) & 1 == 1
        if needs.services:
            want = sum(_SVC_BIT[s] for s in needs.services)
            ok &= (self.svc & want) == want
        if needs.min_tier is not None:
            ok &= self.tier >= needs.min_tier.rank
        return ok

    # ------------------------------------------------------------------------------
    # escalation paths

    def paths(
        self, origin: str, spec: Specialty | None, svc: ServiceKind | None, max_hops: int
    ) -> tuple[ReferralPath, ...]:
        """Shortest strictly-upward paths to every end (see :func:`referral_paths`)."""
        code = _SPEC_CODE[spec] if spec is not None else -2
        targeted = spec is not None or svc is not None

        def is_target(m: int) -> bool:
            return (spec is None or spec in self.offers_spec[m]) and (
                svc is None or svc in self.svc_sets[m]
            )

        o = self.pos[origin]
        best: dict[int, tuple[tuple[int, ...], tuple[str, ...]]] = {o: ((o,), ())}
        ends: list[tuple[tuple[int, ...], tuple[str, ...]]] = []
        frontier = [o]
        if targeted and is_target(o):
            ends.append(best[o])
            frontier = []
        for _ in range(max_hops):
            nxt: dict[int, tuple[tuple[int, ...], tuple[str, ...]]] = {}
            for u in frontier:
                path_u, via_u = best[u]
                t_u = self.tier_list[u]
                ups: dict[int, str] = {}
                for c in self._channels(u, code):
                    row = self.off_list[c]
                    for m in self.cm_list[row[t_u + 1] : row[4]]:
                        a = self.ch_alliance[c]
                        if m not in ups or a < ups[m]:
                            ups[m] = a
                if not ups and not targeted and u != o:
                    ends.append(best[u])
                for m, a in ups.items():
                    if m in best:
                        continue
                    cand = ((*path_u, m), (*via_u, a))
                    old = nxt.get(m)
                    if old is None or self._path_ids(cand[0]) < self._path_ids(old[0]):
                        nxt[m] = cand
            for m, p in nxt.items():
                best[m] = p
            frontier = []
            for m in sorted(nxt):
                if targeted and is_target(m):
                    ends.append(nxt[m])
                else:
                    frontier.append(m)
        if not targeted:  # paths cut by max_hops end where they stopped
            ends.extend(best[u] for u in frontier if u != o)
        insts = self.institutions
        paths = [
            trusted(
                ReferralPath,
                {
                    "institutions": self._path_ids(p),
                    "tiers": tuple(insts[m].tier for m in p),
                    "alliances": via,
                },
            )
            for p, via in ends
        ]
        paths.sort(key=lambda p: (len(p.institutions), p.institutions))
        return tuple(paths)

    def _path_ids(self, path: tuple[int, ...]) -> tuple[str, ...]:
        insts = self.institutions
        return tuple(insts[m].id for m in path)

    # ------------------------------------------------------------------------------
    # many cases

    def decide_many(self, table: ReferralCases, policy: ReferralPolicy) -> dict[str, Any]:
        """Summary columns for every case of ``table`` (see :class:`ReferralBatch`)."""
        n_cases = len(table)
        o, home, crit, spec, svc, min_tier = self._encode(table, policy)
        n = len(self.tier)
        t_o = self.tier[o]
        criteria = policy.criteria
        up = np.array([Direction.UP in c.directions for c in criteria], dtype=bool)[crit]
        down = np.array([Direction.DOWN in c.directions for c in criteria], dtype=bool)[crit]
        lateral = np.array([Direction.LATERAL in c.directions for c in criteria], dtype=bool)[crit]
        needs_cap = np.array([c.needs_capability for c in criteria], dtype=bool)[crit]
        needs_cap |= (spec >= 0) | (svc != 0) | (min_tier >= 0)
        spec_bit = np.where(spec >= 0, np.left_shift(1, np.maximum(spec, 0)), 0)
        origin_capable = self._capable(o, spec, spec_bit, svc, min_tier)

        # cases x channels in scope
        lens = self.ic_ptr[o + 1] - self.ic_ptr[o]
        pc_case = np.repeat(np.arange(n_cases, dtype=np.int64), lens)
        pc_ch = self.ic[_ranges(self.ic_ptr[o], lens)]
        scope = self.ch_scope[pc_ch]
        keep = (scope < 0) | (scope == spec[pc_case])
        pc_case, pc_ch = pc_case[keep], pc_ch[keep]
        has_partner = np.bincount(pc_case, weights=self.size[pc_ch] >= 2, minlength=n_cases) > 0
        n_channels = np.bincount(pc_case, minlength=n_cases)

        # partners in directions the criterion does not allow (existence is enough)
        pt = t_o[pc_case]
        off = self.off[pc_ch]
        cnt = off[:, 1:] - off[:, :-1]  # members per tier
        tiers = np.arange(4)
        allowed_t = (
            (up[pc_case, None] & (tiers[None, :] > pt[:, None]))
            | (down[pc_case, None] & (tiers[None, :] < pt[:, None]))
            | (lateral[pc_case, None] & (tiers[None, :] == pt[:, None]))
        )
        others = cnt - (tiers[None, :] == pt[:, None])
        wrong_pc = ((others > 0) & ~allowed_t).any(axis=1)
        wrong_exists = np.bincount(pc_case, weights=wrong_pc, minlength=n_cases) > 0

        # (case, destination) pairs, one tier segment of a channel at a time; a segment
        # none of whose members could be capable is skipped whole (it only tells that an
        # incapable partner exists)
        pc_cap = needs_cap[pc_case]
        lateral_ok = pc_cap & ~origin_capable[pc_case]
        pc_spec, pc_bit, pc_svc = spec[pc_case], spec_bit[pc_case], svc[pc_case]
        pc_min = min_tier[pc_case]
        pc_flags = self.ch_flags[pc_ch]
        incapable_pc = np.zeros(len(pc_case), dtype=bool)
        parts_case, parts_dest, parts_flags, parts_check = [], [], [], []
        for t in range(4):
            seg_len = others[:, t]
            possible = (
                ((pc_spec < 0) | ((self.seg_spec[pc_ch, t] & pc_bit) != 0))
                & ((self.seg_svc[pc_ch, t] & pc_svc) == pc_svc)
                & (t >= pc_min)
            )
            rule = np.where(pt == t, lateral_ok, True)
            take = allowed_t[:, t] & (seg_len > 0)
            incapable_pc |= take & ((pc_cap & ~possible) | ~rule)
            take &= rule & (possible | ~pc_cap)
            sel = np.flatnonzero(take)
            start = off[sel, t]
            seg = off[sel, t + 1] - start
            rep = np.repeat(sel, seg)
            dest = self.cm[_ranges(start, seg)]
            keep = dest != o[pc_case[rep]]  # leave out the origin itself
            rep, dest = rep[keep], dest[keep]
            parts_case.append(pc_case[rep])
            parts_dest.append(dest)
            parts_flags.append(pc_flags[rep])
            parts_check.append(pc_cap[rep])
        p_case = np.concatenate(parts_case)
        p_dest = np.concatenate(parts_dest)
        p_flags = np.concatenate(parts_flags)
        check = np.concatenate(parts_check)
        rows = np.flatnonzero(check)
        capable = self._capable(
            p_dest[rows],
            spec[p_case[rows]],
            spec_bit[p_case[rows]],
            svc[p_case[rows]],
            min_tier[p_case[rows]],
        )
        ok = np.ones(len(p_case), dtype=bool)
        ok[rows] = capable
        incapable_exists = (
            np.bincount(p_case, weights=~ok, minlength=n_cases)
            + np.bincount(pc_case, weights=incapable_pc, minlength=n_cases)
        ) > 0
        p_case, p_dest, p_flags = p_case[ok], p_dest[ok], p_flags[ok]

        # one pair per (case, destination): merge the flags of cases with several channels
        multi = n_channels[p_case] > 1
        if multi.any():
            m_case, m_dest, m_flags = p_case[multi], p_dest[multi], p_flags[multi]
            key = m_case * n + m_dest
            order = np.argsort(key, kind="stable")
            key, m_case, m_dest, m_flags = key[order], m_case[order], m_dest[order], m_flags[order]
            first = np.ones(len(key), dtype=bool)
            first[1:] = key[1:] != key[:-1]
            starts = np.flatnonzero(first)
            merged = np.bitwise_or.reduceat(m_flags, starts)
            single = ~multi
            p_case = np.concatenate([p_case[single], m_case[starts]])
            p_dest = np.concatenate([p_dest[single], m_dest[starts]])
            p_flags = np.concatenate([p_flags[single], merged])
        n_dest = np.bincount(p_case, minlength=n_cases)

        # best destination: minimum packed rank key per case
        has_point = ~np.isnan(table.lat)
        plat = np.where(has_point, table.lat, self.lat[o] if n else np.nan)
        plon = np.where(has_point, table.lon, self.lon[o] if n else np.nan)
        dist = haversine_km(plat[p_case], plon[p_case], self.lat[p_dest], self.lon[p_dest])
        milli = np.where(np.isnan(dist), _NO_DISTANCE, np.rint(dist * 1000)).astype(np.int64)
        nflags = (7 - _popcount8(p_flags)).astype(np.int64)
        green = (p_flags & _FLAG_BIT[FLAG_ITEMS[0]] == 0).astype(np.int64)
        not_home = (p_dest != home[p_case]).astype(np.int64)
        step = np.abs(self.tier[p_dest] - t_o[p_case])
        urg = table.urgency[p_case]
        green = np.where(urg == 0, 0, green)
        first_f = np.where(urg == 2, milli, nflags)
        first_w = np.where(urg == 2, _DIST_BITS, _FLAG_BITS)
        second_f = np.where(urg == 2, nflags, milli)
        second_w = np.where(urg == 2, _FLAG_BITS, _DIST_BITS)
        key = not_home
        key = (key << 1) | green
        key = (key << first_w) | first_f
        key = (key << second_w) | second_f
        key = (key << _STEP_BITS) | step
        key = (key << _POS_BITS) | p_dest
        best_key = np.full(n_cases, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best_key, p_case, key)
        eligible = n_dest > 0
        best = np.where(eligible, best_key & ((1 << _POS_BITS) - 1), -1)
        is_best = p_dest == best[p_case]
        best_flags = np.zeros(n_cases, dtype=np.uint8)
        best_flags[p_case[is_best]] = p_flags[is_best]
        best_dist = np.full(n_cases, np.nan)
        best_dist[p_case[is_best]] = dist[is_best]
        bt = self.tier[np.maximum(best, 0)] if n else np.zeros(n_cases, dtype=np.int64)
        direction = np.where(~eligible, -1, np.where(bt > t_o, 0, np.where(bt < t_o, 1, 2))).astype(
            np.int8
        )

        mismatch = (self.sa_mask[o] & ~spec_bit) != 0 if n_cases else np.zeros(0, dtype=bool)
        reasons = np.where(
            ~has_partner,
            _BIT["no_channel"] | np.where(mismatch, _BIT["specialty_mismatch"], 0),
            np.where(
                eligible,
                _BIT["eligible"],
                np.where(wrong_exists, _BIT["wrong_direction"], 0)
                | np.where(incapable_exists, _BIT["no_capable_destination"], 0),
            ),
        ).astype(np.uint8)
        return {
            "eligible": eligible,
            "direction": direction,
            "best": best.astype(np.int64),
            "n_destinations": n_dest.astype(np.int64),
            "reasons": reasons,
            "best_flags": best_flags,
            "best_distance_km": best_dist,
        }

    def _capable(
        self,
        m: IntArray,
        spec: IntArray,
        spec_bit: IntArray,
        svc: IntArray,
        min_tier: IntArray,
    ) -> np.ndarray[Any, np.dtype[np.bool_]]:
        if len(m) == 0:
            return np.zeros(0, dtype=bool)
        ok: np.ndarray[Any, np.dtype[np.bool_]] = (spec < 0) | ((self.spec[m] & spec_bit) != 0)
        ok &= (self.svc[m] & svc) == svc
        ok &= self.tier[m] >= min_tier
        return ok

    def _encode(
        self, table: ReferralCases, policy: ReferralPolicy
    ) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
        """Case columns as integer arrays; every unknown id or code is reported."""
        problems: list[Problem] = []
        unknown_only = True
        o = self._lookup(table.origin, "institution", problems, ())
        home = np.full(len(table), -1, dtype=np.int64)
        has_home = table.home != ""
        if has_home.any():
            home[has_home] = self._lookup(
                table.home[has_home], "institution", problems, ("home",), np.flatnonzero(has_home)
            )
        codes = {c.code: k for k, c in enumerate(policy.criteria)}
        values, inverse = np.unique(table.criterion, return_inverse=True)
        crit_of = np.array([codes.get(str(v), -1) for v in values], dtype=np.int64)
        crit = crit_of[inverse.reshape(-1)] if len(values) else np.zeros(0, dtype=np.int64)
        bad = np.flatnonzero(crit < 0)
        known = ", ".join(codes)
        for i in bad[:_MAX_LISTED].tolist():
            msg = f"unknown referral criterion {str(table.criterion[i])!r}; known: {known}"
            problems.append(Problem(("cases", i), msg))
        if len(bad) > _MAX_LISTED:
            problems.append(
                Problem(("cases",), f"... and {len(bad) - _MAX_LISTED} more unknown criteria")
            )
        spec = np.full(len(table), -1, dtype=np.int64)
        if len(table):
            svalues, sinv = np.unique(table.specialty, return_inverse=True)
            scode = np.array(
                [_SPEC_CODE[Specialty(str(v))] if v else -1 for v in svalues], dtype=np.int64
            )
            spec = scode[sinv.reshape(-1)]
        svc = table.services.astype(np.int64)
        min_tier = np.full(len(table), -1, dtype=np.int64)
        has_cond = table.condition != ""
        if policy.catalogue is not None and has_cond.any():
            cvalues, cinv = np.unique(table.condition[has_cond], return_inverse=True)
            c_spec, c_svc, c_tier = [], [], []
            for v in cvalues.tolist():
                entry = policy.catalogue.lookup(v)
                c_spec.append(
                    _SPEC_CODE[entry.specialty] if entry and entry.specialty is not None else -1
                )
                c_svc.append(sum(_SVC_BIT[s] for s in entry.services) if entry else 0)
                c_tier.append(entry.min_tier.rank if entry and entry.min_tier is not None else -1)
            rows = np.flatnonzero(has_cond)
            cinv = cinv.reshape(-1)
            e_spec = np.array(c_spec, dtype=np.int64)[cinv]
            spec[rows] = np.where(spec[rows] >= 0, spec[rows], e_spec)
            svc[rows] |= np.array(c_svc, dtype=np.int64)[cinv]
            min_tier[rows] = np.array(c_tier, dtype=np.int64)[cinv]
        if problems:
            unknown_only = all("unknown institution" in p.message for p in problems)
            raise (UnknownIdError if unknown_only else MedAllianceError)(problems)
        return o, home, crit, spec, svc, min_tier

    def _lookup(
        self,
        values: np.ndarray[Any, Any],
        kind: str,
        problems: list[Problem],
        suffix: tuple[str, ...],
        where: np.ndarray[Any, Any] | None = None,
    ) -> IntArray:
        if len(self.ids) == 0:
            pos = np.zeros(len(values), dtype=np.int64)
            found = np.zeros(len(values), dtype=bool)
        else:
            pos = np.searchsorted(self.ids, values).astype(np.int64)
            pos = np.minimum(pos, len(self.ids) - 1)
            found = self.ids[pos] == values
        bad = np.flatnonzero(~found)
        for j in bad[:_MAX_LISTED].tolist():
            i = int(where[j]) if where is not None else j
            problems.append(Problem(("cases", i, *suffix), f"unknown {kind} {str(values[j])!r}"))
        if len(bad) > _MAX_LISTED:
            more = len(bad) - _MAX_LISTED
            problems.append(Problem(("cases",), f"... and {more} more unknown institution ids"))
        return pos


def _point(case: ReferralCase, needs: _Needs) -> tuple[float, float] | None:
    if case.lat is not None and case.lon is not None:
        return case.lat, case.lon
    origin = needs.origin
    if origin.lat is not None and origin.lon is not None:
        return origin.lat, origin.lon
    return None


_INDEXES: dict[int, RefIndex] = {}


def index_of(registry: Registry) -> RefIndex:
    """The compiled index of ``registry`` (built on first use, freed with the registry)."""
    found = _INDEXES.get(id(registry))
    if found is None or found._registry() is not registry:
        found = RefIndex(registry)
        _INDEXES[id(registry)] = found
        weakref.finalize(registry, _INDEXES.pop, id(registry), None)
    return found


# --------------------------------------------------------------------------------------
# building case columns


def _column(
    name: str, value: Any, n: int, problems: list[Problem], *, default: Any = None
) -> np.ndarray[Any, Any]:
    if value is None:
        return np.array([default] * n, dtype=object)
    if isinstance(value, str):
        return np.array([value] * n, dtype=object)
    arr = np.asarray(value, dtype=object)
    if arr.ndim != 1 or len(arr) != n:
        got = len(arr) if arr.ndim == 1 else f"shape {arr.shape}"
        problems.append(Problem((name,), f"has {got} value(s), expected {n} (one per origin)"))
        return np.array([default] * n, dtype=object)
    return arr


def cases_from_arrays(
    cls: type[ReferralCases],
    *,
    origin: Any,
    criterion: Any,
    specialty: Any,
    services: Any,
    urgency: Any,
    home: Any,
    lat: Any,
    lon: Any,
    condition: Any,
) -> ReferralCases:
    """Validate and encode case columns (see :meth:`ReferralCases.from_arrays`)."""
    import re

    from medalliance.errors import ID_PATTERN
    from medalliance.referral import _URGENCY_CODE

    problems: list[Problem] = []
    origin_arr = np.asarray(origin, dtype=object)
    if origin_arr.ndim != 1:
        raise MedAllianceError([Problem(("origin",), "must be a one-dimensional sequence")])
    n = len(origin_arr)
    id_re = re.compile(ID_PATTERN)

    def ids(name: str, arr: np.ndarray[Any, Any], optional: bool) -> np.ndarray[Any, Any]:
        values, inverse = np.unique(arr.astype(str) if len(arr) else arr, return_inverse=True)
        bad_values = {
            str(v)
            for v, raw in zip(values.tolist(), values.tolist(), strict=True)
            if not (optional and raw in ("", "None")) and not id_re.fullmatch(str(v))
        }
        if bad_values:
            listed = 0
            for i, v in enumerate(arr.tolist()):
                if str(v) in bad_values and listed < _MAX_LISTED:
                    problems.append(Problem((name, i), f"not a valid id: {v!r}"))
                    listed += 1
        out = values[inverse.reshape(-1)] if len(values) else np.zeros(0, dtype=str)
        return np.where(np.isin(out, ["None"]), "", out) if optional else out

    origin_s = ids("origin", origin_arr, False) if n else np.zeros(0, dtype="<U1")
    before = len(problems)
    crit = _column("criterion", criterion, n, problems, default="")
    crit_s = crit.astype(str) if n else np.zeros(0, dtype="<U1")
    code_re = re.compile(r"^[a-z][a-z0-9_]*$")
    for v in np.unique(crit_s).tolist() if len(problems) == before else ():
        if not code_re.fullmatch(v):
            i = int(np.flatnonzero(crit_s == v)[0])
            problems.append(Problem(("criterion", i), f"not a criterion code: {v!r}"))

    def labels(name: str, col: np.ndarray[Any, Any], parse: Any, code: Any, none: Any) -> Any:
        """Parse each distinct label once; return ``code(parsed)`` for every row."""
        keys = np.array(["" if v is None else str(v) for v in col.tolist()], dtype=str)
        if n == 0:
            return np.array([], dtype=type(none))
        values, inverse = np.unique(keys, return_inverse=True)
        codes = []
        for j, k in enumerate(values.tolist()):
            try:
                codes.append(code(parse(k)) if k else none)
            except MedAllianceError as exc:
                first = int(np.flatnonzero(inverse.reshape(-1) == j)[0])
                problems.append(Problem((name, first), exc.problems[0].message))
                codes.append(none)
        return np.array(codes)[inverse.reshape(-1)]

    spec_col = _column("specialty", specialty, n, problems)
    spec_s = labels("specialty", spec_col, Specialty.parse, lambda v: v.value, "").astype(str)
    urg_col = _column("urgency", urgency, n, problems, default="routine")
    urg = labels("urgency", urg_col, Urgency.parse, _URGENCY_CODE.__getitem__, 0).astype(np.int8)
    svc = np.zeros(n, dtype=np.int64)
    if services is not None:
        if len(services) != n:
            problems.append(
                Problem(
                    ("services",), f"has {len(services)} value(s), expected {n} (one per origin)"
                )
            )
        else:
            cache: dict[tuple[str, ...], int] = {}
            for i, group in enumerate(services):
                if isinstance(group, str):
                    problems.append(
                        Problem(("services", i), "expected a sequence of services, not a string")
                    )
                    continue
                key = tuple(str(s) for s in group)
                if key not in cache:
                    try:
                        kinds = [ServiceKind.parse(s) for s in key]
                    except MedAllianceError as exc:
                        problems.append(Problem(("services", i), exc.problems[0].message))
                        cache[key] = 0
                        continue
                    if len(set(kinds)) != len(kinds):
                        problems.append(Problem(("services", i), "a service is listed twice"))
                    cache[key] = sum(_SVC_BIT[k] for k in set(kinds))
                svc[i] = cache[key]
    home_col = _column("home", home, n, problems, default="")
    home_s = ids("home", np.array(["" if v is None else v for v in home_col], dtype=object), True)
    cond_col = _column("condition", condition, n, problems, default="")
    cond_s = np.array(["" if v is None else str(v) for v in cond_col.tolist()], dtype=str)
    coords = []
    for name, col, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if col is None:
            coords.append(np.full(n, np.nan))
            continue
        arr = np.asarray(col, dtype=np.float64)
        if arr.shape != (n,):
            problems.append(Problem((name,), f"has shape {arr.shape}, expected ({n},)"))
            coords.append(np.full(n, np.nan))
            continue
        bad = np.flatnonzero(np.isinf(arr) | (np.abs(arr) > limit))
        for i in bad[:_MAX_LISTED].tolist():
            problems.append(Problem((name, i), f"out of range: {float(arr[i])!r}"))
        coords.append(arr.copy())
    lat_a, lon_a = coords
    unpaired = np.flatnonzero(np.isnan(lat_a) != np.isnan(lon_a))
    for i in unpaired[:_MAX_LISTED].tolist():
        problems.append(Problem(("lat", i), "lat and lon must be given together"))
    if problems:
        raise MedAllianceError(problems)
    return cls(
        origin=origin_s,
        criterion=crit_s,
        specialty=spec_s,
        services=svc,
        urgency=urg,
        home=home_s,
        lat=lat_a,
        lon=lon_a,
        condition=cond_s,
    )

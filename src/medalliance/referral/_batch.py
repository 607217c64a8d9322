"""Many referral cases decided at once on the referral index (internal).

:func:`decide_many` turns case columns into summary columns without a Python loop per case:

1. encode the columns (ids to positions, labels to codes; every bad value reported);
2. cases × channels in scope (the origin's channels, specialty-scoped ones only for the
   case's specialties, :attr:`~medalliance.referral._rules.CaseNeeds.channel_specialties`);
3. (case, destination) pairs, one tier segment of a channel at a time, in the allowed
   directions and target tiers; segments none of whose members could qualify are skipped
   whole;
4. the capability rule on the remaining pairs (:meth:`CompiledRegistry.offers_each`, and once
   more for the criterion's any-of specialties);
5. flags merged per (case, destination) when several channels lead there;
6. the best destination per case: the minimum of the packed rank key of
   :mod:`medalliance.referral._rank`, in the policy's order for each urgency; reasons as
   bits.

``ReferralBatch[i]`` builds the full decision of case ``i`` with the one-case path, equal to
:func:`~medalliance.referral.evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from medalliance._geo import haversine_km
from medalliance._words import count_noun
from medalliance.compiled._core import SERVICE_BIT, SPECIALTY_CODE
from medalliance.compiled._csr import ranges
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular
from medalliance.model.vocab import Specialty
from medalliance.referral._cases import _MAX_LISTED, ReferralCases
from medalliance.referral._index import FLAG_BIT, REASON_BIT, RefIndex, decide
from medalliance.referral._model import FLAG_ITEMS, REASON_CODES, URGENCY_CODE, ReferralDecision
from medalliance.referral._rank import NO_DISTANCE, distance_keys, packed_rank_keys
from medalliance.referral.policy import Direction, ReferralPolicy

__all__ = ["ReferralBatch", "decide_many"]

IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
_ID_BITS = 31


def _popcount8(x: IntArray) -> IntArray:
    x = x - ((x >> 1) & 0x55)
    x = (x & 0x33) + ((x >> 2) & 0x33)
    return (x + (x >> 4)) & 0x0F


@dataclass
class _Cases:
    """Encoded case columns and what follows from the policy for each case."""

    origin: IntArray
    home: IntArray
    spec_bit: IntArray
    any_bit: IntArray
    channel_bit: IntArray
    target: IntArray
    svc: IntArray
    min_tier: IntArray
    t_o: IntArray
    up: BoolArray
    down: BoolArray
    lateral: BoolArray
    needs_cap: BoolArray
    origin_capable: BoolArray


def _case_columns(ix: RefIndex, table: ReferralCases, policy: ReferralPolicy) -> _Cases:
    o, home, crit, spec, svc, min_tier = _encode(ix, table, policy)
    criteria = policy.criteria

    def per_case(values: list[bool]) -> BoolArray:
        return np.array(values, dtype=bool)[crit]

    def per_case_int(values: list[int]) -> IntArray:
        return np.array(values, dtype=np.int64)[crit] if len(crit) else np.zeros(0, np.int64)

    any_bit = per_case_int([sum(1 << SPECIALTY_CODE[s] for s in c.specialties) for c in criteria])
    target = per_case_int(
        [sum(1 << t.rank for t in c.target_tiers) if c.target_tiers else 0b1111 for c in criteria]
    )
    needs_cap = per_case([c.needs_capability for c in criteria])
    needs_cap |= (spec >= 0) | (svc != 0) | (min_tier >= 0) | (any_bit != 0)
    spec_bit = np.where(spec >= 0, np.left_shift(1, np.maximum(spec, 0)), 0)
    return _Cases(
        origin=o,
        home=home,
        spec_bit=spec_bit,
        any_bit=any_bit,
        channel_bit=np.where(spec >= 0, spec_bit, any_bit),
        target=target,
        svc=svc,
        min_tier=min_tier,
        t_o=ix.tier[o],
        up=per_case([Direction.UP in c.directions for c in criteria]),
        down=per_case([Direction.DOWN in c.directions for c in criteria]),
        lateral=per_case([Direction.LATERAL in c.directions for c in criteria]),
        needs_cap=needs_cap,
        origin_capable=_offers_each(
            ix, o, spec_bit=spec_bit, any_bit=any_bit, svc=svc, tier=min_tier
        ),
    )


def _offers_each(
    ix: RefIndex,
    pos: IntArray,
    *,
    spec_bit: IntArray,
    any_bit: IntArray,
    svc: IntArray,
    tier: IntArray,
) -> BoolArray:
    """The capability rule of :func:`medalliance.referral._rules.offers`, row by row."""
    zero = np.zeros(len(pos), dtype=np.int64)
    ok = ix.core.offers_each(pos, spec_bit, svc, tier)
    return ok & ix.core.offers_each(pos, any_bit, zero, zero - 1)


def _case_channels(ix: RefIndex, cs: _Cases) -> tuple[IntArray, IntArray]:
    """(case, channel) pairs: the origin's channels, specialty-scoped ones for their specialty."""
    o = cs.origin
    lens = ix.ic_ptr[o + 1] - ix.ic_ptr[o]
    pc_case = np.repeat(np.arange(len(o), dtype=np.int64), lens)
    pc_ch = ix.ic[ranges(ix.ic_ptr[o], lens)]
    scope = ix.ch_scope[pc_ch]
    keep = (scope < 0) | (((cs.channel_bit[pc_case] >> np.maximum(scope, 0)) & 1) == 1)
    return pc_case[keep], pc_ch[keep]


def _allowed_tiers(cs: _Cases, pc_case: IntArray) -> tuple[IntArray, BoolArray]:
    """Each pair's origin tier and the tiers (0-3) its criterion allows.

    Directions and target tiers, as :func:`medalliance.referral._rules.allowed_tiers`.
    """
    pt = cs.t_o[pc_case]
    tiers = np.arange(4)
    allowed = (
        (cs.up[pc_case, None] & (tiers[None, :] > pt[:, None]))
        | (cs.down[pc_case, None] & (tiers[None, :] < pt[:, None]))
        | (cs.lateral[pc_case, None] & (tiers[None, :] == pt[:, None]))
    )
    allowed &= ((cs.target[pc_case, None] >> tiers[None, :]) & 1) == 1
    return pt, allowed


def _candidate_pairs(
    ix: RefIndex, cs: _Cases, pc_case: IntArray, pc_ch: IntArray
) -> tuple[IntArray, IntArray, IntArray, BoolArray, BoolArray]:
    """(case, destination) pairs in the allowed tiers, one tier segment at a time.

    A segment none of whose members could be capable is skipped whole (it only tells that an
    incapable partner exists). Returns case, destination, flags and whether the capability
    rule must still be checked, per pair, and per (case, channel) whether a skipped segment
    held an incapable partner.
    """
    pt, allowed_t = _allowed_tiers(cs, pc_case)
    off = ix.off[pc_ch]
    pc_cap = cs.needs_cap[pc_case]
    lateral_ok = pc_cap & ~cs.origin_capable[pc_case]
    pc_bit, pc_svc, pc_min = cs.spec_bit[pc_case], cs.svc[pc_case], cs.min_tier[pc_case]
    pc_any = cs.any_bit[pc_case]
    pc_flags = ix.ch_flags[pc_ch]
    incapable_pc = np.zeros(len(pc_case), dtype=bool)
    parts: list[tuple[IntArray, IntArray, IntArray, BoolArray]] = []
    # members per tier segment, the origin itself not counted
    others = (off[:, 1:] - off[:, :-1]) - (np.arange(4)[None, :] == pt[:, None])
    for t in range(4):
        seg_len = others[:, t]
        # could some member of the segment offer what is needed? (bit masks OR-ed per segment)
        possible = (
            ((pc_bit == 0) | ((ix.seg_spec[pc_ch, t] & pc_bit) != 0))
            & ((pc_any == 0) | ((ix.seg_spec[pc_ch, t] & pc_any) != 0))
            & ((ix.seg_svc[pc_ch, t] & pc_svc) == pc_svc)
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
        dest = ix.cm[ranges(start, seg)]
        keep = dest != cs.origin[pc_case[rep]]  # leave out the origin itself
        rep, dest = rep[keep], dest[keep]
        parts.append((pc_case[rep], dest, pc_flags[rep], pc_cap[rep]))
    p_case, p_dest, p_flags, check = (np.concatenate(col) for col in zip(*parts, strict=True))
    return p_case, p_dest, p_flags, check, incapable_pc


def _merge_flags(
    p_case: IntArray, p_dest: IntArray, p_flags: IntArray, n_channels: IntArray, n: int
) -> tuple[IntArray, IntArray, IntArray]:
    """One pair per (case, destination): the flags of several channels OR-ed together."""
    multi = n_channels[p_case] > 1
    if not multi.any():
        return p_case, p_dest, p_flags
    m_case, m_dest, m_flags = p_case[multi], p_dest[multi], p_flags[multi]
    key = m_case * n + m_dest
    order = np.argsort(key, kind="stable")
    key, m_case, m_dest, m_flags = key[order], m_case[order], m_dest[order], m_flags[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    merged = np.bitwise_or.reduceat(m_flags, starts)
    single = ~multi
    return (
        np.concatenate([p_case[single], m_case[starts]]),
        np.concatenate([p_dest[single], m_dest[starts]]),
        np.concatenate([p_flags[single], merged]),
    )


def _best(
    ix: RefIndex,
    cs: _Cases,
    table: ReferralCases,
    pairs: tuple[IntArray, IntArray, IntArray],
    policy: ReferralPolicy,
) -> dict[str, Any]:
    """Best destination per case: the minimum packed rank key (see :mod:`._rank`)."""
    p_case, p_dest, p_flags = pairs
    n_cases, o = len(table), cs.origin
    n_dest = np.bincount(p_case, minlength=n_cases)
    has_point = ~np.isnan(table.lat)
    plat = np.where(has_point, table.lat, ix.lat[o] if ix.core.n else np.nan)
    plon = np.where(has_point, table.lon, ix.lon[o] if ix.core.n else np.nan)
    dist = haversine_km(plat[p_case], plon[p_case], ix.lat[p_dest], ix.lon[p_dest])
    metres = np.where(np.isnan(dist), NO_DISTANCE, np.rint(dist * 1000)).astype(np.int64)
    band_m = round(policy.ranking.distance_band_km * 1000)
    fields = {
        "home": (p_dest != cs.home[p_case]).astype(np.int64),
        "green": (p_flags & FLAG_BIT[FLAG_ITEMS[0]] == 0).astype(np.int64),
        "flags": (7 - _popcount8(p_flags)).astype(np.int64),
        "distance": distance_keys(metres, p_case, n_cases, band_m),
        "step": np.abs(ix.tier[p_dest] - cs.t_o[p_case]),
        "id": p_dest,
    }
    orders = {code: policy.ranking.order(u.value) for u, code in URGENCY_CODE.items()}
    key = packed_rank_keys(fields, table.urgency[p_case].astype(np.int64), orders)
    best_key = np.full(n_cases, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best_key, p_case, key)
    eligible = n_dest > 0
    best = np.where(eligible, best_key & ((1 << _ID_BITS) - 1), -1)
    is_best = p_dest == best[p_case]
    best_flags = np.zeros(n_cases, dtype=np.uint8)
    best_flags[p_case[is_best]] = p_flags[is_best]
    best_dist = np.full(n_cases, np.nan)
    best_dist[p_case[is_best]] = dist[is_best]
    bt = ix.tier[np.maximum(best, 0)] if ix.core.n else np.zeros(n_cases, dtype=np.int64)
    t_o = cs.t_o
    direction = np.where(~eligible, -1, np.where(bt > t_o, 0, np.where(bt < t_o, 1, 2)))
    return {
        "eligible": eligible,
        "direction": direction.astype(np.int8),
        "best": best.astype(np.int64),
        "n_destinations": n_dest.astype(np.int64),
        "best_flags": best_flags,
        "best_distance_km": best_dist,
    }


def decide_many(ix: RefIndex, table: ReferralCases, policy: ReferralPolicy) -> dict[str, Any]:
    """Summary columns for every case of ``table`` (see :class:`ReferralBatch`)."""
    n_cases = len(table)
    cs = _case_columns(ix, table, policy)
    pc_case, pc_ch = _case_channels(ix, cs)
    has_partner = np.bincount(pc_case, weights=ix.size[pc_ch] >= 2, minlength=n_cases) > 0
    n_channels = np.bincount(pc_case, minlength=n_cases)

    # partners in directions the criterion does not allow (existence is enough)
    pt, allowed_t = _allowed_tiers(cs, pc_case)
    off = ix.off[pc_ch]
    others = (off[:, 1:] - off[:, :-1]) - (np.arange(4)[None, :] == pt[:, None])
    wrong_pc = ((others > 0) & ~allowed_t).any(axis=1)
    wrong_exists = np.bincount(pc_case, weights=wrong_pc, minlength=n_cases) > 0

    p_case, p_dest, p_flags, check, incapable_pc = _candidate_pairs(ix, cs, pc_case, pc_ch)
    rows = np.flatnonzero(check)
    ok = np.ones(len(p_case), dtype=bool)
    r_case = p_case[rows]
    ok[rows] = _offers_each(
        ix,
        p_dest[rows],
        spec_bit=cs.spec_bit[r_case],
        any_bit=cs.any_bit[r_case],
        svc=cs.svc[r_case],
        tier=cs.min_tier[r_case],
    )
    incapable_exists = (
        np.bincount(p_case, weights=~ok, minlength=n_cases)
        + np.bincount(pc_case, weights=incapable_pc, minlength=n_cases)
    ) > 0
    pairs = _merge_flags(p_case[ok], p_dest[ok], p_flags[ok], n_channels, ix.core.n)
    columns = _best(ix, cs, table, pairs, policy)

    mismatch = (ix.sa_mask[cs.origin] & ~cs.channel_bit) != 0 if n_cases else np.zeros(0, bool)
    columns["reasons"] = np.where(
        ~has_partner,
        REASON_BIT["no_channel"] | np.where(mismatch, REASON_BIT["specialty_mismatch"], 0),
        np.where(
            columns["eligible"],
            REASON_BIT["eligible"],
            # institutions in other directions explain nothing when some lie in an allowed one
            np.where(wrong_exists & ~incapable_exists, REASON_BIT["wrong_direction"], 0)
            | np.where(incapable_exists, REASON_BIT["no_capable_destination"], 0),
        ),
    ).astype(np.uint8)
    return columns


def _encode(
    ix: RefIndex, table: ReferralCases, policy: ReferralPolicy
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Case columns as integer arrays; every unknown id or code is reported."""
    problems: list[Problem] = []
    unknown_only = True
    o = _lookup(ix, table.origin, "institution", problems, ())
    home = np.full(len(table), -1, dtype=np.int64)
    has_home = table.home != ""
    if has_home.any():
        home[has_home] = _lookup(
            ix,
            table.home[has_home],
            "institution",
            problems,
            ("home",),
            where=np.flatnonzero(has_home),
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
            [SPECIALTY_CODE[Specialty(str(v))] if v else -1 for v in svalues], dtype=np.int64
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
                SPECIALTY_CODE[entry.specialty] if entry and entry.specialty is not None else -1
            )
            c_svc.append(sum(SERVICE_BIT[s] for s in entry.services) if entry else 0)
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
    ix: RefIndex,
    values: np.ndarray[Any, Any],
    kind: str,
    problems: list[Problem],
    suffix: tuple[str, ...],
    *,
    where: np.ndarray[Any, Any] | None = None,
) -> IntArray:
    if len(ix.ids) == 0:
        pos = np.zeros(len(values), dtype=np.int64)
        found = np.zeros(len(values), dtype=bool)
    else:
        pos = np.searchsorted(ix.ids, values).astype(np.int64)
        pos = np.minimum(pos, len(ix.ids) - 1)
        found = ix.ids[pos] == values
    bad = np.flatnonzero(~found)
    for j in bad[:_MAX_LISTED].tolist():
        i = int(where[j]) if where is not None else j
        problems.append(Problem(("cases", i, *suffix), f"unknown {kind} {str(values[j])!r}"))
    if len(bad) > _MAX_LISTED:
        more = len(bad) - _MAX_LISTED
        problems.append(Problem(("cases",), f"... and {more} more unknown institution ids"))
    return pos


@dataclass(frozen=True, eq=False)
class ReferralBatch(Tabular, Sequence[ReferralDecision]):
    """The decisions of :func:`evaluate_many`: summary columns, full decisions on demand.

    The columns are computed for every case at once; ``batch[i]`` (and iteration) builds the
    full :class:`ReferralDecision` of case ``i``, equal to ``evaluate(registry, case_i)``.

    Examples
    --------
    >>> from medalliance.referral import ReferralCase, evaluate_many
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> batch = evaluate_many(reg, [ReferralCase(origin="township_centre",
    ...                                          criterion="needs_inpatient_bed")])
    >>> bool(batch.eligible[0]), batch.best_destination(0), int(batch.n_destinations[0])
    (True, 'county_hospital', 1)
    >>> batch.reason_codes(0)
    ('eligible',)
    """

    registry: Registry = field(repr=False)
    """The registry the cases were decided in."""
    policy: ReferralPolicy = field(repr=False)
    """The policy applied."""
    cases: ReferralCases = field(repr=False)
    """The cases."""
    eligible: np.ndarray[Any, Any]
    """Whether each case has a destination (bool)."""
    direction: np.ndarray[Any, Any]
    """Direction of the best destination: 0 up, 1 down, 2 lateral, -1 none (int8)."""
    best: np.ndarray[Any, Any]
    """Position of the best destination in ``registry.institutions``, -1 when none (int64)."""
    n_destinations: np.ndarray[Any, Any]
    """Number of eligible destinations (int64)."""
    reasons: np.ndarray[Any, Any]
    """Reason codes as bits over :data:`REASON_CODES` (uint8)."""
    best_flags: np.ndarray[Any, Any]
    """Priority flags of the best destination as bits over :data:`FLAG_ITEMS` (uint8)."""
    best_distance_km: np.ndarray[Any, Any]
    """Distance to the best destination, NaN when unknown or none (float64)."""

    def __len__(self) -> int:
        return len(self.eligible)

    def __repr__(self) -> str:
        n = len(self)
        return f"ReferralBatch({count_noun(n, 'case')}, {int(self.eligible.sum()):,} eligible)"

    @overload
    def __getitem__(self, i: int) -> ReferralDecision: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[ReferralDecision, ...]: ...

    def __getitem__(self, i: int | slice) -> ReferralDecision | tuple[ReferralDecision, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        return decide(self.registry, self.cases.case(i % n), self.policy)

    def __iter__(self) -> Iterator[ReferralDecision]:
        for i in range(len(self)):
            yield self[i]

    def best_destination(self, i: int) -> str | None:
        """Id of the best destination of case ``i``, or ``None``.

        Examples
        --------
        >>> from medalliance.referral import ReferralCase, evaluate_many
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> b = evaluate_many(reg, [ReferralCase(origin="county_hospital",
        ...                                      criterion="convalescence")])
        >>> b.best_destination(0)
        'township_centre'
        """
        b = int(self.best[i])
        return self.registry.institutions[b].id if b >= 0 else None

    def reason_codes(self, i: int) -> tuple[str, ...]:
        """Reason codes of case ``i``, in report order.

        Examples
        --------
        >>> from medalliance.referral import ReferralCase, evaluate_many
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> b = evaluate_many(reg, [ReferralCase(origin="county_hospital",
        ...                                      criterion="convalescence")])
        >>> b.reason_codes(0)
        ('eligible',)
        """
        bits = int(self.reasons[i])
        return tuple(c for b, c in enumerate(REASON_CODES) if bits >> b & 1)

    def rows(self) -> list[dict[str, Any]]:
        """One summary row per case (origin, criterion, eligible, direction, best, ...).

        Examples
        --------
        >>> from medalliance.referral import ReferralCase, evaluate_many
        >>> from medalliance import examples
        >>> reg = examples.load("county_township")
        >>> b = evaluate_many(reg, [ReferralCase(origin="county_hospital",
        ...                                      criterion="convalescence")])
        >>> b.rows()[0]["best"], b.rows()[0]["direction"]
        ('township_centre', 'down')
        """
        names = ("up", "down", "lateral")
        flag_names = [f.value for f in FLAG_ITEMS]
        out = []
        for i in range(len(self)):
            d = int(self.direction[i])
            fl = int(self.best_flags[i])
            dist = float(self.best_distance_km[i])
            out.append(
                {
                    "origin": str(self.cases.origin[i]),
                    "criterion": str(self.cases.criterion[i]),
                    "eligible": bool(self.eligible[i]),
                    "direction": names[d] if d >= 0 else None,
                    "best": self.best_destination(i),
                    "n_destinations": int(self.n_destinations[i]),
                    "flags": " ".join(f for b, f in enumerate(flag_names) if fl >> b & 1),
                    "distance_km": None if np.isnan(dist) else dist,
                    "reasons": " ".join(self.reason_codes(i)),
                }
            )
        return out

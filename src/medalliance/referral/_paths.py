"""Escalation paths up the tiers on the referral index (internal)."""

from __future__ import annotations

from medalliance.compiled._core import SPECIALTY_CODE
from medalliance.model.types import trusted
from medalliance.model.vocab import ServiceKind, Specialty
from medalliance.referral._index import RefIndex
from medalliance.referral._model import ReferralPath

__all__ = ["paths"]


def paths(
    index: RefIndex,
    origin: str,
    spec: Specialty | None,
    svc: ServiceKind | None,
    max_hops: int,
) -> tuple[ReferralPath, ...]:
    """Shortest strictly-upward paths to every end (see :func:`referral_paths`)."""
    codes = {SPECIALTY_CODE[spec]} if spec is not None else set()
    targeted = spec is not None or svc is not None

    def is_target(m: int) -> bool:
        return (spec is None or spec in index.core.offered_specialties[m]) and (
            svc is None or svc in index.core.service_sets[m]
        )

    o = index.pos[origin]
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
            t_u = index.tier_list[u]
            ups: dict[int, str] = {}
            for c in index._channels(u, codes):
                row = index.off_list[c]
                for m in index.cm_list[row[t_u + 1] : row[4]]:
                    a = index.ch_alliance[c]
                    if m not in ups or a < ups[m]:
                        ups[m] = a
            if not ups and not targeted and u != o:
                ends.append(best[u])
            for m, a in ups.items():
                if m in best:
                    continue
                cand = ((*path_u, m), (*via_u, a))
                old = nxt.get(m)
                if old is None or _path_ids(index, cand[0]) < _path_ids(index, old[0]):
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
    insts = index.institutions
    paths = [
        trusted(
            ReferralPath,
            {
                "institutions": _path_ids(index, p),
                "tiers": tuple(insts[m].tier for m in p),
                "alliances": via,
            },
        )
        for p, via in ends
    ]
    paths.sort(key=lambda p: (len(p.institutions), p.institutions))
    return tuple(paths)


def _path_ids(index: RefIndex, path: tuple[int, ...]) -> tuple[str, ...]:
    insts = index.institutions
    return tuple(insts[m].id for m in path)

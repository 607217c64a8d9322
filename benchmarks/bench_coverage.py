"""Benchmark: structural metrics and referral reachability on the national synthetic registry.

Input: ``medalliance.synthetic.national(seed=..., scale=...)`` (about 1.07 million
institutions at ``--scale 1.0``; use 0.1-0.2 for repeated runs). Baselines are measured in
the same run, on the same registry, and every answer is checked equal to the baseline's:

* **reachability** -- ``medalliance.coverage.reachability`` (multi-source BFS on the channel
  x institution incidence, nearest-target sets included) against networkx: the
  institution-channel graph built with ``networkx.Graph`` and one breadth-first search
  (``single_source_shortest_path_length``) from a super-source joined to every target, hops
  = (distance - 1) / 2. Nearest-target sets are checked on a sample of origins with a
  networkx BFS from each. Three targets: tier >= secondary; tertiary oncology; MRI.
* **articulation points** -- ``medalliance.coverage.articulation_points`` (iterative Tarjan
  on the institution-channel arrays) against ``networkx.articulation_points`` of the same
  institution-channel graph (institution nodes kept; channels of one member dropped).
* **overlap** -- ``medalliance.coverage.alliance_overlap`` (sparse product of the membership
  matrix) against a plain-Python count over every institution's pairs of alliances.
* **registry coverage** -- ``medalliance.coverage.registry_coverage`` (every alliance's
  members by tier/kind/role, beds and population vs declared, areas, sharing) against
  ``medalliance.report.alliance_summary`` of every alliance (the per-alliance summary the
  ``report`` command prints), for reference.

Each time is the best of ``--repeat`` runs, with the garbage collector paused for
medalliance and baselines alike. medalliance compiles a registry's arrays (tier
ranks, capability bit masks, referral channels) once and caches them while the registry
lives; the networkx graph build is likewise timed apart from its search. Two ratios are
printed for reachability: cold (compile + search) against networkx build + search, and warm
(arrays cached) against the networkx search alone.

Run::

    python benchmarks/bench_coverage.py --scale 0.1
    python benchmarks/bench_coverage.py --scale 1.0 --repeat 1   # ~6 GB, several minutes
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from typing import Any

import networkx as nx
import numpy as np
import scipy

import medalliance as ma
from medalliance import synthetic
from medalliance.compiled._cache import forget
from medalliance.compiled.channels import referral_channels
from medalliance.coverage import (
    ReachTarget,
    alliance_overlap,
    articulation_points,
    reachability,
    registry_coverage,
)
from medalliance.model.registry import Registry
from medalliance.report import alliance_summary


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    out = None
    for _ in range(repeat):
        gc.collect()
        gc.disable()  # the same for medalliance and the baselines (medalliance pauses it anyway)
        try:
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        finally:
            gc.enable()
    return min(times), out


def bipartite(reg: Registry, *, specialty: Any, all_specialties: bool) -> nx.Graph:
    """The institution-channel graph in networkx: nodes are ids and ('ch', k)."""
    ch = referral_channels(reg, specialty=specialty, all_specialties=all_specialties)
    G = nx.Graph()
    G.add_nodes_from(ch.institutions)
    ids = ch.institutions
    for c in range(len(ch.channels)):
        G.add_edges_from((("ch", c), ids[p]) for p in ch.members(c).tolist())
    return G


def meets(reg: Registry, inst: Any, target: ReachTarget, leads: set[str]) -> bool:
    """The target conditions written plainly (independent of medalliance's masks)."""
    return (
        (target.min_tier is None or inst.tier.rank >= target.min_tier.rank)
        and (target.specialty is None or target.specialty in inst.specialties or inst.id in leads)
        and all(s in inst.services for s in target.services)
    )


def nx_hops(G: nx.Graph, targets: list[str]) -> dict[str, int]:
    src = ("source", -1)
    G.add_edges_from((src, t) for t in targets)
    try:
        dist = nx.single_source_shortest_path_length(G, src)
    finally:
        G.remove_node(src)
    return {k: (d - 1) // 2 for k, d in dist.items() if isinstance(k, str)}


def line(label: str, ours: float, base: float, note: str = "") -> None:
    ratio = base / ours if ours > 0 else float("inf")
    print(f"  {label:<44} {ours:9.3f} s   baseline {base:9.3f} s   x{ratio:7.1f}  {note}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--sample", type=int, default=200, help="origins whose nearest sets nx checks")
    args = ap.parse_args()

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"medalliance {ma.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"networkx {nx.__version__}"
    )
    t = time.perf_counter()
    reg = synthetic.national(seed=args.seed, scale=args.scale)
    print(
        f"registry: national(seed={args.seed}, scale={args.scale}) — "
        f"{len(reg.institutions):,} institutions, {len(reg.alliances):,} alliances, "
        f"{len(reg.agreements):,} agreements (built in {time.perf_counter() - t:.1f} s)"
    )
    ch = referral_channels(reg, all_specialties=True)
    print(f"referral channels (all specialties): {len(ch.channels):,}", end=", ")
    print(f"{len(ch.indices):,} memberships")
    rng = np.random.default_rng(args.seed)

    print("\nreachability of grassroots members (ours vs networkx BFS on the same graph)")
    targets = [
        ReachTarget(min_tier="secondary"),
        ReachTarget(min_tier="tertiary", specialty="oncology"),
        ReachTarget(services=("mri",)),
    ]
    for target in targets:
        leads = {
            x
            for a in reg.alliances
            if target.specialty is not None and a.specialty == target.specialty
            for x in a.lead
        }

        def cold(target: ReachTarget = target) -> Any:
            forget(reg)  # drop the registry's compiled core: compile it again
            return reachability(reg, target=target, all_specialties=True)

        t_cold, r = best(cold, args.repeat)
        t_ours, r = best(
            lambda target=target: reachability(reg, target=target, all_specialties=True),
            args.repeat,
        )
        t_build, G = best(
            lambda target=target: bipartite(reg, specialty=target.specialty, all_specialties=True),
            1,
        )
        goal = [i.id for i in reg.institutions if meets(reg, i, target, leads)]
        t_bfs, dist = best(lambda G=G, goal=goal: nx_hops(G, goal), args.repeat)
        got = {o: int(h) for o, h in zip(r.origins, r.hops.tolist(), strict=True)}
        want = {o: dist.get(o, -1) for o in r.origins}
        assert got == want, "hops differ from networkx"
        sample = rng.choice(len(r), size=min(args.sample, len(r)), replace=False)
        goal_set = set(goal)
        for k in sample.tolist():
            o = r[k]
            if o.hops is None:
                continue
            near = nx.single_source_shortest_path_length(G, o.institution, cutoff=2 * o.hops)
            nearest = sorted(x for x, d in near.items() if d == 2 * o.hops and x in goal_set)
            assert tuple(nearest) == o.nearest, o.institution
        print(
            f"  target {target.describe()}: {len(r):,} origins, {r.hop_counts()}, "
            f"{len(r.nearest):,} nearest-target entries; networkx graph "
            f"{G.number_of_nodes():,} nodes / {G.number_of_edges():,} edges"
        )
        line("  reachability (arrays cached) vs nx BFS", t_ours, t_bfs, "(search only)")
        line("  reachability (cold) vs nx build + BFS", t_cold, t_build + t_bfs)

    print("\narticulation points of the referral network (all channels)")
    forget(reg)
    t_ours, cuts = best(lambda: articulation_points(reg, all_specialties=True), 1)
    t_warm, _ = best(lambda: articulation_points(reg, all_specialties=True), args.repeat)
    t_build, H = best(lambda: bipartite(reg, specialty=None, all_specialties=True), 1)
    lonely = [v for v in H.nodes if isinstance(v, tuple) and H.degree(v) < 2]
    H.remove_nodes_from(lonely)
    t_nx, aps = best(lambda: {v for v in nx.articulation_points(H) if isinstance(v, str)}, 1)
    assert {p.institution for p in cuts} == aps, "articulation points differ from networkx"
    print(f"  {len(cuts):,} articulation points; largest cut-off: {cuts[0] if len(cuts) else None}")
    line("articulation points (arrays cached) vs nx", t_warm, t_nx, "(search only)")
    line("articulation points (cold) vs nx build + search", t_ours, t_build + t_nx)
    H.clear()

    print("\noverlap between alliances")

    def naive_overlap() -> Counter[tuple[str, str]]:
        of: dict[str, list[str]] = {}
        for a in reg.alliances:
            for m in a.members:
                of.setdefault(m, []).append(a.id)
        pairs: Counter[tuple[str, str]] = Counter()
        for al in of.values():
            pairs.update(combinations(sorted(al), 2))
        return pairs

    t_ours, o = best(lambda: alliance_overlap(reg), args.repeat)
    t_naive, pairs = best(naive_overlap, args.repeat)
    assert {(p.first, p.second): p.shared for p in o.pairs()} == dict(pairs)
    print(f"  {len(o.institutions):,} institutions in several alliances, {len(o):,} pairs")
    line("alliance_overlap vs plain Python", t_ours, t_naive)

    print("\nstructural coverage of every alliance")
    t_ours, cov = best(lambda: registry_coverage(reg), args.repeat)
    t_base, _ = best(lambda: [alliance_summary(reg, a.id) for a in reg.alliances], 1)
    print(f"  {len(cov.alliances):,} alliances, {cov.in_alliances:,} institutions in alliances")
    line("registry_coverage vs alliance_summary loop", t_ours, t_base, "(reference)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident set size: {rss:,.0f} MB")


if __name__ == "__main__":
    main()

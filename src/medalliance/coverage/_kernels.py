"""Array kernels behind :mod:`medalliance.coverage`: hops and cut points on channel graphs.

The referral network is kept as the bipartite graph of institutions and channels (one node
per channel, one edge per membership), never as institution pairs: one hop between two
institutions of a channel is two edges of the bipartite graph. Everything here works on the
CSR arrays of :class:`~medalliance.compiled.CooperationChannels` and costs time linear in the
number of memberships.

Nothing here is public; the functions trust their inputs (positions in range, sorted rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.compiled._csr import gather, row_ids, transpose

IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class Hops:
    """Result of :func:`nearest_hops` for every institution position."""

    hops: IntArray
    """Hops to the nearest target, ``-1`` when none is reachable."""
    nearest_indptr: IntArray
    """CSR rows (one per institution position) of the nearest targets."""
    nearest: IntArray
    """Institution positions of the nearest targets, sorted within each row."""


# Kept whole (84 lines): one multi-source breadth-first search whose frontier, distance and
# nearest-target arrays are updated together level by level; split, the shared state would
# travel through every helper's signature and the level loop would no longer read as one.
def nearest_hops(
    ch_indptr: IntArray,
    ch_indices: IntArray,
    n: int,
    targets: BoolArray,
    removed: BoolArray,
    *,
    with_nearest: bool = True,
) -> Hops:
    """Multi-source BFS from every target, level by level, over the channel incidence.

    Each level expands the institutions first reached at the previous level into their
    unvisited channels, and those channels into their unvisited members, so every channel
    and every membership is handled once. With ``with_nearest`` the sets of nearest targets
    are carried along the BFS levels as sparse boolean rows (a node at level ``k`` takes the
    union of the sets of its level-``k-1`` channel partners).

    Examples
    --------
    >>> # channels {0,1} and {1,2}; target 2
    >>> h = nearest_hops(np.array([0, 2, 4]), np.array([0, 1, 1, 2]), 3,
    ...                  np.array([False, False, True]), np.zeros(3, bool))
    >>> h.hops.tolist(), h.nearest.tolist()
    ([2, 1, 0], [2, 2, 2])
    """
    n_ch = len(ch_indptr) - 1
    inst_ptr, inst_ch = transpose(ch_indptr, ch_indices, n)
    hops = np.full(n, -1, dtype=np.int64)
    seen_ch = np.zeros(n_ch, dtype=bool)
    frontier = np.flatnonzero(targets & ~removed).astype(np.int64)
    hops[frontier] = 0
    target_pos = frontier
    levels: list[IntArray] = [frontier]
    sets: list[Any] = []
    from scipy import sparse

    if with_nearest:
        n_t = len(target_pos)
        sets.append(
            sparse.csr_matrix(
                (np.ones(n_t, dtype=np.int32), np.arange(n_t), np.arange(n_t + 1)),
                shape=(n_t, n_t),
            )
        )
    level = 0
    while len(frontier):
        touched = gather(inst_ptr, inst_ch, frontier)
        if len(touched) == 0:
            break
        # distinct unvisited channels, in order (a mask instead of a sort)
        ch_mask = np.zeros(n_ch, dtype=bool)
        ch_mask[touched] = True
        ch_mask &= ~seen_ch
        chans = np.flatnonzero(ch_mask)
        if len(chans) == 0:
            break
        seen_ch[chans] = True
        members = gather(ch_indptr, ch_indices, chans)
        owner = row_ids(ch_indptr, chans)
        fresh = (hops[members] < 0) & ~removed[members]
        new_mask = np.zeros(n, dtype=bool)
        new_mask[members[fresh]] = True
        new = np.flatnonzero(new_mask)
        if len(new) == 0:
            break
        level += 1
        hops[new] = level
        if with_nearest:
            # channel sets: union of the sets of their members on the previous level
            local = np.full(n, -1, dtype=np.int64)
            local[frontier] = np.arange(len(frontier))
            on_prev = hops[members] == level - 1
            prev_pick = sparse.csr_matrix(
                (
                    np.ones(int(on_prev.sum()), dtype=np.int32),
                    (owner[on_prev], local[members[on_prev]]),
                ),
                shape=(len(chans), len(frontier)),
            )
            chan_sets = _union(prev_pick @ sets[-1])
            local[new] = np.arange(len(new))
            pick = sparse.csr_matrix(
                (
                    np.ones(int(fresh.sum()), dtype=np.int32),
                    (local[members[fresh]], owner[fresh]),
                ),
                shape=(len(new), len(chans)),
            )
            sets.append(_union(pick @ chan_sets))
        levels.append(new)
        frontier = new
    if not with_nearest:
        empty = np.zeros(n + 1, dtype=np.int64)
        return Hops(hops=hops, nearest_indptr=empty, nearest=np.zeros(0, dtype=np.int64))
    # assemble one CSR row per institution position (empty when unreachable)
    counts = np.zeros(n, dtype=np.int64)
    for nodes, s in zip(levels, sets, strict=True):
        counts[nodes] = np.diff(s.indptr)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    out = np.zeros(int(indptr[-1]), dtype=np.int64)
    for nodes, s in zip(levels, sets, strict=True):
        # each level's rows go to their final places; columns ascend within a row
        out[gather_positions(indptr, nodes)] = target_pos[s.indices]
    return Hops(hops=hops, nearest_indptr=indptr, nearest=out)


def gather_positions(indptr: IntArray, rows: IntArray) -> IntArray:
    """Positions ``indptr[r] .. indptr[r + 1] - 1`` for each of ``rows``, concatenated.

    Examples
    --------
    >>> gather_positions(np.array([0, 2, 2, 5]), np.array([2, 0])).tolist()
    [2, 3, 4, 0, 1]
    """
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.asarray(shift + np.arange(total), dtype=np.int64)


def _union(m: Any) -> Any:
    """A sparse product read as sets: every stored value set to 1, columns sorted per row.

    Resetting the counts after every product keeps them bounded by one product's fan-in
    (never a count of paths, which grows with the number of levels).
    """
    m = m.tocsr()
    m.sort_indices()
    m.data[:] = 1
    return m


@dataclass(frozen=True)
class Cuts:
    """Result of :func:`cut_points`."""

    points: IntArray
    """Institution positions whose removal splits their component, ascending."""
    pieces: IntArray
    """For each point: connected parts (each with an institution) left by its removal."""
    cut_off: IntArray
    """For each point: institutions outside the largest part left by its removal."""
    component: IntArray
    """For each point: institutions in its component before removal (itself included)."""


# Kept whole (83 lines): Tarjan's articulation points, iteratively (an explicit stack, no
# recursion limit) on the institution-channel graph; the discovery/low-link state is one
# algorithm and reads best in one place.
def cut_points(ch_indptr: IntArray, ch_indices: IntArray, n: int) -> Cuts:
    """Articulation points of the institution graph in which channel members are linked.

    Works on the bipartite institution-channel graph (channels with fewer than two members
    are dropped: they link nothing). There, every component left by removing an institution
    still holds an institution, so the institutions that are articulation points of the
    bipartite graph are exactly those of the institution graph. An institution in a single
    channel (a village clinic in its county community) is never one: such leaves are folded
    into their channel as a weight before the search, which leaves a much smaller graph. An
    iterative Tarjan DFS (discovery times and low links) then finds the points in linear time
    and counts, for each, the institutions (leaves included) in every part its removal
    separates.

    Examples
    --------
    >>> # a path 0 - 1 - 2 through channels {0,1} and {1,2}
    >>> c = cut_points(np.array([0, 2, 4]), np.array([0, 1, 1, 2]), 3)
    >>> c.points.tolist(), c.pieces.tolist(), c.cut_off.tolist()
    ([1], [2], [1])
    """
    sizes = np.diff(ch_indptr)
    keep = np.flatnonzero(sizes >= 2)
    members = gather(ch_indptr, ch_indices, keep)
    owner = row_ids(ch_indptr, keep) + n  # channel nodes after the institutions
    n_nodes = n + len(keep)
    # fold leaves (institutions in one channel) into their channel's weight
    leaf = np.bincount(members, minlength=n) == 1
    on_leaf = leaf[members]
    weight_arr = np.ones(n_nodes, dtype=np.int64)
    weight_arr[n:] = np.bincount(owner[on_leaf] - n, minlength=len(keep))
    members, owner = members[~on_leaf], owner[~on_leaf]
    weight = weight_arr.tolist()
    # undirected bipartite adjacency in CSR (both directions)
    src = np.concatenate([members, owner])
    dst = np.concatenate([owner, members])
    order = np.argsort(src, kind="stable")
    adj = dst[order].tolist()
    ptr_arr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_nodes), out=ptr_arr[1:])
    ptr = ptr_arr.tolist()

    disc = [-1] * n_nodes
    low = [0] * n_nodes
    below = [0] * n_nodes  # institutions in the DFS subtree (itself included)
    # for each node: sizes of child subtrees it separates (low[child] >= disc[node])
    separated: dict[int, list[int]] = {}
    comp_size = [0] * n_nodes  # filled for roots
    root_of = [0] * n_nodes
    clock = 0
    for root in range(n):
        if disc[root] >= 0 or ptr[root] == ptr[root + 1]:
            continue
        disc[root] = low[root] = clock
        clock += 1
        root_of[root] = root
        stack = [(root, -1, ptr[root])]
        while stack:
            node, parent, nxt = stack[-1]
            end = ptr[node + 1]
            advanced = False
            while nxt < end:
                other = adj[nxt]
                nxt += 1
                if disc[other] < 0:
                    stack[-1] = (node, parent, nxt)
                    disc[other] = low[other] = clock
                    clock += 1
                    root_of[other] = root
                    stack.append((other, node, ptr[other]))
                    advanced = True
                    break
                if other != parent and disc[other] < low[node]:
                    low[node] = disc[other]
            if advanced:
                continue
            stack.pop()
            below[node] += weight[node]
            if parent >= 0:
                below[parent] += below[node]
                low[parent] = min(low[parent], low[node])
                if low[node] >= disc[parent]:
                    separated.setdefault(parent, []).append(below[node])
        comp_size[root] = below[root]
    points: list[int] = []
    pieces: list[int] = []
    cut_off: list[int] = []
    component: list[int] = []
    for node in sorted(k for k in separated if k < n):
        parts = separated[node]
        total = comp_size[root_of[node]]
        if node == root_of[node]:
            if len(parts) < 2:
                continue
            all_parts = parts
        else:
            all_parts = [*parts, total - 1 - sum(parts)]
        points.append(node)
        pieces.append(len(all_parts))
        cut_off.append(total - 1 - max(all_parts))
        component.append(total)
    return Cuts(
        points=np.asarray(points, dtype=np.int64),
        pieces=np.asarray(pieces, dtype=np.int64),
        cut_off=np.asarray(cut_off, dtype=np.int64),
        component=np.asarray(component, dtype=np.int64),
    )

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

from medalliance.compiled._csr import gather, ranges, row_ids, transpose

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


@dataclass(frozen=True)
class Tree:
    """A depth-first forest of the folded institution-channel graph (see :func:`dfs_tree`).

    Nodes ``0 .. n-1`` are institutions, ``n + k`` the k-th channel with two or more
    members. Institutions in exactly one such channel (leaves) are folded into it and are
    not nodes of the search; institutions in none are isolated.
    """

    n: int
    """Institutions."""
    disc: IntArray
    """Preorder (discovery) index of every node, ``-1`` when not visited."""
    size: IntArray
    """Nodes in each node's subtree (itself included): its preorder range has this length."""
    parent: IntArray
    """Parent node, ``-1`` for roots and unvisited nodes."""
    low: IntArray
    """Low link: the smallest discovery index reachable through the subtree and one back edge."""
    root: IntArray
    """Root of each node's tree (``-1`` when not visited)."""
    order: IntArray
    """The visited nodes in preorder."""
    home: IntArray
    """For each institution: its own node, its channel's node (leaf) or ``-1`` (isolated)."""

    def key(self) -> IntArray:
        """Preorder index of each institution's node (``-1`` for isolated institutions)."""
        k = np.full(self.n, -1, dtype=np.int64)
        on = self.home >= 0
        k[on] = self.disc[self.home[on]]
        return k

    def subtree_sums(self, weight: IntArray) -> IntArray:
        """For each node: sum of ``weight`` (per node) over its subtree, by prefix sums."""
        cum = np.zeros(len(self.order) + 1, dtype=np.int64)
        np.cumsum(weight[self.order], out=cum[1:])
        out = np.zeros(len(self.disc), dtype=np.int64)
        on = self.disc >= 0
        out[on] = cum[self.disc[on] + self.size[on]] - cum[self.disc[on]]
        return out

    def separated(self) -> BoolArray:
        """For each node: whether removing its parent cuts its subtree off from the rest."""
        sep = np.zeros(len(self.disc), dtype=bool)
        child = np.flatnonzero(self.parent >= 0)
        sep[child] = self.low[child] >= self.disc[self.parent[child]]
        return sep

    def per_node(self, institution_weight: IntArray) -> IntArray:
        """Node weights from institution weights: leaves count on their channel's node."""
        w = np.zeros(len(self.disc), dtype=np.int64)
        on = self.home >= 0
        np.add.at(w, self.home[on], institution_weight[on])
        return w


def _folded_graph(
    ch_indptr: IntArray, ch_indices: IntArray, n: int
) -> tuple[list[int], list[int], int, IntArray]:
    """Adjacency (CSR as lists) of the institution-channel graph with leaves folded in."""
    sizes = np.diff(ch_indptr)
    keep = np.flatnonzero(sizes >= 2)
    members = gather(ch_indptr, ch_indices, keep)
    owner = row_ids(ch_indptr, keep) + n  # channel nodes after the institutions
    n_nodes = n + len(keep)
    counts = np.bincount(members, minlength=n)
    home = np.where(counts >= 2, np.arange(n, dtype=np.int64), -1)
    on_leaf = counts[members] == 1
    home[members[on_leaf]] = owner[on_leaf]
    members, owner = members[~on_leaf], owner[~on_leaf]
    src = np.concatenate([members, owner])
    dst = np.concatenate([owner, members])
    order = np.argsort(src, kind="stable")
    ptr_arr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_nodes), out=ptr_arr[1:])
    return ptr_arr.tolist(), dst[order].tolist(), n_nodes, home


# Kept whole (62 lines): an iterative DFS (explicit stack, no recursion limit) keeping
# discovery index, low link, parent and subtree size together; split, the shared state
# would travel through every helper's signature.
def dfs_tree(ch_indptr: IntArray, ch_indices: IntArray, n: int) -> Tree:
    """Depth-first forest of the institution-channel graph, leaves folded into channels.

    Channels with fewer than two members are dropped (they link nothing). An institution in
    a single channel (a village clinic in its county community) can never split anything, so
    it is folded into its channel before the search, which leaves a much smaller graph.
    A tree is rooted at its lowest institution position, or at its channel when all the
    channel's members are leaves.

    Examples
    --------
    >>> # a path 0 - 1 - 2 through channels {0,1} and {1,2}: 0 and 2 are leaves
    >>> t = dfs_tree(np.array([0, 2, 4]), np.array([0, 1, 1, 2]), 3)
    >>> t.home.tolist(), t.order.tolist(), t.parent[[3, 4]].tolist()
    ([3, 1, 4], [1, 3, 4], [1, 1])
    """
    ptr, adj, n_nodes, home = _folded_graph(ch_indptr, ch_indices, n)
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    size = [1] * n_nodes
    parent_of = [-1] * n_nodes
    root_of = [-1] * n_nodes
    order: list[int] = []
    for root in range(n_nodes):
        if disc[root] >= 0 or (root < n and ptr[root] == ptr[root + 1]):
            continue
        disc[root] = low[root] = len(order)
        order.append(root)
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
                    disc[other] = low[other] = len(order)
                    order.append(other)
                    root_of[other] = root
                    parent_of[other] = node
                    stack.append((other, node, ptr[other]))
                    advanced = True
                    break
                if other != parent and disc[other] < low[node]:
                    low[node] = disc[other]
            if advanced:
                continue
            stack.pop()
            if parent >= 0:
                size[parent] += size[node]
                low[parent] = min(low[parent], low[node])
    visited = np.asarray(disc, dtype=np.int64) >= 0
    return Tree(
        n=n,
        disc=np.asarray(disc, dtype=np.int64),
        size=np.where(visited, np.asarray(size, dtype=np.int64), 0),
        parent=np.asarray(parent_of, dtype=np.int64),
        low=np.asarray(low, dtype=np.int64),
        root=np.asarray(root_of, dtype=np.int64),
        order=np.asarray(order, dtype=np.int64),
        home=home,
    )


def cut_points(ch_indptr: IntArray, ch_indices: IntArray, n: int) -> Cuts:
    """Articulation points of the institution graph in which channel members are linked.

    Works on the bipartite institution-channel graph of :func:`dfs_tree`. There, every
    component left by removing an institution still holds an institution, so the
    institutions that are articulation points of the bipartite graph are exactly those of
    the institution graph. A child subtree is cut off by its parent when its low link does
    not reach above the parent (Tarjan); the institutions (leaves included) of every part
    are counted from preorder prefix sums.

    Examples
    --------
    >>> # a path 0 - 1 - 2 through channels {0,1} and {1,2}
    >>> c = cut_points(np.array([0, 2, 4]), np.array([0, 1, 1, 2]), 3)
    >>> c.points.tolist(), c.pieces.tolist(), c.cut_off.tolist()
    ([1], [2], [1])
    """
    t = dfs_tree(ch_indptr, ch_indices, n)
    below = t.subtree_sums(t.per_node(np.ones(n, dtype=np.int64)))
    child = np.flatnonzero(t.separated())
    par = t.parent[child]
    child, par = child[par < n], par[par < n]  # only institutions are removed
    n_sep = np.bincount(par, minlength=n)
    sep_sum = np.bincount(par, weights=below[child], minlength=n).astype(np.int64)
    sep_max = np.zeros(n, dtype=np.int64)
    np.maximum.at(sep_max, par, below[child])
    nodes = np.arange(n)
    is_root = t.parent[:n] < 0
    total = below[np.maximum(t.root[:n], 0)]
    rest = np.where(is_root, 0, total - 1 - sep_sum)
    point = (n_sep >= 1) & ((~is_root) | (n_sep >= 2))
    pts = nodes[point]
    return Cuts(
        points=pts.astype(np.int64),
        pieces=(n_sep + ~is_root)[pts].astype(np.int64),
        cut_off=(total - 1 - np.maximum(sep_max, rest))[pts].astype(np.int64),
        component=total[pts].astype(np.int64),
    )


@dataclass(frozen=True)
class Losses:
    """Result of :func:`removal_losses`."""

    indptr: IntArray
    """CSR rows, one per removed institution position."""
    lost: IntArray
    """Origin positions that lose every target, ascending within a row."""
    reachable: BoolArray
    """For each institution: whether its component holds a target (nothing removed)."""


def removal_losses(
    ch_indptr: IntArray, ch_indices: IntArray, n: int, targets: BoolArray, origins: BoolArray
) -> Losses:
    """For every institution at once: the origins that reach no target once it is removed.

    One depth-first forest (:func:`dfs_tree`) gives every institution's block structure.
    Removing institution ``v`` leaves its component in pieces: each child subtree that ``v``
    cuts off (Tarjan's test), and, unless ``v`` is the root, the rest (the component outside
    ``v``'s subtree plus the child subtrees that reach above ``v``). A removed leaf splits
    nothing: its piece is the whole component. Every piece is a union of preorder ranges;
    an origin loses when it is in a piece with no target while the component had one.
    Target counts per piece come from preorder prefix sums and the origins of a range from
    one binary search, so the cost is linear in the channel graph plus the pairs returned.

    Examples
    --------
    >>> # a path 0 - 1 - 2 through channels {0,1} and {1,2}; target 0, origins 1 and 2
    >>> out = removal_losses(np.array([0, 2, 4]), np.array([0, 1, 1, 2]), 3,
    ...                      np.array([True, False, False]), np.array([False, True, True]))
    >>> out.indptr.tolist(), out.lost.tolist()
    ([0, 2, 3, 3], [1, 2, 2])
    """
    t = dfs_tree(ch_indptr, ch_indices, n)
    tw = targets.astype(np.int64)
    tsub = t.subtree_sums(t.per_node(tw))
    inst = np.arange(n, dtype=np.int64)
    on = t.home >= 0
    comp_t = tw.copy()
    comp_t[on] = tsub[t.root[t.home[on]]]
    reachable = comp_t > 0
    # pieces as (removed, preorder start, preorder end)
    child = np.flatnonzero(t.parent >= 0)
    par = t.parent[child]
    child, par = child[par < n], par[par < n]
    sep = t.separated()[child]
    c_lo, c_hi = t.disc[child], t.disc[child] + t.size[child]
    lost_child = sep & (tsub[child] == 0) & reachable[par]
    sep_t = np.bincount(par[sep], weights=tsub[child[sep]], minlength=n).astype(np.int64)
    inner = on & (t.home == inst)  # institutions that are nodes of the search
    root = np.where(on, t.root[np.maximum(t.home, 0)], -1)
    r_lo = t.disc[root]
    r_hi = r_lo + t.size[root]
    rest = inner & (t.parent[:n] >= 0) & reachable & (comp_t - tw - sep_t == 0)
    rv = inst[rest]
    glued = ~sep & rest[par]  # child subtrees that stay with the rest
    leaf = on & ~inner & (comp_t - tw == 0) & reachable
    lv = inst[leaf]
    removed = np.concatenate([par[lost_child], rv, rv, par[glued], lv])
    lo = np.concatenate(
        [c_lo[lost_child], r_lo[rv], t.disc[rv] + t.size[rv], c_lo[glued], r_lo[lv]]
    )
    hi = np.concatenate([c_hi[lost_child], t.disc[rv], r_hi[rv], c_hi[glued], r_hi[lv]])
    # origins (reachable, not isolated) in preorder
    opos = np.flatnonzero(origins & reachable & on).astype(np.int64)
    okey = t.key()[opos]
    by_key = np.lexsort((opos, okey))
    opos, okey = opos[by_key], okey[by_key]
    start = np.searchsorted(okey, lo, side="left")
    length = np.searchsorted(okey, hi, side="left") - start
    who = opos[ranges(start.astype(np.int64), length.astype(np.int64))]
    owner = np.repeat(removed, length)
    keep = who != owner
    who, owner = who[keep], owner[keep]
    order = np.lexsort((who, owner))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=indptr[1:])
    return Losses(indptr=indptr, lost=who[order].astype(np.int64), reachable=reachable)

"""Hop changes for every removal at once: dominators of the shortest-path DAG (internal).

Removing institution ``v`` lengthens an origin's path to its nearest target exactly when every
shortest path from the targets to it passes through ``v``: when ``v`` *dominates* it in the
breadth-first DAG rooted at a super-source joined to every target. The dominator tree of that
DAG is built level by level (a node's immediate dominator is the lowest common ancestor of its
DAG predecessors; levels are few, so ancestors are climbed directly). Only the nodes below
``v`` in that tree — the *affected part* — can change, and only their hops are searched again,
from the unchanged hops around them.

Nothing here is public; the functions trust their inputs.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.compiled._csr import gather, row_ids

IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class HopShifts:
    """Result of :func:`hop_shifts`: per removed institution, the origins whose hops change."""

    indptr: IntArray
    """CSR rows, one per institution position."""
    origin: IntArray
    """Origin positions, ascending within a row."""
    before: IntArray
    """Hops before the removal."""
    after: IntArray
    """Hops after it, ``-1`` when no target is left in reach."""


def _adjacency(ch_indptr: IntArray, ch_indices: IntArray, n: int) -> tuple[list[int], list[int]]:
    """Both directions of the institution-channel graph (channels of two or more members)."""
    keep = np.flatnonzero(np.diff(ch_indptr) >= 2)
    members = gather(ch_indptr, ch_indices, keep)
    owner = row_ids(ch_indptr, keep) + n
    src = np.concatenate([members, owner])
    dst = np.concatenate([owner, members])
    order = np.argsort(src, kind="stable")
    ptr = np.zeros(n + len(keep) + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n + len(keep)), out=ptr[1:])
    return ptr.tolist(), dst[order].tolist()


# Kept whole (70 lines): the level-by-level BFS and the dominator tree share their arrays and
# one loop over the nodes in BFS order; the Euler tour closes the same pass.
def _dominator_tree(
    ptr: list[int], adj: list[int], targets: list[int]
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Distances, Euler-tour entry/exit times in the dominator tree, and the BFS order.

    ``-1`` marks unreached nodes; the super-source (the dominator of every target) is ``-1``.
    """
    n_nodes = len(ptr) - 1
    dist = [-1] * n_nodes
    order: list[int] = []
    for t in targets:
        dist[t] = 0
        order.append(t)
    head = 0
    while head < len(order):
        u = order[head]
        head += 1
        du = dist[u] + 1
        for k in range(ptr[u], ptr[u + 1]):
            w = adj[k]
            if dist[w] < 0:
                dist[w] = du
                order.append(w)
    idom = [-1] * n_nodes
    depth = [0] * n_nodes  # in the dominator tree; the super-source has depth 0
    for x in order:
        dx = dist[x]
        if dx == 0:
            depth[x] = 1
            continue
        best = -2  # no predecessor seen yet
        for k in range(ptr[x], ptr[x + 1]):
            p = adj[k]
            if dist[p] != dx - 1:
                continue
            if best == -2:
                best = p
                continue
            a, b = best, p
            while a != b:
                if a == -1 or b == -1:
                    a = b = -1
                    break
                if depth[a] >= depth[b]:
                    a = idom[a]
                else:
                    b = idom[b]
            best = a
        idom[x] = best
        depth[x] = (depth[best] if best >= 0 else 0) + 1
    # Euler tour of the dominator tree (children in BFS order)
    children: dict[int, list[int]] = {}
    for x in order:
        children.setdefault(idom[x], []).append(x)
    tin = [-1] * n_nodes
    tout = [-1] * n_nodes
    clock = 0
    stack = [(c, False) for c in reversed(children.get(-1, []))]
    while stack:
        x, done = stack.pop()
        if done:
            tout[x] = clock
            continue
        tin[x] = clock
        clock += 1
        stack.append((x, True))
        stack.extend((c, False) for c in reversed(children.get(x, [])))
    return dist, tin, tout, order


def _research(
    v: int, part: list[int], *, ptr: list[int], adj: list[int], dist: list[int]
) -> dict[int, int]:
    """New distances of the affected part ``part`` (dominated by ``v``) once ``v`` is gone."""
    inside = set(part)
    new: dict[int, int] = {}
    heap: list[tuple[int, int]] = []
    for y in part:
        best = -1
        for k in range(ptr[y], ptr[y + 1]):
            u = adj[k]
            if u != v and u not in inside and dist[u] >= 0 and (best < 0 or dist[u] + 1 < best):
                best = dist[u] + 1
        if best >= 0:
            new[y] = best
            heap.append((best, y))
    heapq.heapify(heap)
    while heap:
        d, y = heapq.heappop(heap)
        if new.get(y, -1) != d:
            continue
        for k in range(ptr[y], ptr[y + 1]):
            w = adj[k]
            if w in inside and (w not in new or d + 1 < new[w]):
                new[w] = d + 1
                heapq.heappush(heap, (d + 1, w))
    return new


def hop_shifts(
    ch_indptr: IntArray, ch_indices: IntArray, n: int, targets: BoolArray, origins: BoolArray
) -> HopShifts:
    """For every institution: the origins whose hops to the nearest target change on its removal.

    Examples
    --------
    >>> # a path 0 - 1 - 2 through channels {0,1} and {1,2}; target 0, origins 1 and 2
    >>> s = hop_shifts(np.array([0, 2, 4]), np.array([0, 1, 1, 2]), 3,
    ...                np.array([True, False, False]), np.array([False, True, True]))
    >>> s.indptr.tolist(), s.origin.tolist(), s.before.tolist(), s.after.tolist()
    ([0, 2, 3, 3], [1, 2, 2], [1, 2, 2], [-1, -1, -1])
    """
    ptr, adj = _adjacency(ch_indptr, ch_indices, n)
    dist, tin, tout, order = _dominator_tree(ptr, adj, np.flatnonzero(targets).tolist())
    by_tin = sorted(order, key=tin.__getitem__)
    is_origin = origins.tolist()
    rows: list[tuple[int, int, int, int]] = []
    for v in range(n):
        if tin[v] < 0 or tout[v] - tin[v] <= 1:
            continue
        part = by_tin[tin[v] + 1 : tout[v]]
        hit = [y for y in part if y < n and is_origin[y]]
        if not hit:
            continue
        new = _research(v, part, ptr=ptr, adj=adj, dist=dist)
        rows.extend((v, y, dist[y] // 2, new[y] // 2 if y in new else -1) for y in hit)
    rows.sort()
    arr = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(arr[:, 0], minlength=n), out=indptr[1:])
    return HopShifts(indptr=indptr, origin=arr[:, 1], before=arr[:, 2], after=arr[:, 3])

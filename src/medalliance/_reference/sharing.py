"""Naive reference implementations of resource sharing (internal).

Written for obviousness, not speed: plain loops over institutions, alliances, centres and
members. The tests use them as oracles for :func:`medalliance.sharing.service_access` and
:func:`~medalliance.sharing.allocate_capacity` (:func:`naive_allocate_exact` in exact
rational arithmetic, for floats at the extremes), and the benchmark as baselines.

Examples
--------
>>> from medalliance import examples
>>> from medalliance.sharing import service_access
>>> reg = examples.load("gangkou")
>>> best = naive_service_access(reg)
>>> best["qisha_thc"]["ct"] == service_access(reg).route("qisha_thc", "ct")
True
>>> naive_allocate(60, [80, 40, 10], method="max_min_fair")
[25.0, 25.0, 10.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from medalliance.model.agreement import AgreementStatus, CooperationItem
from medalliance.model.alliance import Alliance, SharedCentre
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind
from medalliance.sharing import AccessSource, ServiceRoute

__all__ = ["naive_allocate", "naive_allocate_exact", "naive_service_access"]

_ORDER = {s: k for k, s in enumerate(ServiceKind)}


class _Offer:
    """Keep the best route per service (smallest key)."""

    def __init__(self, best: dict[ServiceKind, tuple[tuple[int, int, int], ServiceRoute]]):
        self.best = best

    def __call__(self, key: tuple[int, int, int], route: ServiceRoute) -> None:
        old = self.best.get(route.service)
        if old is None or key < old[0]:
            self.best[route.service] = (key, route)


def _hosting_inferred(alliance: Alliance, centre: SharedCentre) -> bool:
    """Whether a centre's hosting is inferred (the documented rule, restated).

    It is when the centre's provenance marks ``host``, or its alliance's marks
    ``shared_centres``.

    Examples
    --------
    >>> from medalliance import examples
    >>> a = examples.load("gangkou").alliance("gangkou_community")
    >>> [_hosting_inferred(a, c) for c in a.shared_centres]
    [False, False, True, True]
    """
    if centre.provenance is not None and "host" in centre.provenance.inferred:
        return True
    return alliance.provenance is not None and "shared_centres" in alliance.provenance.inferred


def naive_service_access(
    registry: Registry, *, alliance: str | None = None
) -> dict[str, dict[ServiceKind, ServiceRoute]]:
    """The best route of every institution to every service it reaches, by plain loops.

    Returns ``{institution: {service: route}}``; institutions in scope with no route to
    anything map to an empty dict.

    Examples
    --------
    >>> from medalliance import examples
    >>> best = naive_service_access(examples.load("county_township"))["township_centre"]
    >>> [(s.value, r.source.value) for s, r in best.items()]
    [('inpatient', 'own')]
    """
    scope = None if alliance is None else registry.alliance(alliance)
    centres = [(a, c) for a in registry.alliances for c in a.shared_centres]
    number = {c.id: k for k, (_, c) in enumerate(centres)}
    in_scope = None if scope is None else set(scope.members)
    hosted_by: dict[str, list[int]] = {}
    for k, (_, c) in enumerate(centres):
        hosted_by.setdefault(c.host, []).append(k)
    agreement_number = {g.id: k for k, g in enumerate(registry.agreements)}
    by_party: dict[str, list[str]] = {}
    for g in registry.agreements:
        if g.status is AgreementStatus.IN_FORCE and CooperationItem.SHARED_SERVICES in g.items:
            if scope is not None and g.alliance != scope.id:
                continue
            for p in g.parties:
                by_party.setdefault(p, []).append(g.id)

    def via(
        iid: str, s: ServiceKind, source: AccessSource, k: int, gid: str | None = None
    ) -> ServiceRoute:
        """The route of ``iid`` to service ``s`` through centre ``k`` (and agreement ``gid``)."""
        a, c = centres[k]
        return ServiceRoute(iid, s, source, c.id, a.id, c.host, gid, _hosting_inferred(a, c))

    out: dict[str, dict[ServiceKind, ServiceRoute]] = {}
    for inst in registry.institutions:
        if in_scope is not None and inst.id not in in_scope:
            continue
        best: dict[ServiceKind, tuple[tuple[int, int, int], ServiceRoute]] = {}
        offer = _Offer(best)

        for s in inst.services:
            offer((-AccessSource.OWN.rank, -1, -1), ServiceRoute(inst.id, s, AccessSource.OWN))
        for k in hosted_by.get(inst.id, ()):
            a, c = centres[k]
            if scope is not None and a.id != scope.id:
                continue
            for s in c.effective_services:
                offer((-AccessSource.HOSTED.rank, k, -1), via(inst.id, s, AccessSource.HOSTED, k))
        for a in registry.alliances_of(inst.id):
            if scope is not None and a.id != scope.id:
                continue
            for c in a.shared_centres:
                if c.host == inst.id or (c.serves != "all" and inst.id not in c.serves):
                    continue
                for s in c.effective_services:
                    k = number[c.id]
                    offer(
                        (-AccessSource.ALLIANCE.rank, k, -1),
                        via(inst.id, s, AccessSource.ALLIANCE, k),
                    )
        for gid in by_party.get(inst.id, ()):
            for q in registry.agreement(gid).parties:
                if q == inst.id:
                    continue
                for k in hosted_by.get(q, ()):
                    for s in centres[k][1].effective_services:
                        offer(
                            (-AccessSource.AGREEMENT.rank, k, agreement_number[gid]),
                            via(inst.id, s, AccessSource.AGREEMENT, k, gid),
                        )
        out[inst.id] = {s: best[s][1] for s in sorted(best, key=_ORDER.__getitem__)}
    return out


def naive_allocate(
    capacity: float,
    demands: Sequence[float],
    *,
    method: str,
    priorities: Sequence[float] | None = None,
    integral: bool = False,
) -> list[float]:
    """Split ``capacity`` among ``demands`` with plain loops (no validation).

    Max-min fairness is computed by progressive filling: every round gives the members not
    yet satisfied an equal share of what is left, and members whose remaining need fits are
    satisfied first. With ``integral=True`` the values are Python ints.

    Examples
    --------
    >>> naive_allocate(100, [80, 40, 10], method="proportional", integral=True)
    [61, 31, 8]
    >>> naive_allocate(100, [80, 40, 10], method="priority", priorities=[2, 1, 1])
    [50.0, 40.0, 10.0]
    """
    n = len(demands)
    zero: float = 0 if integral else 0.0
    want: list[float] = [int(d) if integral else float(d) for d in demands]
    if sum(want) <= capacity:
        return want
    if method == "proportional":
        total = sum(want)
        if not integral:
            return [d * capacity / total for d in want]
        exact = [int(d) * int(capacity) for d in want]
        alloc: list[float] = [e // int(total) for e in exact]
        left: float = int(capacity) - sum(alloc)
        by_remainder = sorted(range(n), key=lambda i: (-(exact[i] % int(total)), i))
        for i in by_remainder[: int(left)]:
            alloc[i] += 1
        return alloc
    if method == "priority":
        prio = list(priorities) if priorities is not None else list(range(n))
        alloc = [zero] * n
        left = int(capacity) if integral else float(capacity)
        for i in sorted(range(n), key=lambda i: (prio[i], i)):
            give = min(want[i], left)
            alloc[i] = give
            left -= give
        return alloc
    # max-min fair: progressive filling
    got: list[float] = [zero] * n
    active = [i for i in range(n) if want[i] > 0]
    left = int(capacity) if integral else float(capacity)
    while active and left > 0:
        share = left // len(active) if integral else left / len(active)
        if integral and share == 0:
            for i in active[: int(left)]:
                got[i] += 1
            break
        full = [i for i in active if want[i] - got[i] <= share]
        if not full:
            for i in active:
                got[i] += share
            left -= share * len(active)
            if not integral:
                break
            continue
        for i in full:
            left -= want[i] - got[i]
            got[i] = want[i]
        done = set(full)
        active = [i for i in active if i not in done]
    return got


def naive_allocate_exact(
    capacity: float,
    demands: Sequence[float],
    *,
    method: str,
    priorities: Sequence[float] | None = None,
) -> list[Fraction]:
    """The exact split of ``capacity`` among ``demands``, in rational arithmetic.

    The rules as documented, with no rounding anywhere: demands that fit are met;
    otherwise ``proportional`` gives ``d * capacity / total``, ``priority`` serves members
    whole in (priority, input) order, and ``max_min_fair`` fills progressively (every round,
    the members whose remaining need is within an equal share of what is left are
    satisfied; when none is, all get the equal share).

    Examples
    --------
    >>> naive_allocate_exact(1e308, [1e308, 1e308], method="proportional") == [
    ...     Fraction(1e308) / 2] * 2
    True
    >>> [str(x) for x in naive_allocate_exact(60, [80, 40, 10], method="max_min_fair")]
    ['25', '25', '10']
    """
    cap = Fraction(capacity)
    want = [Fraction(d) for d in demands]
    total = sum(want, Fraction(0))
    if total <= cap:
        return want
    if method == "proportional":
        return [d * cap / total for d in want]
    n = len(want)
    got = [Fraction(0)] * n
    if method == "priority":
        prio = list(priorities) if priorities is not None else list(range(n))
        left = cap
        for i in sorted(range(n), key=lambda i: (prio[i], i)):
            got[i] = min(want[i], left)
            left -= got[i]
        return got
    active = list(range(n))
    left = cap
    while active:
        share = left / len(active)
        full = [i for i in active if want[i] <= share]
        if not full:
            for i in active:
                got[i] = share
            break
        for i in full:
            got[i] = want[i]
            left -= want[i]
        active = [i for i in active if i not in full]
    return got

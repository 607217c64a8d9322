"""Scenario sweeps over any ``concurrent.futures``-style executor."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from medalliance._words import count_noun
from medalliance.distributed._ship import Shipped
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular

S = TypeVar("S")
R = TypeVar("R")

MIN_WORK = 200_000
"""Default ``min_work``: scenarios × institutions below which a sweep runs serially.

Starting a task on another process costs milliseconds plus shipping the registry; an
analysis of a registry costs roughly microseconds per institution, so below about this
much work the serial loop finishes first.
"""


@dataclass(frozen=True, eq=False)
class Sweep(Tabular, Generic[S, R]):
    """What :func:`scenario_sweep` returns: one result per scenario, in scenario order.

    Examples
    --------
    >>> from medalliance import examples
    >>> sweep = scenario_sweep(examples.load("gangkou"), [1, 2],
    ...                        lambda reg, k: len(reg.institutions) * k)
    >>> sweep.results, sweep.parallel
    ((5, 10), False)
    >>> sweep.rows()[1]
    {'scenario': '2', 'result': 10}
    """

    scenarios: tuple[S, ...]
    """The scenarios, as given."""
    results: tuple[R, ...]
    """``fn(registry, scenario)`` of each scenario."""
    parallel: bool
    """Whether the executor ran them (``False``: the serial loop did)."""
    chunks: int
    """Tasks submitted to the executor (0 when serial); each ships the registry once."""

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        how = f"parallel in {count_noun(self.chunks, 'task')}" if self.parallel else "serial"
        return f"Sweep({count_noun(len(self), 'scenario')}, {how})"

    def rows(self) -> list[dict[str, Any]]:
        """One row per scenario: ``scenario`` (its text) and the result's fields.

        A mapping result gives its items as columns; anything else is one ``result`` column.

        Examples
        --------
        >>> Sweep(scenarios=("a",), results=({"lost": 3},), parallel=False, chunks=0).rows()
        [{'scenario': 'a', 'lost': 3}]
        """
        out: list[dict[str, Any]] = []
        for s, r in zip(self.scenarios, self.results, strict=True):
            row: dict[str, Any] = {"scenario": str(s)}
            if isinstance(r, Mapping):
                row.update(r)
            else:
                row["result"] = r
            out.append(row)
        return out


def _run_chunk(
    box: Shipped, fn: Callable[[Registry, Any], Any], chunk: Sequence[tuple[int, Any]]
) -> list[Any]:
    """Worker side: the registry once per process, then ``fn`` on each scenario of the chunk."""
    registry = box.registry()
    return [_call(fn, registry, k, s) for k, s in chunk]


def _call(fn: Callable[[Registry, Any], Any], registry: Registry, k: int, s: Any) -> Any:
    try:
        return fn(registry, s)
    except Exception as exc:
        note = getattr(exc, "add_note", None)  # Python >= 3.11
        if note is not None:
            note(f"in scenario {k}: {s!r}")
        raise


def _check(scenarios: Any, fn: Any, executor: Any, min_work: Any, chunks: Any) -> tuple[Any, ...]:
    problems: list[Problem] = []
    if isinstance(scenarios, (str, bytes, Mapping)) or not isinstance(scenarios, Iterable):
        problems.append(Problem(("scenarios",), "must be an iterable of scenarios"))
        items: tuple[Any, ...] = ()
    else:
        items = tuple(scenarios)
    if not callable(fn):
        problems.append(Problem(("fn",), "must be callable as fn(registry, scenario)"))
    if executor is not None and not callable(getattr(executor, "submit", None)):
        problems.append(Problem(("executor",), "must have a submit() like concurrent.futures"))
    if isinstance(min_work, bool) or not isinstance(min_work, int) or min_work < 0:
        problems.append(Problem(("min_work",), "must be an integer >= 0"))
    if chunks is not None and (
        isinstance(chunks, bool) or not isinstance(chunks, int) or chunks < 1
    ):
        problems.append(Problem(("chunks",), "must be an integer >= 1"))
    if problems:
        raise MedAllianceError(problems)
    return items


def _count(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def scenario_sweep(
    registry: Registry,
    scenarios: Iterable[S],
    fn: Callable[[Registry, S], R],
    *,
    executor: Any = None,
    min_work: int = MIN_WORK,
    chunks: int | None = None,
) -> Sweep[S, R]:
    """``fn(registry, scenario)`` for every scenario, on an executor when the work pays.

    The executor is anything with ``concurrent.futures``' ``submit``: a
    :class:`~concurrent.futures.ProcessPoolExecutor`, or a Dask cluster's
    ``client.get_executor()``. Scenarios are grouped into ``chunks`` tasks; each task
    carries the registry pickled once in this process (a frozen model, never a networkx
    graph), and each worker process unpickles and compiles it once however many tasks it
    runs. ``fn`` and the scenarios must be picklable (a module-level function, plain data).

    Parameters
    ----------
    registry : Registry
        The registry every scenario starts from; not modified.
    scenarios : iterable
        The scenarios (e.g. institution ids to remove, policies, targets).
    fn : callable
        ``fn(registry, scenario) -> result``; must not modify the registry.
    executor : concurrent.futures.Executor-like, optional
        Where to run; ``None`` runs the serial loop.
    min_work : int, default :data:`MIN_WORK`
        Below this many scenarios × institutions the serial loop runs even with an executor.
    chunks : int, optional
        Tasks to submit; default twice the CPUs of this machine (at most one per scenario).

    Returns
    -------
    Sweep
        The results in scenario order, equal to ``[fn(registry, s) for s in scenarios]``.

    Raises
    ------
    MedAllianceError
        For scenarios that are not an iterable, a ``fn`` that is not callable, an executor
        without ``submit``, or a bad ``min_work`` / ``chunks`` (all reported at once).
    Exception
        Whatever ``fn`` raises, with a note naming the scenario.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.coverage import ReachTarget, removal_impact
    >>> reg = examples.load("gangkou")
    >>> def lost(registry, institution):
    ...     return len(removal_impact(registry, institution,
    ...                               target=ReachTarget(min_tier="二级")).lost)
    >>> scenario_sweep(reg, ["gangkou_peoples", "qisha_thc"], lost).results
    (4, 0)
    """
    require_registry(registry)
    items = _check(scenarios, fn, executor, min_work, chunks)
    work = len(items) * max(1, len(registry.institutions))
    if executor is None or len(items) < 2 or work < min_work:
        results = tuple(_call(fn, registry, k, s) for k, s in enumerate(items))
        return Sweep(scenarios=items, results=results, parallel=False, chunks=0)
    n_chunks = min(len(items), chunks or 2 * (os.cpu_count() or 1))
    box = Shipped.of(registry)
    indexed = list(enumerate(items))
    groups = [indexed[c::n_chunks] for c in range(n_chunks)]
    futures = [executor.submit(_run_chunk, box, fn, g) for g in groups]
    out: list[Any] = [None] * len(items)
    for g, fut in zip(groups, futures, strict=True):
        for (k, _), r in zip(g, fut.result(), strict=True):
            out[k] = r
    return Sweep(scenarios=items, results=tuple(out), parallel=True, chunks=n_chunks)

"""Run harnesses for a time budget: Hypothesis runs in rounds until the seconds are spent.

Settings come from the environment so CI and a long local run use the same code:
``MEDALLIANCE_FUZZ_SECONDS`` (per harness, default 2), ``MEDALLIANCE_FUZZ_DEADLINE``
(seconds one input may take, default 5), ``MEDALLIANCE_FUZZ_ROUNDS`` (stop after this many
rounds even with time left; default: no limit) and ``MEDALLIANCE_FUZZ_SEED`` (when set, round
``k`` draws its inputs from seed ``SEED + k``, so a run is repeatable: CI uses a fixed seed and
round count, so a landing never fails on an input nobody has seen; a long local run without a
seed explores new inputs).
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed

from fuzz.harnesses import Harness, check
from fuzz.mutations import mutated

ROUND = 25
"""Examples per Hypothesis round; the budget is checked between rounds."""


def seconds() -> float:
    """The time budget per harness, from ``MEDALLIANCE_FUZZ_SECONDS`` (default 2)."""
    return float(os.environ.get("MEDALLIANCE_FUZZ_SECONDS", "2"))


def deadline() -> timedelta:
    """How long one input may take, from ``MEDALLIANCE_FUZZ_DEADLINE`` (default 5 s)."""
    return timedelta(seconds=float(os.environ.get("MEDALLIANCE_FUZZ_DEADLINE", "5")))


def rounds_limit() -> int | None:
    """The most rounds per harness, from ``MEDALLIANCE_FUZZ_ROUNDS`` (default: no limit)."""
    value = os.environ.get("MEDALLIANCE_FUZZ_ROUNDS")
    return int(value) if value else None


def base_seed() -> int | None:
    """The seed of round 0, from ``MEDALLIANCE_FUZZ_SEED`` (default: random rounds)."""
    value = os.environ.get("MEDALLIANCE_FUZZ_SEED")
    return int(value) if value else None


def fuzz(harness: Harness, budget: float | None = None) -> int:
    """Fuzz one harness for ``budget`` seconds; return the number of rounds run.

    Raises whatever the reader raised other than MedAllianceError, with the shrunk input.
    """

    @settings(
        max_examples=ROUND,
        deadline=deadline(),
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated(harness.seeds()))
    def one(seed: tuple[str, bytes]) -> None:
        check(harness, seed)

    stop = time.monotonic() + (seconds() if budget is None else budget)
    limit, first = rounds_limit(), base_seed()
    rounds = 0
    while True:
        run = one if first is None else hypothesis_seed(first + rounds)(one)
        run()
        rounds += 1
        if time.monotonic() >= stop or (limit is not None and rounds >= limit):
            return rounds

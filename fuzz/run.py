"""Run harnesses for a time budget: Hypothesis runs in rounds until the seconds are spent.

Settings come from the environment so CI and a long local run use the same code:
``MEDALLIANCE_FUZZ_SECONDS`` (per harness, default 2) and ``MEDALLIANCE_FUZZ_DEADLINE``
(seconds one input may take, default 5).
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from hypothesis import HealthCheck, given, settings

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
    rounds = 0
    while True:
        one()
        rounds += 1
        if time.monotonic() >= stop:
            return rounds

"""Test-suite settings: one place for the Hypothesis profiles.

Property tests explore generated inputs, but a test run must be reproducible (the project's
rule: randomness only through explicit seeds), so the default profile derives the examples from
each test's name rather than from a fresh random seed. Set ``HYPOTHESIS_PROFILE=explore`` to draw
new examples locally (for example when hunting for bugs).

Both profiles share what every property test needs, so individual tests set only
``max_examples`` when they want a count other than Hypothesis' default of 100:

- no ``deadline``: one example compiles a whole generated registry, and its time depends on the
  machine's load more than on the code, so a per-example deadline only makes the suite flaky;
- ``HealthCheck.too_slow`` suppressed: drawing a valid registry (institutions, alliances,
  memberships and agreements that refer to each other) is legitimately slow to generate.

Run ``pytest -m "not slow"`` for the fast inner loop; the full suite (plain ``pytest``) runs
everything, including the tests marked ``@pytest.mark.slow``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SHARED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)

settings.register_profile("reproducible", _SHARED, derandomize=True)
settings.register_profile("explore", _SHARED, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

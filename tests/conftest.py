"""Test-suite settings: Hypothesis draws the same examples on every run.

Property tests explore generated inputs, but a test run must be reproducible (the project's
rule: randomness only through explicit seeds), so the examples are derived from each test's
name rather than from a fresh random seed. Set ``HYPOTHESIS_PROFILE=explore`` to draw new
examples locally (for example when hunting for bugs).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

"""Fuzz harnesses for every medalliance reader (issue 13).

One rule: a reader given any bytes either returns or raises
:class:`~medalliance.errors.MedAllianceError`. Any other exception, a warning, or an input
slower than the per-example deadline is a failure. See ``fuzz/README.md``.
"""

from __future__ import annotations

from fuzz.harnesses import HARNESSES, Harness, check

__all__ = ["HARNESSES", "Harness", "check"]

"""Naive reference implementations (oracles), written from the documented rules.

Each is plain Python over the model and never imports the fast path it checks (import-linter
enforces this); the tests and benchmarks compare the fast paths against them.
"""

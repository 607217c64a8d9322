"""``python -m fuzz [HARNESS ...] [--seconds N]``: run harnesses for longer than CI does."""

from __future__ import annotations

import argparse
import sys

from fuzz.harnesses import HARNESSES
from fuzz.run import fuzz, seconds


def main(argv: list[str] | None = None) -> int:
    """Run the named harnesses (all by default); exit 1 on the first failure."""
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument("harness", nargs="*", choices=[[], *HARNESSES], metavar="HARNESS")
    parser.add_argument("--seconds", type=float, default=None, help="per harness")
    args = parser.parse_args(argv)
    budget = seconds() if args.seconds is None else args.seconds
    for name in args.harness or list(HARNESSES):
        print(f"fuzz {name}: {budget:g} s", flush=True)
        rounds = fuzz(HARNESSES[name], budget)
        print(f"fuzz {name}: ok, {rounds} rounds", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

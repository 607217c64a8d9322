"""``python -m medalliance``: the same as the ``medalliance`` command."""

import sys

from medalliance.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m medalliance.cli``: the same as the ``medalliance`` command."""

import sys

from medalliance.cli import main

sys.exit(main())

"""Run the `roost` command: `python -m roost.core.cli ...`."""

from __future__ import annotations

import sys

from roost.core.cli.program import main

if __name__ == "__main__":
    sys.exit(main())

"""The `roost` command: one module per command, `program` builds the parser.

`main` is the console script's entry point; `python -m roost.core.cli` runs
it too.
"""

from __future__ import annotations

from roost.core.cli.program import main

__all__ = ["main"]

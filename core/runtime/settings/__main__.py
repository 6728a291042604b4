"""Print the README's settings table: `python -m roost.core.runtime.settings`."""

from __future__ import annotations

from roost.core.runtime.settings import settings_table

if __name__ == "__main__":
    print(settings_table(), end="")

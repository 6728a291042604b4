"""Quote client-supplied values in messages, cut short so errors stay small."""

from __future__ import annotations

from typing import Any

__all__ = ["SHOWN_CHARS", "short_repr"]

#: The longest quotation of a client's value in any message.
SHOWN_CHARS = 40


def short_repr(value: Any) -> str:
    """Return `repr(value)`, cut to SHOWN_CHARS with an ellipsis."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."

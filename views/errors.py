"""Render every error, roost's or Falcon's, in one JSON shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["render_error", "render_problems"]


def render_problems(
    problems: Mapping[int, Mapping[str, Sequence[str]]],
) -> dict[str, dict[str, list[str]]]:
    """Key problems by record index as a string, as the original tutorial API did."""
    return {
        str(index): {field: list(reasons) for field, reasons in fields.items()}
        for index, fields in sorted(problems.items())
    }


def render_error(
    title: str,
    message: str,
    *,
    problems: Mapping[int, Mapping[str, Sequence[str]]] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Return the error body: `error` (the message), `title`, and details.

    `error` is the key Open Inference Protocol clients read.
    """
    body: dict[str, Any] = {"error": message, "title": title}
    if problems is not None:
        body["errors"] = render_problems(problems)
    if request_id is not None:
        body["request_id"] = request_id
    return body

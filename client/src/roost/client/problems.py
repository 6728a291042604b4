"""Per-record, per-field problems as the server reports them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Problems", "parse_problems"]

#: Record position in the request -> field name -> reasons.
Problems = dict[int, dict[str, list[str]]]


def parse_problems(raw: Any) -> Problems:
    """Read the server's `errors` object (`{"0": {"x": ["..."]}}`) by position.

    Anything that is not that shape reads as no problems: the caller still has
    the status and the message.
    """
    if not isinstance(raw, Mapping):
        return {}
    problems: Problems = {}
    for row, fields in raw.items():
        if not isinstance(fields, Mapping):
            continue
        try:
            position = int(row)
        except (TypeError, ValueError):
            continue
        problems[position] = {
            str(name): _reasons(reasons) for name, reasons in fields.items()
        }
    return dict(sorted(problems.items()))


def _reasons(raw: Any) -> list[str]:
    if isinstance(raw, list | tuple):
        return [str(reason) for reason in raw]
    return [str(raw)]

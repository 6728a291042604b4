"""How much one request may carry, checked in one place for every protocol."""

from __future__ import annotations

from dataclasses import dataclass

from roost.core.errors import BadRequestError, PayloadTooLargeError
from roost.core.serving.input_batch import InputBatch

__all__ = ["IntakeLimits", "enforce_limits"]


@dataclass(frozen=True)
class IntakeLimits:
    """How much one request may carry."""

    max_body_bytes: int = 8 * 1024 * 1024
    max_records: int = 10_000
    max_fields_per_record: int = 1_000
    #: Seconds the whole body may take, from the end of the headers (the worker
    #: enforces it; the 408 names it).
    body_timeout: float = 10.0


def enforce_limits(batch: InputBatch, limits: IntakeLimits) -> None:
    """Refuse a batch with no rows, too many rows, or too wide a row.

    Raises:
        BadRequestError: no rows, or a row with more fields than allowed.
        PayloadTooLargeError: more rows than allowed.
    """
    if batch.count == 0:
        raise BadRequestError("the body holds no records")
    if batch.count > limits.max_records:
        raise PayloadTooLargeError(
            f"{batch.count} records in one request; at most "
            f"{limits.max_records} are allowed (ROOST_MAX_RECORDS)"
        )
    allowed = limits.max_fields_per_record
    if batch.widest > allowed:
        row, fields = _first_too_wide(batch, allowed)
        raise BadRequestError(
            f"record {row} has {fields} fields; at most {allowed} are allowed "
            "(ROOST_MAX_FIELDS_PER_RECORD)"
        )


def _first_too_wide(batch: InputBatch, allowed: int) -> tuple[int, int]:
    """Return the first row carrying more than `allowed` fields, and its width."""
    if batch.columns is not None:
        return 0, batch.widest  # every row carries as many fields
    for row, record in enumerate(batch.records()):
        if type(record) is dict and len(record) > allowed:
            return row, len(record)
    return 0, batch.widest

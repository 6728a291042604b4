"""Predict bodies decoded straight into columns, without a dict per record.

Most predict bodies are a JSON list of records that carry exactly the
schema's fields, with scalar values. `ColumnDecoder` decodes such a body
into msgspec structs (one slot per field) and reads them column by column,
which skips building, reading and freeing a dict per record: the largest
per-record cost left for big batches. It returns the columns only when they
are provably what the strict path gives (`roost.core.serving.intake.parse_json`,
then `records_from`, then one value per field and record); otherwise it
returns None and the caller takes that path, whose errors stay as they are.

Why the columns are the same whenever `decode` returns them:

- msgspec accepts only strict JSON, as jiter does: no NaN or Infinity, no
  lone surrogates, invalid UTF-8, control characters in strings, leading
  zeros or trailing commas; numbers beyond float range and integers too
  long to read are refused. It reads integers of any other size exactly and
  floats correctly rounded, as jiter does.
- Values are typed `str | int | float | bool | None`, so a body with a list
  or object inside a record is refused, not read.
- A record must carry every field and no other (fields required, unknown
  ones forbidden), so it has at least `len(fields)` keys. msgspec keeps the
  last of duplicate keys where the strict parser refuses them; a body with
  exactly `len(fields)` ":" per record has no duplicate (and no ":" inside
  a string), since every key is followed by one.
- At least one record; the strict path reports an empty list. Limits on
  records and fields are the data plane's (`roost.core.serving.limits`),
  checked on the batch whichever way it was decoded.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any, cast

import msgspec

from roost.core.serving.input_batch import InputBatch

__all__ = ["ColumnDecoder"]

#: The value types a flat record may hold.
_Scalar = str | int | float | bool | None


class ColumnDecoder:
    """Decodes bodies of records carrying exactly `fields`; safe across threads."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        if len(self.fields) < 2:  # attrgetter of one name returns a value, no tuple
            raise ValueError("a column decoder needs at least two fields")
        # Slot names are generated: field names need not be identifiers.
        slots = [f"f{index}" for index in range(len(self.fields))]
        record = msgspec.defstruct(
            "Record",
            [
                (slot, _Scalar, msgspec.field(name=name))
                for slot, name in zip(slots, self.fields, strict=True)
            ],
            forbid_unknown_fields=True,
            gc=False,  # scalars only: no reference cycles to collect
        )
        # The struct is made at run time, so its list type is too.
        self._decoder = msgspec.json.Decoder(cast("Any", list)[record])
        self._values_of = operator.attrgetter(*slots)

    def decode(self, raw: bytes, records: Callable[[], list[Any]]) -> InputBatch | None:
        """Return the body's columns, or None to leave it to the strict path.

        `records` is what the strict path would return (called only later,
        if a caller needs dict records after all).
        """
        try:
            decoded = self._decoder.decode(raw)
        except (msgspec.MsgspecError, ValueError):  # invalid UTF-8 is a ValueError
            return None
        count = len(decoded)
        if count == 0:
            return None
        if raw.count(b":") != count * len(self.fields):
            return None
        values = zip(*map(self._values_of, decoded), strict=True)
        return InputBatch.of_columns(
            dict(zip(self.fields, values, strict=True)), count, records
        )

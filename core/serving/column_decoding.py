"""Predict bodies decoded straight into columns, without a dict per record.

Most predict bodies are a JSON list of flat records that carry the schema's
fields: exactly those, or whole raw rows (the schema's fields among others
the model does not read, the same in every record). `ColumnDecoder` decodes
such a body into msgspec structs (one slot per key) and reads the schema's
slots column by column, which skips building, reading and freeing a dict per
record: the largest per-record cost left for big batches. It returns the
columns only when they are provably what the strict path gives
(`roost.core.serving.intake.parse_json`, then `records_from`, then one value
per field and record); otherwise it returns None and the caller takes that
path, whose errors stay as they are.

Why the columns are the same whenever `decode` returns them. Each struct
names a set of keys K: the schema's fields, plus for whole rows the other
keys of the first record (that record only suggests K; the proof below
holds for any K).

- msgspec accepts only strict JSON, as jiter does: no NaN or Infinity, no
  lone surrogates, invalid UTF-8, control characters in strings, leading
  zeros or trailing commas; numbers beyond float range and integers too
  long to read are refused. It reads integers of any other size exactly and
  floats correctly rounded, as jiter does.
- Every key of K is typed `str | int | float | bool | None`, the keys the
  model does not read too, so a body with a list or object anywhere in a
  record is refused, not read (or skipped unread).
- A record must carry every key of K and no other (all required, unknown
  ones forbidden), so it has at least `len(K)` keys. msgspec keeps the last
  of duplicate keys where the strict parser refuses them; a body with
  exactly `len(K)` ":" per record has no duplicate (and no ":" inside a
  string), since every key is followed by one.
- So every record holds exactly K, with the values the strict parser
  reads: the batch's widest record has `len(K)` fields, as the strict
  records' has, and the validator ignores the keys it does not know.
- At least one record; the strict path reports an empty list. Limits on
  records and fields are the data plane's (`roost.core.serving.limits`),
  checked on the batch whichever way it was decoded.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Iterator, KeysView, Sequence
from typing import Any, cast

import msgspec

from roost.core.serving.input_batch import InputBatch

__all__ = ["ColumnDecoder"]

#: The value types a flat record may hold.
_Scalar = str | int | float | bool | None
#: Wider whole rows take the strict path (a struct per shape costs to build).
MAX_ROW_KEYS = 256
#: Whole-row shapes kept per decoder; a shape gets its struct when seen twice.
_SHAPES = 8
_SIGHTINGS = 64
#: The "}" tried as the end of a body's first record (others are in strings).
_RECORD_ENDS = 4
#: Up to this many records, one tuple per record transposed beats a pass per
#: field.
_TRANSPOSED_ROWS = 16
#: What msgspec refuses in a field's name.
_UNNAMEABLE = re.compile(r'["\\\x00-\x1f]')


class _RecordReader:
    """Reads bodies of records that carry exactly `keys`, `fields` among them."""

    def __init__(self, fields: Sequence[str], keys: Sequence[str]) -> None:
        # Slot names are generated: keys need not be identifiers. msgspec
        # looks each key up from where the last one matched, so slots in the
        # body's own key order find every key at the first try.
        slots = {key: f"f{index}" for index, key in enumerate(keys)}
        record = msgspec.defstruct(
            "Record",
            [(slot, _Scalar, msgspec.field(name=key)) for key, slot in slots.items()],
            forbid_unknown_fields=True,
            gc=False,  # scalars only: no reference cycles to collect
        )
        # The struct is made at run time, so its list type is too.
        self._decoder = msgspec.json.Decoder(cast("Any", list)[record])
        self._values_of = operator.attrgetter(*(slots[field] for field in fields))
        self._field_of = tuple(operator.attrgetter(slots[field]) for field in fields)
        self.width = len(slots)

    def read(self, raw: bytes) -> tuple[int, Iterable[Sequence[Any]]] | None:
        """Return the record count and the fields' columns, or None."""
        try:
            decoded = self._decoder.decode(raw)
        except (msgspec.MsgspecError, ValueError):  # invalid UTF-8 is a ValueError
            return None
        count = len(decoded)
        if count == 0 or raw.count(b":") != count * self.width:
            return None
        if count <= _TRANSPOSED_ROWS:
            return count, zip(*map(self._values_of, decoded), strict=True)
        # A list per field, without a tuple per record: half the cost.
        return count, [list(map(field_of, decoded)) for field_of in self._field_of]


class ColumnDecoder:
    """Decodes bodies of flat records carrying `fields`; safe across threads."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        if len(self.fields) < 2:  # attrgetter of one name returns a value, no tuple
            raise ValueError("a column decoder needs at least two fields")
        self._field_set = frozenset(self.fields)
        self._exact = _RecordReader(self.fields, self.fields)
        self._first_record = msgspec.json.Decoder(dict[str, _Scalar])
        self._wider: dict[tuple[str, ...], _RecordReader] = {}
        self._sighted: set[tuple[str, ...]] = set()
        self._recent: _RecordReader | None = None

    def decode(self, raw: bytes, records: Callable[[], list[Any]]) -> InputBatch | None:
        """Return the body's columns, or None to leave it to the strict path.

        `records` is what the strict path would return (called only later,
        if a caller needs dict records after all).
        """
        for reader in self._readers(raw):
            read = reader.read(raw)
            if read is not None:
                count, values = read
                return InputBatch.of_columns(
                    dict(zip(self.fields, values, strict=True)),
                    count,
                    records,
                    widest=reader.width,
                )
        return None

    def _readers(self, raw: bytes) -> Iterator[_RecordReader]:
        """The readers to try: the fields alone, then whole rows' shapes.

        A whole row's reader refuses a body of another shape at its first
        record, so the shape read last goes first (clients repeat theirs),
        then the shape of the body's first record.
        """
        yield self._exact
        recent = self._recent
        if recent is not None:
            yield recent
        guessed = self._whole_row_reader(raw)
        if guessed is not None and guessed is not recent:
            self._recent = guessed
            yield guessed

    def _first_record_keys(self, raw: bytes) -> KeysView[str] | None:
        """The keys of the body's first record, or None if it has none to read.

        The record ends at a "}": one inside a string is passed over, up to
        `_RECORD_ENDS` of them.
        """
        start = raw.find(b"{")
        end = start
        for _ in range(_RECORD_ENDS if start >= 0 else 0):
            end = raw.find(b"}", end + 1)
            if end < 0:
                break
            try:
                return self._first_record.decode(raw[start : end + 1]).keys()
            except (msgspec.MsgspecError, ValueError):
                continue  # a "}" inside a string, or not a record at all
        return None

    def _whole_row_reader(self, raw: bytes) -> _RecordReader | None:
        """The reader for the keys of the body's first record, if it is a whole row.

        Only a guess at the shape: the reader itself proves or refuses it.
        """
        keys = self._first_record_keys(raw)
        if keys is None:
            return None
        if len(keys) > MAX_ROW_KEYS or not self._field_set < keys:
            return None
        if _UNNAMEABLE.search("".join(keys)):
            return None  # such rows are rare; they stay strict
        shape = tuple(keys)
        reader = self._wider.get(shape)
        if reader is None:
            # NOTE: a struct costs milliseconds to build, so only shapes a
            # client sends again get one; bodies of ever-new keys stay strict.
            if shape not in self._sighted:
                if len(self._sighted) >= _SIGHTINGS:
                    self._sighted.clear()
                self._sighted.add(shape)
                return None
            if len(self._wider) >= _SHAPES:
                self._wider.clear()
            reader = _RecordReader(self.fields, shape)
            self._wider[shape] = reader
        return reader

"""Typed pandas frames of a schema's fields, built without pandas' inference.

Validation proves every value of a field is of its kind before a frame is
built, so the frame is assembled from typed arrays (or, for a few rows,
one 2-D block per dtype) through pandas' internal builders, skipping the
per-column inference and checks of the public constructor.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BlockPlan",
    "FrameSource",
    "built_frame",
    "field_dtype",
    "frame_from_arrays",
]

#: A frame, or what builds it when it is first needed.
FrameSource = pd.DataFrame | Callable[[], pd.DataFrame]


def built_frame(owner: Any) -> pd.DataFrame:
    """`owner.source` as a frame: built on first use, then kept in its place.

    `owner` may be a frozen dataclass. Two threads may both build it; either
    frame is the same.
    """
    source = owner.source
    if isinstance(source, pd.DataFrame):
        return source
    frame: pd.DataFrame = source()
    object.__setattr__(owner, "source", frame)
    return frame


def field_dtype(rules: Mapping[str, Any]) -> str:
    """Name the numpy dtype a field with these cerberus rules takes in a frame."""
    kind = rules.get("type")
    if not isinstance(kind, str):
        return "object"  # several types (or none): keep values as they are
    nullable = bool(rules.get("nullable")) or not rules.get("required", False)
    if kind in {"float", "number"} or (kind == "integer" and nullable):
        return "float64"
    if kind == "integer":
        return "int64"
    if kind == "boolean" and not nullable:
        return "bool"
    return "object"


def frame_from_arrays(
    arrays: list[np.ndarray], columns: pd.Index, size: int
) -> pd.DataFrame:
    """Assemble a frame from typed 1-D arrays, keeping each array's dtype.

    NOTE: pandas' `DataFrame._from_arrays` skips the per-column inference
    and checks of the public constructor, several times cheaper for the
    small batches most requests are; the arrays are already typed and of
    equal length. String columns stay `object`, as in pandas 2.
    """
    build = getattr(pd.DataFrame, "_from_arrays", None)
    if build is None:  # a pandas without it: the public, slower way
        return pd.DataFrame(
            {
                c: pd.Series(a, dtype=a.dtype, copy=False)
                for c, a in zip(columns, arrays, strict=True)
            },
            columns=columns,
        )
    frame: pd.DataFrame = build(
        arrays, columns=columns, index=pd.RangeIndex(size), verify_integrity=False
    )
    return frame


def _blocks_builder() -> Callable[..., pd.DataFrame] | None:
    """Return the builder of a frame from 2-D blocks (pandas >= 3.0), or None."""
    try:
        internals = importlib.import_module("pandas.api.internals")
    except ImportError:  # pragma: no cover - pandas 2.x
        return None
    builder: Callable[..., pd.DataFrame] | None = getattr(
        internals, "create_dataframe_from_blocks", None
    )
    return builder


_create_dataframe_from_blocks = _blocks_builder()


@dataclass(frozen=True)
class _Block:
    """Fields of one dtype, built together as one 2-D array of the frame."""

    dtype: str
    fields: tuple[str, ...]
    #: Where the fields sit among the frame's columns.
    placement: np.ndarray


class BlockPlan:
    """Builds frames of a few rows as one 2-D array per dtype.

    One array per dtype rather than one per field: a frame of a row or a
    few then costs a third.
    """

    def __init__(
        self,
        build: Callable[..., pd.DataFrame],
        blocks: tuple[_Block, ...],
        columns: pd.Index,
    ) -> None:
        self._build = build
        self._blocks = blocks
        self._columns = columns

    @classmethod
    def of(cls, dtypes: Mapping[str, str], columns: pd.Index) -> BlockPlan | None:
        """Group the fields (in `columns`' order) by dtype; None: this pandas cannot."""
        build = _create_dataframe_from_blocks
        if build is None:
            return None
        by_dtype: dict[str, list[int]] = {}
        for position, field in enumerate(columns):
            by_dtype.setdefault(dtypes[field], []).append(position)
        blocks = tuple(
            _Block(
                dtype,
                tuple(columns[position] for position in positions),
                np.array(positions, dtype=np.intp),
            )
            for dtype, positions in by_dtype.items()
        )
        return cls(build, blocks, columns)

    def frame(self, columns: Mapping[str, Sequence[Any]], size: int) -> pd.DataFrame:
        """The frame of complete columns of proven values, `size` rows each.

        Proven values are scalars of their field's kind, so each block has
        exactly one row per field.
        """
        blocks = [
            (
                np.array([columns[field] for field in block.fields], dtype=block.dtype),
                block.placement,
            )
            for block in self._blocks
        ]
        return self._build(blocks, index=pd.RangeIndex(size), columns=self._columns)

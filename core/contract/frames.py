"""Read the columns of the frame an adapter is handed, without a Series each.

roost hands `predict` a pandas DataFrame; most adapters turn it straight back
into numpy columns. `frame[name]` builds a Series per column, which costs
about 15 µs under pandas 3: more than a small model's whole predict on the
few rows most requests carry. `column_arrays` reads the column's values from
the frame's blocks instead, and the same way the public API does when it
cannot.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["column_arrays"]


def column_arrays(
    frame: pd.DataFrame, names: Iterable[str] | None = None
) -> dict[str, np.ndarray[Any, Any]]:
    """Return the named columns (default: all) as read-only numpy arrays.

    Keys are the names as strings, as adapters name their inputs.

    Each array holds what `frame[name].to_numpy()` holds, in the column's own
    dtype, and is a view of the frame's data: it cannot be written to.

    Raises:
        KeyError: a name is not a column of `frame`.
    """
    chosen = list(frame.columns) if names is None else list(names)
    # NOTE: `_get_column_array` is pandas' own accessor of a column's values
    # (pandas >= 1.3); without it, or for a duplicated name or an extension
    # dtype, the public way.
    read = getattr(frame, "_get_column_array", None)
    columns = frame.columns
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for name in chosen:
        position = columns.get_loc(name)
        values = read(position) if read is not None and type(position) is int else None
        if not isinstance(values, np.ndarray):
            values = frame[name].to_numpy()
        else:
            values = values.view()
            values.flags.writeable = False
        arrays[str(name)] = values
    return arrays

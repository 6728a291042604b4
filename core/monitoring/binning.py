"""Bins per input feature, drawn from an adapter's reference rows.

A number falls in one of the decile bins of the reference (each edge a value
the reference holds, rounded to six significant digits, edges deduplicated so
a feature of few distinct values gets a bin per value; the outer bins
open-ended) or in `<missing>`. A category falls in its own bin when it is one
of the reference's most frequent categories, else in `<other>`, or in
`<missing>`. Every process draws the same bins from the same rows, so bin
labels agree across workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, pairwise
from typing import Any

import numpy as np
import pandas as pd

from roost.core.contract.frames import column_arrays

__all__ = [
    "MISSING",
    "OTHER",
    "FeatureBins",
    "ModelBins",
    "Rows",
    "bin_features",
]

#: Rows to count: a frame, or one sequence of values per field.
Rows = pd.DataFrame | Mapping[str, Sequence[Any]]

#: The bin of a missing value (None, NaN), for numbers and categories alike.
MISSING = "<missing>"
#: The bin of a category the reference rows do not hold (or hold too rarely).
OTHER = "<other>"
#: Quantile bins per number (fewer when the reference repeats values).
NUMBER_BINS = 10
#: Categories kept per feature; rarer ones share `<other>`.
MAX_CATEGORIES = 20
_SIGNIFICANT_DIGITS = 6
_NUMBER_TYPES = frozenset({"integer", "float", "number"})


def _rounded(values: np.ndarray) -> np.ndarray:
    """Round to `_SIGNIFICANT_DIGITS` significant digits, so labels are exact."""
    return np.array([float(f"{value:.{_SIGNIFICANT_DIGITS}g}") for value in values])


def _edge(value: float) -> str:
    return f"{value:.{_SIGNIFICANT_DIGITS}g}"


@dataclass(frozen=True)
class FeatureBins:
    """How one feature's values are binned, and the reference's counts.

    Numbers: `edges` are the inner bin edges, ascending; a value x lands in
    bin i when edges[i-1] <= x < edges[i]. Categories: `categories` are the
    kept labels, each its own bin, then `<other>`. The last bin is `<missing>`.
    """

    feature: str
    numeric: bool
    edges: tuple[float, ...]
    categories: tuple[str, ...]
    reference: tuple[int, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """Name each bin, in order: `[a, b)` ranges or categories, then `<missing>`."""
        if not self.numeric:
            return (*_unique_labels(self.categories), OTHER, MISSING)
        if not self.edges:
            return ("(-inf, +inf)", MISSING)
        bounds = [_edge(edge) for edge in self.edges]
        ranges = [f"(-inf, {bounds[0]})"]
        ranges += [f"[{low}, {high})" for low, high in pairwise(bounds)]
        ranges.append(f"[{bounds[-1]}, +inf)")
        return (*ranges, MISSING)

    def count(self, values: pd.Series | np.ndarray | Sequence[Any]) -> np.ndarray:
        """Count `values` per bin (an int64 array, one entry per label)."""
        counts = np.zeros(len(self.reference), dtype=np.int64)
        if self.numeric:
            numbers = _as_numbers(np.asarray(values))
            missing = np.isnan(numbers)
            places = np.searchsorted(self.edges, numbers[~missing], side="right")
            counts[: len(self.edges) + 1] = np.bincount(
                places, minlength=len(self.edges) + 1
            )
            counts[-1] = int(missing.sum())
            return counts
        # NOTE: tally each distinct value in C, then bin the few distinct ones.
        if not isinstance(values, pd.Series | np.ndarray):
            values = np.asarray(values, dtype=object)
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        present = codes[codes >= 0]
        counts[-1] = len(codes) - len(present)
        positions, other = self._positions, len(self.categories)
        for value, tally in zip(
            distinct.tolist(),
            np.bincount(present, minlength=len(distinct)).tolist(),
            strict=True,
        ):
            text = value if isinstance(value, str) else str(value)
            counts[positions.get(text, other)] += tally
        return counts

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {category: index for index, category in enumerate(self.categories)}

    def shares(self) -> np.ndarray:
        """Return the reference's share of rows per bin."""
        counts = np.asarray(self.reference, dtype=float)
        total = counts.sum()
        return counts / total if total else counts


def _as_numbers(column: np.ndarray) -> np.ndarray:
    """Return `column` as floats, anything not a number as NaN."""
    try:
        return np.asarray(column, dtype=float)
    except (TypeError, ValueError):
        numbers = pd.to_numeric(pd.Series(column), errors="coerce")
        return numbers.to_numpy(dtype=float, na_value=np.nan)


def _unique_labels(categories: Sequence[str]) -> list[str]:
    """Keep category labels apart from `<other>` and `<missing>`."""
    reserved = {OTHER, MISSING}
    labels = []
    for category in categories:
        label = category
        while label in reserved:
            label += "*"
        reserved.add(label)
        labels.append(label)
    return labels


def _number_bins(feature: str, reference: pd.Series) -> FeatureBins:
    numbers = pd.to_numeric(reference, errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    present = numbers[~np.isnan(numbers)]
    if present.size:
        inner = np.quantile(
            present, np.linspace(0, 1, NUMBER_BINS + 1)[1:-1], method="lower"
        )
        edges = tuple(float(edge) for edge in np.unique(_rounded(inner)))
    else:
        edges = ()
    draft = FeatureBins(feature, True, edges, (), (0,) * (len(edges) + 2))
    counts = draft.count(pd.Series(numbers))
    return FeatureBins(feature, True, edges, (), tuple(int(c) for c in counts))


def _category_bins(feature: str, reference: pd.Series) -> FeatureBins:
    present = reference.dropna().astype(str)
    frequent = present.value_counts(sort=True).index[:MAX_CATEGORIES]
    categories = tuple(sorted(str(category) for category in frequent))
    draft = FeatureBins(feature, False, (), categories, (0,) * (len(categories) + 2))
    counts = draft.count(reference)
    return FeatureBins(feature, False, (), categories, tuple(int(c) for c in counts))


def _is_number(rule: Mapping[str, Any] | None, reference: pd.Series) -> bool:
    """Numbers by the schema's type; without one, by the reference's dtype."""
    kind = (rule or {}).get("type")
    if isinstance(kind, str):
        return kind in _NUMBER_TYPES
    return bool(pd.api.types.is_numeric_dtype(reference)) and not bool(
        pd.api.types.is_bool_dtype(reference)
    )


@dataclass(frozen=True)
class ModelBins:
    """The bins of every feature of one model version."""

    features: tuple[FeatureBins, ...]

    def by_feature(self) -> dict[str, FeatureBins]:
        """Return the bins keyed by feature name."""
        return {bins.feature: bins for bins in self.features}

    def count(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Count the rows of `frame` per bin of each feature (absent: missing)."""
        return self.count_frames([frame])

    def count_frames(
        self, frames: Sequence[Rows], sample_rows: int = 0
    ) -> dict[str, np.ndarray]:
        """Count the rows of all `frames` together, per bin of each feature.

        Each item is a frame or its columns (field -> values). One of more
        than `sample_rows` rows (when that is above 0) is counted by a
        uniform random sample of `sample_rows` of its rows. Items of the same
        columns are stacked into one array per feature first: a drain of
        many requests costs one pass, not one per request.
        """
        totals = {
            bins.feature: np.zeros(len(bins.reference), dtype=np.int64)
            for bins in self.features
        }
        names = [bins.feature for bins in self.features]
        for columns, rows in _column_sets(frames, names, sample_rows):
            for bins in self.features:
                values = columns.get(bins.feature)
                if values is None:
                    totals[bins.feature][-1] += rows
                else:
                    totals[bins.feature] += bins.count(values)
        return totals


#: Frames of at most this many rows, not sampled, are read as one object
#: matrix each.
_SMALL_ROWS = 256
_sampling = np.random.default_rng()

#: Feature columns (arrays or lists of values) and their row count.
_Columns = tuple[dict[str, Any], int]


def _row_count(rows: Rows) -> int:
    if isinstance(rows, pd.DataFrame):
        return len(rows)
    return len(next(iter(rows.values()), ()))


def _column_sets(
    frames: Sequence[Rows], features: Sequence[str], sample_rows: int
) -> Iterator[_Columns]:
    """Yield the items' feature columns, those of the same columns stacked.

    An item of more than `sample_rows` rows (when that is above 0) gives a
    uniform random sample of that many rows, taken column by column in the
    columns' own dtypes. Stacking makes a drain of many requests one count
    per feature, not one per request.
    """
    wanted = set(features)
    small: dict[tuple[Any, ...], list[pd.DataFrame]] = {}
    listed: dict[tuple[str, ...], list[Mapping[str, Sequence[Any]]]] = {}
    large: dict[tuple[str, ...], list[_Columns]] = {}
    for item in frames:
        rows = _row_count(item)
        sampled = 0 < sample_rows < rows
        if rows > _SMALL_ROWS or sampled:
            part = _large_columns(item, wanted, sample_rows)
            large.setdefault(tuple(part[0]), []).append(part)
        elif not rows:
            continue
        elif isinstance(item, pd.DataFrame):
            small.setdefault(tuple(item.columns), []).append(item)
        else:
            listed.setdefault(tuple(item), []).append(item)
    for labels, group in small.items():
        # One object matrix per frame, stacked: for a row or a few, cheaper
        # than a column at a time.
        stacked = np.concatenate([frame.to_numpy(dtype=object) for frame in group])
        columns = {
            str(label): stacked[:, at]
            for at, label in enumerate(labels)
            if label in wanted
        }
        yield columns, len(stacked)
    for fields, mappings in listed.items():
        # Plain lists joined: no array, no frame per request.
        joined: dict[str, Any] = {
            name: list(chain.from_iterable(mapping[name] for mapping in mappings))
            for name in fields
            if name in wanted
        }
        yield joined, sum(map(_row_count, mappings))
    for names, parts in large.items():
        if len(parts) == 1:
            yield parts[0]
            continue
        stacked_parts = {
            name: np.concatenate([columns[name] for columns, _ in parts])
            for name in names
        }
        yield stacked_parts, sum(rows for _, rows in parts)


def _large_columns(item: Rows, wanted: set[str], sample_rows: int) -> _Columns:
    """A large item's feature columns (a sample of its rows) and their rows."""
    # NOTE: neither `frame.take` nor an object matrix: both copy every
    # column (and box every number) to keep a few hundred rows.
    rows = _row_count(item)
    if isinstance(item, pd.DataFrame):
        names = [name for name in item.columns if name in wanted]
        columns: dict[str, np.ndarray] = column_arrays(item, names)
    else:
        columns = {
            name: np.asarray(values, dtype=object)
            for name, values in item.items()
            if name in wanted
        }
    if not 0 < sample_rows < rows:
        return columns, rows
    picked = np.sort(_sampling.choice(rows, sample_rows, replace=False))
    return {name: values[picked] for name, values in columns.items()}, sample_rows


def bin_features(
    reference: pd.DataFrame, schema: Mapping[str, Mapping[str, Any]]
) -> ModelBins:
    """Draw bins for each schema field the reference rows hold.

    Raises:
        ValueError: the reference has no rows, or none of the schema's fields.
    """
    if reference.empty:
        raise ValueError("the reference rows are empty")
    features = [name for name in schema if name in reference.columns]
    if not features:
        raise ValueError("the reference rows hold none of the input fields")
    return ModelBins(
        tuple(
            _number_bins(name, reference[name])
            if _is_number(schema.get(name), reference[name])
            else _category_bins(name, reference[name])
            for name in features
        )
    )

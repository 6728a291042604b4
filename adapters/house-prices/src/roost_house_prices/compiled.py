"""The fitted pipeline's arithmetic on column arrays: same answers, no pandas.

The scikit-learn pipeline spends milliseconds per call in pandas overhead
inside its transformers; the model itself (a Lasso) costs microseconds. A
`CompiledPipeline` reads what each fitted step learned (fill values, frequent
labels, label ranks, scaling, coefficients) and applies the same arithmetic,
in the same order, to numpy columns. The pipeline stays the reference: tests
compare both on every test.csv house.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import Lasso
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from roost.core import column_arrays
from roost_house_prices import config
from roost_house_prices.transformers import (
    MISSING_LABEL,
    RARE_LABEL,
    CategoricalImputer,
    DropFeatures,
    LogTransformer,
    NumericalImputer,
    PipelineInputError,
    RareLabelEncoder,
    TargetOrderEncoder,
    TemporalTransformer,
)

__all__ = [
    "MIRRORED_STEPS",
    "CompiledPipeline",
    "UnexpectedStepsError",
    "check_mirrored_steps",
]

#: The pipeline's steps, by name and exact type, that `CompiledPipeline`
#: mirrors in this order; any other pipeline is refused, not approximated.
MIRRORED_STEPS: tuple[tuple[str, type], ...] = (
    ("categorical_imputer", CategoricalImputer),
    ("numerical_imputer", NumericalImputer),
    ("temporal_variable", TemporalTransformer),
    ("rare_label_encoder", RareLabelEncoder),
    ("categorical_encoder", TargetOrderEncoder),
    ("log_transformer", LogTransformer),
    ("drop_features", DropFeatures),
    ("scaler", MinMaxScaler),
    ("lasso", Lasso),
)


class UnexpectedStepsError(ValueError):
    """The pipeline's steps are not exactly the ones the compiled engine mirrors."""


def check_mirrored_steps(pipeline: Pipeline) -> None:
    """Refuse a pipeline whose steps differ from `MIRRORED_STEPS`.

    Raises:
        UnexpectedStepsError: names the steps added, missing or of another type.
    """
    found = [(name, type(step)) for name, step in pipeline.steps]
    if found == list(MIRRORED_STEPS):
        return
    expected = dict(MIRRORED_STEPS)
    unexpected = [
        f"{name} ({kind.__name__})"
        for name, kind in found
        if expected.get(name) is not kind
    ]
    missing = [name for name, _ in MIRRORED_STEPS if name not in dict(found)]
    problems = []
    if unexpected:
        problems.append(f"unexpected step(s) {', '.join(unexpected)}")
    if missing:
        problems.append(f"missing step(s) {', '.join(missing)}")
    if not problems:
        problems.append(f"steps in another order: {[name for name, _ in found]}")
    raise UnexpectedStepsError(
        "the compiled engine mirrors exactly the steps "
        f"{[name for name, _ in MIRRORED_STEPS]}; this pipeline has "
        f"{'; '.join(problems)}: serve it with engine=pipeline or retrain it"
    )


#: Most labels a categorical lookup remembers (known ones plus rare ones met).
_LOOKUP_LIMIT = 4096
#: Up to this many rows, one object matrix beats taking columns one by one.
_SMALL_FRAME = 256
#: Up to this many rows, the final sum runs on Python floats: same
#: arithmetic, none of numpy's fixed cost per call.
_PYTHON_SUM_ROWS = 16


@dataclass(frozen=True)
class _Categorical:
    """Raw label -> rank, with what missing and unknown labels become."""

    codes: Mapping[Any, float]
    missing: float | None
    other: float | None
    #: `codes` plus None -> `missing`, plus rare labels met so far -> `other`,
    #: so that most batches map in one pass. Grows to at most `_LOOKUP_LIMIT`.
    lookup: dict[Any, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = dict(self.codes)
        if self.missing is not None:
            lookup[None] = self.missing
        object.__setattr__(self, "lookup", lookup)

    def encode(self, var: str, values: list[Any]) -> np.ndarray:
        """Map labels to ranks; missing and unknown labels as the pipeline does."""
        get = self.lookup.get
        # One C-level pass. Ranks are finite, and a label the lookup lacks
        # gives None, which float64 reads as NaN: NaN means "look closer".
        codes = np.fromiter(map(get, values), dtype=np.float64, count=len(values))
        if not np.isnan(codes).any():
            return codes
        return np.array(
            [
                code if (code := get(value)) is not None else self._fallback(var, value)
                for value in values
            ],
            dtype=np.float64,
        )

    def _fallback(self, var: str, value: Any) -> float:
        is_missing = value is None or (isinstance(value, float) and math.isnan(value))
        code = self.missing if is_missing else self.other
        if code is None:
            raise PipelineInputError(f"{var}: cannot encode label {value!r}")
        if type(value) is str and len(self.lookup) < _LOOKUP_LIMIT:
            self.lookup[value] = code  # the same answer next time, in one pass
        return code


def _float_rows(values: np.ndarray) -> np.ndarray:
    """Numbers (any shape) as float64: None and NaN stay NaN, pd.NA becomes NaN."""
    try:
        return np.asarray(values, dtype=np.float64)
    except TypeError:  # pd.NA (from nullable columns) refuses float()
        return np.array(
            [np.nan if value is pd.NA else value for value in values.flat],
            dtype=np.float64,
        ).reshape(values.shape)


def _input_rows(
    frame: pd.DataFrame, numeric: tuple[str, ...], labels: tuple[str, ...]
) -> tuple[np.ndarray, list[list[Any]]]:
    """The numeric inputs as one (variable, row) float64 matrix, and the labels.

    Up to `_SMALL_FRAME` rows, one object matrix sliced at once: a batch of
    a few rows then costs a handful of numpy calls, not several per column.
    Beyond, column by column in their own dtypes (`column_arrays`, no Series
    each): turning every number into a Python object then costs more.
    """
    if len(frame) <= _SMALL_FRAME:
        values = frame.to_numpy(dtype=object)
        position = {name: j for j, name in enumerate(frame.columns)}
        numbers = _float_rows(values[:, [position[var] for var in numeric]].T)
        label_rows = values[:, [position[var] for var in labels]].T.tolist()
        return numbers, label_rows
    columns = column_arrays(frame, [*numeric, *labels])
    numbers = np.stack([_float_rows(columns[var]) for var in numeric])
    return numbers, [columns[var].tolist() for var in labels]


def _sequential_sum(start: float, terms: list[float]) -> float:
    """`start` plus each term in turn, as float64 (no pairwise or compensated sum)."""
    total = start
    for term in terms:
        total += term
    return total


@dataclass(frozen=True)
class CompiledPipeline:
    """The fitted house-prices pipeline as lookup tables and vectors."""

    columns: tuple[str, ...]
    categorical: Mapping[str, _Categorical]
    fill: Mapping[str, float]
    temporal: tuple[tuple[str, str], ...]
    log_vars: frozenset[str]
    scale: np.ndarray
    offset: np.ndarray
    coef: np.ndarray
    intercept: float
    #: Derived in __post_init__: where each variable sits in the matrices.
    _labels: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _numeric_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    _fill_column: np.ndarray = field(init=False, repr=False, compare=False)
    _logged_rows: list[int] = field(init=False, repr=False, compare=False)
    _numeric_slots: list[int] = field(init=False, repr=False, compare=False)
    _numeric_sources: list[int] = field(init=False, repr=False, compare=False)
    _label_slots: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        numeric = {var: row for row, var in enumerate(config.NUMERICAL_VARS)}
        labels = tuple(var for var in self.columns if var in self.categorical)
        slots = {var: slot for slot, var in enumerate(self.columns)}
        numeric_used = [var for var in self.columns if var not in self.categorical]
        derived = {
            "_labels": labels,
            "_numeric_index": numeric,
            "_fill_column": np.array(
                [[self.fill.get(var, np.nan)] for var in config.NUMERICAL_VARS],
                dtype=np.float64,
            ),
            "_logged_rows": sorted(numeric[var] for var in self.log_vars),
            "_numeric_slots": [slots[var] for var in numeric_used],
            "_numeric_sources": [numeric[var] for var in numeric_used],
            "_label_slots": [slots[var] for var in labels],
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> CompiledPipeline:
        """Read the learned state of every step of a fitted pipeline.

        Raises:
            UnexpectedStepsError: the pipeline is not the one this mirrors.
        """
        check_mirrored_steps(pipeline)
        steps = pipeline.named_steps
        with_na = set(steps["categorical_imputer"].variables)
        frequent = steps["rare_label_encoder"].encoder_dict_
        ranks = steps["categorical_encoder"].encoder_dict_
        categorical = {}
        for var, rank in ranks.items():
            labels = set(frequent[var])
            rare = rank.get(RARE_LABEL)
            # NaN is never "frequent" (value_counts drops it): it becomes
            # "Missing" where imputed, "Rare" elsewhere.
            missing = (
                (rank.get(MISSING_LABEL, rare) if MISSING_LABEL in labels else rare)
                if var in with_na
                else rare
            )
            categorical[var] = _Categorical(
                codes={label: float(rank[label]) for label in labels if label in rank},
                missing=None if missing is None else float(missing),
                other=None if rare is None else float(rare),
            )
        temporal = steps["temporal_variable"]
        dropped = set(steps["drop_features"].variables)
        scaler, lasso = steps["scaler"], steps["lasso"]
        return cls(
            columns=tuple(var for var in config.FEATURES if var not in dropped),
            categorical=categorical,
            fill={
                k: float(v) for k, v in steps["numerical_imputer"].imputer_dict_.items()
            },
            temporal=tuple(
                (var, temporal.reference_variable) for var in temporal.variables
            ),
            log_vars=frozenset(steps["log_transformer"].variables),
            scale=np.asarray(scaler.scale_, dtype=np.float64),
            offset=np.asarray(scaler.min_, dtype=np.float64),
            coef=np.asarray(lasso.coef_, dtype=np.float64),
            intercept=float(lasso.intercept_),
        )

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Predict sale prices in dollars for every row of `frame`.

        Every step works on all variables of a kind at once, one row of the
        matrices per variable, in the pipeline's order of operations; each
        price depends on its own row only, whatever the batch's size.

        Raises:
            PipelineInputError: a label cannot be encoded or a logged input
                is not strictly positive, exactly where the pipeline raises.
        """
        numbers, label_rows = _input_rows(frame, config.NUMERICAL_VARS, self._labels)
        return self._prices(numbers, label_rows, len(frame))

    def predict_columns(
        self, columns: Mapping[str, Sequence[Any]], rows: int
    ) -> np.ndarray:
        """Predict as `predict` does, from one sequence of values per input.

        Numbers are ints, floats or None (missing), labels str or None: the
        values a frame of the same rows holds, so the prices are the same.

        Raises:
            PipelineInputError: as `predict`.
        """
        numbers = np.array(
            [columns[var] for var in config.NUMERICAL_VARS], dtype=np.float64
        )
        label_rows = [list(columns[var]) for var in self._labels]
        return self._prices(numbers, label_rows, rows)

    def _prices(
        self, numbers: np.ndarray, label_rows: list[list[Any]], rows: int
    ) -> np.ndarray:
        """Prices from the (variable, row) numbers and each label's values."""
        fill = self._fill_column
        numbers = np.where(np.isnan(numbers), fill, numbers)
        index = self._numeric_index
        for var, reference in self.temporal:
            numbers[index[var]] = numbers[index[reference]] - numbers[index[var]]
        logged = numbers[self._logged_rows]
        if not (logged > 0).all():
            self._refuse_log(numbers)
        numbers[self._logged_rows] = np.log(logged)
        codes = self._encode(label_rows, rows)
        matrix = np.empty((len(self.columns), rows), dtype=np.float64)
        matrix[self._numeric_slots] = numbers[self._numeric_sources]
        matrix[self._label_slots] = codes
        # Same order of operations as MinMaxScaler.transform and Lasso.predict.
        matrix *= self.scale[:, None]
        matrix += self.offset[:, None]
        matrix *= self.coef[:, None]
        # A fixed-order sum, not BLAS nor numpy's pairwise reduction: their
        # last bit can depend on the batch's size and threads, and a house
        # must be priced the same online, in a batch job, alone or in company.
        if rows <= _PYTHON_SUM_ROWS:
            log_prices = np.array(
                [_sequential_sum(self.intercept, terms) for terms in matrix.T.tolist()],
                dtype=np.float64,
            )
        else:
            log_prices = np.full(rows, self.intercept)
            for terms in matrix:
                log_prices += terms
        prices: np.ndarray = np.exp(log_prices)
        return prices

    def _encode(self, label_rows: list[list[Any]], rows: int) -> np.ndarray:
        """Ranks of every label variable, one row per variable, in one pass."""
        gets = [self.categorical[var].lookup.get for var in self._labels]
        # A label the lookups lack gives None, which float64 reads as NaN:
        # NaN means "look closer", variable by variable.
        looked_up = (
            map(get, values) for get, values in zip(gets, label_rows, strict=True)
        )
        codes = np.fromiter(
            chain.from_iterable(looked_up),
            dtype=np.float64,
            count=len(gets) * rows,
        ).reshape(len(gets), rows)
        if np.isnan(codes).any():
            for row, var in enumerate(self._labels):
                if np.isnan(codes[row]).any():
                    codes[row] = self.categorical[var].encode(var, label_rows[row])
        return codes

    def _refuse_log(self, numbers: np.ndarray) -> None:
        """Raise as the log step does for the first variable not strictly positive."""
        for var in self.log_vars:
            values = numbers[self._numeric_index[var]]
            not_positive = ~(values > 0)
            if not_positive.any():
                bad = sorted(set(values[not_positive].tolist()))
                raise PipelineInputError(
                    f"{var}: values must be strictly positive to take the log; "
                    f"got {bad}"
                )

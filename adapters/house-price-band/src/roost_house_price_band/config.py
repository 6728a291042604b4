"""Inputs, price bands and hyper-parameters of the house-price-band model."""

from __future__ import annotations

from typing import Final

#: Column of train.csv the bands are cut from (the sale price in dollars).
TARGET: Final = "SalePrice"

#: The bands, cheapest first: the classes the model predicts.
BANDS: Final[tuple[str, ...]] = ("cheap", "mid", "expensive")

#: Lowest sale price (dollars) of each band after the first: cheap is under
#: 140,000, mid from 140,000 to 189,999, expensive from 190,000. They are the
#: terciles of train.csv's SalePrice (139,700 and 190,000) rounded to
#: thousands, and fixed: retraining never moves them.
BAND_EDGES: Final[tuple[int, ...]] = (140_000, 190_000)

#: Number inputs: quality 1-10, living area and basement area in square
#: feet, year built, garage size in cars, feet of street.
NUMERICAL_VARS: Final[tuple[str, ...]] = (
    "OverallQual",
    "GrLivArea",
    "YearBuilt",
    "TotalBsmtSF",
    "GarageCars",
    "LotFrontage",
)

#: Label inputs, one-hot encoded.
CATEGORICAL_VARS: Final[tuple[str, ...]] = (
    "Neighborhood",
    "HouseStyle",
    "KitchenQual",
    "GarageFinish",
)

#: The model's inputs, in the order the pipeline receives them.
FEATURES: Final[tuple[str, ...]] = NUMERICAL_VARS + CATEGORICAL_VARS

#: Number inputs a record may leave out or send as null; the training median
#: fills them.
NULLABLE_NUMBERS: Final[tuple[str, ...]] = ("TotalBsmtSF", "GarageCars", "LotFrontage")

#: Label inputs a record may leave out or send as null; a missing label
#: becomes `MISSING_LABEL`, a category of its own (no garage, for GarageFinish).
NULLABLE_LABELS: Final[tuple[str, ...]] = ("GarageFinish",)

#: Inputs a record may leave out (or send as null).
NULLABLE_VARS: Final[tuple[str, ...]] = NULLABLE_NUMBERS + NULLABLE_LABELS

#: What a missing label is encoded as.
MISSING_LABEL: Final = "Missing"

#: Share of train.csv held out (stratified by band) to measure the model.
HOLDOUT_SIZE: Final = 0.2

#: Seed of the holdout split.
RANDOM_STATE: Final = 0

#: Inverse regularisation strength of the logistic regression.
LOGISTIC_C: Final = 1.0

#: Iterations the logistic regression's solver may take to converge.
MAX_ITER: Final = 2_000

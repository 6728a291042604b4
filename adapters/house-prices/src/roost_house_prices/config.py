"""Feature lists and hyper-parameters of the house-prices pipeline."""

from __future__ import annotations

from typing import Final

#: Column of train.csv the model predicts (the sale price in dollars).
TARGET: Final = "SalePrice"

#: The model's inputs, in the order the pipeline receives them.
FEATURES: Final[tuple[str, ...]] = (
    "MSSubClass",
    "MSZoning",
    "Neighborhood",
    "OverallQual",
    "OverallCond",
    "YearRemodAdd",
    "RoofStyle",
    "MasVnrType",
    "BsmtQual",
    "BsmtExposure",
    "HeatingQC",
    "CentralAir",
    "1stFlrSF",
    "GrLivArea",
    "BsmtFullBath",
    "KitchenQual",
    "Fireplaces",
    "FireplaceQu",
    "GarageType",
    "GarageFinish",
    "GarageCars",
    "PavedDrive",
    "LotFrontage",
    "YrSold",
)

#: Inputs holding category labels (strings); target-encoded by the pipeline.
CATEGORICAL_VARS: Final[tuple[str, ...]] = (
    "MSZoning",
    "Neighborhood",
    "RoofStyle",
    "MasVnrType",
    "BsmtQual",
    "BsmtExposure",
    "HeatingQC",
    "CentralAir",
    "KitchenQual",
    "FireplaceQu",
    "GarageType",
    "GarageFinish",
    "PavedDrive",
)

#: Inputs holding numbers.
NUMERICAL_VARS: Final[tuple[str, ...]] = tuple(
    var for var in FEATURES if var not in CATEGORICAL_VARS
)

#: Categorical inputs that may be missing; a missing value becomes "Missing".
CATEGORICAL_VARS_WITH_NA: Final[tuple[str, ...]] = (
    "MasVnrType",
    "BsmtQual",
    "BsmtExposure",
    "FireplaceQu",
    "GarageType",
    "GarageFinish",
)

#: Numerical inputs that may be missing; a missing value becomes the training mode.
NUMERICAL_VARS_WITH_NA: Final[tuple[str, ...]] = ("LotFrontage",)

#: Inputs a record may leave out (or send as null).
NULLABLE_VARS: Final[tuple[str, ...]] = (
    CATEGORICAL_VARS_WITH_NA + NUMERICAL_VARS_WITH_NA
)

#: Year inputs turned into "years before the sale" ...
TEMPORAL_VARS: Final[tuple[str, ...]] = ("YearRemodAdd",)
#: ... by subtracting them from this one.
TEMPORAL_REFERENCE: Final = "YrSold"

#: Strictly positive inputs replaced by their natural logarithm.
LOG_VARS: Final[tuple[str, ...]] = ("LotFrontage", "1stFlrSF", "GrLivArea")

#: Inputs dropped before scaling (used only to derive other features).
DROP_FEATURES: Final[tuple[str, ...]] = ("YrSold",)

#: Labels rarer than this share of the training rows are pooled as "Rare".
RARE_LABEL_TOL: Final = 0.01

#: Lasso regularisation strength.
LASSO_ALPHA: Final = 0.005

#: Share of train.csv held out to measure the trained model.
HOLDOUT_SIZE: Final = 0.1

#: Seed for the holdout split and the Lasso.
RANDOM_STATE: Final = 0

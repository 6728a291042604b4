"""The cerberus schema of one house-prices input record."""

from __future__ import annotations

from typing import Any, Final

__all__ = ["ALLOWED_LABELS", "INPUT_SCHEMA"]

#: Every label of each categorical input, as found in the packaged train.csv
#: (sorted; missing values excluded). Written out so importing reads no file;
#: a test checks them against the CSV.
ALLOWED_LABELS: Final[dict[str, list[str]]] = {
    "MSZoning": ["C (all)", "FV", "RH", "RL", "RM"],
    "Neighborhood": [
        "Blmngtn",
        "Blueste",
        "BrDale",
        "BrkSide",
        "ClearCr",
        "CollgCr",
        "Crawfor",
        "Edwards",
        "Gilbert",
        "IDOTRR",
        "MeadowV",
        "Mitchel",
        "NAmes",
        "NPkVill",
        "NWAmes",
        "NoRidge",
        "NridgHt",
        "OldTown",
        "SWISU",
        "Sawyer",
        "SawyerW",
        "Somerst",
        "StoneBr",
        "Timber",
        "Veenker",
    ],
    "RoofStyle": ["Flat", "Gable", "Gambrel", "Hip", "Mansard", "Shed"],
    "MasVnrType": ["BrkCmn", "BrkFace", "None", "Stone"],
    "BsmtQual": ["Ex", "Fa", "Gd", "TA"],
    "BsmtExposure": ["Av", "Gd", "Mn", "No"],
    "HeatingQC": ["Ex", "Fa", "Gd", "Po", "TA"],
    "CentralAir": ["N", "Y"],
    "KitchenQual": ["Ex", "Fa", "Gd", "TA"],
    "FireplaceQu": ["Ex", "Fa", "Gd", "Po", "TA"],
    "GarageType": ["2Types", "Attchd", "Basment", "BuiltIn", "CarPort", "Detchd"],
    "GarageFinish": ["Fin", "RFn", "Unf"],
    "PavedDrive": ["N", "P", "Y"],
}


def _integer(minimum: int, maximum: int) -> dict[str, Any]:
    return {"type": "integer", "required": True, "min": minimum, "max": maximum}


def _label(name: str, *, nullable: bool) -> dict[str, Any]:
    return {
        "type": "string",
        "required": not nullable,
        "nullable": nullable,
        "allowed": list(ALLOWED_LABELS[name]),
    }


#: One record: the 24 model inputs. Missing-able inputs are nullable and
#: optional; logged inputs (1stFlrSF, GrLivArea, LotFrontage) must be positive.
INPUT_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "MSSubClass": _integer(20, 190),
    "MSZoning": _label("MSZoning", nullable=False),
    "Neighborhood": _label("Neighborhood", nullable=False),
    "OverallQual": _integer(1, 10),
    "OverallCond": _integer(1, 10),
    "YearRemodAdd": _integer(1800, 2100),
    "RoofStyle": _label("RoofStyle", nullable=False),
    "MasVnrType": _label("MasVnrType", nullable=True),
    "BsmtQual": _label("BsmtQual", nullable=True),
    "BsmtExposure": _label("BsmtExposure", nullable=True),
    "HeatingQC": _label("HeatingQC", nullable=False),
    "CentralAir": _label("CentralAir", nullable=False),
    "1stFlrSF": _integer(1, 100_000),
    "GrLivArea": _integer(1, 100_000),
    "BsmtFullBath": _integer(0, 10),
    "KitchenQual": _label("KitchenQual", nullable=False),
    "Fireplaces": _integer(0, 10),
    "FireplaceQu": _label("FireplaceQu", nullable=True),
    "GarageType": _label("GarageType", nullable=True),
    "GarageFinish": _label("GarageFinish", nullable=True),
    "GarageCars": _integer(0, 20),
    "PavedDrive": _label("PavedDrive", nullable=False),
    "LotFrontage": {
        "type": "float",
        "required": False,
        "nullable": True,
        "min": 0.01,
        "max": 10_000,
    },
    "YrSold": _integer(1800, 2100),
}

"""The cerberus schema of one house-price-band input record."""

from __future__ import annotations

from typing import Any, Final

__all__ = ["ALLOWED_LABELS", "INPUT_SCHEMA"]

#: Every label of each label input, as found in the packaged train.csv
#: (sorted; missing values excluded). Written out so importing reads no file;
#: a test checks them against the CSV.
ALLOWED_LABELS: Final[dict[str, list[str]]] = {
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
    "HouseStyle": [
        "1.5Fin",
        "1.5Unf",
        "1Story",
        "2.5Fin",
        "2.5Unf",
        "2Story",
        "SFoyer",
        "SLvl",
    ],
    "KitchenQual": ["Ex", "Fa", "Gd", "TA"],
    "GarageFinish": ["Fin", "RFn", "Unf"],
}


def _integer(minimum: int, maximum: int, *, nullable: bool = False) -> dict[str, Any]:
    return {
        "type": "integer",
        "required": not nullable,
        "nullable": nullable,
        "min": minimum,
        "max": maximum,
    }


def _label(name: str, *, nullable: bool = False) -> dict[str, Any]:
    return {
        "type": "string",
        "required": not nullable,
        "nullable": nullable,
        "allowed": list(ALLOWED_LABELS[name]),
    }


#: One record: the 10 model inputs. Nullable inputs are optional too; a label
#: outside its `allowed` list is refused by name before the model sees it.
INPUT_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "OverallQual": _integer(1, 10),
    "GrLivArea": _integer(1, 100_000),
    "YearBuilt": _integer(1800, 2100),
    "TotalBsmtSF": _integer(0, 100_000, nullable=True),
    "GarageCars": _integer(0, 20, nullable=True),
    "LotFrontage": {
        "type": "float",
        "required": False,
        "nullable": True,
        "min": 0.01,
        "max": 10_000,
    },
    "Neighborhood": _label("Neighborhood"),
    "HouseStyle": _label("HouseStyle"),
    "KitchenQual": _label("KitchenQual"),
    "GarageFinish": _label("GarageFinish", nullable=True),
}

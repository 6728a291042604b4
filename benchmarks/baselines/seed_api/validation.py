"""Request validation of the seed API: a marshmallow schema of one house.

The fields are those of a raw Ames record (test.csv's columns), typed as the
seed typed them: strings, integers and floats, `allow_none` where the data has
missing values. Field names cannot start with a digit, so three are renamed
before loading and back afterwards, and rows with errors are dropped.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

Record = dict[str, Any]

#: Raw field names that are not Python identifiers, and the schema's names.
SYNTAX_ERROR_FIELD_MAP = {
    "1stFlrSF": "FirstFlrSF",
    "2ndFlrSF": "SecondFlrSF",
    "3SsnPorch": "ThreeSsnPortch",
}


class HouseDataRequestSchema(Schema):
    """One house record of the prediction request."""

    class Meta:
        """Ignore fields the schema does not know (marshmallow 2 did)."""

        unknown = EXCLUDE

    Alley = fields.Str(allow_none=True)
    BedroomAbvGr = fields.Integer()
    BldgType = fields.Str()
    BsmtCond = fields.Str(allow_none=True)
    BsmtExposure = fields.Str(allow_none=True)
    BsmtFinSF1 = fields.Float(allow_none=True)
    BsmtFinSF2 = fields.Float(allow_none=True)
    BsmtFinType1 = fields.Str(allow_none=True)
    BsmtFinType2 = fields.Str(allow_none=True)
    BsmtFullBath = fields.Float(allow_none=True)
    BsmtHalfBath = fields.Float(allow_none=True)
    BsmtQual = fields.Str(allow_none=True)
    BsmtUnfSF = fields.Float(allow_none=True)
    CentralAir = fields.Str()
    Condition1 = fields.Str()
    Condition2 = fields.Str()
    Electrical = fields.Str()
    EnclosedPorch = fields.Integer()
    ExterCond = fields.Str()
    ExterQual = fields.Str()
    Exterior1st = fields.Str(allow_none=True)
    Exterior2nd = fields.Str(allow_none=True)
    Fence = fields.Str(allow_none=True)
    FireplaceQu = fields.Str(allow_none=True)
    Fireplaces = fields.Integer()
    FirstFlrSF = fields.Integer()
    Foundation = fields.Str()
    FullBath = fields.Integer()
    Functional = fields.Str(allow_none=True)
    GarageArea = fields.Float(allow_none=True)
    GarageCars = fields.Float(allow_none=True)
    GarageCond = fields.Str(allow_none=True)
    GarageFinish = fields.Str(allow_none=True)
    GarageQual = fields.Str(allow_none=True)
    GarageType = fields.Str(allow_none=True)
    GarageYrBlt = fields.Float(allow_none=True)
    GrLivArea = fields.Integer()
    HalfBath = fields.Integer()
    Heating = fields.Str()
    HeatingQC = fields.Str()
    HouseStyle = fields.Str()
    Id = fields.Integer()
    KitchenAbvGr = fields.Integer()
    KitchenQual = fields.Str(allow_none=True)
    LandContour = fields.Str()
    LandSlope = fields.Str()
    LotArea = fields.Integer()
    LotConfig = fields.Str()
    LotFrontage = fields.Float(allow_none=True)
    LotShape = fields.Str()
    LowQualFinSF = fields.Integer()
    MSSubClass = fields.Integer()
    MSZoning = fields.Str(allow_none=True)
    MasVnrArea = fields.Float(allow_none=True)
    MasVnrType = fields.Str(allow_none=True)
    MiscFeature = fields.Str(allow_none=True)
    MiscVal = fields.Integer()
    MoSold = fields.Integer()
    Neighborhood = fields.Str()
    OpenPorchSF = fields.Integer()
    OverallCond = fields.Integer()
    OverallQual = fields.Integer()
    PavedDrive = fields.Str()
    PoolArea = fields.Integer()
    PoolQC = fields.Str(allow_none=True)
    RoofMatl = fields.Str()
    RoofStyle = fields.Str()
    SaleCondition = fields.Str()
    SaleType = fields.Str(allow_none=True)
    ScreenPorch = fields.Integer()
    SecondFlrSF = fields.Integer()
    Street = fields.Str()
    ThreeSsnPortch = fields.Integer()
    TotRmsAbvGrd = fields.Integer()
    TotalBsmtSF = fields.Float(allow_none=True)
    Utilities = fields.Str(allow_none=True)
    WoodDeckSF = fields.Integer()
    YearBuilt = fields.Integer()
    YearRemodAdd = fields.Integer()
    YrSold = fields.Integer()


def _rename_fields(records: list[Record], mapping: dict[str, str]) -> None:
    """Rename keys of every record in place (only the keys present)."""
    for record in records:
        for old, new in mapping.items():
            if old in record:
                record[new] = record.pop(old)


def _filter_error_rows(errors: dict[int, Any], records: list[Record]) -> list[Record]:
    """Drop the rows in error, highest index first so the others keep theirs."""
    for index in sorted(errors, reverse=True):
        del records[index]
    return records


def validate_inputs(input_data: list[Record]) -> tuple[list[Record], Any]:
    """Validate the request's records; return the valid ones and the errors.

    As in the seed, the records passed on are the request's own dicts (the
    schema's loaded output is only used to find errors); errors are
    marshmallow's messages keyed by row index, or None.
    """
    schema = HouseDataRequestSchema(many=True)
    _rename_fields(input_data, SYNTAX_ERROR_FIELD_MAP)
    errors: Any = None
    try:
        schema.load(input_data)
    except ValidationError as exc:
        errors = exc.messages
    _rename_fields(
        input_data, {new: old for old, new in SYNTAX_ERROR_FIELD_MAP.items()}
    )
    if errors:
        return _filter_error_rows(errors, input_data), errors
    return input_data, errors

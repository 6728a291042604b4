"""The V2 tensor codec: datatypes from schemas, JSON and binary data, records."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from roost_fixture_echo import EchoAdapter, ParityAdapter
from tritonclient.utils import deserialize_bytes_tensor, serialize_byte_tensor

from roost.core.errors import BadRequestError
from roost.core.serving.tensors import (
    DATATYPES,
    Tensor,
    accepted_datatypes,
    decode_binary,
    encode_binary,
    from_json,
    schema_datatype,
    to_records,
)
from roost_house_prices.schema import INPUT_SCHEMA

NUMERIC_DTYPES = {
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "FP16": np.float16,
    "FP32": np.float32,
    "FP64": np.float64,
}


def _column(name: str, datatype: str, data: list[Any]) -> Tensor:
    return Tensor(name, datatype, (len(data),), data)


class TestSchemaDatatype:
    """Each cerberus field type maps to the datatype clients should send."""

    def test_echo_schema(self) -> None:
        """Echo's float, nullable string and optional integer fields."""
        schema = EchoAdapter.input_schema
        assert {name: schema_datatype(rules) for name, rules in schema.items()} == {
            "x": "FP64",
            "label": "BYTES",
            "count": "INT64",
        }

    def test_parity_schema(self) -> None:
        """A required integer travels as INT64."""
        assert schema_datatype(ParityAdapter.input_schema["n"]) == "INT64"

    def test_house_prices_schema(self) -> None:
        """All 24 house-prices fields map to INT64, FP64 or BYTES by type."""
        datatypes = {
            name: schema_datatype(rules) for name, rules in INPUT_SCHEMA.items()
        }
        assert len(datatypes) == 24
        assert datatypes["MSSubClass"] == "INT64"
        assert datatypes["GrLivArea"] == "INT64"
        assert datatypes["LotFrontage"] == "FP64"
        assert datatypes["MSZoning"] == "BYTES"
        assert datatypes["FireplaceQu"] == "BYTES"
        strings = [n for n, r in INPUT_SCHEMA.items() if r["type"] == "string"]
        assert {datatypes[name] for name in strings} == {"BYTES"}

    @pytest.mark.parametrize(
        ("rules", "datatype"),
        [
            ({"type": "integer", "nullable": True}, "FP64"),
            ({"type": "number"}, "FP64"),
            ({"type": "boolean"}, "BOOL"),
            ({"type": ["integer", "string"]}, "INT64"),
            ({"type": "dict"}, "BYTES"),
            ({}, "BYTES"),
        ],
    )
    def test_other_types(self, rules: dict[str, Any], datatype: str) -> None:
        """Nullable integers use FP64 so NaN can mark missing values."""
        assert schema_datatype(rules) == datatype

    def test_accepted_datatypes(self) -> None:
        """Numeric fields take any numeric tensor; strings and booleans one type."""
        assert {"INT8", "UINT64", "FP32", "FP64"} <= accepted_datatypes(
            {"type": "float"}
        )
        assert "BYTES" not in accepted_datatypes({"type": "integer"})
        assert accepted_datatypes({"type": "string"}) == {"BYTES"}
        assert accepted_datatypes({"type": "boolean"}) == {"BOOL"}
        assert accepted_datatypes({}) == set(DATATYPES)


class TestFromJson:
    """JSON tensor data is checked against its shape and datatype."""

    def test_nested_data_is_flattened_row_major(self) -> None:
        """[[1, 2], [3, 4]] and [1, 2, 3, 4] give the same tensor."""
        nested = from_json("a", "INT32", [2, 2], [[1, 2], [3, 4]])
        flat = from_json("a", "INT32", [2, 2], [1, 2, 3, 4])
        assert nested == flat
        assert nested.data == [1, 2, 3, 4]
        assert nested.shape == (2, 2)

    def test_deep_nesting_is_no_recursion_error(self) -> None:
        """A value nested 5000 lists deep is flattened without recursion."""
        data: Any = [1.0]
        for _ in range(5000):
            data = [data]
        assert from_json("a", "FP64", [1], data).data == [1.0]

    def test_null_and_nan_mark_missing_values(self) -> None:
        """JSON null and NaN in a floating-point tensor become None."""
        tensor = from_json("a", "FP64", [3], [1.5, None, math.nan])
        assert tensor.data == [1.5, None, None]

    def test_whole_floats_are_integers(self) -> None:
        """2.0 in an INT64 tensor is the integer 2."""
        assert from_json("a", "INT64", [1], [2.0]).data == [2]

    @pytest.mark.parametrize(
        ("datatype", "data", "fragment"),
        [
            ("FP64", ["1.5"], "'1.5' is not a FP64 value"),
            ("FP64", [True], "True is not a FP64 value"),
            ("INT64", [2.5], "2.5 is not a INT64 value"),
            ("INT8", [300], "300 is not a INT8 value"),
            ("UINT8", [-1], "-1 is not a UINT8 value"),
            ("BOOL", [1], "1 is not a BOOL value"),
            ("BYTES", [7], "7 is not a BYTES value"),
            ("FP64", [{"a": 1}], "data holds an object"),
            ("FP64", 1.5, "data must be a list"),
            ("FP128", [1.5], "unknown datatype 'FP128'"),
        ],
    )
    def test_ill_typed_data_names_the_input(
        self, datatype: str, data: Any, fragment: str
    ) -> None:
        """Elements unlike the datatype are a 400 naming the input."""
        with pytest.raises(BadRequestError) as caught:
            from_json("price", datatype, [1], data)
        assert "input 'price'" in caught.value.message
        assert fragment in caught.value.message

    def test_shape_and_data_length_must_agree(self) -> None:
        """Shape [3] with two elements is refused with both counts."""
        with pytest.raises(
            BadRequestError, match=r"needs 3 element\(s\), data holds 2"
        ):
            from_json("a", "FP64", [3], [1.0, 2.0])


class TestBinary:
    """Raw little-endian tensor bytes decode and encode losslessly."""

    @pytest.mark.parametrize("datatype", sorted(NUMERIC_DTYPES))
    def test_numeric_round_trip(self, datatype: str) -> None:
        """Every numeric datatype matches numpy's little-endian bytes both ways."""
        array = np.array([0, 1, 2, 100], dtype=NUMERIC_DTYPES[datatype])
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        tensor = decode_binary("a", datatype, [4], raw)
        assert tensor.data == array.tolist()
        assert encode_binary(tensor) == raw

    def test_bool_is_one_byte_each(self) -> None:
        """BOOL travels as one byte per element."""
        tensor = decode_binary("a", "BOOL", [3], b"\x01\x00\x01")
        assert tensor.data == [True, False, True]
        assert encode_binary(tensor) == b"\x01\x00\x01"

    def test_bf16_widens_to_float(self) -> None:
        """BF16 is the top half of an FP32 and round-trips exact values."""
        raw = (np.array([1.5, -2.0], "<f4").view("<u4") >> 16).astype("<u2").tobytes()
        tensor = decode_binary("a", "BF16", [2], raw)
        assert tensor.data == [1.5, -2.0]
        assert encode_binary(tensor) == raw

    def test_nan_is_a_missing_value(self) -> None:
        """A NaN in an FP64 tensor decodes to None and encodes back to NaN."""
        raw = np.array([1.0, np.nan], "<f8").tobytes()
        tensor = decode_binary("a", "FP64", [2], raw)
        assert tensor.data == [1.0, None]
        assert np.isnan(np.frombuffer(encode_binary(tensor), "<f8")[1])

    def test_bytes_match_tritonclient(self) -> None:
        """BYTES use tritonclient's 4-byte length prefixes, UTF-8 decoded."""
        array = np.array([b"RL", b"", "Zürich".encode()], dtype=np.object_)
        raw = serialize_byte_tensor(array).item()
        tensor = decode_binary("a", "BYTES", [3], raw)
        assert tensor.data == ["RL", "", "Zürich"]
        assert encode_binary(tensor) == raw
        assert deserialize_bytes_tensor(encode_binary(tensor)).tolist() == [
            b"RL",
            b"",
            "Zürich".encode(),
        ]

    @pytest.mark.parametrize(
        ("datatype", "shape", "raw", "fragment"),
        [
            ("FP64", [2], b"\x00" * 12, "needs 16 byte(s), binary data holds 12"),
            ("BYTES", [1], b"\x05\x00\x00\x00ab", "overruns"),
            ("BYTES", [1], b"\x01\x00", "ends inside a length"),
            ("BYTES", [2], b"\x01\x00\x00\x00a", "holds 1"),
            ("BYTES", [1], b"\x01\x00\x00\x00\xff", "not UTF-8"),
        ],
    )
    def test_malformed_bytes_name_the_input(
        self, datatype: str, shape: list[int], raw: bytes, fragment: str
    ) -> None:
        """Byte counts that disagree with the shape are a 400 naming the input."""
        with pytest.raises(BadRequestError) as caught:
            decode_binary("area", datatype, shape, raw)
        assert "input 'area'" in caught.value.message
        assert fragment in caught.value.message


class TestToRecords:
    """Column tensors become records that v1 would accept."""

    schema = EchoAdapter.input_schema

    def test_columns_become_records(self) -> None:
        """One value per column per row; [N, 1] columns work too."""
        tensors = [
            _column("x", "FP64", [1.5, 2.0]),
            Tensor("count", "INT64", (2, 1), [3, 4]),
        ]
        assert to_records(tensors, self.schema) == [
            {"x": 1.5, "count": 3},
            {"x": 2.0, "count": 4},
        ]

    def test_missing_values(self) -> None:
        """Empty strings null a nullable field; NaN leaves a non-nullable one out."""
        tensors = [
            _column("x", "FP64", [1.0, 2.0]),
            _column("label", "BYTES", ["a", ""]),
            _column("count", "FP64", [None, 5.0]),
        ]
        assert to_records(tensors, self.schema) == [
            {"x": 1.0, "label": "a"},
            {"x": 2.0, "label": None, "count": 5.0},
        ]

    def test_unknown_inputs_are_refused_by_name(self) -> None:
        """An input the schema does not name is a 400 naming it, not dropped."""
        tensors = [_column("x", "FP64", [1.0]), _column("lable", "BYTES", ["a"])]
        with pytest.raises(BadRequestError) as caught:
            to_records(tensors, self.schema)
        assert caught.value.message == (
            "unknown input(s) 'lable'; the model's inputs: x, label, count"
        )

    @pytest.mark.parametrize(
        ("tensors", "fragment"),
        [
            ([_column("count", "INT64", [1])], "input 'x' is missing"),
            ([_column("x", "BYTES", ["1"])], "datatype BYTES does not fit field 'x'"),
            ([Tensor("x", "FP64", (1, 2), [1.0, 2.0])], "is not a column"),
            ([Tensor("x", "FP64", (), [1.0])], "is not a column"),
            (
                [_column("x", "FP64", [1.0, 2.0]), _column("count", "INT64", [1])],
                "input 'count' has 1 row(s)",
            ),
        ],
    )
    def test_unfit_tensors_are_refused(
        self, tensors: list[Tensor], fragment: str
    ) -> None:
        """Missing, ill-typed, ill-shaped or unequal columns are 400s."""
        with pytest.raises(BadRequestError) as caught:
            to_records(tensors, self.schema)
        assert fragment in caught.value.message

    def test_an_input_sent_twice_is_refused(self) -> None:
        """Two tensors of one name would leave the first unread: a 400 says so."""
        tensors = [_column("x", "FP64", [1.0]), _column("x", "FP64", [2.0])]
        with pytest.raises(BadRequestError, match="input 'x' is sent more than once"):
            to_records(tensors, self.schema)

    def test_no_inputs_names_the_fields(self) -> None:
        """A request with no inputs at all lists the model's inputs."""
        with pytest.raises(
            BadRequestError, match="no inputs; the model's inputs: a, b"
        ):
            to_records([], {"a": {}, "b": {}})

"""Tests for roost.core.serving.content_types: MLServer's content types."""

from __future__ import annotations

from typing import Any

import falcon.testing
import pytest

from roost.core.errors import BadRequestError
from roost.core.serving.content_types import decode
from roost.core.serving.tensors import Tensor

SCHEMA: dict[str, dict[str, Any]] = {
    "a": {"type": "float"},
    "b": {"type": "integer", "nullable": True},
    "s": {"type": "string"},
}


def _marked(
    name: str, content_type: str, data: list[Any], datatype: str = "BYTES"
) -> Tensor:
    """A column tensor marked with an input-level content type."""
    return Tensor(name, datatype, (len(data), 1), data, {"content_type": content_type})


#: A plain request for echo 1.0: one typed column per field.
PLAIN: dict[str, Any] = {
    "inputs": [
        {"name": "x", "datatype": "FP64", "shape": [2], "data": [1.5, 2.0]},
        {"name": "label", "datatype": "BYTES", "shape": [2], "data": ["a", "b"]},
        {"name": "count", "datatype": "INT64", "shape": [2], "data": [1, 2]},
    ]
}


def _infer(
    client: falcon.testing.TestClient, path: str, body: dict[str, Any]
) -> falcon.testing.Result:
    return client.simulate_post(f"/v2/models/{path}/infer", json=body)


class TestInputContentTypes:
    """Each input's own content type is decoded into plain values."""

    @pytest.mark.parametrize(
        ("documents", "datatype", "values"),
        [
            (["1", "2", "null"], "INT64", [1, 2, None]),
            (["1", "2.5", "NaN"], "FP64", [1, 2.5, None]),
            (['"RL"', '"RH"', None], "BYTES", ["RL", "RH", None]),
            (["true", "false"], "BOOL", [True, False]),
        ],
    )
    def test_pd_json_reads_one_json_value_per_element(
        self, documents: list[Any], datatype: str, values: list[Any]
    ) -> None:
        """pd_json elements become the values, typed by what they hold."""
        (column,) = decode([_marked("a", "pd_json", documents)], SCHEMA)
        assert (column.datatype, column.data) == (datatype, values)

    def test_pd_json_all_missing_takes_the_fields_datatype(self) -> None:
        """A pd_json column of nulls gets the datatype its field asks for."""
        (column,) = decode([_marked("b", "pd_json", ["null", "null"])], SCHEMA)
        assert (column.datatype, column.data) == ("FP64", [None, None])

    def test_base64_reads_utf8_text(self) -> None:
        """base64 elements become the text they encode; null stays missing."""
        (column,) = decode([_marked("s", "base64", ["Ukg=", "w6k=", None])], SCHEMA)
        assert (column.datatype, column.data) == ("BYTES", ["RH", "\u00e9", None])

    @pytest.mark.parametrize("content_type", ["str", "np"])
    def test_plain_content_types_are_read_as_sent(self, content_type: str) -> None:
        """Inputs marked str or np already hold plain values."""
        tensor = _marked("s", content_type, ["RH"])
        assert decode([tensor], SCHEMA) == [tensor]


class TestRequestContentTypes:
    """The request's content type says how its inputs make the columns."""

    def test_pd_and_none_keep_one_tensor_per_field(self) -> None:
        """A pd request (or an unmarked one) keeps the tensors as named."""
        tensors = [Tensor("a", "FP64", (1,), [1.0]), Tensor("s", "BYTES", (1,), ["x"])]
        assert decode(tensors, SCHEMA, "pd") == decode(tensors, SCHEMA) == tensors

    def test_np_splits_one_array_into_the_fields_in_order(self) -> None:
        """An np request's [N, F] array gives one column per field, in order."""
        array = Tensor("input-1", "FP64", (2, 3), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        columns = decode([array], SCHEMA, "np")
        assert [(c.name, c.shape, c.data) for c in columns] == [
            ("a", (2,), [1.0, 4.0]),
            ("b", (2,), [2.0, 5.0]),
            ("s", (2,), [3.0, 6.0]),
        ]

    def test_np_of_one_field_may_be_flat(self) -> None:
        """For a one-field model an np request's array may be [N]."""
        array = Tensor("input-1", "INT64", (2,), [3, 4])
        (column,) = decode([array], {"n": {"type": "integer"}}, "np")
        assert (column.name, column.shape, column.data) == ("n", (2,), [3, 4])


class TestRefusals:
    """Data its content type does not describe is a 400 that says why."""

    @pytest.mark.parametrize(
        ("tensors", "content_type", "fragment"),
        [
            (
                [_marked("s", "base64", ["RH"])],
                None,
                "input 's': element 0 ('RH') cannot be read as base64",
            ),
            ([_marked("s", "base64", ["/w=="])], None, "bytes are not UTF-8 text"),
            ([_marked("a", "pd_json", ["nope"])], None, "cannot be read as pd_json"),
            ([_marked("a", "pd_json", ['{"k": 1}'])], None, "not an object or array"),
            ([_marked("a", "pd_json", ["1", '"x"'])], None, "values mix BYTES, INT64"),
            (
                [_marked("a", "pd_json", [1.0], "FP64")],
                None,
                "content_type 'pd_json' needs BYTES data, not FP64",
            ),
            (
                [_marked("a", "datetime", ["2024-01-01"])],
                None,
                "input 'a': content_type 'datetime' is not supported",
            ),
            ([Tensor("a", "FP64", (1,), [1.0])], "str", "content_type 'str' is not"),
            ([Tensor("a", "FP64", (1,), [1.0])], 5, "content_type 5 is not supported"),
            (
                [Tensor("a", "FP64", (1,), [1.0]), Tensor("b", "FP64", (1,), [1.0])],
                "np",
                "content_type 'np' reads one input tensor; the request has 2",
            ),
            (
                [Tensor("input-1", "FP64", (1, 2), [1.0, 2.0])],
                "np",
                "one [N, 3] array, a column per field (a, b, s); shape [1, 2] is not",
            ),
            (
                [Tensor("input-1", "FP64", (1, 3, 1), [1.0, 2.0, 3.0])],
                "np",
                "shape [1, 3, 1] is not",
            ),
        ],
    )
    def test_bad_data_is_refused(
        self, tensors: list[Tensor], content_type: Any, fragment: str
    ) -> None:
        """Each refusal names the input or content type at fault."""
        with pytest.raises(BadRequestError) as caught:
            decode(tensors, SCHEMA, content_type)
        assert fragment in str(caught.value)


class TestOverHttp:
    """Requests in MLServer's wire form predict what plain requests predict."""

    def test_pd_json_and_base64_predict_as_plain(
        self, client: falcon.testing.TestClient
    ) -> None:
        """pd_json numbers and base64 labels give the plain request's answer."""
        marked = {
            "parameters": {"content_type": "pd"},
            "inputs": [
                {
                    "name": "x",
                    "datatype": "BYTES",
                    "shape": [2, 1],
                    "parameters": {"content_type": "pd_json"},
                    "data": ["1.5", "2.0"],
                },
                {
                    "name": "label",
                    "datatype": "BYTES",
                    "shape": [2, 1],
                    "parameters": {"content_type": "base64"},
                    "data": ["YQ==", "Yg=="],
                },
                {
                    "name": "count",
                    "datatype": "BYTES",
                    "shape": [2, 1],
                    "parameters": {"content_type": "pd_json"},
                    "data": ["1", "2"],
                },
            ],
        }
        plain = _infer(client, "echo/versions/1.0", PLAIN)
        result = _infer(client, "echo/versions/1.0", marked)
        assert (plain.status_code, result.status_code) == (200, 200), result.text
        assert result.json["outputs"] == plain.json["outputs"]

    def test_np_request_predicts_as_plain(
        self, client: falcon.testing.TestClient
    ) -> None:
        """An np request's array feeds the fields as plain columns would."""
        array = {
            "parameters": {"content_type": "np"},
            "inputs": [
                {
                    "name": "input-1",
                    "datatype": "FP64",
                    "shape": [2, 1],
                    "parameters": {"content_type": "np"},
                    "data": [1.5, 2.0],
                }
            ],
        }
        plain = {"inputs": [PLAIN["inputs"][0]]}
        result = _infer(client, "echo", array)
        assert result.status_code == 200, result.text
        assert result.json["outputs"] == _infer(client, "echo", plain).json["outputs"]

    def test_a_bad_element_is_a_400(self, client: falcon.testing.TestClient) -> None:
        """Text that is not base64 is refused, not validated as a label."""
        body = {
            "inputs": [
                PLAIN["inputs"][0],
                {**PLAIN["inputs"][1], "parameters": {"content_type": "base64"}},
            ]
        }
        result = _infer(client, "echo/versions/1.0", body)
        assert result.status_code == 400
        assert (
            "input 'label': element 0 ('a') cannot be read as base64"
            in (result.json["error"])
        )

    def test_unknown_names_are_still_refused(
        self, client: falcon.testing.TestClient
    ) -> None:
        """A decoded input whose name is no field is a 400 naming it."""
        body = {
            "parameters": {"content_type": "pd"},
            "inputs": [
                PLAIN["inputs"][0],
                {
                    "name": "colour",
                    "datatype": "BYTES",
                    "shape": [2, 1],
                    "parameters": {"content_type": "pd_json"},
                    "data": ['"red"', '"blue"'],
                },
            ],
        }
        result = _infer(client, "echo/versions/1.0", body)
        assert result.status_code == 400
        assert "unknown input(s) 'colour'" in result.json["error"]

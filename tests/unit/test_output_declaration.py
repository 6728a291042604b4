"""Declared outputs: the contract's one description of what predict returns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from roost.core import ModelAdapter, Output
from roost.core.contract.adapter import check_adapter_class


def _adapter(task: str, outputs: Any) -> type[ModelAdapter]:
    return type(
        "Declared",
        (ModelAdapter,),
        {
            "name": "declared",
            "version": "1.0",
            "task": task,
            "input_schema": {"x": {"type": "float"}},
            "outputs": outputs,
        },
    )


class TestOutput:
    """Building and describing one output."""

    def test_label_datatype_follows_the_labels(self) -> None:
        """Strings are BYTES, integers (numpy too) INT64, booleans BOOL."""
        assert Output.label(["a", "b"]).datatype == "BYTES"
        assert Output.label(np.array([0, 1])).datatype == "INT64"
        assert Output.label(np.array([0, 1])).labels == (0, 1)
        assert type(Output.label(np.array([0, 1])).labels[0]) is int
        assert Output.label([False, True]).datatype == "BOOL"

    def test_probabilities_are_two_dimensional(self) -> None:
        """One column per class, in the order of the labels."""
        output = Output.probabilities(["cheap", "mid", "dear"])
        assert output.name == "probabilities"
        assert output.shape == [-1, 3]
        assert output.kind == "probabilities"

    def test_kinds(self) -> None:
        """Numbers, labels and other values are told apart."""
        assert Output.number().kind == "number"
        assert Output.label(["a"]).kind == "label"
        assert Output("flag", "BOOL").kind == "value"

    @pytest.mark.parametrize(
        "output",
        [
            Output.number(),
            Output.label(["a", "b"]),
            Output.probabilities([1, 2, 3]),
            Output("scores", "FP32", width=4),
        ],
    )
    def test_description_round_trips(self, output: Output) -> None:
        """A model card stores outputs as described and reads them back."""
        assert Output.from_description(output.describe()) == output


class TestDeclaration:
    """An adapter's declaration, its default and its checks."""

    def test_regressor_defaults_to_one_float_output(self) -> None:
        """Declaring nothing keeps the one FP64 `predictions` output."""
        adapter = _adapter("regression", ())
        assert adapter.declared_outputs() == (Output("predictions", "FP64"),)

    def test_declared_outputs_win(self) -> None:
        """A declaration replaces the default."""
        declared = (Output.label(["a", "b"]), Output.probabilities(["a", "b"]))
        adapter = check_adapter_class(_adapter("classification", declared))
        assert adapter.declared_outputs() == declared

    @pytest.mark.parametrize(
        ("outputs", "message"),
        [
            ("predictions", "non-empty tuple of Output"),
            (({"name": "predictions"},), "not an Output"),
            ((Output.number(), Output.number()), "declared twice"),
            ((Output.number("total"),), "must include 'predictions'"),
            ((Output("predictions", "FLOAT"),), "datatype 'FLOAT'"),
            ((Output("predictions", labels=("a", "a")),), "repeats a label"),
            ((Output("predictions", labels=("a",), width=2),), "2 columns but 1"),
            ((Output("pre dictions"),), "is not valid"),
        ],
    )
    def test_malformed_declarations_are_refused(
        self, outputs: Any, message: str
    ) -> None:
        """Each malformed declaration is refused with its reason."""
        with pytest.raises(ValueError, match=message):
            check_adapter_class(_adapter("regression", outputs))

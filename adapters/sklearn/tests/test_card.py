"""Tests of roost_sklearn.card: the model card and its JSON form."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from roost.core import Output
from roost_sklearn.card import ModelCard, OnnxCheck

CARD = ModelCard(
    name="band",
    version="1.0.0",
    task="classification",
    description="Price bands.",
    input_schema={"x": {"type": "float", "required": True, "nullable": False}},
    features=("x",),
    outputs=(Output.label([0, 1]), Output.probabilities([0, 1])),
    labels=(0, 1),
    artifact="model.skops",
    sha256="ab" * 32,
    trusted_types=("numpy.dtype",),
    reference="reference.parquet",
    libraries={"scikit-learn": "1.9.1"},
)


class TestModelCard:
    """A card survives its JSON form unchanged."""

    def test_round_trip(self, tmp_path: Path) -> None:
        """Writing then reading gives the same card, outputs and labels included."""
        CARD.write(tmp_path / "card.json")
        assert ModelCard.read(tmp_path / "card.json") == CARD

    def test_outputs_use_the_contract_form(self) -> None:
        """Outputs are stored as Output.describe() writes them."""
        assert CARD.to_json()["outputs"][1] == Output.probabilities([0, 1]).describe()

    def test_other_format_is_refused(self) -> None:
        """A card of another format says which runtime reads it."""
        body = CARD.to_json() | {"format": 99}
        with pytest.raises(ValueError, match="format 99"):
            ModelCard.from_json(body)

    def test_missing_field_is_refused(self) -> None:
        """A card without its artifact is malformed."""
        body = CARD.to_json()
        del body["artifact"]
        with pytest.raises(ValueError, match="malformed"):
            ModelCard.from_json(body)

    def test_onnx_fields_round_trip(self, tmp_path: Path) -> None:
        """The ONNX check is written as onnx_* fields and read back unchanged."""
        check = OnnxCheck(
            tolerance=1e-6, max_difference=3e-16, file="model.onnx", sha256="cd" * 32
        )
        card = dataclasses.replace(CARD, engine="onnx", onnx=check)
        body = card.to_json()
        assert body["onnx_max_difference"] == 3e-16
        assert body["onnx_refused"] is None
        card.write(tmp_path / "card.json")
        assert ModelCard.read(tmp_path / "card.json") == card

    def test_card_without_onnx_fields_has_no_check(self) -> None:
        """A card written before the ONNX engine reads as engine sklearn, no check."""
        card = ModelCard.from_json(CARD.to_json())
        assert card.engine == "sklearn"
        assert card.onnx is None

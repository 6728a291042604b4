"""Tests for roost.views: error bodies, model metadata and prediction bodies."""

from __future__ import annotations

import functools
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import pytest

from roost.core import Output
from roost.core.contract.adapter import ModelAdapter
from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.runtime.settings import Settings
from roost.core.serving.coercion import to_int
from roost.core.serving.dataplane import PredictionResult
from roost.views.errors import render_error, render_problems
from roost.views.models import (
    render_model,
    render_model_summary,
    render_models,
    render_prediction,
    render_regression_compat,
    render_version,
)

PROBLEMS = {
    10: {"x": ["required field"]},
    2: {"x": ["max value is 1000000.0"], "label": ("unallowed value 'c'",)},
}


class CallableSchemaAdapter(ModelAdapter):
    """An adapter whose schema holds callables, as custom coercers do."""

    name = "callables"
    version = "1.0"
    task = "regression"
    input_schema: ClassVar[dict[str, Any]] = {
        "n": {"type": "integer", "coerce": to_int},
        "s": {"type": "string", "coerce": str.strip, "allowed": ("a", "b")},
        "k": {"type": "float", "coerce": functools.partial(round, ndigits=2)},
        "t": {"type": "string", "coerce": lambda value: value},
    }


class FrozenSchemaAdapter(ModelAdapter):
    """An adapter whose schema is an immutable mapping, as the contract allows."""

    name = "frozen"
    version = "1.0"
    task = "regression"
    input_schema = MappingProxyType(
        {"x": MappingProxyType({"type": "float", "required": True})}
    )


@pytest.fixture
def registry(testing_settings: Settings, tmp_path: Path) -> Registry:
    """The test adapters, discovered and loaded."""
    registry = Registry.discover(testing_settings.adapter_namespace, tmp_path)
    registry.load_all()
    return registry


def _result(
    predictions: list[Any], problems: dict[int, dict[str, list[str]]]
) -> PredictionResult:
    """Return a result of echo 1.0 for a batch as long as `predictions`."""
    return PredictionResult(
        "echo",
        "1.0",
        {"predictions": predictions},
        (Output.number(),),
        problems,
        len(predictions),
    )


class TestRenderError:
    """Every error body has one shape."""

    def test_minimal_body(self) -> None:
        """Without details the body is just the message and the title."""
        assert render_error("Model not found", "no model named 'x'") == {
            "error": "no model named 'x'",
            "title": "Model not found",
        }

    def test_problems_and_request_id(self) -> None:
        """Problems are keyed by string index, sorted; the request id is added."""
        body = render_error(
            "Validation failed", "2 of 11", problems=PROBLEMS, request_id="r1"
        )
        assert body == {
            "error": "2 of 11",
            "title": "Validation failed",
            "errors": {
                "2": {
                    "x": ["max value is 1000000.0"],
                    "label": ["unallowed value 'c'"],
                },
                "10": {"x": ["required field"]},
            },
            "request_id": "r1",
        }
        assert list(body["errors"]) == ["2", "10"]

    def test_empty_problems_are_kept(self) -> None:
        """An empty problem map still renders the errors key."""
        assert render_error("t", "m", problems={})["errors"] == {}

    def test_render_problems_sorts_numerically(self) -> None:
        """Indices sort as numbers, not strings, and reasons become lists."""
        rendered = render_problems({11: {"a": ("x",)}, 9: {"b": ["y"]}, 100: {"c": []}})
        assert list(rendered) == ["9", "11", "100"]
        assert rendered["11"] == {"a": ["x"]}
        assert rendered["100"] == {"c": []}


class TestRenderPredictions:
    """Prediction bodies of the v1 routes and the regression compatibility route."""

    def test_compat_body_leaves_invalid_rows_out(self) -> None:
        """The compatibility body lists valid rows' predictions, errors, the model."""
        body = render_regression_compat(
            _result(
                [1.0, None, 3.0, None], {1: {"x": ["required field"]}, 3: {"x": ["r"]}}
            )
        )
        assert body == {
            "model": "echo",
            "predictions": [1.0, 3.0],
            "version": "1.0",
            "errors": {"1": {"x": ["required field"]}, "3": {"x": ["r"]}},
        }

    def test_compat_body_has_null_errors_when_all_valid(self) -> None:
        """Without problems, errors is null and a null prediction is kept."""
        body = render_regression_compat(_result([None, 2.0], {}))
        assert body == {
            "model": "echo",
            "predictions": [None, 2.0],
            "version": "1.0",
            "errors": None,
        }

    def test_partial_prediction_keeps_nulls_and_errors(self) -> None:
        """With partial, every row has a slot and errors list the invalid ones."""
        body = render_prediction(
            _result([1.0, None], {1: {"x": ["bad"]}}), partial=True
        )
        assert body == {
            "model": "echo",
            "version": "1.0",
            "predictions": [1.0, None],
            "errors": {"1": {"x": ["bad"]}},
        }

    def test_partial_prediction_without_problems(self) -> None:
        """With partial and no problems, errors is null."""
        body = render_prediction(_result([1.0], {}), partial=True)
        assert body["errors"] is None

    def test_prediction_without_partial_has_no_errors_key(self) -> None:
        """Without partial, the body has no errors key at all."""
        body = render_prediction(_result([1.0, 2.0], {}), partial=False)
        assert body == {"model": "echo", "version": "1.0", "predictions": [1.0, 2.0]}

    def test_classifier_probabilities_are_keyed_by_label(self) -> None:
        """Labels under predictions; per record, one probability per label."""
        labels = ("cheap", "dear")
        result = PredictionResult(
            "band",
            "1.0",
            {
                "predictions": ["dear", None],
                "probabilities": [[0.25, 0.75], None],
            },
            (Output.label(labels), Output.probabilities(labels)),
            {1: {"x": ["bad"]}},
            2,
        )
        assert render_prediction(result, partial=True) == {
            "model": "band",
            "version": "1.0",
            "predictions": ["dear", None],
            "probabilities": [{"cheap": 0.25, "dear": 0.75}, None],
            "errors": {"1": {"x": ["bad"]}},
        }


class TestRenderModels:
    """Model metadata rendered from real registry entries."""

    def test_summary_of_a_ready_model(self, registry: Registry) -> None:
        """A summary names the default version, every version, task and readiness."""
        body = render_model_summary(registry.lookup("echo"), registry.versions("echo"))
        assert body == {
            "name": "echo",
            "version": "2.0",
            "versions": ["2.0", "1.0"],
            "task": "regression",
            "ready": True,
        }

    def test_summary_of_a_failed_load(self, registry: Registry) -> None:
        """A model that failed to load is not ready and carries its error."""
        body = render_model_summary(
            registry.lookup("fails-load"), registry.versions("fails-load")
        )
        assert body["ready"] is False
        assert body["error"] == "load failed: FileNotFoundError: weights.bin is missing"

    def test_full_model_of_a_broken_import(self, registry: Registry) -> None:
        """A model that failed to import has no version, task or schema."""
        body = render_model(
            registry.lookup("broken-import"), registry.versions("broken-import")
        )
        assert body["version"] is None
        assert body["versions"] == []
        assert body["task"] is None
        assert body["description"] == ""
        assert body["input_schema"] is None
        assert body["ready"] is False
        assert body["error"].startswith("import failed: ModuleNotFoundError")
        assert body["version_states"] == [
            {"version": None, "ready": False, "error": body["error"]}
        ]

    def test_full_model(self, registry: Registry) -> None:
        """The full body adds description, input schema and each version's state."""
        body = render_model(registry.lookup("echo", "1.0"), registry.versions("echo"))
        assert body["version"] == "1.0"
        assert body["description"] == "Echoes x back."
        assert body["input_schema"] == {
            "x": {"type": "float", "required": True, "min": -1e6, "max": 1e6},
            "label": {"type": "string", "nullable": True, "allowed": ["a", "b"]},
            "count": {"type": "integer", "min": 0},
        }
        assert body["version_states"] == [
            {"version": "2.0", "ready": True, "error": None},
            {"version": "1.0", "ready": True, "error": None},
        ]

    def test_schema_callables_become_names(self) -> None:
        """Callables in a schema render as their names, tuples as lists."""
        entry = AdapterEntry("callables", "1.0", "tests", CallableSchemaAdapter)
        schema = render_model(entry, [entry])["input_schema"]
        assert schema["n"] == {"type": "integer", "coerce": "to_int"}
        assert schema["s"] == {
            "type": "string",
            "coerce": "strip",
            "allowed": ["a", "b"],
        }
        assert schema["t"]["coerce"] == "<lambda>"
        assert schema["k"]["coerce"].startswith("functools.partial(")

    def test_schema_mappings_become_dicts(self) -> None:
        """A schema given as immutable mappings renders as plain dicts."""
        entry = AdapterEntry("frozen", "1.0", "tests", FrozenSchemaAdapter)
        schema = render_model(entry, [entry])["input_schema"]
        assert type(schema) is dict
        assert type(schema["x"]) is dict
        assert schema == {"x": {"type": "float", "required": True}}

    def test_models_wraps_the_summaries(self, registry: Registry) -> None:
        """The list body holds one summary per name, in the order given."""
        summaries = [
            render_model_summary(registry.lookup(name), registry.versions(name))
            for name in registry.names()
        ]
        body = render_models(iter(summaries))
        assert body == {"models": summaries}
        assert [model["name"] for model in body["models"]] == registry.names()


class TestRenderVersion:
    """The /version body names the API, the default model and all versions."""

    def test_with_a_default_model(self, registry: Registry) -> None:
        """Every name lists its versions; unimportable adapters are left out."""
        body = render_version("0.1.0", registry.lookup("echo"), registry.entries())
        assert body == {
            "api_version": "0.1.0",
            "model_version": "2.0",
            "model": "echo",
            "models": {
                "echo": ["2.0", "1.0"],
                "fails-load": ["1.0"],
                "fails-predict": ["1.0"],
                "parity": ["0.3"],
                "sleepy": ["1.0"],
            },
        }

    def test_without_a_default_model(self) -> None:
        """With no default model, model and model_version are null."""
        assert render_version("0.1.0", None, []) == {
            "api_version": "0.1.0",
            "model_version": None,
            "model": None,
            "models": {},
        }

"""Tests for roost.core.contract.adapter: the contract every served model honours."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from roost_fixture_echo import EchoAdapter, ParityAdapter
from roost_fixture_echo_next import EchoNextAdapter
from roost_fixture_faulty import FailsLoadAdapter, FailsPredictAdapter

from roost.core.contract.adapter import (
    ENTRY_POINT_GROUP,
    AdapterContext,
    ModelAdapter,
    Training,
    check_adapter_class,
)

FIXTURE_CLASSES = [
    EchoAdapter,
    EchoNextAdapter,
    ParityAdapter,
    FailsLoadAdapter,
    FailsPredictAdapter,
]


class GoodAdapter(ModelAdapter):
    """A minimal valid adapter defined here to vary one attribute at a time."""

    name = "good"
    version = "1.0"
    task = "regression"
    input_schema: ClassVar[dict[str, Any]] = {"x": {"type": "float"}}


class TrainableAdapter(GoodAdapter):
    """An adapter that overrides train."""

    def train(self) -> Training:
        """Return a constant artifact."""
        return Training(artifact={"k": 1}, metrics={"rmse": 0.0})


class NotAnAdapter:
    """A class with the right attributes but the wrong base."""

    name = "good"
    version = "1.0"
    task = "regression"
    input_schema: ClassVar[dict[str, Any]] = {"x": {"type": "float"}}


def _variant(**attributes: Any) -> type[ModelAdapter]:
    """Return a subclass of GoodAdapter with some class attributes replaced."""
    return type("Variant", (GoodAdapter,), attributes)


def _lacking(attribute: str) -> type[ModelAdapter]:
    """Return a ModelAdapter subclass with every contract attribute but one."""
    attributes = {
        "name": "good",
        "version": "1.0",
        "task": "regression",
        "input_schema": {"x": {"type": "float"}},
    }
    del attributes[attribute]
    return type("Lacking", (ModelAdapter,), attributes)


@pytest.fixture
def context(tmp_path: Path) -> AdapterContext:
    """A context pointing at an empty model folder."""
    return AdapterContext(name="good", version="1.0", model_dir=tmp_path)


class TestCheckAdapterClass:
    """check_adapter_class accepts contract-abiding classes and nothing else."""

    @pytest.mark.parametrize("adapter_class", FIXTURE_CLASSES)
    def test_accepts_the_fixture_adapters(
        self, adapter_class: type[ModelAdapter]
    ) -> None:
        """Every installed fixture adapter class passes and is returned."""
        assert check_adapter_class(adapter_class) is adapter_class

    @pytest.mark.parametrize("name", ["a", "echo", "house-prices", "x2", "v2-model-3"])
    def test_accepts_url_safe_names(self, name: str) -> None:
        """Lowercase letters and digits, joined by single hyphens, are URL-safe."""
        adapter_class = _variant(name=name)
        assert check_adapter_class(adapter_class) is adapter_class

    @pytest.mark.parametrize(
        "plugin",
        [42, "echo", None, EchoAdapter.predict, len, NotAnAdapter, object, dict],
    )
    def test_rejects_non_adapter_classes(self, plugin: object) -> None:
        """Objects that are not ModelAdapter subclasses raise TypeError."""
        with pytest.raises(
            TypeError, match=r"is not a subclass of roost\.core\.ModelAdapter"
        ):
            check_adapter_class(plugin)

    def test_rejects_an_instance(self, tmp_path: Path) -> None:
        """An adapter instance, not its class, raises TypeError."""
        instance = EchoAdapter(AdapterContext("echo", "1.0", tmp_path))
        with pytest.raises(TypeError):
            check_adapter_class(instance)

    @pytest.mark.parametrize(
        "name",
        [
            "House_Prices",
            "house_prices",
            "Echo",
            "a--b",
            "-a",
            "a-",
            "",
            "echo ",
            "echo/1",
            "écho",
            "echo\n",
            5,
            None,
        ],
    )
    def test_rejects_names_that_are_not_url_safe(self, name: object) -> None:
        """Names with capitals, underscores, bad hyphens or other characters fail."""
        with pytest.raises(ValueError, match="is not URL-safe"):
            check_adapter_class(_variant(name=name))

    @pytest.mark.parametrize(
        "version", ["1.0", "2", "0.3", "1.0.post1", "2.0rc1", "1!3"]
    )
    def test_accepts_pep440_versions(self, version: str) -> None:
        """PEP 440 versions are accepted."""
        adapter_class = _variant(version=version)
        assert check_adapter_class(adapter_class) is adapter_class

    @pytest.mark.parametrize(
        "version", ["", "latest", "1.0-beta-x", "v1..0", "1.0/2", None]
    )
    def test_rejects_non_pep440_versions(self, version: object) -> None:
        """A version that PEP 440 cannot parse raises ValueError naming it."""
        with pytest.raises(ValueError, match="is not a PEP 440 version"):
            check_adapter_class(_variant(version=version))

    @pytest.mark.parametrize("schema", [{}, [], ["x"], "x", None])
    def test_rejects_empty_or_non_mapping_schema(self, schema: object) -> None:
        """input_schema must be a non-empty mapping."""
        with pytest.raises(
            ValueError, match="input_schema must be a non-empty mapping"
        ):
            check_adapter_class(_variant(input_schema=schema))

    @pytest.mark.parametrize("task", ["", None, 3])
    def test_rejects_empty_or_non_string_task(self, task: object) -> None:
        """The task must be a non-empty string."""
        with pytest.raises(ValueError, match="task must be a non-empty string"):
            check_adapter_class(_variant(task=task))

    @pytest.mark.parametrize("task", ["Regression", "forecasting", "regression "])
    def test_rejects_a_task_outside_the_documented_set(self, task: str) -> None:
        """The task is regression or classification, spelled exactly."""
        with pytest.raises(
            ValueError, match=f"task {task!r} is not one of regression, classification"
        ):
            check_adapter_class(_variant(task=task))

    @pytest.mark.parametrize("task", ["regression", "classification"])
    def test_accepts_the_documented_tasks(self, task: str) -> None:
        """Both documented tasks pass the check."""
        assert check_adapter_class(_variant(task=task)).task == task

    @pytest.mark.parametrize("attribute", ["name", "version", "task", "input_schema"])
    def test_rejects_missing_attributes(self, attribute: str) -> None:
        """A class lacking a contract attribute raises ValueError naming it."""
        with pytest.raises(
            ValueError, match=f"lacks the class attribute '{attribute}'"
        ):
            check_adapter_class(_lacking(attribute))

    def test_rejects_the_base_class(self) -> None:
        """ModelAdapter itself declares but does not set the attributes."""
        with pytest.raises(ValueError, match="lacks the class attribute 'name'"):
            check_adapter_class(ModelAdapter)


class TestModelAdapter:
    """The base class's defaults: context, no-op load, no predict, no training."""

    def test_subclass_without_init_takes_the_context(
        self, context: AdapterContext
    ) -> None:
        """A subclass that defines no __init__ is built from the context alone."""
        adapter = GoodAdapter(context)
        assert adapter.context is context

    def test_fixture_adapter_takes_the_context(self, tmp_path: Path) -> None:
        """An installed fixture adapter keeps the context it was given."""
        context = AdapterContext("echo", "1.0", tmp_path, {"k": "v"})
        adapter = EchoAdapter(context)
        assert adapter.context.options == {"k": "v"}

    def test_default_load_is_a_no_op(self, context: AdapterContext) -> None:
        """The default load returns None and may be called twice."""
        adapter = GoodAdapter(context)
        assert adapter.load() is None
        assert adapter.load() is None
        assert vars(adapter) == {"context": context}

    def test_base_predict_is_not_implemented(self, context: AdapterContext) -> None:
        """The base predict raises, naming the class that lacks one."""
        with pytest.raises(
            NotImplementedError, match="GoodAdapter does not implement predict"
        ):
            GoodAdapter(context).predict(pd.DataFrame({"x": [1.0]}))

    def test_base_train_is_not_implemented(self, context: AdapterContext) -> None:
        """The base train raises, naming the adapter that cannot train."""
        with pytest.raises(
            NotImplementedError, match="adapter 'good' does not support training"
        ):
            GoodAdapter(context).train()

    @pytest.mark.parametrize("adapter_class", FIXTURE_CLASSES)
    def test_fixtures_do_not_support_training(
        self, adapter_class: type[ModelAdapter]
    ) -> None:
        """An adapter that does not override train says it cannot be trained."""
        assert adapter_class.supports_training() is False

    def test_overriding_train_supports_training(self, context: AdapterContext) -> None:
        """An adapter that overrides train says it can be trained."""
        assert TrainableAdapter.supports_training() is True
        training = TrainableAdapter(context).train()
        assert training.artifact == {"k": 1}
        assert training.metrics == {"rmse": 0.0}

    def test_description_defaults_to_empty(self) -> None:
        """The description is optional and empty by default."""
        assert GoodAdapter.description == ""
        assert EchoAdapter.description == "Echoes x back."

    def test_fixture_predicts_from_a_frame(self, tmp_path: Path) -> None:
        """A fixture adapter predicts one value per row of a frame."""
        adapter = EchoNextAdapter(AdapterContext("echo", "2.0", tmp_path))
        assert adapter.predict(pd.DataFrame({"x": [1.0, 2.5]})).tolist() == [2.0, 5.0]


class TestAdapterContext:
    """AdapterContext is a small frozen value."""

    def test_options_default_to_empty(self, tmp_path: Path) -> None:
        """A context built without options has an empty mapping."""
        context = AdapterContext("echo", "1.0", tmp_path)
        assert context.options == {}
        assert context.model_dir == tmp_path

    def test_is_frozen(self, context: AdapterContext) -> None:
        """A context cannot be changed by the adapter it is given to."""
        with pytest.raises(dataclasses.FrozenInstanceError):
            context.name = "other"  # type: ignore[misc]

    def test_entry_point_group(self) -> None:
        """Adapters register in the roost.adapters entry-point group."""
        assert ENTRY_POINT_GROUP == "roost.adapters"

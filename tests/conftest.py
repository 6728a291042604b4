"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import joblib
import pytest
from server_harness import roost_command, roost_env

from roost.controllers.app import create_app
from roost.core.contract.artifacts import save_artifact
from roost.core.runtime.settings import Settings
from roost_house_prices.adapter import HousePricesAdapter

# batch_sample's checks assert; let pytest explain their failures in full.
pytest.register_assert_rewrite("batch_sample")

#: Entry-point group of the test adapters under tests/fixtures/.
TESTING_NAMESPACE = "roost.adapters.testing"
#: The bundled adapters with a model of their own to train, named as their
#: folders under adapters/, as `make train` names them: roost-sklearn
#: (adapters/sklearn) is the runtime of packaged models, nothing to train.
TRAINABLE_ADAPTERS = sorted(
    project.parent.name
    for project in (Path(__file__).parents[1] / "adapters").glob("*/pyproject.toml")
    if project.parent.name != "sklearn"
)


@pytest.fixture
def testing_settings(tmp_path: Path) -> Settings:
    """Settings that serve the test adapters, with artifacts in a temporary folder.

    Several test adapters are regression models, so the compatibility route
    needs its model named, as an operator would name it.
    """
    return Settings.for_profile(
        "testing",
        adapter_namespace=TESTING_NAMESPACE,
        model_dir=tmp_path / "models",
        default_model="echo",
    )


@pytest.fixture
def client(testing_settings: Settings) -> falcon.testing.TestClient:
    """An in-process client of an app serving the test adapters."""
    return falcon.testing.TestClient(create_app(testing_settings))


@pytest.fixture(scope="session")
def bundled_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A model folder as `make serve` leaves it: every bundled model trained.

    `roost train` fits each folder under adapters/, so a server of the
    installed adapters is ready.
    """
    model_dir = tmp_path_factory.mktemp("bundled-models")
    for name in TRAINABLE_ADAPTERS:
        subprocess.run(
            roost_command("train", name),
            env=roost_env(ROOST_MODEL_DIR=model_dir, ROOST_PROFILE="testing"),
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
    yield model_dir


@pytest.fixture(scope="session")
def house_prices_model_dir(bundled_model_dir: Path) -> Path:
    """A model folder holding the house-prices artifact, trained by `roost train`.

    The other bundled adapters are trained there too, as `make serve` does.
    """
    return bundled_model_dir


@pytest.fixture(scope="module")
def altered_model_dir(
    house_prices_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A model folder holding house-prices with its Lasso weights scaled by 1.2."""
    name, version = "house-prices", HousePricesAdapter.version
    pipeline = joblib.load(house_prices_model_dir / f"{name}-{version}.joblib")
    lasso = pipeline.steps[-1][1]
    lasso.coef_ = lasso.coef_ * 1.2
    folder = tmp_path_factory.mktemp("altered")
    save_artifact(folder, name, version, pipeline, {"r2": 0.0})
    return folder


@pytest.fixture(scope="session")
def house_prices_client(house_prices_model_dir: Path) -> falcon.testing.TestClient:
    """An in-process client of an app serving the installed house-prices adapter."""
    settings = Settings.for_profile("testing", model_dir=house_prices_model_dir)
    return falcon.testing.TestClient(create_app(settings))


@pytest.fixture(scope="module")
def batch_inputs(
    tmp_path_factory: pytest.TempPathFactory, house_prices_model_dir: Path
) -> dict[str, Path]:
    """The batch sample as Parquet (3 files, small row groups) and CSV; the models."""
    # NOTE: imported here so that pytest rewrites batch_sample's asserts.
    from batch_sample import write_inputs  # noqa: PLC0415

    files = write_inputs(tmp_path_factory.mktemp("batch-inputs"))
    return {**files, "models": house_prices_model_dir}


@pytest.fixture(scope="module")
def online_expected(house_prices_client: falcon.testing.TestClient) -> list[Any]:
    """The online route's predictions for the batch sample, null for invalid rows."""
    from batch_sample import online_predictions  # noqa: PLC0415

    return online_predictions(house_prices_client)

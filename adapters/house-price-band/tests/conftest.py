"""Session fixtures: one trained, saved and reloaded house-price-band adapter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from roost.core import AdapterContext, Training, save_artifact
from roost_house_price_band import config
from roost_house_price_band.adapter import HousePriceBandAdapter
from roost_house_price_band.dataset import load_dataset

#: Inputs a record may not leave missing.
REQUIRED_VARS = [var for var in config.FEATURES if var not in config.NULLABLE_VARS]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("band-models")


@pytest.fixture(scope="session")
def context(model_dir: Path) -> AdapterContext:
    return AdapterContext(
        name=HousePriceBandAdapter.name,
        version=HousePriceBandAdapter.version,
        model_dir=model_dir,
    )


@pytest.fixture(scope="session")
def training(context: AdapterContext) -> Training:
    training = HousePriceBandAdapter(context).train()
    save_artifact(
        context.model_dir,
        context.name,
        context.version,
        training.artifact,
        training.metrics,
    )
    return training


@pytest.fixture(scope="session")
def adapter(context: AdapterContext, training: Training) -> HousePriceBandAdapter:
    del training  # saved the artifact this adapter loads
    loaded = HousePriceBandAdapter(context)
    loaded.load()
    return loaded


@pytest.fixture(scope="session")
def train_data() -> pd.DataFrame:
    return load_dataset("train.csv")


@pytest.fixture(scope="session")
def test_data() -> pd.DataFrame:
    return load_dataset("test.csv")


@pytest.fixture(scope="session")
def valid_test_data(test_data: pd.DataFrame) -> pd.DataFrame:
    return test_data.dropna(subset=REQUIRED_VARS)

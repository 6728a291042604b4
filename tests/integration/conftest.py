"""Fixtures for integration tests: real servers on loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from server_harness import RunningServer, run_server


@pytest.fixture(scope="module")
def testing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A gunicorn server (2 workers) serving the test adapters."""
    log_dir = tmp_path_factory.mktemp("testing-server")
    with run_server(
        log_dir,
        workers=2,
        ROOST_ADAPTER_NAMESPACE="roost.adapters.testing",
        ROOST_DEFAULT_MODEL="echo",
        ROOST_MODEL_DIR=log_dir / "models",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def house_prices_server(
    tmp_path_factory: pytest.TempPathFactory, house_prices_model_dir: Path
) -> Iterator[RunningServer]:
    """A gunicorn server (2 workers) serving the installed house-prices adapter."""
    with run_server(
        tmp_path_factory.mktemp("house-prices-server"),
        workers=2,
        ROOST_MODEL_DIR=house_prices_model_dir,
    ) as server:
        yield server

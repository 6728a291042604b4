"""Fixtures for integration tests: real servers on loopback ports.

The two servers here are started once per run and shared by every module that
only reads answers from them. A test that reads the server's log for what is
absent, counts from zero or changes the server's state starts a server of its
own instead (see test_edge.py's `upstream`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from server_harness import RunningServer, run_server


@pytest.fixture(scope="session")
def testing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A gunicorn server (2 workers) serving the test adapters, shared by all."""
    log_dir = tmp_path_factory.mktemp("testing-server")
    with run_server(
        log_dir,
        workers=2,
        ROOST_ADAPTER_NAMESPACE="roost.adapters.testing",
        ROOST_DEFAULT_MODEL="echo",
        ROOST_MODEL_DIR=log_dir / "models",
    ) as server:
        yield server


@pytest.fixture(scope="session")
def house_prices_server(
    tmp_path_factory: pytest.TempPathFactory, house_prices_model_dir: Path
) -> Iterator[RunningServer]:
    """A gunicorn server (2 workers) serving house-prices, shared by all modules."""
    with run_server(
        tmp_path_factory.mktemp("house-prices-server"),
        workers=2,
        ROOST_MODEL_DIR=house_prices_model_dir,
    ) as server:
        yield server

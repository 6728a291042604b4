"""Installing an adapter package serves it after a restart; uninstalling removes it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_harness import run_server

pytestmark = pytest.mark.integration

LATE = Path(__file__).resolve().parents[1] / "fixtures" / "roost-fixture-late"


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *args],
        check=True,
        timeout=300,
    )


@pytest.fixture
def late_installed() -> Iterator[None]:
    """pip-install roost-fixture-late into this environment; uninstall it after."""
    _pip("install", "--no-deps", str(LATE))
    try:
        yield
    finally:
        _pip("uninstall", "--yes", "roost-fixture-late")


class TestInstallUninstall:
    """The life of an adapter package as an operator sees it."""

    def test_pip_install_then_uninstall(
        self, late_installed: None, tmp_path: Path
    ) -> None:
        """After install and restart `late` predicts; after uninstall it is gone."""
        variables = {"ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing"}
        with run_server(tmp_path, **variables) as server:
            names = [m["name"] for m in server.get("/v1/models").json()["models"]]
            assert "late" in names
            answer = server.post("/v1/models/late/predict", json=[{"x": 1}]).json()
            assert answer["predictions"] == [2.0]

        _pip("uninstall", "--yes", "roost-fixture-late")
        with run_server(tmp_path, **variables) as server:
            names = [m["name"] for m in server.get("/v1/models").json()["models"]]
            assert "late" not in names
            assert "echo" in names
            gone = server.post("/v1/models/late/predict", json=[{"x": 1}])
            assert gone.status_code == 404

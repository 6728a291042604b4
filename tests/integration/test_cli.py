"""The `roost` command line, run as a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from server_harness import roost_command, roost_env

pytestmark = pytest.mark.integration

TESTING = {"ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing"}


def _run(*args: str, **variables: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        roost_command(*args),
        env=roost_env(**variables),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class TestModels:
    """`roost models` lists adapters and why a broken one is not ready."""

    def test_lists_ready_and_broken_adapters(self, tmp_path: Path) -> None:
        """Every test adapter appears with its version and state."""
        result = _run("models", ROOST_MODEL_DIR=tmp_path, **TESTING)
        assert result.returncode == 0, result.stderr
        lines = {
            line.split()[0] + " " + line.split()[1]: line
            for line in result.stdout.splitlines()[1:]
        }
        assert "ready" in lines["echo 2.0"]
        assert "ready" in lines["echo 1.0"]
        assert "not ready: load failed" in lines["fails-load 1.0"]
        assert "not ready: import failed" in lines["broken-import -"]

    @staticmethod
    def _rows(stdout: str) -> dict[str, list[str]]:
        return {
            " ".join(line.split()[:2]): line.split()
            for line in stdout.splitlines()[1:]
            if not line.split()[0].endswith(":")
        }

    def test_shows_the_default_version(self, tmp_path: Path) -> None:
        """The newest version is marked default; a pin moves the mark."""
        newest = self._rows(_run("models", ROOST_MODEL_DIR=tmp_path, **TESTING).stdout)
        assert newest["echo 2.0"][3] == "newest"
        assert newest["echo 1.0"][3] == "ready"  # no mark: the column is empty
        pinned = _run(
            "models",
            ROOST_MODEL_DIR=tmp_path,
            ROOST_PINNED_VERSIONS="echo=1.0",
            **TESTING,
        )
        rows = self._rows(pinned.stdout)
        assert rows["echo 1.0"][3] == "pinned"
        assert rows["echo 2.0"][3] == "ready"

    def test_a_broken_pin_is_named(self, tmp_path: Path) -> None:
        """A pin to a version not installed is shown with what is installed."""
        result = _run(
            "models",
            ROOST_MODEL_DIR=tmp_path,
            ROOST_PINNED_VERSIONS="echo=7",
            **TESTING,
        )
        assert result.returncode == 0, result.stderr
        assert (
            "echo: pinned version 7 is not installed (ROOST_PINNED_VERSIONS); "
            "installed: 2.0, 1.0"
        ) in result.stdout.splitlines()

    def test_empty_namespace_says_so(self, tmp_path: Path) -> None:
        """With no adapters installed the command says so and succeeds."""
        result = _run("models", ROOST_ADAPTER_NAMESPACE="roost.adapters.none")
        assert result.returncode == 0
        assert "no adapters installed" in result.stdout


class TestTrain:
    """`roost train` writes a verified artifact and reports its metrics."""

    def test_trained_artifact_and_manifest(self, house_prices_model_dir: Path) -> None:
        """The session's `roost train house-prices` left both files and sane metrics."""
        manifest = json.loads(
            (house_prices_model_dir / "house-prices-1.0.0.json").read_text()
        )
        assert manifest["artifact"] == "house-prices-1.0.0.joblib"
        assert (house_prices_model_dir / manifest["artifact"]).is_file()
        assert manifest["metrics"]["r2"] > 0.75
        assert "scikit-learn" in manifest["libraries"]

    def test_if_missing_keeps_a_good_artifact(
        self, house_prices_model_dir: Path, tmp_path: Path
    ) -> None:
        """--if-missing leaves a verified artifact alone."""
        model_dir = tmp_path / "models"
        shutil.copytree(house_prices_model_dir, model_dir)
        result = _run(
            "train", "house-prices", "--if-missing", ROOST_MODEL_DIR=model_dir
        )
        assert result.returncode == 0, result.stderr
        assert "artifact present" in result.stdout

    def test_if_missing_retrains_a_tampered_artifact(
        self, house_prices_model_dir: Path, tmp_path: Path
    ) -> None:
        """A checksum mismatch counts as missing: the model is trained again."""
        model_dir = tmp_path / "models"
        shutil.copytree(house_prices_model_dir, model_dir)
        artifact = model_dir / "house-prices-1.0.0.joblib"
        artifact.write_bytes(artifact.read_bytes() + b"tampered")
        result = _run(
            "train", "house-prices", "--if-missing", ROOST_MODEL_DIR=model_dir
        )
        assert result.returncode == 0, result.stderr
        assert "fails its checksum" in result.stdout
        assert "rmse" in result.stdout and "r2" in result.stdout

    def test_adapter_without_training_is_refused(self, tmp_path: Path) -> None:
        """Training an adapter that defines no train() exits 1 with a reason."""
        result = _run("train", "echo", ROOST_MODEL_DIR=tmp_path, **TESTING)
        assert result.returncode == 1
        assert "does not support training" in result.stderr

    def test_unknown_adapter_is_refused(self, tmp_path: Path) -> None:
        """Training a name nobody installed exits 1 naming it."""
        result = _run("train", "nope", ROOST_MODEL_DIR=tmp_path)
        assert result.returncode == 1
        assert "no model named 'nope'" in result.stderr


class TestSettingsErrors:
    """Configuration mistakes stop the command with a clear message."""

    def test_bad_port_is_reported(self) -> None:
        """ROOST_PORT that is not a number is named in the error."""
        result = _run("models", ROOST_PORT="eighty")
        assert result.returncode == 1
        assert "ROOST_PORT='eighty' is not an integer" in result.stderr


class TestPackage:
    """`roost package` lives in roost-sklearn and says so when it is absent."""

    def test_without_roost_sklearn(self, tmp_path: Path) -> None:
        """With roost_sklearn unimportable, it exits 1 saying how to install it."""
        # NOTE: None in sys.modules is Python's own way to make an import fail.
        program = (
            "import sys; sys.modules['roost_sklearn'] = None\n"
            "from roost.core.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", program, "package", "--model", "m.skops",
             "--data", "d.csv", "--name", "m", "--version", "1"],
            env=roost_env(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )  # fmt: skip
        assert result.returncode == 1
        assert "roost package needs roost-sklearn" in result.stderr
        assert "pip install roost-sklearn" in result.stderr
        assert not (tmp_path / "dist").exists()

    def test_listed_in_help(self) -> None:
        """`roost --help` lists the package command."""
        result = _run("--help")
        assert result.returncode == 0
        assert "package" in result.stdout

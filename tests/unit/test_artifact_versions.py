"""Adapters whose versions are their trained artifacts: retrain, no new code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from roost_fixture_retrained import ScalerAdapter

from roost.core import VERSION_FROM_ARTIFACT, save_artifact
from roost.core.contract.artifacts import artifact_versions
from roost.core.contract.registry import Registry

NAMESPACE = "roost.adapters.retrained"


def _discover(model_dir: Path) -> Registry:
    return Registry.discover(NAMESPACE, model_dir)


class TestArtifactVersions:
    """Each manifest of the adapter's name in the model folder is a version."""

    def test_versions_are_listed_oldest_first(self, tmp_path: Path) -> None:
        """PEP 440 order, not text order; other names and strays are skipped."""
        for version in ("1.10", "1.9", "2.0rc1"):
            save_artifact(tmp_path, "scaler", version, {"factor": 1.0}, {})
        save_artifact(tmp_path, "other", "3.0", {"factor": 1.0}, {})
        (tmp_path / "scaler-junk.json").write_text("{not json")
        assert artifact_versions(tmp_path, "scaler") == ["1.9", "1.10", "2.0rc1"]

    def test_no_artifact_is_a_clear_error_entry(self, tmp_path: Path) -> None:
        """Without artifacts the adapter is listed, not ready, saying what to do."""
        (entry,) = _discover(tmp_path).versions("scaler")
        assert entry.version is None
        assert entry.error is not None
        assert "roost train scaler --version VERSION" in entry.error

    def test_every_trained_version_is_served_newest_by_default(
        self, tmp_path: Path
    ) -> None:
        """Two artifacts, two versions; each predicts with its own artifact."""
        save_artifact(tmp_path, "scaler", "1.0", {"factor": 2.0}, {})
        save_artifact(tmp_path, "scaler", "1.1", {"factor": 3.0}, {})
        registry = _discover(tmp_path)
        registry.load_all()
        assert [e.version for e in registry.versions("scaler")] == ["1.1", "1.0"]
        assert registry.lookup("scaler").version == "1.1"
        frame = pd.DataFrame({"x": [1.0]})
        for version, expected in (("1.0", 2.0), ("1.1", 3.0)):
            adapter = registry.lookup_ready("scaler", version).adapter
            assert adapter is not None
            assert adapter.predict(frame).tolist() == [expected]

    def test_the_class_keeps_the_marker(self) -> None:
        """The class says where its versions come from; entries carry the real one."""
        assert ScalerAdapter.version == VERSION_FROM_ARTIFACT


class TestTrainCommand:
    """`roost train NAME --version V` makes a new version of such an adapter."""

    def _roost(self, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "ROOST_ADAPTER_NAMESPACE": NAMESPACE,
            "ROOST_MODEL_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        }
        return subprocess.run(
            [sys.executable, "-m", "roost.core.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def test_train_needs_a_version(self, tmp_path: Path) -> None:
        """Without --version there is nothing to name the artifact: exit 1."""
        result = self._roost(tmp_path, "train", "scaler")
        assert result.returncode == 1
        assert "name the version to train with --version" in result.stderr

    @pytest.mark.parametrize("versions", [("1.0", "1.1")])
    def test_each_training_adds_a_version(
        self, tmp_path: Path, versions: tuple[str, ...]
    ) -> None:
        """Training 1.0 then 1.1 leaves two served versions, no code changed."""
        for version in versions:
            result = self._roost(tmp_path, "train", "scaler", "--version", version)
            assert result.returncode == 0, result.stderr
        assert artifact_versions(tmp_path, "scaler") == list(versions)
        listing = self._roost(tmp_path, "models")
        assert listing.returncode == 0, listing.stderr
        lines = [line for line in listing.stdout.splitlines() if "scaler" in line]
        assert len(lines) == 2 and all("ready" in line for line in lines)

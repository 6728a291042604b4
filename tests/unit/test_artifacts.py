"""Tests for roost.core.contract.artifacts: joblib files, manifests and checksums."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import joblib
import pytest

from roost.core.contract.adapter import AdapterContext
from roost.core.contract.artifacts import (
    RECORDED_LIBRARIES,
    Manifest,
    artifact_stem,
    load_artifact,
    read_manifest,
    save_artifact,
)
from roost.core.errors import ArtifactError, RoostError

ARTIFACT = {"weights": [0.5, -1.25, 3.0], "bias": 2, "labels": ("a", "b")}


@pytest.fixture
def saved(tmp_path: Path) -> Manifest:
    """An artifact for echo 1.0 saved in tmp_path, with two metrics."""
    return save_artifact(tmp_path, "echo", "1.0", ARTIFACT, {"rmse": 1, "r2": 0.75})


class TestSaveAndLoad:
    """save_artifact persists an object that load_artifact gives back."""

    def test_round_trip(self, tmp_path: Path, saved: Manifest) -> None:
        """The loaded object equals the saved one."""
        assert load_artifact(tmp_path, "echo", "1.0") == ARTIFACT

    def test_files_on_disk(self, tmp_path: Path, saved: Manifest) -> None:
        """One joblib file and one JSON manifest, named after name and version."""
        assert sorted(path.name for path in tmp_path.iterdir()) == [
            "echo-1.0.joblib",
            "echo-1.0.json",
        ]
        assert joblib.load(tmp_path / "echo-1.0.joblib") == ARTIFACT

    def test_creates_the_model_dir(self, tmp_path: Path) -> None:
        """A missing model folder, nested, is created."""
        model_dir = tmp_path / "a" / "b"
        save_artifact(model_dir, "echo", "1.0", [1, 2], {})
        assert load_artifact(model_dir, "echo", "1.0") == [1, 2]

    def test_saving_again_replaces_the_artifact(self, tmp_path: Path) -> None:
        """A second save of the same version replaces the first, checksum and all."""
        save_artifact(tmp_path, "echo", "1.0", "first", {})
        save_artifact(tmp_path, "echo", "1.0", "second", {})
        assert load_artifact(tmp_path, "echo", "1.0") == "second"
        assert len(list(tmp_path.iterdir())) == 2

    def test_versions_are_kept_apart(self, tmp_path: Path) -> None:
        """Two versions of one name are stored and loaded separately."""
        save_artifact(tmp_path, "echo", "1.0", "old", {})
        save_artifact(tmp_path, "echo", "2.0", "new", {})
        assert load_artifact(tmp_path, "echo", "1.0") == "old"
        assert load_artifact(tmp_path, "echo", "2.0") == "new"

    def test_stem(self) -> None:
        """The shared file stem is name-version."""
        assert artifact_stem("house-prices", "1.2") == "house-prices-1.2"


class TestManifest:
    """The manifest records what the artifact is and how it was made."""

    def test_identity_fields(self, saved: Manifest) -> None:
        """Name, version and artifact file name are recorded."""
        assert saved.name == "echo"
        assert saved.version == "1.0"
        assert saved.artifact == "echo-1.0.joblib"

    def test_sha256_matches_the_file(self, tmp_path: Path, saved: Manifest) -> None:
        """The recorded sha256 is the artifact file's real digest."""
        data = (tmp_path / "echo-1.0.joblib").read_bytes()
        assert saved.sha256 == hashlib.sha256(data).hexdigest()

    def test_metrics_are_floats(self, saved: Manifest) -> None:
        """Metrics are stored as floats, ints included."""
        assert saved.metrics == {"rmse": 1.0, "r2": 0.75}
        assert all(type(value) is float for value in saved.metrics.values())

    def test_environment_is_recorded(self, saved: Manifest) -> None:
        """Python's version and installed library versions are recorded."""
        assert saved.python == platform.python_version()
        for library in ("joblib", "numpy", "pandas"):
            assert saved.libraries[library] == importlib.metadata.version(library)
        assert set(saved.libraries) <= set(RECORDED_LIBRARIES)

    def test_created_is_a_recent_utc_timestamp(self, saved: Manifest) -> None:
        """The creation time is an ISO timestamp in UTC, close to now."""
        created = datetime.fromisoformat(saved.created)
        assert created.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)

    def test_read_manifest_matches_the_saved_one(
        self, tmp_path: Path, saved: Manifest
    ) -> None:
        """The manifest read back from disk equals the one save returned."""
        assert read_manifest(tmp_path, "echo", "1.0") == saved

    def test_manifest_file_is_sorted_json(
        self, tmp_path: Path, saved: Manifest
    ) -> None:
        """The manifest file is JSON with every field, keys sorted."""
        text = (tmp_path / "echo-1.0.json").read_text()
        data = json.loads(text)
        assert list(data) == sorted(data)
        assert data["sha256"] == saved.sha256
        assert data["metrics"] == {"r2": 0.75, "rmse": 1.0}
        assert text == saved.to_json()


class TestFailures:
    """Missing, damaged or mismatched files raise ArtifactError."""

    def test_tampered_artifact_fails_its_checksum(
        self, tmp_path: Path, saved: Manifest
    ) -> None:
        """Flipping bytes of the artifact makes loading fail on the checksum."""
        path = tmp_path / "echo-1.0.joblib"
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))
        with pytest.raises(ArtifactError, match="fails its checksum") as caught:
            load_artifact(tmp_path, "echo", "1.0")
        assert saved.sha256[:12] in caught.value.message
        assert "echo-1.0.joblib" in caught.value.message

    def test_missing_manifest_says_to_train(self, tmp_path: Path) -> None:
        """Without a manifest the error tells the operator to run `roost train`."""
        with pytest.raises(ArtifactError, match="run 'roost train echo'") as caught:
            load_artifact(tmp_path, "echo", "1.0")
        assert "no trained artifact for echo 1.0" in caught.value.message
        assert isinstance(caught.value, RoostError)

    def test_read_manifest_of_missing_version(
        self, tmp_path: Path, saved: Manifest
    ) -> None:
        """Reading the manifest of a version never trained raises ArtifactError."""
        with pytest.raises(ArtifactError, match=r"no trained artifact for echo 2\.0"):
            read_manifest(tmp_path, "echo", "2.0")

    def test_missing_artifact_file(self, tmp_path: Path, saved: Manifest) -> None:
        """A manifest whose artifact file is gone raises ArtifactError naming it."""
        (tmp_path / "echo-1.0.joblib").unlink()
        with pytest.raises(
            ArtifactError, match=r"artifact file .*echo-1\.0\.joblib is missing"
        ):
            load_artifact(tmp_path, "echo", "1.0")

    @pytest.mark.parametrize(
        "text",
        ["{not json", "[1, 2]", '{"name": "echo"}', '{"unexpected": 1}', ""],
    )
    def test_malformed_manifest(
        self, tmp_path: Path, saved: Manifest, text: str
    ) -> None:
        """A manifest that is not JSON, or lacks fields, is unreadable."""
        (tmp_path / "echo-1.0.json").write_text(text)
        with pytest.raises(ArtifactError, match="unreadable manifest"):
            load_artifact(tmp_path, "echo", "1.0")

    def test_manifest_naming_another_file(
        self, tmp_path: Path, saved: Manifest
    ) -> None:
        """A manifest that names another artifact file is refused."""
        path = tmp_path / "echo-1.0.json"
        data = json.loads(path.read_text())
        data["artifact"] = "other.joblib"
        path.write_text(json.dumps(data))
        with pytest.raises(ArtifactError, match=r"manifest names \'other\.joblib\'"):
            load_artifact(tmp_path, "echo", "1.0")

    def test_manifest_of_another_model_is_refused(
        self, tmp_path: Path, saved: Manifest
    ) -> None:
        """A manifest whose name or version differs from its file name is refused."""
        path = tmp_path / "echo-1.0.json"
        data = json.loads(path.read_text())
        data["version"] = "9.9"
        path.write_text(json.dumps(data))
        with pytest.raises(ArtifactError, match=r"describes echo 9\.9, not echo 1\.0"):
            read_manifest(tmp_path, "echo", "1.0")

    def test_unloadable_file_with_matching_checksum(
        self, tmp_path: Path, saved: Manifest
    ) -> None:
        """A file that matches its checksum but is no joblib file cannot load."""
        path = tmp_path / "echo-1.0.joblib"
        path.write_bytes(b"not a pickle at all")
        manifest_path = tmp_path / "echo-1.0.json"
        data = json.loads(manifest_path.read_text())
        data["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest_path.write_text(json.dumps(data))
        with pytest.raises(
            ArtifactError, match=r"cannot load artifact echo-1\.0\.joblib"
        ):
            load_artifact(tmp_path, "echo", "1.0")


class TestAdapterContext:
    """AdapterContext reads artifacts under its own name and version."""

    def test_load_artifact_delegates(self, tmp_path: Path, saved: Manifest) -> None:
        """The context loads the artifact saved for its name and version."""
        context = AdapterContext(name="echo", version="1.0", model_dir=tmp_path)
        assert context.load_artifact() == ARTIFACT

    def test_read_manifest_delegates(self, tmp_path: Path, saved: Manifest) -> None:
        """The context reads the manifest saved for its name and version."""
        context = AdapterContext(name="echo", version="1.0", model_dir=tmp_path)
        assert context.read_manifest() == saved

    def test_uses_its_own_version(self, tmp_path: Path, saved: Manifest) -> None:
        """A context of another version does not see this version's artifact."""
        save_artifact(tmp_path, "echo", "2.0", "two", {})
        context = AdapterContext(name="echo", version="2.0", model_dir=tmp_path)
        assert context.load_artifact() == "two"
        other = AdapterContext(name="echo", version="3.0", model_dir=tmp_path)
        with pytest.raises(ArtifactError, match=r"echo 3\.0"):
            other.load_artifact()

    def test_uses_its_own_model_dir(self, tmp_path: Path, saved: Manifest) -> None:
        """A context over another folder does not see this folder's artifact."""
        context = AdapterContext(name="echo", version="1.0", model_dir=tmp_path / "x")
        with pytest.raises(ArtifactError, match="run 'roost train echo'"):
            context.read_manifest()


class TestPermissions:
    """Artifacts are private to the user who trained them, as deploy/README says."""

    def test_files_are_0600_in_a_0700_folder(self, tmp_path: Path) -> None:
        """A folder roost creates is 0700; the artifact and manifest are 0600."""
        model_dir = tmp_path / "new" / "models"
        save_artifact(model_dir, "echo", "1.0", {"weights": [1]}, {})
        assert stat.S_IMODE(model_dir.stat().st_mode) == 0o700
        files = sorted(model_dir.iterdir())
        assert [path.suffix for path in files] == [".joblib", ".json"]
        assert [stat.S_IMODE(path.stat().st_mode) for path in files] == [0o600] * 2

    def test_an_existing_folder_keeps_its_mode(self, tmp_path: Path) -> None:
        """An operator's folder (0755 here) is written into, not re-permissioned."""
        model_dir = tmp_path / "shared-models"
        model_dir.mkdir(mode=0o755)
        model_dir.chmod(0o755)
        save_artifact(model_dir, "echo", "1.0", {"weights": [1]}, {})
        assert stat.S_IMODE(model_dir.stat().st_mode) == 0o755

"""Trained artifacts on disk: one joblib file and one JSON manifest per version."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
from packaging.version import InvalidVersion, Version

from roost.core.errors import ArtifactError

__all__ = [
    "Manifest",
    "artifact_stem",
    "library_mismatches",
    "load_artifact",
    "read_manifest",
    "save_artifact",
]

logger = logging.getLogger(__name__)

#: Libraries whose versions a manifest records, when installed.
RECORDED_LIBRARIES = ("scikit-learn", "pandas", "numpy", "joblib")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Manifest:
    """What roost knows about one trained artifact."""

    name: str
    version: str
    artifact: str
    sha256: str
    metrics: Mapping[str, float]
    created: str
    python: str
    libraries: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise the manifest as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def artifact_stem(name: str, version: str) -> str:
    """Return the file name stem shared by an artifact and its manifest."""
    return f"{name}-{version}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _installed_versions() -> dict[str, str]:
    versions = {}
    for library in RECORDED_LIBRARIES:
        try:
            versions[library] = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _write_atomically(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # NOTE: mkstemp makes the file 0600, and it stays so: a model is
        # private to the user who trained it. deploy/README.md says how to
        # let another serving user read it (chmod -R a+rX).
        tmp.chmod(0o600)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def save_artifact(
    model_dir: Path,
    name: str,
    version: str,
    artifact: object,
    metrics: Mapping[str, float],
) -> Manifest:
    """Persist `artifact` and its manifest under `model_dir`; return the manifest.

    Both files are written 0600; a model folder roost creates is 0700 (an
    existing folder keeps its mode).
    """
    model_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem = artifact_stem(name, version)
    artifact_path = model_dir / f"{stem}.joblib"
    _write_atomically(artifact_path, lambda tmp: joblib.dump(artifact, tmp))
    manifest = Manifest(
        name=name,
        version=version,
        artifact=artifact_path.name,
        sha256=_sha256(artifact_path),
        metrics={key: float(value) for key, value in metrics.items()},
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        python=platform.python_version(),
        libraries=_installed_versions(),
    )
    manifest_path = model_dir / f"{stem}.json"
    _write_atomically(manifest_path, lambda tmp: tmp.write_text(manifest.to_json()))
    return manifest


def artifact_versions(model_dir: Path, name: str) -> list[str]:
    """List the versions of `name` whose manifests lie in `model_dir`, oldest first.

    Files that are not manifests of `name` (another adapter's, a stray
    JSON file, an unparsable version) are passed over.
    """
    found: dict[str, Version] = {}
    for path in model_dir.glob(f"{artifact_stem(name, '*')}.json"):
        try:
            recorded = json.loads(path.read_text())
            version = str(recorded["version"])
            if recorded["name"] == name and path.stem == artifact_stem(name, version):
                found[version] = Version(version)
        except (OSError, ValueError, TypeError, KeyError, InvalidVersion):
            continue
    return sorted(found, key=found.__getitem__)


def read_manifest(model_dir: Path, name: str, version: str) -> Manifest:
    """Read the manifest of one artifact version.

    Raises:
        ArtifactError: the manifest is missing or malformed.
    """
    path = model_dir / f"{artifact_stem(name, version)}.json"
    try:
        manifest = Manifest(**json.loads(path.read_text()))
    except FileNotFoundError:
        raise ArtifactError(
            f"no trained artifact for {name} {version} in {model_dir}; "
            f"run 'roost train {name}'"
        ) from None
    except (OSError, ValueError, TypeError) as exc:
        raise ArtifactError(f"unreadable manifest {path}: {exc}") from exc
    if (manifest.name, manifest.version) != (name, version):
        raise ArtifactError(
            f"manifest {path.name} describes {manifest.name} {manifest.version}, "
            f"not {name} {version}"
        )
    return manifest


def library_mismatches(manifest: Manifest) -> list[str]:
    """List the recorded libraries whose installed version differs."""
    installed = _installed_versions()
    return [
        f"{library} {trained} when trained, {installed.get(library, 'missing')} now"
        for library, trained in sorted(manifest.libraries.items())
        if installed.get(library) != trained
    ]


def load_artifact(
    model_dir: Path, name: str, version: str, library_mismatch: str = "warn"
) -> object:
    """Load an artifact after checking it against its manifest.

    The sha256 must match. Library versions that differ from the ones the
    artifact was trained with are logged (`library_mismatch="warn"`) or
    refused (`"refuse"`): unpickling across versions can fail or mislead.

    Raises:
        ArtifactError: missing files, a checksum mismatch, refused library
            versions or an unloadable file.
    """
    manifest = read_manifest(model_dir, name, version)
    mismatches = library_mismatches(manifest)
    if mismatches and library_mismatch == "refuse":
        raise ArtifactError(
            f"artifact {name} {version} was trained with other library versions: "
            f"{'; '.join(mismatches)}; retrain it or set ROOST_LIBRARY_MISMATCH=warn"
        )
    for mismatch in mismatches:
        logger.warning("artifact %s %s: %s", name, version, mismatch)
    path = model_dir / f"{artifact_stem(name, version)}.joblib"
    if manifest.artifact != path.name:
        raise ArtifactError(
            f"manifest names {manifest.artifact!r}, expected {path.name!r}"
        )
    try:
        actual = _sha256(path)
    except FileNotFoundError:
        raise ArtifactError(f"artifact file {path} is missing") from None
    if actual != manifest.sha256:
        raise ArtifactError(
            f"artifact {path.name} fails its checksum (sha256 {actual[:12]}..., "
            f"manifest says {manifest.sha256[:12]}...); retrain or restore it"
        )
    try:
        return joblib.load(path)
    except Exception as exc:
        raise ArtifactError(f"cannot load artifact {path.name}: {exc}") from exc

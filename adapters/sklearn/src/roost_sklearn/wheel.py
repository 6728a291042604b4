"""Build a packaged model's wheel from a generated project, offline.

The project is a folder with a `pyproject.toml` and one import package: a
module subclassing `SklearnAdapter`, the card, the skops artifact and the
reference rows. `pip wheel --no-deps --no-build-isolation` builds it with the
setuptools of this environment, so no index is needed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from roost.core import ENTRY_POINT_GROUP
from roost_sklearn.naming import PackagingError

__all__ = ["ModelProject", "build_wheel"]

_MODULE = '''"""The packaged model {name} {version}, served by roost-sklearn.

Everything it is lives in card.json beside this module; `roost package`
generated this file.
"""

from roost_sklearn import SklearnAdapter


class Adapter(SklearnAdapter):
    """{summary}"""
'''

_PYPROJECT = """[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = {distribution}
version = {version}
description = {summary}
requires-python = ">=3.11"
dependencies = [{requirement}]

[project.entry-points.{group}]
{name} = {entry_point}

[tool.setuptools]
packages = [{package}]
include-package-data = false

[tool.setuptools.package-data]
{package_key} = {data}
"""


class ModelProject:
    """The generated project of one packaged model, in `root`."""

    def __init__(
        self,
        root: Path,
        *,
        name: str,
        version: str,
        distribution: str,
        package: str,
        requirement: str,
    ) -> None:
        self.root = root
        self.name = name
        self.version = version
        self.distribution = distribution
        self.package = package
        self.requirement = requirement
        self.package_dir = root / package

    def create(self) -> Path:
        """Create the folders and the module; return the package folder."""
        self.package_dir.mkdir(parents=True)
        summary = f"The scikit-learn model {self.name} {self.version}."
        module = _MODULE.format(name=self.name, version=self.version, summary=summary)
        (self.package_dir / "__init__.py").write_text(module, encoding="utf-8")
        return self.package_dir

    def write_pyproject(self) -> None:
        """Write `pyproject.toml`, shipping every file of the package folder."""
        data = sorted(
            path.name
            for path in self.package_dir.iterdir()
            if path.is_file() and path.suffix != ".py"
        )
        text = _PYPROJECT.format(
            distribution=_toml(self.distribution),
            version=_toml(self.version),
            summary=_toml(
                f"The scikit-learn model {self.name} {self.version}, "
                "packaged for roost."
            ),
            requirement=_toml(self.requirement),
            group=_toml(ENTRY_POINT_GROUP),
            name=self.name,
            entry_point=_toml(f"{self.package}:Adapter"),
            package=_toml(self.package),
            package_key=self.package,
            data=json.dumps(data),
        )
        (self.root / "pyproject.toml").write_text(text, encoding="utf-8")


def build_wheel(project: ModelProject, output: Path) -> Path:
    """Build the project's wheel into `output`; return its path.

    Raises:
        PackagingError: pip failed (its output is in the message).
    """
    output.mkdir(parents=True, exist_ok=True)
    staging = project.root / "wheelhouse"
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--disable-pip-version-check",
        "--quiet",
        "--wheel-dir",
        str(staging),
        str(project.root),
    ]
    # This interpreter's pip, with arguments built here and no shell.
    done = subprocess.run(  # noqa: S603 - see above
        command, capture_output=True, text=True, check=False
    )
    wheels = sorted(staging.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise PackagingError(
            f"building the wheel failed (pip exit {done.returncode}):\n"
            f"{done.stdout}{done.stderr}".rstrip()
        )
    target = output / wheels[0].name
    shutil.move(wheels[0], target)
    return target.resolve()


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)

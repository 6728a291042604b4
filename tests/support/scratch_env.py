"""Test support: a throwaway Python environment layered over the test one.

A test that installs and uninstalls packages while a server runs does it in
its own venv, so the shared test environment never changes under other
tests. The venv sees every package of the test environment (a `.pth` file
adds its site-packages, with their own `.pth` files, such as an editable
install's) and holds only what the test installs into it.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sysconfig
import venv
from pathlib import Path

from packaging.version import Version


class ScratchEnv:
    """A venv whose `python` sees the test environment plus its own installs."""

    def __init__(self, root: Path) -> None:
        venv.create(root, with_pip=False, symlinks=True)
        self.python = root / "bin" / "python"
        own = subprocess.run(
            [
                str(self.python),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        parents = dict.fromkeys(
            (sysconfig.get_path("purelib"), sysconfig.get_path("platlib"))
        )
        lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
        (Path(own) / "_test_environment.pth").write_text(lines)

    def pip(self, *args: str) -> None:
        """Run pip (the test environment's) for this venv."""
        subprocess.run(
            [
                str(self.python),
                "-m",
                "pip",
                "--quiet",
                "--disable-pip-version-check",
                *args,
            ],
            check=True,
            timeout=300,
        )

    def install(self, *wheels: Path) -> None:
        """Install wheels into this venv only, in one pip call."""
        self.pip("install", "--no-deps", "--no-index", *map(str, wheels))

    def uninstall(self, distribution: str) -> None:
        """Uninstall a distribution from this venv."""
        self.pip("uninstall", "--yes", distribution)


def _has_setuptools_70_1() -> bool:
    """Say whether the test environment (which the builder sees) has it already.

    Then `pip install setuptools>=70.1` in the builder would only say so, at
    the cost of a pip start.
    """
    try:
        installed = Version(importlib.metadata.version("setuptools"))
    except importlib.metadata.PackageNotFoundError:
        return False
    return installed >= Version("70.1")


def build_wheels(sources: list[Path], folder: Path) -> dict[str, Path]:
    """Build fixture distributions' wheels, keyed by their folders' names.

    One build venv (setuptools >= 70.1 builds wheels by itself) and one pip
    call for all of them, from copies, so that the build leaves nothing in
    the fixtures' folders.
    """
    builder = ScratchEnv(folder / "builder")
    if not _has_setuptools_70_1():
        builder.pip("install", "setuptools>=70.1")
    copies = []
    for source in sources:
        copy = folder / "src" / source.name
        shutil.copytree(
            source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info")
        )
        copies.append(str(copy))
    wheel_dir = folder / "wheels"
    builder.pip(
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--wheel-dir",
        str(wheel_dir),
        *copies,
    )
    wheels = {}
    for source in sources:
        (wheel,) = wheel_dir.glob(f"{source.name.replace('-', '_')}-*.whl")
        wheels[source.name] = wheel
    return wheels

"""The built wheel holds every module and imports each under its roost.* name."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "core": "roost.core",
    "controllers": "roost.controllers",
    "views": "roost.views",
}


def _source_modules() -> list[str]:
    """Name every module under the package folders by its installed name."""
    names = []
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join((package, *parts)))
    return names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build roost's wheel from this checkout with pip."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, ROOT],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("roost-*.whl")
    return built


class TestWheel:
    """What `pip install roost` gets."""

    def test_every_source_file_is_in_the_wheel(self, wheel: Path) -> None:
        """Each .py and py.typed under core/, controllers/, views/ is packaged."""
        with zipfile.ZipFile(wheel) as archive:
            packaged = set(archive.namelist())
        for folder, package in PACKAGES.items():
            target = package.replace(".", "/")
            for path in (ROOT / folder).rglob("*"):
                if path.suffix == ".py" or path.name == "py.typed":
                    relative = path.relative_to(ROOT / folder).as_posix()
                    assert f"{target}/{relative}" in packaged, relative

    def test_no_generic_top_level_names(self, wheel: Path) -> None:
        """Nothing installs as a bare `core`, `views` or `controllers` package."""
        with zipfile.ZipFile(wheel) as archive:
            tops = {name.split("/", 1)[0] for name in archive.namelist()}
        assert tops <= {"roost", next(t for t in tops if t.endswith(".dist-info"))}
        assert "roost/__init__.py" not in archive.namelist()

    def test_every_module_imports_from_the_wheel(
        self, wheel: Path, tmp_path: Path
    ) -> None:
        """Imported without site hooks, every module comes from the unpacked wheel."""
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(tmp_path)
        modules = _source_modules()
        unpacked = str(tmp_path)
        script = (
            "import importlib, sys\n"
            f"sys.path[:0] = [{unpacked!r}]\n"
            f"for name in {modules!r}:\n"
            "    module = importlib.import_module(name)\n"
            f"    assert module.__file__.startswith({unpacked!r}), module.__file__\n"
        )
        # -S skips .pth files, so an editable install's import hook cannot answer.
        purelib = sysconfig.get_paths()["purelib"]
        result = subprocess.run(
            [
                sys.executable,
                "-S",
                "-c",
                f"import sys; sys.path.append({purelib!r})\n" + script,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert len(modules) >= 20

    def test_bare_package_names_do_not_import(self) -> None:
        """`import core` fails: the folders are only reachable as roost.*."""
        result = subprocess.run(
            [sys.executable, "-P", "-c", "import core"],
            capture_output=True,
            text=True,
            cwd="/",
            timeout=60,
            check=False,
        )
        assert "ModuleNotFoundError" in result.stderr

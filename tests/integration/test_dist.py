"""`make dist`: wheels of roost, the client and each adapter, without artifacts."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = sorted(path.parent for path in (ROOT / "adapters").glob("*/pyproject.toml"))
CLIENT = ROOT / "client"
#: Trained binaries that must never ride along in a wheel.
ARTIFACT_SUFFIXES = (".joblib", ".pkl", ".pickle", ".onnx")

#: Run in a clean interpreter: the wheels' target folder first, then this
#: environment's site-packages for the dependencies, no .pth files (so no
#: editable install can answer instead of the wheels).
_SMOKE = """
import sys
target, *site = sys.argv[1:]
sys.path[:0] = [target, *site]
import roost.core, roost.client, roost_house_prices
for module in (roost.core, roost.client, roost_house_prices):
    assert module.__file__.startswith(target), module.__file__
from roost.core.cli import main
status = main(["train", "house-prices"]) or main(["models"])
sys.exit(status)
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheels as `make dist` does: pip wheel --no-deps, all distributions.

    One `pip wheel` per distribution, with make dist's options, a few side by
    side: each builds in its own isolated environment and only its finished
    wheel lands in the folder, so the wheels are those of one call.
    """
    out = tmp_path_factory.mktemp("dist")

    def build(project: Path) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--quiet",
                "--disable-pip-version-check",
                "-w",
                out,
                project,
            ],
            check=True,
            timeout=300,
        )

    projects = [ROOT, CLIENT, *ADAPTERS]
    with ThreadPoolExecutor(min(len(projects), (os.cpu_count() or 1) + 1)) as pool:
        list(pool.map(build, projects))
    return {path.name.split("-")[0]: path for path in out.glob("*.whl")}


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


class TestDist:
    """What an operator gets from `make dist`."""

    def test_one_wheel_for_roost_and_each_adapter(
        self, wheels: dict[str, Path]
    ) -> None:
        """The root project, the client and every adapter folder build a wheel."""
        expected = {"roost", "roost_client"} | {
            "roost_" + path.name.replace("-", "_") for path in ADAPTERS
        }
        assert set(wheels) == expected

    def test_no_wheel_ships_a_trained_artifact(self, wheels: dict[str, Path]) -> None:
        """No joblib (or other pickled model) file is in any wheel."""
        for wheel in wheels.values():
            shipped = [
                name for name in _names(wheel) if name.endswith(ARTIFACT_SUFFIXES)
            ]
            assert shipped == [], wheel.name

    @pytest.mark.parametrize(
        "package", ["roost_house_prices", "roost_house_price_band"]
    )
    def test_adapter_wheel_ships_its_code_and_training_data(
        self, wheels: dict[str, Path], package: str
    ) -> None:
        """A bundled adapter carries its modules, both CSV files and its entry point."""
        names = _names(wheels[package])
        for needed in ("adapter.py", "pipeline.py", "data/train.csv", "data/test.csv"):
            assert f"{package}/{needed}" in names
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        with zipfile.ZipFile(wheels[package]) as archive:
            assert "[roost.adapters]" in archive.read(entry_points).decode()

    def test_client_wheel_ships_its_package_in_the_roost_namespace(
        self, wheels: dict[str, Path]
    ) -> None:
        """roost-client holds roost/client/ only, typed, with no roost/__init__.py."""
        names = _names(wheels["roost_client"])
        shipped = {name for name in names if not name.startswith("roost_client-")}
        expected = {
            f"roost/client/{path.name}"
            for path in (CLIENT / "src" / "roost" / "client").iterdir()
            if path.suffix == ".py" or path.name == "py.typed"
        }
        assert shipped == expected
        metadata = next(n for n in names if n.endswith("METADATA"))
        with zipfile.ZipFile(wheels["roost_client"]) as archive:
            requires = archive.read(metadata).decode()
        assert "Requires-Dist: requests>=2.31" in requires
        assert 'Requires-Dist: pandas>=2.2; extra == "pandas"' in requires

    def test_installed_wheels_train_and_serve_the_adapter(
        self, wheels: dict[str, Path], tmp_path: Path
    ) -> None:
        """From the wheels alone, roost trains house-prices and lists it ready.

        roost and roost-client share the `roost` folder: both import from it.
        """
        target = tmp_path / "site"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-index",
                "--target",
                target,
                wheels["roost"],
                wheels["roost_client"],
                wheels["roost_house_prices"],
            ],
            check=True,
            timeout=300,
        )
        paths = sysconfig.get_paths()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("ROOST")
        }
        env["ROOST_MODEL_DIR"] = str(tmp_path / "models")
        result = subprocess.run(
            [
                sys.executable,
                "-I",
                "-S",
                "-c",
                _SMOKE,
                str(target),
                paths["purelib"],
                paths["platlib"],
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "house-prices" in result.stdout
        assert "ready" in result.stdout
        assert (tmp_path / "models" / "house-prices-1.0.0.joblib").is_file()

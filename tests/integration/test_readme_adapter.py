"""The README's "Writing an adapter" blocks build and honour the contract as written."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

from roost.core.testing import check_contract

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(language: str) -> list[str]:
    """Return the section's fenced code blocks of one language, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Writing an adapter", 1)[1].split("\n## ", 1)[0]
    # Fences at the start of a line only: indented examples are illustrations.
    pattern = rf"^```{language}\n(.*?)^```"
    return re.findall(pattern, section, flags=re.DOTALL | re.MULTILINE)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the README's adapter package into a wheel; install it into a folder."""
    source = tmp_path_factory.mktemp("roost-flat-price")
    (source / "my_model").mkdir()
    (source / "my_model" / "__init__.py").write_text("")
    (source / "my_model" / "adapter.py").write_text(_blocks("python")[0])
    (source / "pyproject.toml").write_text(_blocks("toml")[0])
    wheels = tmp_path_factory.mktemp("wheels")
    target = tmp_path_factory.mktemp("site")
    for command in (
        ["wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)],
        ["install", "--no-deps", "--quiet", "--target", str(target)],
    ):
        if command[0] == "install":
            command += [str(path) for path in wheels.glob("*.whl")]
        subprocess.run(
            [sys.executable, "-m", "pip", *command],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
    return target


def test_the_wheel_registers_the_entry_point(installed: Path) -> None:
    """The built distribution names flat-price in roost.adapters."""
    (distribution,) = importlib.metadata.distributions(path=[str(installed)])
    assert distribution.metadata["Name"] == "roost-flat-price"
    points = {ep.name: ep.value for ep in distribution.entry_points}
    assert points == {"flat-price": "my_model.adapter:SquareFeetAdapter"}


def test_the_adapter_passes_the_readmes_contract_test(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's own test function passes against the installed package."""
    monkeypatch.syspath_prepend(str(installed))
    namespace: dict[str, object] = {}
    exec(_blocks("python")[1], namespace)  # noqa: S102 - the README's own example
    test_contract = namespace["test_contract"]
    assert callable(test_contract)
    test_contract(tmp_path)


def test_the_readme_model_predicts_its_training_line(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's three sales lie on price = 2800 * area + 6000."""
    monkeypatch.syspath_prepend(str(installed))
    from my_model.adapter import SquareFeetAdapter  # noqa: PLC0415

    predictions = check_contract(
        SquareFeetAdapter,
        model_dir=tmp_path,
        train=True,
        records=[{"area": 54.0, "district": "north"}],
    )
    assert predictions == [pytest.approx(2800 * 54.0 + 6000)]

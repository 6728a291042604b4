"""Create the baselines' own virtual environments under `benchmarks/.venvs/`.

The seed stack (Flask, marshmallow) and MLServer never enter roost's
dependencies: each gets a venv of its own, made from its `requirements.txt`
plus the versions of scikit-learn, pandas, numpy and joblib installed beside
roost (so the same pickled pipeline loads everywhere) and a copy of this
repo's house-prices adapter (the pickle names its transformer classes).

    python benchmarks/venvs.py [seed] [mlserver] [--roost-python PATH]

A stamp file in each venv records what was installed; a venv is rebuilt only
when the requirements, the pins or the adapter's sources change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENVS_DIR = BENCH_DIR / ".venvs"
LOG_DIR = BENCH_DIR / ".work" / "logs"
ADAPTER_DIR = REPO_DIR / "adapters" / "house-prices"

#: Requirements file of each baseline venv.
REQUIREMENTS = {
    "seed": BENCH_DIR / "baselines" / "seed_api" / "requirements.txt",
    "mlserver": BENCH_DIR / "baselines" / "mlserver" / "requirements.txt",
}
#: Libraries pinned to roost's versions in every baseline venv (pickle safety).
PINNED_EVERYWHERE = ("scikit-learn", "pandas", "numpy", "joblib")
#: Extra pins per venv: the seed stack runs on the same gunicorn as roost.
PINNED_EXTRA = {"seed": ("gunicorn",), "mlserver": ()}
INSTALL_TIMEOUT = 1200.0
_STAMP = ".bench-stamp"


class VenvError(RuntimeError):
    """A baseline venv could not be created or installed."""


def installed_versions(python: Path, names: tuple[str, ...]) -> dict[str, str]:
    """Return the installed versions of `names` in `python`'s environment."""
    script = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [str(python), "-c", script, *names],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    versions: dict[str, str] = json.loads(result.stdout)
    return versions


def _adapter_digest() -> str:
    """Hash the adapter's build files and sources (not its data or tests)."""
    digest = hashlib.sha256()
    files = [ADAPTER_DIR / "pyproject.toml", *sorted(ADAPTER_DIR.glob("src/*/*.py"))]
    for path in files:
        digest.update(path.relative_to(ADAPTER_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def venv_python(name: str) -> Path:
    """Return the interpreter of the baseline venv `name`."""
    return VENVS_DIR / name / "bin" / "python"


def _run_logged(command: list[str], log: Path) -> None:
    """Run `command`, appending its output to `log`; raise VenvError on failure."""
    with log.open("a") as sink:
        sink.write(f"$ {' '.join(command)}\n")
        sink.flush()
        try:
            subprocess.run(  # noqa: S603 - fixed pip/venv commands
                command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=INSTALL_TIMEOUT,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise VenvError(
                f"{command[:4]} failed ({exc}); see {log}:\n{tail}"
            ) from exc


def ensure_venv(name: str, roost_python: Path) -> Path:
    """Create or refresh the baseline venv `name`; return its interpreter.

    Raises:
        VenvError: venv creation or a pip install failed.
    """
    requirements = REQUIREMENTS[name]
    pins = installed_versions(roost_python, PINNED_EVERYWHERE + PINNED_EXTRA[name])
    pin_args = [f"{library}=={version}" for library, version in sorted(pins.items())]
    stamp = json.dumps(
        {
            "requirements": requirements.read_text(),
            "pins": pin_args,
            "adapter": _adapter_digest(),
        },
        sort_keys=True,
    )
    venv_dir = VENVS_DIR / name
    python = venv_python(name)
    stamp_file = venv_dir / _STAMP
    if python.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return python
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"venv-{name}.log"
    log.write_text("")
    print(f"[bench] setting up {venv_dir} (log: {log}) ...", file=sys.stderr)
    if not python.exists():
        _run_logged([str(roost_python), "-m", "venv", str(venv_dir)], log)
    stamp_file.unlink(missing_ok=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    _run_logged([*pip, "--quiet", "-r", str(requirements), *pin_args], log)
    # Build from a copy so nothing is written into the adapter's source tree.
    with tempfile.TemporaryDirectory(prefix="roost-bench-adapter-") as tmp:
        source = Path(tmp) / "house-prices"
        shutil.copytree(
            ADAPTER_DIR,
            source,
            ignore=shutil.ignore_patterns(
                "build", "*.egg-info", "__pycache__", "tests", ".*"
            ),
        )
        _run_logged(
            [*pip, "--quiet", "--no-deps", "--force-reinstall", str(source)], log
        )
    stamp_file.write_text(stamp)
    return python


def main(argv: list[str] | None = None) -> int:
    """Set up the named baseline venvs (all by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(REQUIREMENTS)}")
    parser.add_argument(
        "--roost-python",
        type=Path,
        default=Path(sys.executable),
        help="interpreter of roost's venv, whose library versions are pinned",
    )
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(REQUIREMENTS)
    if unknown:
        parser.error(f"unknown venv(s): {', '.join(sorted(unknown))}")
    status = 0
    for name in args.names or list(REQUIREMENTS):
        try:
            print(f"{name}: {ensure_venv(name, args.roost_python)}")
        except VenvError as exc:
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

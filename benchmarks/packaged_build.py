"""Fit the packaged-model benchmark's pipeline and package it once per engine.

`packaged_workload.py` fits and saves the pipeline and writes the bodies;
`roost package` turns the skops file into one wheel per engine, each
pip-installed into a folder of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from packaged_lineup import MODEL, PACKAGED_DIR, VERSION
from packaged_results import Row

__all__ = ["engines_offered", "fit", "package", "package_engines"]


def _log(message: str) -> None:
    print(f"[bench-packaged] {message}", file=sys.stderr, flush=True)


def _run(command: list[str], timeout: float, **kwargs: Any) -> str:
    """Run one of our own commands; return its stdout or exit with its stderr."""
    done = subprocess.run(  # noqa: S603 - roost's interpreter and our own scripts
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def engines_offered(roost_python: Path) -> tuple[str, ...] | None:
    """Return the engines `roost package --engine` offers; None without it."""
    help_text = _run([str(roost_python), "-m", "roost.core.cli", "package", "-h"], 60)
    if "--engine" not in help_text:
        return None
    return tuple(name for name in ("sklearn", "onnx") if name in help_text)


def package(roost_python: Path, work: Path, engine: str | None) -> Path:
    """Package the fitted pipeline for `engine`; install it; return the folder."""
    label = engine or "default"
    command = [str(roost_python), "-m", "roost.core.cli", "package"]
    command += ["--model", str(work / "model.skops"), "--data", str(work / "data.csv")]
    command += ["--name", MODEL, "--version", VERSION, "--trust", "numpy.dtype"]
    command += ["--output", str(work / f"dist-{label}")]
    if engine is not None:
        command += ["--engine", engine]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOST_")}
    wheel = _run(command, 600, env=env, cwd=work).strip().splitlines()[-1]
    site = work / f"site-{label}"
    _run(
        [str(roost_python), "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--force-reinstall", "--upgrade",
         "--target", str(site), wheel],
        600,
    )  # fmt: skip
    return site


def package_engines(roost_python: Path, onnx: Row) -> tuple[dict[str, Path], str]:
    """Package the pipeline once per engine; return each one's folder and a fact.

    Without `roost package --engine`, one wheel of the default (scikit-learn)
    engine, and the ONNX row says it is not available.
    """
    offered = engines_offered(roost_python)
    if offered is None:
        onnx.failure = "`roost package` has no --engine option"
        fact = (
            "`roost package` has no --engine option here: one wheel, its "
            "default engine (scikit-learn); no ONNX row"
        )
        return {"sklearn": package(roost_python, PACKAGED_DIR, None)}, fact
    if "onnx" not in offered:
        onnx.failure = "`roost package --engine` offers no onnx"
    sites = {
        engine: package(roost_python, PACKAGED_DIR, engine)
        for engine in ("sklearn", "onnx")
        if engine in offered
    }
    return sites, f"`roost package --engine {'|'.join(offered)}`: one wheel each"


def fit(args: argparse.Namespace) -> dict[str, Any]:
    """Fit and save the pipeline, write the bodies; return the summary."""
    _log("fitting the pipeline and writing the payloads ...")
    script = Path(__file__).with_name("packaged_workload.py")
    command = [str(args.roost_python), str(script), "--out", str(PACKAGED_DIR)]
    command += ["--sizes", ",".join(map(str, args.sizes))]
    summary: dict[str, Any] = json.loads(_run(command, 900))
    return summary

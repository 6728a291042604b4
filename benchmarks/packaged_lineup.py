"""The packaged-model benchmark's servers: roost per engine, then MLServer.

Each server is a launch, the path it answers on, the payload kinds measured
on it (a report row each) and how its answers' labels are read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lineup import Context, mlserver_launch, roost_serve
from packaged_results import MLSERVER, ONNX, SKLEARN, WHOLE
from run import WORK_DIR
from servers import Launch

__all__ = [
    "MLSERVER_PATH",
    "MODEL",
    "PACKAGED_DIR",
    "ROOST_PATH",
    "VERSION",
    "Served",
    "plan",
    "roost_launch",
]

MODEL, VERSION = "ames-band", "1.0.0"
#: roost answers labels only, as MLServer's runtime does (`predict`, no proba).
ROOST_PATH = f"/v1/models/{MODEL}/predict?outputs=predictions"
MLSERVER_PATH = f"/v2/models/{MODEL}/infer"
PACKAGED_DIR = WORK_DIR / "packaged"


def roost_launch(ctx: Context, site: Path, **settings: str) -> Launch:
    """`roost serve` of the packaged model installed in `site`."""
    # Not /health/ready: other adapters in roost's venv (house-prices)
    # find no artifact in the empty model folder and are never ready.
    ready = f"/v2/models/{MODEL}/ready"
    return roost_serve(ctx, ready, PYTHONPATH=str(site), **settings)


def _roost_labels(body: bytes) -> list[str]:
    return [str(label) for label in json.loads(body)["predictions"]]


def _v2_labels(body: bytes) -> list[str]:
    return [str(label) for label in json.loads(body)["outputs"][0]["data"]]


@dataclass(frozen=True)
class Served:
    """One server of the engine comparison and the rows measured on it."""

    launch: Callable[[], Launch]
    path: str
    #: Row name -> payload kind: "exact", "whole" or "v2".
    kinds: Mapping[str, str]
    read: Callable[[bytes], list[str]]


def plan(ctx: Context, sites: Mapping[str, Path], mlserver: bool) -> list[Served]:
    """Return the servers to drive in turn: each engine, then MLServer."""
    served = []
    if "onnx" in sites:
        served.append(
            Served(
                lambda: roost_launch(ctx, sites["onnx"]),
                ROOST_PATH,
                {ONNX: "exact"},
                _roost_labels,
            )
        )
    served.append(
        Served(
            lambda: roost_launch(ctx, sites["sklearn"]),
            ROOST_PATH,
            {SKLEARN: "exact", WHOLE: "whole"},
            _roost_labels,
        )
    )
    if mlserver:
        artifact = (PACKAGED_DIR / "model.joblib").resolve()
        served.append(
            Served(
                lambda: mlserver_launch(ctx, MODEL, artifact, VERSION),
                MLSERVER_PATH,
                {MLSERVER: "v2"},
                _v2_labels,
            )
        )
    return served

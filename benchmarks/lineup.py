"""The servers the benchmark compares, and how to start each one.

| name | what runs |
|---|---|
| `roost` | `roost serve` (gunicorn gthread), house-prices' compiled engine |
| `roost-batched` | the same with the README's micro-batching settings |
| `roost-unpinned` | the same with `ROOST_CPU_AFFINITY=off`: the kernel places workers |
| `roost-pipeline` | the same with `engine=pipeline`: the unmodified pipeline |
| `seed` | the seed's stack re-created: Flask + marshmallow on gunicorn sync workers |
| `mlserver` | MLServer 1.7.1's scikit-learn runtime on the same pickled pipeline |
| `floor` | Falcon on roost's gunicorn options: parse the body, answer a constant |
| `roost-rows`, `seed-rows` | `roost` and `seed` sent whole rows (79 fields, 24 read) |

All load the one artifact `roost train house-prices` wrote in the model folder.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servers import Launch, free_port

__all__ = [
    "BATCHING",
    "SERVERS",
    "WORKER_READY_LINE",
    "Context",
    "ServerSpec",
    "base_env",
    "mlserver_launch",
    "roost_serve",
]

BENCH_DIR = Path(__file__).resolve().parent
BASELINES_DIR = BENCH_DIR / "baselines"
ARTIFACT = "house-prices-1.0.0.joblib"
#: The model every server of the comparison serves.
MODEL = "house-prices"
#: The route every server but MLServer is driven on (the seed API's route).
SEED_ROUTE = "/v1/predict/regression"


@dataclass(frozen=True)
class Context:
    """What every launch needs: interpreters, folders, worker count."""

    roost_python: Path
    model_dir: Path
    work_dir: Path
    workers: int
    #: Interpreter of each baseline venv that was set up, by venv name.
    venv_pythons: Mapping[str, Path]


def base_env(**variables: str) -> dict[str, str]:
    """Return this environment without ROOST_*/MLSERVER_*/PORT, plus `variables`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ROOST_", "MLSERVER_")) and key != "PORT"
    }
    env.update(variables)
    return env


#: What each roost worker logs once its adapters are loaded.
WORKER_READY_LINE = "adapter version(s) ready"

#: roost's recommended micro-batching settings (README, "Micro-batching").
BATCHING = {
    "ROOST_BATCH_MAX_ROWS": "64",
    "ROOST_BATCH_MAX_WAIT": "0.002",
    "ROOST_THREADS": "32",
    "ROOST_MAX_IN_FLIGHT": "32",
}


def roost_serve(ctx: Context, ready_path: str, **variables: str) -> Launch:
    """`roost serve` on a free port: production profile, a metrics folder of its own.

    Args:
        ctx: the interpreter, model folder, work folder and workers.
        ready_path: the route that answers 200 once the server is ready.
        variables: more environment variables (settings, PYTHONPATH).
    """
    port = free_port()
    metrics = ctx.work_dir / f"metrics-{port}"
    env = base_env(
        ROOST_MODEL_DIR=str(ctx.model_dir),
        ROOST_PROFILE="production",
        ROOST_METRICS_DIR=str(metrics),
        **variables,
    )
    argv = [str(ctx.roost_python), "-m", "roost.core.cli", "serve"]
    argv += ["--port", str(port), "--workers", str(ctx.workers)]
    return Launch(
        argv,
        env,
        port,
        ready_path,
        cleanup=(metrics,),
        ready_log=(WORKER_READY_LINE, ctx.workers),
    )


def _roost(engine: str, **extra: str) -> Callable[[Context], Launch]:
    def launch(ctx: Context) -> Launch:
        options = json.dumps({"house-prices": {"engine": engine}})
        return roost_serve(ctx, "/health/ready", ROOST_ADAPTER_OPTIONS=options, **extra)

    return launch


def _seed(ctx: Context) -> Launch:
    port = free_port()
    argv = [
        str(ctx.venv_pythons["seed"]),
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(ctx.workers),
        "--worker-class",
        "sync",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--chdir",
        str(BASELINES_DIR),
        "seed_api.app:create_app()",
    ]
    env = base_env(ROOST_MODEL_DIR=str(ctx.model_dir))
    return Launch(argv, env, port, "/health")


def _floor(ctx: Context) -> Launch:
    port = free_port()
    argv = [str(ctx.roost_python), "-m", "gunicorn"]
    argv += ["-c", str(BASELINES_DIR / "floor_gunicorn.conf.py")]
    argv += ["--pythonpath", str(BASELINES_DIR)]
    env = base_env(
        ROOST_PORT=str(port), ROOST_WORKERS=str(ctx.workers), ROOST_PROFILE="production"
    )
    return Launch(argv, env, port, "/health")


def mlserver_launch(ctx: Context, name: str, artifact: Path, version: str) -> Launch:
    """Lay out a one-model repository in the work folder, then `mlserver start` it.

    The model is `artifact` (a joblib file) on MLServer's scikit-learn runtime.
    """
    port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    repository = ctx.work_dir / f"mlserver-{port}"
    model_folder = repository / name
    model_folder.mkdir(parents=True)
    source = BASELINES_DIR / "mlserver"
    settings = json.loads((source / "settings.json").read_text())
    settings["parallel_workers"] = ctx.workers
    (repository / "settings.json").write_text(json.dumps(settings, indent=2))
    model_settings = json.loads(
        (source / "house-prices" / "model-settings.json").read_text()
    )
    model_settings["name"] = name
    model_settings["parameters"]["version"] = version
    (model_folder / "model-settings.json").write_text(
        json.dumps(model_settings, indent=2)
    )
    (model_folder / "model.joblib").symlink_to(artifact)
    # NOTE: the venv's own bin/ (the interpreter path must not be resolved).
    mlserver = ctx.venv_pythons["mlserver"].parent / "mlserver"
    # NOTE: settings.json wins over MLSERVER_* variables for the fields it sets,
    # so it sets no ports; the variables give each run its own.
    env = base_env(
        MLSERVER_HTTP_PORT=str(port),
        MLSERVER_GRPC_PORT=str(grpc_port),
        MLSERVER_METRICS_PORT=str(metrics_port),
    )
    return Launch(
        [str(mlserver), "start", str(repository)],
        env,
        port,
        f"/v2/models/{name}/ready",
        cwd=repository,
        cleanup=(repository,),
    )


def _mlserver(ctx: Context) -> Launch:
    return mlserver_launch(ctx, "house-prices", ctx.model_dir / ARTIFACT, "1.0.0")


def _seed_prices(body: bytes) -> list[float]:
    """Read dollars from a `/v1/predict/regression` answer."""
    return [float(value) for value in json.loads(body)["predictions"]]


def _v2_prices(body: bytes) -> list[float]:
    """Read dollars from a V2 answer (the pipeline itself predicts log prices)."""
    output = json.loads(body)["outputs"][0]
    return [math.exp(float(value)) for value in output["data"]]


@dataclass(frozen=True)
class ServerSpec:
    """One server of the comparison."""

    name: str
    label: str
    predict_path: str
    #: "roost" (a JSON list of records of the model's inputs), "rows" (the
    #: same houses as whole rows) or "v2" (an Open Inference request).
    body: str
    #: Baseline venv it runs in (None: roost's own).
    venv: str | None
    launch: Callable[[Context], Launch]
    #: Read predicted dollars from an answer; None when it predicts nothing.
    read_prices: Callable[[bytes], list[float]] | None
    #: The model whose adapter calls its `/metrics` counts (`roost_batch_rows`);
    #: None for servers other than roost.
    metrics_model: str | None = None


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec(
            "roost",
            "roost (compiled engine)",
            SEED_ROUTE,
            "roost",
            None,
            _roost("compiled"),
            _seed_prices,
            metrics_model=MODEL,
        ),
        ServerSpec(
            "roost-batched",
            "roost (compiled, micro-batching)",
            SEED_ROUTE,
            "roost",
            None,
            _roost("compiled", **BATCHING),
            _seed_prices,
            metrics_model=MODEL,
        ),
        ServerSpec(
            "roost-unpinned",
            "roost (compiled, unpinned workers)",
            SEED_ROUTE,
            "roost",
            None,
            _roost("compiled", ROOST_CPU_AFFINITY="off"),
            _seed_prices,
            metrics_model=MODEL,
        ),
        ServerSpec(
            "roost-pipeline",
            "roost (engine=pipeline)",
            SEED_ROUTE,
            "roost",
            None,
            _roost("pipeline"),
            _seed_prices,
            metrics_model=MODEL,
        ),
        ServerSpec(
            "seed",
            "seed stack (Flask+marshmallow)",
            SEED_ROUTE,
            "roost",
            "seed",
            _seed,
            _seed_prices,
        ),
        ServerSpec(
            "mlserver",
            "MLServer 1.7.1 sklearn",
            "/v2/models/house-prices/infer",
            "v2",
            "mlserver",
            _mlserver,
            _v2_prices,
        ),
        ServerSpec(
            "floor", "floor: Falcon, constant", SEED_ROUTE, "roost", None, _floor, None
        ),
        ServerSpec(
            "roost-rows",
            "roost (compiled engine), whole rows",
            SEED_ROUTE,
            "rows",
            None,
            _roost("compiled"),
            _seed_prices,
            metrics_model=MODEL,
        ),
        ServerSpec(
            "seed-rows",
            "seed stack (Flask+marshmallow), whole rows",
            SEED_ROUTE,
            "rows",
            "seed",
            _seed,
            _seed_prices,
        ),
    )
}


def max_relative_error(got: list[float], expected: list[float]) -> float:
    """Return the largest relative difference; inf when the lengths differ."""
    if len(got) != len(expected):
        return math.inf
    return max(
        (abs(g - e) / abs(e) for g, e in zip(got, expected, strict=True)),
        default=0.0,
    )


def describe_answer(status: int, body: bytes) -> dict[str, Any]:
    """Return a short, loggable description of an unexpected answer."""
    return {"status": status, "body": body[:300].decode(errors="replace")}

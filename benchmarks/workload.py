"""Build the benchmark's request bodies and time predict in process.

Run by `benchmarks/run.py` with roost's own interpreter (it needs pandas and
the house-prices adapter; the driver itself needs only the standard library):

    python benchmarks/workload.py --model-dir DIR --out DIR --sizes 1,10,100,1000

For every size N it writes three bodies holding the same first N valid houses
of the packaged test.csv (missing values as null): `roost-N.json`, a JSON list
of records of the 24 model inputs (roost's and the seed's
`/v1/predict/regression`), `rows-N.json`, the same houses as whole rows, as the
seed's own client posts them (test.csv's 79 columns but Id, the 24 inputs
typed as in `roost-N.json`), and `v2-N.json`, an Open Inference Protocol (V2)
request with the pandas content type (MLServer). It then times, best of
several repeats, the adapter's own `predict` (compiled and pipeline engines)
on the frame roost's validator builds from those rows, and the bare
scikit-learn `pipeline.predict` on `pd.DataFrame(rows)` as the seed's API
built it, and prints one JSON object: wall and CPU seconds per call, and
reference predictions in dollars.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cerberus import Validator

from roost.core.contract.adapter import AdapterContext
from roost.core.serving.validation import RecordValidator
from roost_house_prices import config
from roost_house_prices.adapter import HousePricesAdapter
from roost_house_prices.dataset import load_dataset
from roost_house_prices.schema import INPUT_SCHEMA

Record = dict[str, Any]

#: V2 datatype of each kind of input column.
_V2_TYPES = {"string": "BYTES", "integer": "INT64", "float": "FP64"}
#: Seconds one timing loop should last (several calls per loop when fast).
_REPEAT_SECONDS = 0.05


def _json_value(var: str, value: Any) -> Any:
    """Return a CSV value as the JSON type the input schema expects."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    kind = INPUT_SCHEMA[var]["type"]
    if kind == "integer":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def valid_houses() -> tuple[list[Record], list[Record]]:
    """Return every test.csv house that passes the adapter's input schema.

    Each house twice: its 24 model inputs, and its whole row (every column
    but Id, as pandas writes it to JSON, the inputs as in the first form).
    """
    table = load_dataset("test.csv").drop(columns=["Id"])
    whole: list[Record] = json.loads(table.to_json(orient="records"))
    validator = Validator(INPUT_SCHEMA)
    houses, rows = [], []
    for row, raw in zip(
        table[list(config.FEATURES)].to_dict(orient="records"), whole, strict=True
    ):
        record = {var: _json_value(var, row[var]) for var in config.FEATURES}
        if validator.validate(record):
            houses.append(record)
            rows.append({**raw, **record})
    return houses, rows


def v2_request(records: Sequence[Record]) -> dict[str, Any]:
    """Return the V2 inference request for `records`, one input per column."""
    inputs = [
        {
            "name": var,
            "shape": [len(records), 1],
            "datatype": _V2_TYPES[INPUT_SCHEMA[var]["type"]],
            "data": [record[var] for record in records],
        }
        for var in config.FEATURES
    ]
    return {"parameters": {"content_type": "pd"}, "inputs": inputs}


def best_time(call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Return the fastest wall and CPU seconds per call over `repeats` loops.

    Many short loops and the minimum of each: on a shared machine some loop
    usually runs undisturbed. CPU time (this process's) is what the overhead
    figure subtracts from the server's CPU per request.
    """
    call()  # warm caches and lazy imports
    started = time.perf_counter()
    call()
    once = max(time.perf_counter() - started, 1e-7)
    number = max(1, int(_REPEAT_SECONDS / once))
    best_wall = best_cpu = math.inf
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            call()
        best_wall = min(best_wall, (time.perf_counter() - wall) / number)
        best_cpu = min(best_cpu, (time.process_time() - cpu) / number)
    return best_wall, best_cpu


def _adapter(model_dir: Path, engine: str) -> HousePricesAdapter:
    context = AdapterContext(
        name=HousePricesAdapter.name,
        version=HousePricesAdapter.version,
        model_dir=model_dir,
        options={"engine": engine},
    )
    adapter = HousePricesAdapter(context)
    adapter.load()
    return adapter


def time_predictions(
    model_dir: Path, houses: Sequence[Record], sizes: Sequence[int], repeats: int
) -> dict[str, Any]:
    """Time each in-process predict on the first N houses for every size N."""
    compiled = _adapter(model_dir, "compiled")
    reference = _adapter(model_dir, "pipeline")
    pipeline: Any = reference.context.load_artifact()  # the bare seed pipeline
    # The adapters get the frame roost's validator builds from the rows (what
    # the server hands them: object columns with None for missing labels);
    # the bare pipeline gets pd.DataFrame(rows), as the seed's API built it.
    # With pandas 3 the two differ: its default string dtype is Arrow-backed.
    validator = RecordValidator(INPUT_SCHEMA)
    calls: dict[str, tuple[Callable[[pd.DataFrame], object], str]] = {
        "adapter-compiled": (compiled.predict, "roost"),
        "adapter-pipeline": (reference.predict, "roost"),
        "pipeline-predict": (pipeline.predict, "seed"),
    }
    wall: dict[str, dict[str, float]] = {key: {} for key in calls}
    cpu: dict[str, dict[str, float]] = {key: {} for key in calls}
    for size in sizes:
        frames = {
            "roost": validator.validate(list(houses[:size])).frame,
            "seed": pd.DataFrame(houses[:size], columns=list(config.FEATURES)),
        }
        for key, (predict, kind) in calls.items():
            wall[key][str(size)], cpu[key][str(size)] = best_time(
                lambda predict=predict, frame=frames[kind]: predict(frame), repeats
            )
    frame = pd.DataFrame(houses[: max(sizes)], columns=list(config.FEATURES))
    prices = np.asarray(compiled.predict(frame), dtype=float)
    return {
        "seconds_per_call": wall,
        "cpu_seconds_per_call": cpu,
        "reference_prices": prices.tolist(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write the bodies, time predict, print the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    houses, rows = valid_houses()
    if max(sizes) > len(houses):
        parser.error(f"only {len(houses)} valid houses in test.csv")
    args.out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        first = houses[:size]
        (args.out / f"roost-{size}.json").write_text(json.dumps(first))
        (args.out / f"rows-{size}.json").write_text(json.dumps(rows[:size]))
        (args.out / f"v2-{size}.json").write_text(json.dumps(v2_request(first)))
    summary = time_predictions(args.model_dir, houses, sizes, args.repeats)
    summary["valid_houses"] = len(houses)
    json.dump(summary, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

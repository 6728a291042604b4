"""Render V2 (Open Inference Protocol) bodies: metadata, health, index, inference."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import orjson

from roost.core.contract.registry import AdapterEntry
from roost.core.errors import BadRequestError
from roost.core.serving.tensors import Tensor, encode_binary, schema_datatype

__all__ = [
    "EXTENSIONS",
    "PREDICTIONS",
    "output_tensors",
    "pack_binary",
    "render_inference",
    "render_live",
    "render_model_list",
    "render_model_metadata",
    "render_model_ready",
    "render_repository_index",
    "render_server_metadata",
    "render_server_ready",
]

SERVER_NAME = "roost"
#: The spec's "<project>_<format>" form: a model served by a roost adapter.
PLATFORM = "roost_adapter"
#: V2 extensions roost implements in full. The repository extension is not
#: advertised: roost answers its index, but models load by installing
#: adapter packages, never through `.../load` and `.../unload`.
EXTENSIONS = ("binary_tensor_data",)
#: The output of a single-output model, and the stacked outputs of a classifier.
PREDICTIONS = "predictions"
_INT64 = (-(2**63), 2**63 - 1)


def _versions(entries: Iterable[AdapterEntry]) -> list[str]:
    return [entry.version for entry in entries if entry.version is not None]


def render_server_metadata(version: str) -> dict[str, Any]:
    """Describe the server: name, version, extensions."""
    return {"name": SERVER_NAME, "version": version, "extensions": list(EXTENSIONS)}


def render_live() -> dict[str, Any]:
    """Answer the liveness probe."""
    return {"live": True}


def render_server_ready(ready: bool, reason: str) -> dict[str, Any]:
    """Answer the readiness probe; say why when not ready."""
    return {"ready": True} if ready else {"ready": False, "error": reason}


def render_model_ready(entry: AdapterEntry) -> dict[str, Any]:
    """Say whether one model version is ready; say why when not."""
    body: dict[str, Any] = {"name": entry.name, "ready": entry.ready}
    if entry.version is not None:
        body["version"] = entry.version
    if not entry.ready:
        body["error"] = f"model {entry.name!r} is not ready: {entry.error}"
    return body


def render_model_metadata(
    entry: AdapterEntry, versions: Sequence[AdapterEntry]
) -> dict[str, Any]:
    """Describe a model's tensors: one 1-D input per schema field.

    Outputs: a regressor has one FP64 output, `predictions`, shape [-1]. A
    classifier's adapter returns a DataFrame whose class columns are known
    only after a predict, so its metadata lists `predictions` shaped
    [-1, -1] (rows x classes, stacked); an inference request that names no
    outputs gets one [N] output per column instead. An adapter that failed
    to import has no schema: only its name, versions and platform show.
    """
    adapter_class = entry.adapter_class
    if adapter_class is None:
        return {
            "name": entry.name,
            "versions": _versions(versions),
            "platform": PLATFORM,
        }
    inputs = [
        {"name": name, "datatype": schema_datatype(rules), "shape": [-1]}
        for name, rules in adapter_class.input_schema.items()
    ]
    shape = [-1, -1] if adapter_class.task == "classification" else [-1]
    return {
        "name": entry.name,
        "versions": _versions(versions),
        "platform": PLATFORM,
        "inputs": inputs,
        "outputs": [{"name": PREDICTIONS, "datatype": "FP64", "shape": shape}],
        "properties": {"task": adapter_class.task, "version": str(entry.version)},
    }


def render_model_list(names: Iterable[str]) -> dict[str, Any]:
    """List the installed models by name, as the kserve SDK's ListModelsResponse.

    Versions and readiness are in the repository index and each model's routes.
    """
    return {"models": list(names)}


def render_repository_index(
    entries: Iterable[AdapterEntry], *, ready_only: bool = False
) -> list[dict[str, Any]]:
    """List every installed model version with its state (repository index)."""
    index = []
    for entry in entries:
        if ready_only and not entry.ready:
            continue
        item: dict[str, Any] = {"name": entry.name}
        if entry.version is not None:
            item["version"] = entry.version
        item["state"] = "READY" if entry.ready else "UNAVAILABLE"
        item["reason"] = "" if entry.ready else str(entry.error or "not loaded")
        index.append(item)
    return index


def _finite_or_none(value: Any) -> Any:
    return None if value is None or not math.isfinite(value) else float(value)


def _typed(name: str, shape: tuple[int, ...], flat: list[Any]) -> Tensor:
    """Choose the datatype that carries every value: BOOL, INT64, FP64, BYTES."""
    present = [value for value in flat if value is not None]
    whole = bool(present) and len(present) == len(flat)
    if whole and all(isinstance(v, bool) for v in present):
        return Tensor(name, "BOOL", shape, flat)
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in present]
    if whole and all(numbers) and all(_is_int64(v) for v in present):
        return Tensor(name, "INT64", shape, flat)
    if all(numbers):
        return Tensor(name, "FP64", shape, [_finite_or_none(v) for v in flat])
    return Tensor(name, "BYTES", shape, ["" if v is None else str(v) for v in flat])


def _is_int64(value: Any) -> bool:
    return isinstance(value, int) and _INT64[0] <= value <= _INT64[1]


def _tensor(name: str, values: Sequence[Any]) -> Tensor:
    """Build an output from one value per row; equal-length lists give 2-D."""
    rows = len(values)
    if rows and all(isinstance(row, list) for row in values):
        widths = {len(row) for row in values}
        if len(widths) == 1:
            flat = [item for row in values for item in row]
            return _typed(name, (rows, widths.pop()), flat)
    return _typed(name, (rows,), list(values))


def _stacked(columns: Sequence[Tensor]) -> Tensor:
    if not all(c.datatype in {"FP64", "INT64"} and len(c.shape) == 1 for c in columns):
        raise BadRequestError(
            f"output {PREDICTIONS!r} stacks numeric columns only; request "
            f"{', '.join(repr(column.name) for column in columns)} by name"
        )
    rows = columns[0].shape[0]
    flat = [_finite_or_none(c.data[row]) for row in range(rows) for c in columns]
    names = ",".join(column.name for column in columns)
    return Tensor(PREDICTIONS, "FP64", (rows, len(columns)), flat, {"columns": names})


def output_tensors(
    predictions: Sequence[Any], requested: Sequence[str] | None = None
) -> list[Tensor]:
    """Turn one prediction per row into output tensors, filtered by name.

    Rows of dicts (a DataFrame's columns) give one [N] output per column;
    naming `predictions` then stacks them into one [N, C] FP64 output, its
    `columns` parameter listing the column order.

    Raises:
        BadRequestError: a requested output is not produced by the model.
    """
    if predictions and all(isinstance(row, dict) for row in predictions):
        names = list(dict.fromkeys(key for row in predictions for key in row))
        outputs = [_tensor(str(n), [row.get(n) for row in predictions]) for n in names]
    else:
        outputs = [_tensor(PREDICTIONS, predictions)]
    if requested is None:
        return outputs
    by_name = {tensor.name: tensor for tensor in outputs}
    chosen = []
    for name in dict.fromkeys(requested):
        if name not in by_name and name == PREDICTIONS and outputs:
            by_name[name] = _stacked(outputs)
        if name not in by_name:
            raise BadRequestError(
                f"output {name!r} is not produced by this model; it produces "
                f"{', '.join(map(repr, by_name))}"
            )
        chosen.append(by_name[name])
    return chosen


def render_inference(
    name: str,
    version: str,
    request_id: str | None,
    outputs: Sequence[Tensor],
    binary: Collection[str] = (),
) -> tuple[dict[str, Any], bytes]:
    """Render the response body and the raw bytes of the `binary` outputs."""
    body: dict[str, Any] = {"model_name": name, "model_version": version}
    if request_id is not None:
        body["id"] = request_id
    rendered, chunks = [], []
    for tensor in outputs:
        output: dict[str, Any] = {
            "name": tensor.name,
            "datatype": tensor.datatype,
            "shape": list(tensor.shape),
        }
        parameters = dict(tensor.parameters)
        if tensor.name in binary:
            chunk = encode_binary(tensor)
            chunks.append(chunk)
            parameters["binary_data_size"] = len(chunk)
        else:
            output["data"] = tensor.data
        if parameters:
            output["parameters"] = parameters
        rendered.append(output)
    body["outputs"] = rendered
    return body, b"".join(chunks)


def pack_binary(body: Mapping[str, Any], raw: bytes) -> tuple[bytes, int]:
    """Return JSON header plus raw tensor bytes, and the header's length."""
    header = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    return header + raw, len(header)

"""Render V2 (Open Inference Protocol) bodies: metadata, health, index, inference."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import orjson

from roost.core.contract.outputs import Output
from roost.core.contract.registry import AdapterEntry
from roost.core.serving.prediction_records import PredictionResult
from roost.core.serving.tensors import Tensor, encode_binary, schema_datatype

__all__ = [
    "EXTENSIONS",
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

    Outputs are the adapter's declared outputs, with the datatypes and
    shapes inference returns; `properties.outputs` adds their kinds and
    class labels (the column order of probabilities) as JSON text, since
    the spec's properties are strings. An adapter that
    failed to import has no schema: only its name, versions and platform.
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
    declared = adapter_class.declared_outputs()
    return {
        "name": entry.name,
        "versions": _versions(versions),
        "platform": PLATFORM,
        "inputs": inputs,
        "outputs": [
            {"name": o.name, "datatype": o.datatype, "shape": o.shape} for o in declared
        ],
        "properties": {
            "task": adapter_class.task,
            "version": str(entry.version),
            # The spec allows only string properties: the outputs' kinds and
            # class labels (probabilities' column order) as JSON text.
            "outputs": orjson.dumps([o.describe() for o in declared]).decode(),
        },
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


def _item(datatype: str, value: Any) -> Any:
    """One value as its declared datatype carries it in JSON."""
    if datatype in {"FP64", "FP32"}:
        return _finite_or_none(value)
    if datatype == "BYTES":
        return "" if value is None else str(value)
    return value


def _tensor(output: Output, values: Sequence[Any]) -> Tensor:
    """Build one declared output's tensor from its values, one per row."""
    rows = len(values)
    if output.width is None:
        flat = [_item(output.datatype, value) for value in values]
        return Tensor(output.name, output.datatype, (rows,), flat)
    flat = [_item(output.datatype, item) for row in values for item in row]
    return Tensor(output.name, output.datatype, (rows, output.width), flat)


def output_tensors(
    result: PredictionResult, requested: Sequence[str] | None = None
) -> list[Tensor]:
    """Turn a result's outputs into tensors: the requested ones, in that order.

    Each tensor has the datatype and shape its output declares, as the
    model's metadata lists them; with no request, every declared output.
    """
    declared = {output.name: output for output in result.declared}
    names = list(dict.fromkeys(requested)) if requested else list(result.outputs)
    return [_tensor(declared[name], result.outputs[name]) for name in names]


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

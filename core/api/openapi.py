"""Build roost's OpenAPI 3.1 document from its routes and installed adapters.

Pure data, built once per worker. Every adapter name with a ready version
gets concrete predict routes whose body is its records' JSON Schema
(`roost.core.api.jsonschema`); versions taking different records get a route
each instead of `versions/{version}`, so every body schema is exact.

Not expressible, so only described: with `?partial=true` (always on the
regression compatibility route) invalid records get 200 and per-record
`errors`; a version may be named by any PEP 440-equal spelling ("1" for
"1.0.0"); an adapter may refuse a valid record by its own rule (422). V2
routes use the KServe spec's component shapes in 3.1 form and roost's error
body (it has the `error` key).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from roost.core.api.jsonschema import record_schema
from roost.core.api.openapi_builders import (
    BOOLEAN,
    ERRORS,
    OBJECT,
    OPENAPI_VERSION,
    PREDICT_ERRORS,
    STRING,
    array,
    json_response,
    nullable,
    obj,
    operation,
    path_param,
    ref,
    request_body,
)
from roost.core.api.openapi_security import require_keys
from roost.core.api.openapi_v2 import v2_components, v2_paths
from roost.core.contract.outputs import Output
from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.errors import AdapterNotFoundError, AdapterNotReadyError
from roost.core.security.keyless import KeylessPaths
from roost.core.serving.limits import IntakeLimits

__all__ = ["OPENAPI_VERSION", "build_document"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
#: The JSON type of each V2 datatype a 1-D output may declare.
_JSON_TYPES = {
    "FP64": "number",
    "FP32": "number",
    "INT64": "integer",
    "INT32": "integer",
    "BOOL": "boolean",
    "BYTES": "string",
}


def build_document(
    registry: Registry,
    api_version: str,
    *,
    default_regression: str | None = None,
    limits: IntakeLimits | None = None,
    keyless: KeylessPaths | None = None,
) -> dict[str, Any]:
    """Return the OpenAPI document of everything this process serves.

    Args:
        registry: the installed adapters, ready or not.
        api_version: roost's version, the document's `info.version`.
        default_regression: the model behind `/v1/predict/regression`.
        limits: the intake limits, published as `maxItems` / `maxProperties`.
        keyless: with API keys on, the paths that need none; every other
            route then declares the key schemes. None: keys are off.
    """
    limits = limits or IntakeLimits()
    schemas = {**_v1_components(), **v2_components()}
    paths = {**_service_paths(), **_model_paths(registry.names())}
    tags = [{"name": "service"}, {"name": "models"}]
    for name in registry.names():
        installed = [e for e in registry.versions(name) if _inputs(e) and e.version]
        records = {str(e.version): _record(schemas, e, limits) for e in installed}
        if any(entry.ready for entry in installed):
            default = _default(registry, name)
            paths.update(_predict_paths(name, default, installed, records, limits))
            summary = installed[0].adapter_class.description  # type: ignore[union-attr]
            tags.append({"name": name, "description": summary or f"The {name} model."})
    compat = _default(registry, default_regression) if default_regression else None
    record = ref(_title(compat)) if compat and _title(compat) in schemas else OBJECT
    paths["/v1/predict/regression"] = _regression_compat_path(record, limits)
    paths.update(v2_paths())
    tags.append({"name": "v2", "description": "Open Inference Protocol (V2)"})
    responses = {
        title: json_response(text, ref("Error")) for title, text in ERRORS.values()
    }
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "roost",
            "version": api_version,
            "summary": "Machine-learning models behind a versioned REST API.",
        },
        "tags": tags,
        "paths": paths,
        "components": {"schemas": schemas, "responses": responses},
    }
    # NOTE: a deep copy, so no caller can change the shared constants.
    document = copy.deepcopy(document)
    if keyless is not None:
        require_keys(document, keyless)
        document = copy.deepcopy(document)
    return document


def _v1_components() -> dict[str, Any]:
    by_field = {"type": "object", "additionalProperties": array(STRING)}
    model = obj(
        ["description", "input_schema", "version_states"],
        description=STRING,
        input_schema={"type": ["object", "null"], "description": "cerberus rules"},
        version_states=array(ref("VersionState")),
    )
    return {
        "Error": obj(
            ["error", "title"],
            error={**STRING, "description": "What went wrong, for a human."},
            title=STRING,
            request_id=STRING,
            errors=ref("Problems"),
        ),
        "Problems": {
            "description": "Reasons by record index, then by field.",
            **OBJECT,
            "propertyNames": {"pattern": "^[0-9]+$"},
            "additionalProperties": by_field,
            "examples": [{"0": {"x": ["required field"]}}],
        },
        "Health": obj(["status"], status={"const": "ok"}),
        "Readiness": obj(["ready", "reason"], ready=BOOLEAN, reason=STRING),
        "Version": obj(
            ["api_version", "model_version", "model", "models"],
            api_version=STRING,
            model_version=nullable("string"),
            model=nullable("string"),
            models={**OBJECT, "additionalProperties": array(STRING)},
        ),
        "ModelSummary": obj(
            ["name", "version", "versions", "task", "ready"],
            name=STRING,
            version=nullable("string"),
            versions=array(STRING),
            task=nullable("string"),
            ready=BOOLEAN,
            error=STRING,
        ),
        "ModelList": obj(["models"], models=array(ref("ModelSummary"))),
        "VersionState": obj(
            ["version", "ready", "error"],
            version=nullable("string"),
            ready=BOOLEAN,
            error=nullable("string"),
        ),
        "Model": {"allOf": [ref("ModelSummary"), model]},
    }


def _service_paths() -> dict[str, Any]:
    ready = operation("Readiness: all models loaded", "service", ref("Readiness"))
    ready["responses"]["503"] = json_response("Not ready, and why.", ref("Readiness"))
    return {
        "/health": {"get": operation("Liveness", "service", ref("Health"))},
        "/health/ready": {"get": ready},
        "/version": {"get": operation("Versions", "service", ref("Version"))},
    }


def _model_paths(names: list[str]) -> dict[str, Any]:
    name = path_param("name", **({"enum": names} if names else {}))
    describe = operation("Describe a model", "models", ref("Model"), 404)
    describe["parameters"] = [name]
    return {
        "/v1/models": {"get": operation("List models", "models", ref("ModelList"))},
        "/v1/models/{name}": {"get": describe},
    }


def _record(
    schemas: dict[str, Any], entry: AdapterEntry, limits: IntakeLimits
) -> dict[str, str]:
    """Add one version's record schema to the components; point at it."""
    schemas[_title(entry)] = {
        "title": f"{entry.name} {entry.version} record",
        **record_schema(_inputs(entry)),
        "maxProperties": limits.max_fields_per_record,
    }
    return ref(_title(entry))


def _title(entry: AdapterEntry) -> str:
    return _UNSAFE.sub("_", f"{entry.name}-{entry.version}-record")


def _inputs(entry: AdapterEntry) -> Mapping[str, Any]:
    return entry.adapter_class.input_schema if entry.adapter_class else {}


def _predict_body(record: Mapping[str, Any], limits: IntakeLimits) -> dict[str, Any]:
    records = array(record, minItems=1, maxItems=limits.max_records)
    envelope = obj(["inputs"], inputs=records, parameters={}, id={})
    envelope["additionalProperties"] = False
    return request_body({"anyOf": [records, envelope]})


def _output_value(output: Output) -> dict[str, Any]:
    """The JSON Schema of one record's value of a declared output (or null)."""
    if output.kind == "probabilities" and output.labels is not None:
        keys = [str(label) for label in output.labels]
        probability = {"type": "number", "minimum": 0, "maximum": 1}
        rows = obj(keys, **dict.fromkeys(keys, probability))
        rows["additionalProperties"] = False
        return {"anyOf": [rows, {"type": "null"}]}
    if output.width is not None:
        width = output.width
        numbers = array(nullable("number"), minItems=width, maxItems=width)
        return {"anyOf": [numbers, {"type": "null"}]}
    if output.labels is not None:
        return {"enum": [*output.labels, None]}
    return nullable(_JSON_TYPES.get(output.datatype, "string"))


def _outputs(entry: AdapterEntry) -> tuple[Output, ...]:
    return entry.adapter_class.declared_outputs() if entry.adapter_class else ()


def _predict(entry: AdapterEntry, versions: list[str], body: Any) -> dict[str, Any]:
    declared = _outputs(entry)
    prediction = obj(
        ["model", "version"],
        model={"const": entry.name},
        version={"enum": versions},
        **{output.name: array(_output_value(output)) for output in declared},
        errors={"anyOf": [ref("Problems"), {"type": "null"}]},
    )
    partial = {
        "name": "partial",
        "in": "query",
        "description": "Predict the valid records; invalid ones get a null "
        "prediction and their reasons under `errors` (200, not 422). "
        "1/0, yes/no, on/off, t/f and y/n are read as true/false too.",
        "schema": {**BOOLEAN, "default": False},
    }
    names = [output.name for output in declared]
    outputs = {
        "name": "outputs",
        "in": "query",
        "description": "The outputs to compute, comma-separated (default: all). "
        "Each is a key of the answer holding one value per record.",
        "style": "form",
        "explode": False,
        "schema": array({"enum": names}, uniqueItems=True),
    }
    summary = f"Predict with {entry.name}"
    predict = operation(summary, entry.name, prediction, *PREDICT_ERRORS)
    predict.update(parameters=[partial, outputs], requestBody=body)
    return predict


def _predict_paths(
    name: str,
    default: AdapterEntry | None,
    installed: list[AdapterEntry],
    records: Mapping[str, Mapping[str, Any]],
    limits: IntakeLimits,
) -> dict[str, Any]:
    """Return the concrete predict routes of one adapter name."""
    prefix = f"/v1/models/{name}"
    versions = [str(entry.version) for entry in installed]
    paths = {}
    if default is not None and default.ready:
        body = _predict_body(records[str(default.version)], limits)
        paths[f"{prefix}/predict"] = {"post": _predict(default, versions, body)}
    described = {
        (repr(record_schema(_inputs(entry))), _outputs(entry)) for entry in installed
    }
    if len(described) == 1:
        body = _predict_body(records[versions[0]], limits)
        operation = _predict(installed[0], versions, body)
        operation["parameters"].insert(0, path_param("version", enum=versions))
        paths[f"{prefix}/versions/{{version}}/predict"] = {"post": operation}
        return paths
    for entry, version in zip(installed, versions, strict=True):
        body = _predict_body(records[version], limits)
        paths[f"{prefix}/versions/{version}/predict"] = {
            "post": _predict(entry, [version], body)
        }
    return paths


def _regression_compat_path(
    record: Mapping[str, Any], limits: IntakeLimits
) -> dict[str, Any]:
    """Describe the compatibility route to the default regression model."""
    body = obj(
        ["model", "predictions", "version", "errors"],
        model=STRING,
        predictions=array(nullable("number")),
        version=STRING,
        errors={"anyOf": [ref("Problems"), {"type": "null"}]},
    )
    summary = "Predict with the default regression model (compatibility route)"
    alias = operation(summary, "models", body, *PREDICT_ERRORS)
    alias["description"] = "Invalid records are listed under `errors` (200)."
    records = array(record, minItems=1, maxItems=limits.max_records)
    return {"post": {**alias, "requestBody": request_body(records)}}


def _default(registry: Registry, name: str) -> AdapterEntry | None:
    """Return the version served when none is named; None if the pin is missing."""
    try:
        return registry.lookup(name)
    except (AdapterNotFoundError, AdapterNotReadyError):
        return None

"""The Open Inference Protocol (V2) part of roost's OpenAPI document.

Component shapes follow the KServe spec, in OpenAPI 3.1 form, with roost's
error body (it has the `error` key) and null allowed in tensor data (roost
sends non-finite outputs as null).
"""

from __future__ import annotations

from typing import Any

from roost.core.api.openapi_builders import (
    BOOLEAN,
    OBJECT,
    PREDICT_ERRORS,
    STRING,
    array,
    json_response,
    obj,
    operation,
    path_param,
    ref,
    request_body,
)

__all__ = ["v2_components", "v2_paths"]


def v2_components() -> dict[str, Any]:
    """Return the Open Inference Protocol shapes (KServe spec, 3.1 form)."""
    shape = {"name": STRING, "datatype": STRING, "shape": array({"type": "integer"})}
    tensor = {**shape, "parameters": ref("parameters"), "data": ref("tensor_data")}
    states = ["UNKNOWN", "READY", "UNAVAILABLE", "LOADING", "UNLOADING"]
    scalar = {"type": ["number", "string", "boolean", "null"]}
    return {
        "metadata_server_response": obj(
            ["name", "version", "extensions"],
            name=STRING,
            version=STRING,
            extensions=array(STRING),
        ),
        "metadata_model_response": obj(
            ["name", "platform"],
            name=STRING,
            versions=array(STRING),
            platform=STRING,
            inputs=array(ref("metadata_tensor")),
            outputs=array(ref("metadata_tensor")),
            properties={**OBJECT, "additionalProperties": STRING},
        ),
        "metadata_tensor": obj(["name", "datatype", "shape"], **shape),
        # NOTE: KServe's form (its SDK's ListModelsResponse): names only.
        "model_list_response": obj(["models"], models=array(STRING)),
        "parameters": OBJECT,
        # NOTE: null is roost's addition: it sends non-finite outputs as null.
        "tensor_data": array({"anyOf": [ref("tensor_data"), scalar]}),
        "request_input": obj(["name", "shape", "datatype"], **tensor),
        "request_output": obj(["name"], name=STRING, parameters=ref("parameters")),
        "response_output": obj(["name", "shape", "datatype"], **tensor),
        "inference_request": obj(
            ["inputs"],
            id=STRING,
            parameters=ref("parameters"),
            # NOTE: the server refuses an empty list, so the document does too.
            inputs=array(ref("request_input"), minItems=1),
            outputs=array(ref("request_output")),
        ),
        "inference_response": obj(
            ["model_name", "outputs"],
            model_name=STRING,
            model_version=STRING,
            id=STRING,
            parameters=ref("parameters"),
            outputs=array(ref("response_output")),
        ),
        "repository_index_request": {**OBJECT, "properties": {"ready": BOOLEAN}},
        "repository_index_response": array(
            obj(
                ["name", "state", "reason"],
                name=STRING,
                version=STRING,
                state={"enum": states},
                reason=STRING,
            )
        ),
        "model_ready": obj(
            ["name", "ready"], name=STRING, version=STRING, ready=BOOLEAN, error=STRING
        ),
    }


def v2_paths() -> dict[str, Any]:
    """Return the V2 routes; each model route comes with and without a version."""
    ready = operation("Server ready", "v2", OBJECT)
    ready["responses"]["503"] = json_response("Not ready, and why.", OBJECT)
    index = operation("Repository index", "v2", ref("repository_index_response"), 400)
    index["requestBody"] = request_body(ref("repository_index_request"), required=False)
    infer = operation("Inference", "v2", ref("inference_response"), *PREDICT_ERRORS)
    infer["requestBody"] = request_body(ref("inference_request"))
    infer["responses"]["200"]["content"]["application/octet-stream"] = {}
    metadata = operation("Model metadata", "v2", ref("metadata_model_response"), 404)
    model_ready = operation("Model ready", "v2", ref("model_ready"), 404)
    model_ready["responses"]["503"] = json_response(
        "Not ready, and why.", ref("model_ready")
    )
    paths: dict[str, Any] = {
        "/v2": {
            "get": operation("Server metadata", "v2", ref("metadata_server_response"))
        },
        "/v2/health/live": {"get": operation("Server live", "v2", OBJECT)},
        "/v2/health/ready": {"get": ready},
        "/v2/models": {
            "get": operation("List models", "v2", ref("model_list_response"))
        },
        "/v2/repository/index": {"post": index},
    }
    name, version = path_param("name"), path_param("version")
    for prefix, parameters in (
        ("/v2/models/{name}", [name]),
        ("/v2/models/{name}/versions/{version}", [name, version]),
    ):
        paths[prefix] = {"parameters": parameters, "get": metadata}
        paths[f"{prefix}/ready"] = {"parameters": parameters, "get": model_ready}
        paths[f"{prefix}/infer"] = {"parameters": parameters, "post": infer}
    return paths

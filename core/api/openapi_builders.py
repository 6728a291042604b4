"""Small builders of OpenAPI 3.1 fragments shared by roost's v1 and V2 parts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.core.runtime.server import REQUEST_LINE_LIMIT

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
#: Status -> (component name, description) of every error response.
ERRORS: Mapping[int, tuple[str, str]] = {
    400: ("BadRequest", "The body or a parameter is malformed."),
    404: ("NotFound", "No such model or version."),
    413: ("PayloadTooLarge", "The body, or its number of records, is over a limit."),
    415: ("UnsupportedMediaType", "The body is not JSON."),
    422: ("ValidationFailed", "A record failed the model's input schema."),
    500: ("PredictionFailed", "The model failed while predicting (a logged bug)."),
    503: ("NotReady", "The model failed to load, or the server is busy."),
    504: ("DeadlineExceeded", "The prediction did not finish in time."),
}
PREDICT_ERRORS = (400, 404, 413, 415, 422, 500, 503, 504)
#: Any route's answer to a request line over gunicorn's limit: gunicorn
#: refuses it before roost reads the request, in roost's error shape (no
#: request id).
URI_TOO_LONG_TEXT = (
    f"The request line (method, path and query) is over {REQUEST_LINE_LIMIT} "
    "bytes; gunicorn refuses it before roost reads the request."
)
STRING, BOOLEAN, OBJECT = {"type": "string"}, {"type": "boolean"}, {"type": "object"}
IN_PATH = {"in": "path", "required": True}


def ref(name: str) -> dict[str, str]:
    """Point at a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def error_refs(*statuses: int) -> dict[str, Any]:
    """Point at the shared error responses of these statuses."""
    return {
        str(status): {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
        for status in statuses
    }


def json_response(description: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON response with a description."""
    return {"description": description, "content": {JSON: {"schema": schema}}}


def operation(summary: str, tag: str, schema: Any, *errors: int) -> dict[str, Any]:
    """An operation answering 200 with `schema`, plus the given error statuses."""
    responses = {
        "200": json_response("OK", schema),
        **error_refs(*errors),
        "414": json_response(URI_TOO_LONG_TEXT, ref("Error")),
    }
    return {"summary": summary, "tags": [tag], "responses": responses}


def request_body(schema: Any, *, required: bool = True) -> dict[str, Any]:
    """A JSON request body."""
    return {"required": required, "content": {JSON: {"schema": schema}}}


def path_param(name: str, **schema: Any) -> dict[str, Any]:
    """A required string path parameter."""
    return {"name": name, **IN_PATH, "schema": {**STRING, **schema}}


def nullable(kind: str) -> dict[str, Any]:
    """A type that may also be null."""
    return {"type": [kind, "null"]}


def array(items: Any, **constraints: Any) -> dict[str, Any]:
    """An array of `items`."""
    return {"type": "array", "items": items, **constraints}


def obj(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object with these properties, some required."""
    return {"type": "object", "required": required, "properties": properties}

"""Open Inference Protocol (V2) resources under /v2."""

from __future__ import annotations

import importlib.metadata

import falcon

from roost.controllers.binary import (
    HEADER_LENGTH,
    InferenceRequest,
    read_inference_request,
)
from roost.controllers.bodies import read_json
from roost.controllers.model_headers import name_the_model
from roost.core.errors import BadRequestError
from roost.core.serving import content_types, tensors
from roost.core.serving.dataplane import DataPlane
from roost.core.serving.traffic import ROUTING_KEY_HEADER
from roost.views.v2 import (
    output_tensors,
    pack_binary,
    render_inference,
    render_live,
    render_model_list,
    render_model_metadata,
    render_model_ready,
    render_repository_index,
    render_server_metadata,
    render_server_ready,
)

__all__ = [
    "InferResource",
    "ModelResource",
    "RepositoryResource",
    "ServerResource",
    "add_v2_routes",
]


class ServerResource:
    """`GET /v2`, `/v2/health/live` and `/v2/health/ready`."""

    def __init__(self, dataplane: DataPlane, version: str) -> None:
        self._dataplane = dataplane
        self._version = version

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Describe the server and the extensions it implements."""
        resp.media = render_server_metadata(self._version)

    def on_get_live(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer 200 while the process runs."""
        resp.media = render_live()

    def on_get_ready(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer 200 when every installed model is ready, else 503 and why."""
        ready, reason = self._dataplane.readiness.check()
        resp.media = render_server_ready(ready, reason)
        resp.status = falcon.HTTP_200 if ready else falcon.HTTP_503


class ModelResource:
    """`GET /v2/models`, and a model's metadata and readiness (any version)."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._registry = dataplane.registry

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List every installed model by name, ready or not."""
        resp.media = render_model_list(self._registry.names())

    def on_get_item(
        self, req: falcon.Request, resp: falcon.Response, name: str
    ) -> None:
        """Describe the default version of a model."""
        self.on_get_version(req, resp, name, None)

    def on_get_version(
        self, req: falcon.Request, resp: falcon.Response, name: str, version: str | None
    ) -> None:
        """Describe one version of a model: its input and output tensors."""
        entry = self._registry.lookup(name, version)
        resp.media = render_model_metadata(entry, self._registry.versions(name))

    def on_get_ready(
        self, req: falcon.Request, resp: falcon.Response, name: str
    ) -> None:
        """Say whether the default version of a model is ready."""
        self.on_get_version_ready(req, resp, name, None)

    def on_get_version_ready(
        self, req: falcon.Request, resp: falcon.Response, name: str, version: str | None
    ) -> None:
        """Answer 200 when the model version is ready, else 503 and why."""
        entry = self._registry.lookup(name, version)
        resp.media = render_model_ready(entry)
        resp.status = falcon.HTTP_200 if entry.ready else falcon.HTTP_503


class RepositoryResource:
    """`POST /v2/repository/index`: every installed model version, ready or not."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._registry = dataplane.registry
        self._limits = dataplane.limits

    def on_post_index(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List model versions; `{"ready": true}` keeps only the ready ones."""
        body = read_json(req, self._limits) if req.content_length else {}
        ready = body.get("ready", False) if isinstance(body, dict) else None
        if not isinstance(ready, bool):
            raise BadRequestError('the body must be empty or {"ready": true|false}')
        resp.media = render_repository_index(self._registry.entries(), ready_only=ready)


class InferResource:
    """`POST /v2/models/{name}[/versions/{version}]/infer`."""

    def __init__(self, dataplane: DataPlane) -> None:
        self._dataplane = dataplane

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        """Infer with the default version of `name`."""
        self.on_post_version(req, resp, name, None)

    def on_post_version(
        self, req: falcon.Request, resp: falcon.Response, name: str, version: str | None
    ) -> None:
        """Decode the tensors into a batch, predict as v1 does, encode outputs."""
        version = self._dataplane.route(
            name, version, req.get_header(ROUTING_KEY_HEADER)
        )
        entry = self._dataplane.registry.lookup_ready(name, version)
        request = read_inference_request(req, self._dataplane.limits)
        schema = entry.adapter_class.input_schema if entry.adapter_class else {}
        content_type = request.parameters.get("content_type")
        columns = content_types.decode(request.inputs, schema, content_type)
        batch = tensors.to_batch(columns, schema)
        req.context.model = name
        names = None if request.outputs is None else [o.name for o in request.outputs]
        result = self._dataplane.predict(name, batch, version, outputs=names)
        name_the_model(req, resp, result.name, result.version)
        outputs = output_tensors(result, names)
        binary = _binary_outputs(request, [output.name for output in outputs])
        body, raw = render_inference(
            result.name, result.version, request.id, outputs, binary
        )
        if binary:
            resp.data, header_length = pack_binary(body, raw)
            resp.content_type = "application/octet-stream"
            resp.set_header(HEADER_LENGTH, str(header_length))
        else:
            resp.media = body


def _binary_outputs(request: InferenceRequest, names: list[str]) -> set[str]:
    """Name the outputs to send as raw bytes (the binary tensor data extension).

    An output's own `binary_data` parameter wins over the request's
    `binary_data_output`.
    """
    if request.outputs is None:
        return set(names) if request.binary_output else set()
    return {
        output.name
        for output in request.outputs
        if (request.binary_output if output.binary is None else output.binary)
    }


def add_v2_routes(
    app: falcon.App[falcon.Request, falcon.Response], dataplane: DataPlane
) -> None:
    """Attach the V2 data-plane routes, versioned and unversioned."""
    server = ServerResource(dataplane, importlib.metadata.version("roost"))
    models = ModelResource(dataplane)
    infer = InferResource(dataplane)
    app.add_route("/v2", server)
    app.add_route("/v2/health/live", server, suffix="live")
    app.add_route("/v2/health/ready", server, suffix="ready")
    app.add_route("/v2/models", models)
    app.add_route("/v2/models/{name}", models, suffix="item")
    app.add_route("/v2/models/{name}/ready", models, suffix="ready")
    app.add_route("/v2/models/{name}/versions/{version}", models, suffix="version")
    app.add_route(
        "/v2/models/{name}/versions/{version}/ready", models, suffix="version_ready"
    )
    app.add_route("/v2/models/{name}/infer", infer)
    app.add_route("/v2/models/{name}/versions/{version}/infer", infer, suffix="version")
    app.add_route("/v2/repository/index", RepositoryResource(dataplane), suffix="index")

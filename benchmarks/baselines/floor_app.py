"""The HTTP floor: a Falcon app that parses the JSON body and answers a constant.

Served by gunicorn with exactly roost's options (`floor_gunicorn.conf.py`), it
measures what the web stack alone costs for each payload: no validation, no
DataFrame, no model. roost's figures minus these are what roost adds.
"""

from __future__ import annotations

import falcon
import orjson

#: The one prediction body the floor returns, whatever it was sent.
CONSTANT_BODY = orjson.dumps({"predictions": [0.0], "version": "floor", "errors": None})


class HealthResource:
    """`GET /health`: the process is up."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer a fixed body."""
        resp.data = b'{"status":"ok"}'
        resp.content_type = falcon.MEDIA_JSON


class ConstantPredictionResource:
    """`POST /v1/predict/regression`: read and parse the body, answer a constant."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Parse the JSON body with orjson (as roost does), then ignore it."""
        records = orjson.loads(req.bounded_stream.read())
        if not isinstance(records, list):
            raise falcon.HTTPBadRequest(description="expected a JSON list")
        resp.data = CONSTANT_BODY
        resp.content_type = falcon.MEDIA_JSON


def create_app() -> falcon.App:
    """Build the floor app (gunicorn calls this in each worker)."""
    app = falcon.App()
    app.add_route("/health", HealthResource())
    app.add_route("/v1/predict/regression", ConstantPredictionResource())
    return app

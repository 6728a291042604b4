"""Response headers naming the model version that answered a prediction."""

from __future__ import annotations

import falcon

__all__ = ["MODEL_NAME_HEADER", "MODEL_VERSION_HEADER", "name_the_model"]

MODEL_NAME_HEADER = "X-Model-Name"
MODEL_VERSION_HEADER = "X-Model-Version"


def name_the_model(
    req: falcon.Request, resp: falcon.Response, name: str, version: str
) -> None:
    """Say which model version answered: in headers, and to the metrics."""
    req.context.model = name
    req.context.model_version = version
    resp.set_header(MODEL_NAME_HEADER, name)
    resp.set_header(MODEL_VERSION_HEADER, version)

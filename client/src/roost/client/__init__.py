"""A light Python client for roost's REST API.

```python
from roost.client import Client

with Client("http://127.0.0.1:8000") as roost:
    result = roost.predict("house-prices", frame)
    frame["price"] = result.to_frame()["prediction"]
```
"""

from __future__ import annotations

from roost.client.catalog import ModelMetadata, ModelSummary, VersionState
from roost.client.client import Client
from roost.client.errors import (
    APIError,
    BadRequestError,
    InputRejectedError,
    ModelNotFoundError,
    PayloadTooLargeError,
    RoostClientError,
    RoostConnectionError,
    ServerError,
    ServiceUnavailableError,
    UnexpectedAnswerError,
    ValidationError,
)
from roost.client.problems import Problems
from roost.client.results import Prediction
from roost.client.retrying import RetryPolicy

__all__ = [
    "APIError",
    "BadRequestError",
    "Client",
    "InputRejectedError",
    "ModelMetadata",
    "ModelNotFoundError",
    "ModelSummary",
    "PayloadTooLargeError",
    "Prediction",
    "Problems",
    "RetryPolicy",
    "RoostClientError",
    "RoostConnectionError",
    "ServerError",
    "ServiceUnavailableError",
    "UnexpectedAnswerError",
    "ValidationError",
    "VersionState",
]

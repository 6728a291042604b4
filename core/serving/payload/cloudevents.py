"""Post predictions as CloudEvents, the way KServe's inference logger does.

Each prediction becomes two events sharing one `ce-id` (the request id):
`org.kubeflow.serving.inference.request`, whose data is the logged rows as a
v1 predict body, and `org.kubeflow.serving.inference.response`, whose data
is the answer's outputs as the v1 route renders them. Both travel in binary
content mode: the event's attributes in `ce-*` headers (KServe's extensions
`inferenceservicename`, `namespace`, `component`, `endpoint` included), its
data as the JSON body.
"""

from __future__ import annotations

import http.client
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from roost.core.serving.payload.lines import dumps, input_rows, iso_time, output_columns

if TYPE_CHECKING:
    from roost.core.serving.prediction_records import PredictionRecord

__all__ = ["REQUEST_TYPE", "RESPONSE_TYPE", "CloudEventsSender"]

logger = logging.getLogger(__name__)

REQUEST_TYPE = "org.kubeflow.serving.inference.request"
RESPONSE_TYPE = "org.kubeflow.serving.inference.response"
#: Seconds to connect, and to wait for each answer, before giving up.
TIMEOUT = 5.0


class CloudEventsSender:
    """Post each prediction's two events to `url` over one kept-alive connection.

    Not thread-safe: one `QueuedSink` thread calls `send`.
    """

    def __init__(self, url: str, namespace: str, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"payload log URL {url!r} is not an http(s) URL")
        self.url = url
        self.namespace = namespace
        self._parts = parts
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def send(self, records: Sequence[PredictionRecord]) -> int:
        """Post every record's events; return how many records arrived whole.

        Stops at the first failure (the rest would likely fail too).
        """
        sent = 0
        for record in records:
            try:
                for event_type, headers, body in events(record, self.namespace):
                    self._post(event_type, headers, body)
            except (OSError, http.client.HTTPException) as exc:
                self._disconnect()
                logger.warning("payload log: %s refused an event: %s", self.url, exc)
                break
            sent += 1
        return sent

    def close(self) -> None:
        """Close the connection."""
        self._disconnect()

    def _post(self, event_type: str, headers: dict[str, str], body: bytes) -> None:
        connection = self._connection or self._connect()
        connection.request("POST", self._target, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if not 200 <= response.status < 300:
            raise http.client.HTTPException(
                f"{event_type} answered {response.status} {response.reason}"
            )

    def _connect(self) -> http.client.HTTPConnection:
        host, port = self._parts.hostname or "", self._parts.port
        if self._parts.scheme == "https":
            self._connection = http.client.HTTPSConnection(
                host, port, timeout=self._timeout
            )
        else:
            self._connection = http.client.HTTPConnection(
                host, port, timeout=self._timeout
            )
        return self._connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def events(
    record: PredictionRecord, namespace: str
) -> list[tuple[str, dict[str, str], bytes]]:
    """Return the prediction's request and response events: type, headers, body."""
    event_id = record.request_id or str(uuid.uuid4())
    request_body = dumps({"inputs": input_rows(record.frame)})
    response_body = dumps(
        {
            "model": record.name,
            "version": record.version,
            **output_columns(record.outputs, record.declared),
        }
    )
    return [
        (kind, _headers(record, kind, event_id, namespace), body)
        for kind, body in ((REQUEST_TYPE, request_body), (RESPONSE_TYPE, response_body))
    ]


def _headers(
    record: PredictionRecord, event_type: str, event_id: str, namespace: str
) -> dict[str, str]:
    """The binary-mode attributes of one event, as KServe's logger sets them."""
    return {
        "Content-Type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": event_id,
        "ce-type": event_type,
        "ce-source": f"/v1/models/{record.name}/versions/{record.version}",
        "ce-time": iso_time(record.started),
        "ce-inferenceservicename": record.name,
        "ce-namespace": namespace,
        "ce-component": "predictor",
        "ce-endpoint": "default",
        "ce-modelversion": record.version,
    }

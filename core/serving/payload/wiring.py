"""Build the payload log a worker's settings ask for (None: none asked)."""

from __future__ import annotations

import atexit
from collections.abc import Sequence
from typing import TYPE_CHECKING

from roost.core.serving.payload.cloudevents import CloudEventsSender
from roost.core.serving.payload.lines import payload_line
from roost.core.serving.payload.observer import PayloadLog
from roost.core.serving.payload.queued_sink import QueuedSink
from roost.core.serving.payload.rotating_file import RotatingFile

if TYPE_CHECKING:
    from roost.core.runtime.metrics import Metrics
    from roost.core.runtime.settings import Settings
    from roost.core.serving.prediction_records import PredictionRecord

__all__ = ["build_payload_log", "file_sink", "http_sink"]


def build_payload_log(settings: Settings, metrics: Metrics) -> PayloadLog | None:
    """Return the payload log for `ROOST_PAYLOAD_LOG` and `_URL`, if either is set.

    The log delivers what it still holds when the worker exits.

    Raises:
        OSError: `ROOST_PAYLOAD_LOG` cannot be created or written.
    """
    sinks = []
    if settings.payload_log is not None:
        target = RotatingFile(
            settings.payload_log,
            settings.payload_log_max_bytes,
            settings.payload_log_backups,
        )
        target.open()
        sinks.append(file_sink(target, settings.payload_log_queue, metrics))
    if settings.payload_log_url is not None:
        sender = CloudEventsSender(
            settings.payload_log_url, settings.payload_log_namespace
        )
        sinks.append(http_sink(sender, settings.payload_log_queue, metrics))
    if not sinks:
        return None
    payload_log = PayloadLog(sinks, settings.payload_log_sample)
    atexit.register(payload_log.close)
    return payload_log


def file_sink(target: RotatingFile, capacity: int, metrics: Metrics) -> QueuedSink:
    """A sink appending each prediction as one JSON line to `target`."""

    def deliver(records: Sequence[PredictionRecord]) -> int:
        target.append([payload_line(record) for record in records])
        return len(records)

    return QueuedSink("file", deliver, capacity, metrics)


def http_sink(sender: CloudEventsSender, capacity: int, metrics: Metrics) -> QueuedSink:
    """A sink posting each prediction as CloudEvents through `sender`."""
    return QueuedSink("http", sender.send, capacity, metrics)

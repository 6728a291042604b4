"""The payload log: each sampled prediction's inputs and outputs, kept elsewhere.

`observer.PayloadLog` is a prediction observer: it samples requests and
hands them to `queued_sink.QueuedSink`s, bounded queues drained by their own
threads, so a request never waits on the log. `lines` renders a prediction
as one JSON line, which `rotating_file` appends to a file shared by every
worker; `cloudevents` posts it to a URL as CloudEvents in KServe's logger
format. `wiring.build_payload_log` assembles them from the settings.
"""

from roost.core.serving.payload.observer import PayloadLog
from roost.core.serving.payload.wiring import build_payload_log

__all__ = ["PayloadLog", "build_payload_log"]

"""Settings of how workers run predictions and what requests they accept."""

from __future__ import annotations

from dataclasses import dataclass, field

from roost.core.runtime._setting import (
    integer,
    not_negative,
    number,
    one_of,
    positive,
    setting,
    text,
)
from roost.core.runtime.affinity import AFFINITY_MODES

__all__ = ["ServingSettings"]


@dataclass(frozen=True)
class ServingSettings:
    """Prediction slots, deadlines, CPU pinning, micro-batching, request limits."""

    max_in_flight: int = field(
        default=4,
        metadata=setting(
            "predictions one worker runs at once; more wait for a slot",
            parse=integer,
            check=positive,
        ),
    )
    queue_timeout: float = field(
        default=1.0,
        metadata=setting(
            "seconds a request may wait for a prediction slot before 503",
            parse=number,
            check=positive,
        ),
    )
    request_deadline: float = field(
        default=30.0,
        metadata=setting(
            "seconds a prediction may take before 504 (0: no deadline, and "
            "predictions run on the request's own thread)",
            parse=number,
            check=not_negative,
        ),
    )
    inline_below: float = field(
        default=0.05,
        metadata=setting(
            "seconds: a model version whose last 16 predictions each took less "
            "runs the next ones on the request's own thread, without the "
            "hand-over to a predicting thread, until one takes longer (0: "
            "always hand over; a prediction already running inline when its "
            "model stalls is answered when it ends, not at the deadline)",
            parse=number,
            check=not_negative,
        ),
    )
    cpu_affinity: str = field(
        default="auto",
        metadata=setting(
            "`auto`: each worker on a CPU of its own when there are as many "
            "workers as usable CPUs; `on`: always; `off`: never (see Workers)",
            parse=text,
            check=one_of(AFFINITY_MODES),
        ),
    )
    batch_max_rows: int = field(
        default=1,
        metadata=setting(
            "micro-batching: rows one merged predict call may take (1: off)",
            parse=integer,
            check=positive,
        ),
    )
    batch_max_wait: float = field(
        default=0.002,
        metadata=setting(
            "micro-batching: seconds the first request waits for company",
            parse=number,
            check=not_negative,
        ),
    )
    max_body_bytes: int = field(
        default=8 * 1024 * 1024,
        metadata=setting(
            "largest request body, in bytes; larger: 413",
            parse=integer,
            check=positive,
        ),
    )
    max_records: int = field(
        default=10_000,
        metadata=setting(
            "most records one predict request may carry; more: 413",
            parse=integer,
            check=positive,
        ),
    )
    max_fields_per_record: int = field(
        default=1_000,
        metadata=setting(
            "most fields one record may carry; more: 400",
            parse=integer,
            check=positive,
        ),
    )
    header_timeout: float = field(
        default=10.0,
        metadata=setting(
            "seconds a client may take to send a request's headers, from "
            "connecting (kept alive: from the request's first byte); slower: "
            "disconnected",
            parse=number,
            check=positive,
        ),
    )
    body_timeout: float = field(
        default=10.0,
        metadata=setting(
            "seconds a request body may take to arrive, from the end of the "
            "headers; slower: 408, disconnected",
            parse=number,
            check=positive,
        ),
    )

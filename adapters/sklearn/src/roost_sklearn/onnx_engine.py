"""The ONNX engine: the converted graph run by onnxruntime, one session per worker.

`load()` runs in each gunicorn worker after it forked (and after it was
pinned to a CPU, when roost pins workers), so the session is made there: one
intra-op thread on a pinned worker, else one per usable CPU; one inter-op
thread; sequential execution.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from roost_sklearn.onnx_feeds import feeds, input_dtypes

__all__ = ["OnnxEngine", "intra_op_threads"]

logger = logging.getLogger(__name__)


def intra_op_threads() -> int:
    """1 on a process pinned to one CPU; else the CPUs it may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


class OnnxEngine:
    """An onnxruntime session over the model's ONNX graph."""

    def __init__(self, graph: bytes, *, threads: int) -> None:
        import onnxruntime  # noqa: PLC0415 - the optional `onnx` extra

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        self.session = onnxruntime.InferenceSession(
            graph, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.threads = threads
        self._dtypes = input_dtypes(self.session.get_inputs())
        names = [output.name for output in self.session.get_outputs()]
        self._predictions = names[0]
        self._probabilities = names[1] if len(names) > 1 else None
        # Per request thread: the last probabilities and their run's labels.
        self._last = threading.local()

    @property
    def has_probabilities(self) -> bool:
        """Whether the graph outputs probabilities (classifiers with predict_proba)."""
        return self._probabilities is not None

    def predict(self, inputs: Mapping[str, Any]) -> np.ndarray[Any, Any]:
        """Return the graph's first output, one value per row."""
        (values,) = self.session.run([self._predictions], feeds(inputs, self._dtypes))
        return np.asarray(values).reshape(-1)

    def predict_proba(self, inputs: Mapping[str, Any]) -> np.ndarray[Any, Any]:
        """Return the graph's probabilities, one column per class in card order.

        The graph's labels come out of the same run; `labels_from` hands them
        over for these probabilities.
        """
        if self._probabilities is None:
            raise ValueError("the ONNX graph has no probabilities output")
        labels, values = self.session.run(
            [self._predictions, self._probabilities], feeds(inputs, self._dtypes)
        )
        probabilities = np.asarray(values, dtype=np.float64)
        self._last.pair = (probabilities, np.asarray(labels).reshape(-1))
        return probabilities

    def labels_from(
        self, probabilities: np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any] | None:
        """The graph's labels from the run that gave `probabilities`, else None."""
        pair = getattr(self._last, "pair", None)
        self._last.pair = None
        if pair is None or pair[0] is not probabilities:
            return None
        labels: np.ndarray[Any, Any] = pair[1]
        return labels

"""A daemon thread started on first use, in the process that uses it.

gunicorn builds the app and may fork afterwards; a thread started before a
fork does not survive it. Background work (shadow predictions, drift
binning, payload log delivery) therefore starts its thread when the first
item arrives, in the worker that serves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["LazyThread"]


class LazyThread:
    """Run `target` on a daemon thread named `name`, started on first `start()`."""

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._target = target
        self._name = name
        self._lock = threading.Lock()
        #: The thread once started; None before.
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread unless it runs already; safe from any thread."""
        if self.thread is not None:
            return
        with self._lock:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._target, name=self._name, daemon=True
                )
                self.thread.start()

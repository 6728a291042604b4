"""A daemon thread started on first use, in the process that uses it.

gunicorn builds the app and may fork afterwards; a thread started before a
fork does not survive it. Background work (shadow predictions, drift
binning, payload log delivery) therefore starts its thread when the first
item arrives, in the worker that serves.
"""

from __future__ import annotations

import os
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
        self._pid = os.getpid()

    def start(self) -> None:
        """Start the thread unless it runs in this process; safe from any thread.

        A process forked after the start has no such thread, so it gets its own.
        """
        if self.thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self.thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self.thread = threading.Thread(
                    target=self._target, name=self._name, daemon=True
                )
                self.thread.start()

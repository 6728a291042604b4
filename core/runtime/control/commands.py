"""Reload or stop a running server, found through its pidfile.

`reload_server` sends SIGHUP and waits until the reload is complete: every
worker of the new generation ready, every older one gone. It reports what
the new workers serve that the old ones did not, what they no longer serve,
and which adapters failed to load. `stop_server` sends SIGTERM and waits
until the server has exited.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from roost.core.errors import ServerControlError
from roost.core.runtime.control.pidfile import is_running, running_pid, status_dir
from roost.core.runtime.control.worker_reports import ServerState, read_state

__all__ = ["ReloadOutcome", "reload_server", "stop_server"]

_POLL = 0.1


@dataclass(frozen=True)
class ReloadOutcome:
    """What a completed reload serves, against what was served before."""

    generation: int
    workers: tuple[int, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    not_ready: Mapping[str, str]

    def render(self) -> str:
        """Return the report `roost reload` prints."""
        pids = ", ".join(str(pid) for pid in self.workers)
        lines = [
            f"reloaded: {len(self.workers)} new worker(s) ready (PID {pids}); "
            "the previous ones retired"
        ]
        lines += [f"added      {model}" for model in self.added]
        lines += [f"removed    {model}" for model in self.removed]
        lines += [
            f"not ready  {model}: {reason}"
            for model, reason in sorted(self.not_ready.items())
        ]
        return "\n".join(lines)


def _adapters(state: ServerState) -> dict[str, str | None]:
    """Return the adapter states of the newest workers that serve.

    After a reload that was given up those are older than the newest
    generation.
    """
    newest = max((worker.generation for worker in state.workers), default=0)
    found: dict[str, str | None] = {}
    for worker in state.workers:
        if worker.generation == newest:
            for model, reason in worker.adapters.items():
                if found.get(model) is None:
                    found[model] = reason
    return found


def _unfinished(state: ServerState, before: int) -> str:
    new = sum(worker.generation > before for worker in state.workers)
    old = len(state.workers) - new
    return (
        f"{new} of {state.wanted or '?'} new worker(s) ready, {old} earlier "
        "worker(s) still serving; see the server's log"
    )


def reload_server(pidfile: Path, timeout: float) -> ReloadOutcome:
    """Reload the server; return once the new workers alone serve.

    Raises:
        ServerControlError: no running server, it exited meanwhile, a new
            worker failed to start (the previous workers serve on), or the
            reload did not complete within `timeout` seconds (the previous
            workers then keep serving until the new ones are ready).
    """
    pid = running_pid(pidfile)
    folder = status_dir(pidfile)
    before = read_state(folder)
    _signal(pid, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while True:
        state = read_state(folder)
        if state.generation > before.generation and state.failure is not None:
            raise ServerControlError(f"the reload failed: {state.failure}")
        if state.generation > before.generation and state.complete():
            break
        if not is_running(pid):
            raise ServerControlError(f"the server (PID {pid}) exited during the reload")
        if time.monotonic() > deadline:
            raise ServerControlError(
                f"the reload did not complete within {timeout:g} s: "
                + _unfinished(state, before.generation)
            )
        time.sleep(_POLL)
    previous, current = _adapters(before), _adapters(state)
    return ReloadOutcome(
        generation=state.generation,
        workers=tuple(worker.pid for worker in state.workers),
        added=tuple(sorted(current.keys() - previous.keys())) if previous else (),
        removed=tuple(sorted(previous.keys() - current.keys())),
        not_ready={
            model: reason for model, reason in current.items() if reason is not None
        },
    )


def stop_server(pidfile: Path, timeout: float) -> int:
    """Stop the server gracefully; return its PID once it has exited.

    Raises:
        ServerControlError: no running server, or it still runs after
            `timeout` seconds.
    """
    pid = running_pid(pidfile)
    _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while is_running(pid) and _names(pidfile, pid):
        if time.monotonic() > deadline:
            raise ServerControlError(
                f"the server (PID {pid}) still runs {timeout:g} s after SIGTERM"
            )
        time.sleep(_POLL)
    return pid


def _signal(pid: int, signum: signal.Signals) -> None:
    try:
        os.kill(pid, signum)
    except PermissionError:
        raise ServerControlError(
            f"not allowed to signal the server (PID {pid}): run as its user"
        ) from None
    except ProcessLookupError:
        raise ServerControlError(f"the server (PID {pid}) has just exited") from None


def _names(pidfile: Path, pid: int) -> bool:
    """Say whether the pidfile still names `pid` (the master removes it last)."""
    try:
        return pidfile.read_text().strip() == str(pid)
    except OSError:
        return False

"""Start, watch and stop the servers under test; read their CPU and memory.

Each server runs in its own session (process group) on a free 127.0.0.1 port,
its output in a log file. CPU time and peak memory come from /proc for the
server's whole process tree: the gunicorn (or MLServer) master and every
descendant.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Launch",
    "Memory",
    "ProcessSample",
    "RunningServer",
    "ServerError",
    "free_port",
    "process_tree",
    "start_server",
]

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STARTUP_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


class ServerError(RuntimeError):
    """A server did not start, did not become ready, or answered wrongly."""


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Launch:
    """How to start one server: argv, environment, folder, readiness URL path."""

    argv: list[str]
    env: Mapping[str, str]
    port: int
    ready_path: str
    cwd: Path | None = None
    #: Files and folders to remove after the server stops.
    cleanup: tuple[Path, ...] = field(default=())
    #: A line each worker logs once it serves, and how many workers must log
    #: it: the readiness URL answers as soon as one worker does, and keep-alive
    #: connections opened before the others start would all stay on that one.
    ready_log: tuple[str, int] | None = None


@dataclass(frozen=True)
class ProcessSample:
    """One process of a server's tree at one instant."""

    pid: int
    ppid: int
    name: str
    #: utime + stime + cutime + cstime, in clock ticks.
    cpu_ticks: int


def _read_stat(pid_dir: Path) -> ProcessSample | None:
    try:
        text = (pid_dir / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after it.
    name = text[text.index("(") + 1 : text.rindex(")")]
    rest = text[text.rindex(")") + 2 :].split()
    return ProcessSample(
        pid=int(pid_dir.name),
        ppid=int(rest[1]),
        name=name,
        cpu_ticks=sum(int(value) for value in rest[11:15]),
    )


def process_tree(root: int) -> dict[int, ProcessSample]:
    """Return `root` and all its live descendants, keyed by PID."""
    samples = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (sample := _read_stat(entry)) is not None:
            samples[sample.pid] = sample
    tree: dict[int, ProcessSample] = {}
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        if pid in samples and pid not in tree:
            tree[pid] = samples[pid]
            frontier.extend(s.pid for s in samples.values() if s.ppid == pid)
    return tree


def cpu_seconds_between(
    before: Mapping[int, ProcessSample], after: Mapping[int, ProcessSample]
) -> float:
    """Return the CPU seconds the tree used between two samples."""
    ticks = 0
    for pid, sample in after.items():
        previous = before.get(pid)
        ticks += sample.cpu_ticks - (previous.cpu_ticks if previous else 0)
    return ticks / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float | None:
    """Return a process's peak resident set size (VmHWM) in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


#: Children that are bookkeeping, not workers (MLServer's multiprocessing).
_HELPERS = (b"multiprocessing.resource_tracker",)


def _is_helper(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return any(marker in command for marker in _HELPERS)


@dataclass(frozen=True)
class Memory:
    """Peak RSS of a server's master, each worker and any helper, in MiB."""

    master_mib: float
    worker_mib: tuple[float, ...]
    helper_mib: tuple[float, ...] = ()

    @property
    def total_mib(self) -> float:
        """Return master plus workers plus helpers."""
        return self.master_mib + sum(self.worker_mib) + sum(self.helper_mib)


class RunningServer:
    """A started server process and the URL it answers on."""

    def __init__(
        self, process: subprocess.Popen[bytes], launch: Launch, log: Path
    ) -> None:
        self.process = process
        self.launch = launch
        self.log = log
        self.base_url = f"http://127.0.0.1:{launch.port}"

    @property
    def pid(self) -> int:
        """Return the master's PID."""
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        """Return the last lines the server logged."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_until_ready(self, timeout: float = STARTUP_TIMEOUT) -> float:
        """Poll the readiness URL until it answers 200; return seconds waited.

        Raises:
            ServerError: the process exited or was not ready in time.
        """
        started = time.monotonic()
        url = self.base_url + self.launch.ready_path
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise ServerError(
                    f"exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(url, timeout=2) as answer,  # noqa: S310 - loopback URL
            ):
                if answer.status == 200 and self._all_workers_ready():
                    return time.monotonic() - started
            time.sleep(0.2)
        raise ServerError(f"not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def _all_workers_ready(self) -> bool:
        if self.launch.ready_log is None:
            return True
        marker, workers = self.launch.ready_log
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text.count(marker) >= workers

    def post(self, path: str, body: bytes, timeout: float = 60.0) -> tuple[int, bytes]:
        """POST a JSON body; return the status and the response body."""
        request = urllib.request.Request(  # noqa: S310 - loopback http URL built here
            self.base_url + path,
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def tree(self) -> dict[int, ProcessSample]:
        """Return the server's live process tree."""
        return process_tree(self.pid)

    def memory(self) -> Memory:
        """Return the peak RSS of the master and of each direct child (worker)."""
        children = sorted(
            pid for pid, sample in self.tree().items() if sample.ppid == self.pid
        )
        peaks = {pid: rss for pid in children if (rss := peak_rss_mib(pid)) is not None}
        helpers = {pid for pid in peaks if _is_helper(pid)}
        return Memory(
            master_mib=peak_rss_mib(self.pid) or 0.0,
            worker_mib=tuple(rss for pid, rss in peaks.items() if pid not in helpers),
            helper_mib=tuple(rss for pid, rss in peaks.items() if pid in helpers),
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM the master by PID; SIGKILL its process group if it lingers."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Workers the master failed to reap share its group (its own session).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for path in self.launch.cleanup:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return self.process.returncode


@contextlib.contextmanager
def start_server(launch: Launch, log: Path) -> Iterator[RunningServer]:
    """Start `launch` in its own session, wait until ready, stop it on exit.

    Raises:
        ServerError: it did not become ready.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - argv built by the driver
            launch.argv,
            env=dict(launch.env),
            cwd=launch.cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = RunningServer(process, launch, log)
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()

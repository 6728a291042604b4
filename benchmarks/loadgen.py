"""Drive a server with wrk (Debian's `wrk` package) and read its summary.

`post.lua` makes wrk POST one body file on every request and print a
`BENCH_JSON {...}` line at the end with the request count, error counts and
latency percentiles, which is parsed here instead of wrk's human output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LoadResult", "WrkError", "find_wrk", "run_wrk"]

LUA_SCRIPT = Path(__file__).resolve().parent / "post.lua"
_MARKER = "BENCH_JSON "


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no summary."""


@dataclass(frozen=True)
class LoadResult:
    """What one wrk run measured."""

    requests: int
    duration_s: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    connections: int

    @property
    def errors(self) -> int:
        """Count non-2xx/3xx answers plus connect, read, write and timeout errors."""
        return self.non_2xx + self.socket_errors

    @property
    def ok_requests(self) -> int:
        """Count the requests answered with 2xx/3xx."""
        return self.requests - self.non_2xx

    @property
    def requests_per_s(self) -> float:
        """Return successful requests per second."""
        return self.ok_requests / self.duration_s if self.duration_s else 0.0


def find_wrk() -> str:
    """Return the path of wrk.

    Raises:
        WrkError: wrk is not installed.
    """
    path = shutil.which("wrk")
    if path is None:
        raise WrkError(
            "wrk is not installed: apt-get install -y wrk (Debian/Ubuntu), "
            "or run `make bench`, which installs it when run as root"
        )
    return path


def run_wrk(
    url: str,
    body: Path,
    *,
    connections: int,
    duration_s: float,
    request_timeout_s: float = 10.0,
) -> LoadResult:
    """POST `body` to `url` from `connections` connections for `duration_s`.

    Raises:
        WrkError: wrk failed or printed no summary line.
    """
    command = [
        find_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        f"{max(1, round(request_timeout_s))}s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        url,
    ]
    env = {**os.environ, "BENCH_BODY": str(body)}
    try:
        result = subprocess.run(  # noqa: S603 - wrk with arguments built here
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=duration_s + request_timeout_s + 30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk did not finish: {exc}") from exc
    line = next(
        (ln for ln in result.stdout.splitlines() if ln.startswith(_MARKER)), None
    )
    if result.returncode != 0 or line is None:
        raise WrkError(
            f"wrk exited with {result.returncode}: {result.stderr.strip()} "
            f"{result.stdout.strip()[-500:]}"
        )
    data = json.loads(line[len(_MARKER) :])
    return LoadResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        non_2xx=data["status"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        connections=connections,
    )

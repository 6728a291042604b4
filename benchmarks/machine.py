"""Facts about the machine and how busy it is, read from /proc.

The report opens with these facts (CPUs, CPU model, memory, kernel, load,
commit, package versions); the driver samples /proc/stat to say how much of
the CPU other processes took during each run, and can wait for a quiet moment.
"""

from __future__ import annotations

import contextlib
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

from results import QUIET_SHARE
from venvs import installed_versions

__all__ = [
    "VERSIONS",
    "commit",
    "describe_machine",
    "load_average",
    "machine_ticks",
    "versions",
    "wait_for_quiet",
]

#: Packages whose versions the report records, per environment.
VERSIONS = {
    "roost": (
        "roost",
        "falcon",
        "gunicorn",
        "orjson",
        "cerberus",
        "pandas",
        "numpy",
        "scikit-learn",
    ),
    "seed": ("flask", "marshmallow", "gunicorn"),
    "mlserver": ("mlserver", "mlserver-sklearn", "uvicorn", "uvloop", "fastapi"),
}


def machine_ticks() -> tuple[int, int]:
    """Return (busy, total) CPU ticks of the whole machine from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    total = sum(values[:8])
    idle = values[3] + values[4]
    return total - idle, total


def wait_for_quiet(limit_s: float) -> float:
    """Wait until the machine is idle or `limit_s` has passed; return its busy share.

    Sampled over 1 s at a time while only our idle server runs, so nearly all
    the CPU in use belongs to other processes.
    """
    deadline = time.monotonic() + limit_s
    while True:
        busy_before, total_before = machine_ticks()
        time.sleep(1.0)
        busy_after, total_after = machine_ticks()
        elapsed = total_after - total_before
        share = (busy_after - busy_before) / elapsed if elapsed else 0.0
        if share <= QUIET_SHARE or time.monotonic() >= deadline:
            return share


def _git_dirs(repo: Path) -> tuple[Path, Path]:
    """Return the folder holding HEAD and the one holding refs.

    In a linked worktree `.git` is a file naming the worktree's own folder,
    whose `commondir` names the repository's, where branches live.
    """
    git = repo / ".git"
    if not git.is_file():
        return git, git
    own = (repo / git.read_text().strip().removeprefix("gitdir: ")).resolve()
    common = own / "commondir"
    return own, (own / common.read_text().strip()).resolve() if common.exists() else own


def commit(repo: Path) -> str:
    """Read the checked-out commit from .git without running git."""
    with contextlib.suppress(OSError):
        own, git = _git_dirs(repo)
        head = (own / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        if (git / ref).exists():
            return f"{(git / ref).read_text().strip()[:12]} ({ref.split('/')[-1]})"
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return f"{line.split()[0][:12]} ({ref.split('/')[-1]})"
    return "unknown"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def versions(python: Path, names: Sequence[str]) -> str:
    """Return "name version, ..." for `names` installed in `python`'s venv."""
    found = installed_versions(python, tuple(names))
    return ", ".join(f"{name} {found.get(name, '-')}" for name in names)


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def describe_machine() -> str:
    """Return CPUs, CPU model, memory and kernel in one line."""
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{_cpu_model()}, {memory_kib / 1024**2:.1f} GiB RAM, "
        f"Linux {platform.release()}"
    )

"""Where a roost server keeps its pidfile, and finding the server from it.

`roost serve` (gunicorn's `pidfile` option) writes the master's PID there;
`roost reload` and `roost stop` read it back. Settings name it
(`Settings.pidfile_path`): the default names the port, so several servers of
one user never share a pidfile.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from roost.core.errors import ServerControlError
from roost.core.runtime.settings.server import private_temp_dir

__all__ = [
    "is_running",
    "prepare_pidfile_dir",
    "running_pid",
    "status_dir",
]


def status_dir(pidfile: Path) -> Path:
    """Return the folder beside the pidfile where workers report their state."""
    return pidfile.with_suffix(".workers")


def prepare_pidfile_dir(pidfile: Path) -> None:
    """Create the pidfile's folder (private to this user) if it is missing.

    Raises:
        ValueError: the folder belongs to another user.
    """
    folder = pidfile.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder == private_temp_dir() and folder.stat().st_uid != os.getuid():
        raise ValueError(f"{folder} belongs to another user; set ROOST_PIDFILE")


def running_pid(pidfile: Path) -> int:
    """Return the PID of the running server the pidfile names.

    Raises:
        ServerControlError: no pidfile, an unreadable one, or a stale one
            (its process is gone, or is not a roost server).
    """
    try:
        text = pidfile.read_text().strip()
    except FileNotFoundError:
        raise ServerControlError(
            f"no pidfile at {pidfile}: is roost serving on that port? "
            "(set ROOST_PIDFILE or --port as for `roost serve`)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ServerControlError(f"cannot read pidfile {pidfile}: {exc}") from None
    if not text.isdigit() or int(text) <= 1:
        raise ServerControlError(f"pidfile {pidfile} holds no PID: {text[:40]!r}")
    pid = int(text)
    if not is_running(pid) or not _is_server(pid):
        raise ServerControlError(
            f"stale pidfile {pidfile}: PID {pid} is not a running roost server "
            "(it stopped without removing the file); remove the file"
        )
    return pid


def is_running(pid: int) -> bool:
    """Say whether a process runs (a zombie, exited but not reaped, does not)."""
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return _state(pid) != "Z"


def _state(pid: int) -> str | None:
    """Return the process state letter from /proc (None where there is none)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[0]


def _is_server(pid: int) -> bool:
    """Say whether the process looks like roost or gunicorn (where /proc tells)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc here: trust the pid
    except OSError:
        return True
    return b"roost" in cmdline or b"gunicorn" in cmdline

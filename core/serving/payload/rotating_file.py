"""A file that several processes append whole lines to and rotate by size."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["RotatingFile"]

#: The log holds requests' inputs: only its owner may read it.
FILE_MODE = 0o600


class RotatingFile:
    """Append lines to `path`; rotate it to `path.1` ... `path.<backups>`.

    Every gunicorn worker appends to the same file. An exclusive `flock` on
    `path.lock` covers each append and each rotation, so lines are never
    split or interleaved, and a worker that finds the file renamed under it
    (another worker rotated it) reopens it first. A file is rotated when the
    next line would take it over `max_bytes` (0: never); with no backups
    the full file is removed and a new one started.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._owner = os.getpid()

    def open(self) -> None:
        """Create the file and its lock now, so a bad path fails at start-up.

        Raises:
            OSError: the file or its folder cannot be created or written.
        """
        with self._locked():
            self._open_current()

    def append(self, lines: Sequence[bytes]) -> None:
        """Append whole lines, rotating between them when the file is full.

        Raises:
            OSError: the file could not be opened or written.
        """
        with self._locked():
            size = self._open_current()
            chunk: list[bytes] = []
            for line in lines:
                if self.max_bytes and size and size + len(line) > self.max_bytes:
                    self._write(chunk)
                    chunk = []
                    self._rotate()
                    size = self._open_current()
                chunk.append(line)
                size += len(line)
            self._write(chunk)

    def close(self) -> None:
        """Close the file and the lock file."""
        for fd in (self._fd, self._lock_fd):
            if fd is not None:
                os.close(fd)
        self._fd = self._lock_fd = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if self._owner != os.getpid():
            # NOTE: a forked child shares its parent's open lock, and `flock`
            # would then let both in at once: a child opens its own.
            self._fd = self._lock_fd = None
            self._owner = os.getpid()
        if self._lock_fd is None:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._lock_fd = os.open(
                f"{self.path}.lock", os.O_WRONLY | os.O_CREAT, FILE_MODE
            )
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _open_current(self) -> int:
        """Make sure the open file is the one at `path`; return its size."""
        if self._fd is not None:
            try:
                named = self.path.stat()
            except FileNotFoundError:
                named = None
            mine = os.fstat(self._fd)
            if named is not None and named.st_ino == mine.st_ino:
                return named.st_size
            os.close(self._fd)
            self._fd = None
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        return os.fstat(self._fd).st_size

    def _write(self, chunk: list[bytes]) -> None:
        if not chunk or self._fd is None:
            return
        data = memoryview(b"".join(chunk))
        while data:
            written = os.write(self._fd, data)
            data = data[written:]

    def _rotate(self) -> None:
        """Shift `path.N` up by one, drop the oldest, and free `path`."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.backups == 0:
            self.path.unlink(missing_ok=True)
            return
        for number in range(self.backups - 1, 0, -1):
            older = Path(f"{self.path}.{number}")
            if older.exists():
                older.replace(f"{self.path}.{number + 1}")
        self.path.replace(f"{self.path}.1")

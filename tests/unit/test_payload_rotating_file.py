"""The payload log file: whole lines from several processes, rotated by size."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from roost.core.serving.payload.rotating_file import RotatingFile


def _line(writer: int, number: int, width: int = 100) -> bytes:
    text = f"{writer}:{number}:"
    return (text + "x" * (width - len(text) - 1) + "\n").encode()


def _append_many(target: RotatingFile, writer: int, lines: int) -> None:
    for number in range(lines):
        target.append([_line(writer, number)])
    target.close()


def _all_lines(path: Path) -> list[bytes]:
    files = [path, *path.parent.glob(f"{path.name}.[0-9]*")]
    return [line for file in files for line in file.read_bytes().splitlines(True)]


class TestRotatingFile:
    """Lines are appended whole; files rotate before they pass the size."""

    def test_rotates_before_the_size_is_passed(self, tmp_path: Path) -> None:
        """Each file stays within max_bytes; PATH.1 is the newest rotated file."""
        path = tmp_path / "payload.jsonl"
        target = RotatingFile(path, max_bytes=250, backups=3)
        for number in range(9):
            target.append([_line(0, number)])
        target.close()
        assert path.read_bytes() == _line(0, 8)
        assert Path(f"{path}.1").read_bytes() == _line(0, 6) + _line(0, 7)
        assert Path(f"{path}.3").read_bytes() == _line(0, 2) + _line(0, 3)
        assert not Path(f"{path}.4").exists()  # the oldest was dropped
        for file in [path, *tmp_path.glob("payload.jsonl.[0-9]")]:
            assert file.stat().st_size <= 250

    def test_no_backups_starts_the_file_afresh(self, tmp_path: Path) -> None:
        """With 0 backups a full file is removed, never renamed."""
        path = tmp_path / "payload.jsonl"
        target = RotatingFile(path, max_bytes=150, backups=0)
        target.append([_line(0, 0), _line(0, 1), _line(0, 2)])
        target.close()
        assert path.read_bytes() == _line(0, 2)
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "payload.jsonl",
            "payload.jsonl.lock",
        ]

    def test_zero_max_bytes_never_rotates(self, tmp_path: Path) -> None:
        """max_bytes 0 keeps one growing file."""
        path = tmp_path / "payload.jsonl"
        target = RotatingFile(path, max_bytes=0, backups=2)
        target.append([_line(0, n) for n in range(50)])
        target.close()
        assert len(path.read_bytes().splitlines()) == 50
        assert not Path(f"{path}.1").exists()

    def test_a_path_that_cannot_be_created_fails_at_once(self, tmp_path: Path) -> None:
        """open() raises for a path below a regular file, before any request."""
        (tmp_path / "not-a-folder").write_text("")
        target = RotatingFile(tmp_path / "not-a-folder" / "payload.jsonl", 0, 0)
        with pytest.raises(OSError, match="not-a-folder"):
            target.open()

    def test_only_the_owner_may_read_it(self, tmp_path: Path) -> None:
        """The log holds requests' inputs: it is created with mode 0600."""
        path = tmp_path / "logs" / "payload.jsonl"
        target = RotatingFile(path, max_bytes=0, backups=0)
        target.append([_line(0, 0)])
        target.close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_processes_sharing_the_file_keep_every_line_whole(
        self, tmp_path: Path
    ) -> None:
        """Four forked processes appending and rotating lose or split no line.

        They inherit one opened `RotatingFile`, as workers forked from one
        master would: each must take the lock with its own open file.
        """
        path = tmp_path / "payload.jsonl"
        target = RotatingFile(path, max_bytes=5_000, backups=50)
        target.open()
        context = multiprocessing.get_context("fork")
        writers = [
            context.Process(target=_append_many, args=(target, writer, 200))
            for writer in range(4)
        ]
        for process in writers:
            process.start()
        for process in writers:
            process.join(60)
            assert process.exitcode == 0
        lines = _all_lines(path)
        assert sorted(lines) == sorted(
            _line(writer, number) for writer in range(4) for number in range(200)
        )
        for file in tmp_path.glob("payload.jsonl*"):
            assert file.stat().st_size <= 5_000

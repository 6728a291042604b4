"""Where the pidfile lives, and finding the running server from it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from roost.core.errors import ServerControlError
from roost.core.runtime.control.pidfile import (
    prepare_pidfile_dir,
    running_pid,
    status_dir,
)
from roost.core.runtime.settings import Settings


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A live process that is not a roost server."""
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


class TestWhere:
    """The default names the port; ROOST_PIDFILE overrides it."""

    def test_default_is_in_the_runtime_dir_by_port(self) -> None:
        """$XDG_RUNTIME_DIR/roost-PORT.pid, one per server of a user."""
        env = {"XDG_RUNTIME_DIR": "/run/user/7", "ROOST_PORT": "8001"}
        found = Settings.from_env(env).pidfile_path
        assert found == Path("/run/user/7/roost-8001.pid")

    @pytest.mark.parametrize("environ", [{}, {"XDG_RUNTIME_DIR": ""}])
    def test_default_without_a_runtime_dir_is_private_in_temp(
        self, environ: dict[str, str]
    ) -> None:
        """Without $XDG_RUNTIME_DIR: a folder of this user's in the temp dir."""
        found = Settings.from_env(environ).pidfile_path
        expected = Path(tempfile.gettempdir()) / f"roost-{os.getuid()}"
        assert found == expected / "roost-8000.pid"

    def test_setting_wins_and_port_follows_overrides(self, tmp_path: Path) -> None:
        """ROOST_PIDFILE is used as given; else the (overridden) port names it."""
        chosen = tmp_path / "x.pid"
        env = {"ROOST_PIDFILE": str(chosen), "XDG_RUNTIME_DIR": "/elsewhere"}
        assert Settings.from_env(env).pidfile_path == chosen
        settings = Settings.from_env({"XDG_RUNTIME_DIR": str(tmp_path)})
        assert settings.replace(port=9).pidfile_path == tmp_path / "roost-9.pid"

    def test_runtime_dir_is_read_only_by_settings(self, tmp_path: Path) -> None:
        """The runtime dir the settings were built with wins over a later one."""
        settings = Settings.from_env({"XDG_RUNTIME_DIR": str(tmp_path)})
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_RUNTIME_DIR", "/run/user/elsewhere")
            assert settings.pidfile_path == tmp_path / "roost-8000.pid"

    def test_reports_live_beside_the_pidfile(self, tmp_path: Path) -> None:
        """roost-PORT.pid has its workers' reports in roost-PORT.workers."""
        assert status_dir(tmp_path / "roost-1.pid") == tmp_path / "roost-1.workers"

    def test_prepare_makes_a_private_folder(self, tmp_path: Path) -> None:
        """A missing folder is created, readable by this user only."""
        pidfile = tmp_path / "run" / "roost-1.pid"
        prepare_pidfile_dir(pidfile)
        assert pidfile.parent.stat().st_mode & 0o777 == 0o700


class TestRunningPid:
    """A pidfile names a running server, or the error says what is wrong."""

    def test_no_pidfile(self, tmp_path: Path) -> None:
        """No file: the error names the path and how to choose another."""
        with pytest.raises(ServerControlError, match=r"no pidfile at .*ROOST_PIDFILE"):
            running_pid(tmp_path / "roost.pid")

    def test_unreadable(self, tmp_path: Path) -> None:
        """A folder where the pidfile should be: an error naming it."""
        with pytest.raises(ServerControlError, match="cannot read pidfile"):
            running_pid(tmp_path)

    def test_garbage(self, tmp_path: Path) -> None:
        """A file without a PID is refused."""
        path = tmp_path / "roost.pid"
        path.write_text("hello\n")
        with pytest.raises(ServerControlError, match="holds no PID"):
            running_pid(path)

    def test_exited_process_is_stale(self, tmp_path: Path) -> None:
        """A PID whose process has exited: a stale pidfile."""
        finished = subprocess.Popen(["true"])
        finished.wait()
        path = tmp_path / "roost.pid"
        path.write_text(f"{finished.pid}\n")
        with pytest.raises(ServerControlError, match="stale pidfile"):
            running_pid(path)

    def test_other_program_is_stale(
        self, tmp_path: Path, sleeper: subprocess.Popen[bytes]
    ) -> None:
        """A PID reused by another program is never signalled."""
        path = tmp_path / "roost.pid"
        path.write_text(f"{sleeper.pid}\n")
        with pytest.raises(ServerControlError, match="not a running roost server"):
            running_pid(path)

    def test_running_server_is_found(self, tmp_path: Path) -> None:
        """A live process started as roost is the server."""
        process = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)", "roost"]
        )
        try:
            path = tmp_path / "roost.pid"
            path.write_text(f"{process.pid}\n")
            assert running_pid(path) == process.pid
        finally:
            process.kill()
            process.wait()

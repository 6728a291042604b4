"""The reload hooks' bookkeeping in the master: worker target and reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roost.core.runtime.control.staged_reload import StagedReload
from roost.core.runtime.control.worker_reports import read_state


@dataclass
class Config:
    """The one gunicorn setting the hooks read."""

    workers: int = 2


@dataclass
class Worker:
    """What the hooks read of, and attach to, a gunicorn worker."""

    pid: int
    roost_slot: int | None = None
    wsgi: Any = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("w"))
    roost_generation: int = 0
    roost_generations: Any = None


@dataclass
class Arbiter:
    """What the hooks read of, and change on, gunicorn's arbiter."""

    cfg: Config = field(default_factory=Config)
    WORKERS: dict[int, Worker] = field(default_factory=dict)
    num_workers: int = 2
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("a"))
    killed: list[int] = field(default_factory=list)

    def kill_worker(self, pid: int, sig: int) -> None:
        """Record the worker told to stop."""
        self.killed.append(pid)


def _spawn(
    staged: StagedReload, arbiter: Arbiter, pid: int, *, ready: bool = True
) -> Worker:
    worker = Worker(pid, roost_slot=len(arbiter.WORKERS))
    staged.pre_fork(arbiter, worker)
    arbiter.WORKERS[pid] = worker
    if ready:
        staged.post_worker_init(worker)
    return worker


class TestStagedReload:
    """Old workers are kept until they leave; then the target is the setting."""

    def test_old_workers_are_kept_then_replaced(self, tmp_path: Path) -> None:
        """A reload wants old + new workers; each old one leaving lowers it."""
        staged, arbiter = StagedReload(tmp_path / "w"), Arbiter()
        staged.on_starting(arbiter)
        old = [_spawn(staged, arbiter, pid) for pid in (10, 11)]
        staged.on_reload(arbiter)
        assert arbiter.num_workers == 4
        new = [_spawn(staged, arbiter, pid) for pid in (20, 21)]
        assert {w.roost_generation for w in new} == {2}
        assert all(w.roost_generations.superseded(1) for w in old)
        for worker in old:
            del arbiter.WORKERS[worker.pid]
            staged.child_exit(arbiter, worker)
        assert arbiter.num_workers == 2
        state = read_state(tmp_path / "w")
        assert state.complete()
        assert {w.pid for w in state.workers} == {20, 21}

    def test_a_new_worker_that_never_starts_gives_the_reload_up(
        self, tmp_path: Path
    ) -> None:
        """The other new workers stop, the old ones serve on; the report says why."""
        staged, arbiter = StagedReload(tmp_path / "w"), Arbiter()
        staged.on_starting(arbiter)
        old = [_spawn(staged, arbiter, pid) for pid in (10, 11)]
        staged.on_reload(arbiter)
        failed, _other = (_spawn(staged, arbiter, p, ready=False) for p in (20, 21))
        del arbiter.WORKERS[failed.pid]
        staged.child_exit(arbiter, failed)
        assert arbiter.killed == [21]
        assert arbiter.num_workers == 2
        assert not any(w.roost_generations.superseded(1) for w in old)
        failure = read_state(tmp_path / "w").failure
        assert failure is not None
        assert "new worker 20 stopped before it was ready" in failure
        assert failure.endswith("; 2 earlier worker(s) serve on")

    def test_after_a_reload_settles_a_failed_replacement_gives_nothing_up(
        self, tmp_path: Path
    ) -> None:
        """A replacement that never starts, once the reload is done: just replaced."""
        staged, arbiter = StagedReload(tmp_path / "w"), Arbiter()
        staged.on_starting(arbiter)
        old = [_spawn(staged, arbiter, pid) for pid in (10, 11)]
        staged.on_reload(arbiter)
        for pid in (20, 21):
            _spawn(staged, arbiter, pid)
        for worker in old:
            del arbiter.WORKERS[worker.pid]
            staged.child_exit(arbiter, worker)
        replacement = _spawn(staged, arbiter, 30, ready=False)
        del arbiter.WORKERS[30]
        staged.child_exit(arbiter, replacement)
        assert arbiter.killed == []
        assert arbiter.num_workers == 2
        assert read_state(tmp_path / "w").failure is None

    def test_a_new_worker_that_dies_is_replaced(self, tmp_path: Path) -> None:
        """A worker of the newest generation leaving keeps the target."""
        staged, arbiter = StagedReload(None), Arbiter()
        staged.on_starting(arbiter)
        worker = _spawn(staged, arbiter, 10)
        del arbiter.WORKERS[10]
        staged.child_exit(arbiter, worker)
        assert arbiter.num_workers == 2

    def test_exit_removes_the_reports(self, tmp_path: Path) -> None:
        """The reports folder goes with the server."""
        staged, arbiter = StagedReload(tmp_path / "w"), Arbiter()
        staged.on_starting(arbiter)
        staged.on_exit(arbiter)
        assert not (tmp_path / "w").exists()

    def test_unwritable_reports_never_break_the_hooks(self, tmp_path: Path) -> None:
        """A reports folder that cannot be written: a warning, the hooks go on."""
        blocker = tmp_path / "file"
        blocker.write_text("")
        staged, arbiter = StagedReload(blocker / "w"), Arbiter(Config(workers=1))
        staged.on_reload(arbiter)
        worker = _spawn(staged, arbiter, 10)
        assert worker.roost_generations.complete()
        staged.child_exit(arbiter, worker)
        assert not (blocker / "w").exists()

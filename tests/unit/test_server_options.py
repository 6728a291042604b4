"""The gunicorn options roost serves with."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gunicorn.util import load_class
from gunicorn.workers.gthread import ThreadWorker

from roost.core.runtime.access_log import AccessLogger
from roost.core.runtime.affinity import can_pin, usable_cpus
from roost.core.runtime.deadline_worker import DeadlineThreadWorker
from roost.core.runtime.read_deadlines import ReadDeadlines
from roost.core.runtime.server import (
    LOGGER_CLASS,
    WORKER_CLASS,
    gunicorn_options,
    heartbeat_dir,
)
from roost.core.runtime.settings import Settings
from roost.core.runtime.workers import AcceptBalance, BalancedThreadWorker


class TestGunicornOptions:
    """Threaded, balanced workers whose heartbeat stays off the disk."""

    def test_worker_class_is_the_balanced_gthread_worker_with_deadlines(
        self,
    ) -> None:
        """The named class resolves to roost's gthread subclass cutting slow clients."""
        options = gunicorn_options(Settings())
        worker_class = load_class(options["worker_class"])
        assert options["worker_class"] == WORKER_CLASS
        assert worker_class is DeadlineThreadWorker
        assert issubclass(worker_class, BalancedThreadWorker)
        assert issubclass(worker_class, ThreadWorker)

    def test_logger_class_is_roosts_access_logger(self) -> None:
        """The named logger resolves logger to roost's lean access logger."""
        options = gunicorn_options(Settings())
        assert options["logger_class"] == LOGGER_CLASS
        assert load_class(options["logger_class"]) is AccessLogger

    def test_pre_fork_gives_each_worker_the_read_deadlines(self) -> None:
        """Workers get ROOST_HEADER_TIMEOUT and ROOST_BODY_TIMEOUT from the master."""

        class Worker:
            roost_slot: int | None = None

        class Arbiter:
            WORKERS: dict[int, Worker] = {}  # noqa: RUF012

        worker = Worker()
        settings = Settings(header_timeout=4, body_timeout=7.5)
        gunicorn_options(settings)["pre_fork"](Arbiter(), worker)
        assert worker.roost_deadlines == ReadDeadlines(header=4, body=7.5)

    def test_workers_are_pinned_as_the_setting_says(self) -> None:
        """A post_fork hook pins workers: always with on, one per CPU with auto."""
        cpus = len(usable_cpus()) if can_pin() else 1

        def pins(**changes: Any) -> bool:
            return "post_fork" in gunicorn_options(Settings(**changes))

        assert not pins(cpu_affinity="off", workers=cpus)
        assert pins(cpu_affinity="on", workers=cpus + 1) == can_pin()
        assert pins(workers=cpus) == can_pin()
        assert not pins(workers=cpus + 1)

    def test_pre_fork_gives_each_worker_its_own_slot(self) -> None:
        """The master's hook hands out distinct slots of one shared table."""

        class Worker:
            roost_slot: int | None = None

        class Arbiter:
            WORKERS: dict[int, Worker] = {}  # noqa: RUF012

        options = gunicorn_options(Settings())
        arbiter = Arbiter()
        first, second = Worker(), Worker()
        options["pre_fork"](arbiter, first)
        arbiter.WORKERS[1] = first
        options["pre_fork"](arbiter, second)
        assert {first.roost_slot, second.roost_slot} == {0, 1}
        assert isinstance(first.roost_balance, AcceptBalance)
        assert first.roost_balance is second.roost_balance

    def test_heartbeat_files_live_in_shared_memory_when_it_exists(self) -> None:
        """Touched per request, they belong on tmpfs when it is writable."""
        shm = Path("/dev/shm")  # noqa: S108 - where gunicorn should put them
        expected = (
            str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None
        )
        assert heartbeat_dir() == expected
        assert gunicorn_options(Settings()).get("worker_tmp_dir") == expected

"""ROOST_CPU_AFFINITY: each worker of a real server on a CPU of its own, or not."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_harness import RunningServer, run_server, wait_for_workers, worker_pids

from roost.core.runtime.affinity import can_pin, usable_cpus

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not can_pin(), reason="this platform cannot pin processes to CPUs (Linux can)"
    ),
]


#: Info level, so that each worker logs when its adapters are loaded.
TESTING = {
    "ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing",
    "ROOST_LOG_LEVEL": "info",
}


def affinities(server: RunningServer) -> dict[int, list[int]]:
    """Return each live worker's CPUs, as the kernel reports them."""
    return {pid: sorted(os.sched_getaffinity(pid)) for pid in worker_pids(server)}


@contextlib.contextmanager
def cpus_of_this_process(cpus: list[int]) -> Iterator[None]:
    """Run this process (and what it starts meanwhile) on `cpus` only."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def wait_for_new_worker(server: RunningServer, gone: int, workers: int) -> None:
    """Wait until `gone` is replaced and the replacement has loaded its adapters."""
    deadline = time.monotonic() + 30
    while gone in worker_pids(server) or len(worker_pids(server)) < workers:
        assert time.monotonic() < deadline, "the worker was not replaced"
        time.sleep(0.1)
    wait_for_workers(server, workers + 1)


class TestCpuAffinity:
    """Workers are pinned round-robin over the master's CPUs, replacements too."""

    def test_on_pins_each_worker_to_its_own_cpu(self, tmp_path: Path) -> None:
        """Two workers, two distinct CPUs (one, shared, on a 1-CPU machine)."""
        cpus = usable_cpus()
        with run_server(
            tmp_path, workers=2, ROOST_CPU_AFFINITY="on", **TESTING
        ) as server:
            wait_for_workers(server, 2)
            pinned = affinities(server)
            assert sorted(pinned.values()) == sorted([[cpu] for cpu in (cpus * 2)[:2]])
            assert sorted(os.sched_getaffinity(server.pid)) == cpus
            assert server.log_text().count("pinned to CPU") == 2
            assert server.get("/health").status_code == 200

            # A replacement worker takes over the CPU of the one it replaces.
            victim, victim_cpus = next(iter(pinned.items()))
            os.kill(victim, signal.SIGKILL)
            wait_for_new_worker(server, victim, 2)
            replaced = affinities(server)
            (newcomer,) = set(replaced) - set(pinned)
            assert replaced[newcomer] == victim_cpus

    def test_off_leaves_workers_every_cpu(self, tmp_path: Path) -> None:
        """With the setting off the kernel places workers: nothing is pinned."""
        with run_server(
            tmp_path, workers=2, ROOST_CPU_AFFINITY="off", **TESTING
        ) as server:
            wait_for_workers(server, 2)
            assert list(affinities(server).values()) == [usable_cpus()] * 2
            assert "pinned to CPU" not in server.log_text()

    @pytest.mark.parametrize("extra", [0, 1], ids=["one per CPU", "one more"])
    def test_auto_pins_only_one_worker_per_cpu(
        self, tmp_path: Path, extra: int
    ) -> None:
        """By default, workers are pinned when there are as many as usable CPUs."""
        cpus = usable_cpus()[:2]  # the server inherits this process's CPUs
        workers = len(cpus) + extra
        with (
            cpus_of_this_process(cpus),
            run_server(tmp_path, workers=workers, **TESTING) as server,
        ):
            wait_for_workers(server, workers)
            pinned = sorted(affinities(server).values())
            assert sorted(os.sched_getaffinity(server.pid)) == cpus
        if extra:
            assert pinned == [cpus] * workers
        else:
            assert pinned == [[cpu] for cpu in cpus]

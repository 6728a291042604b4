"""A daemon thread started on first use, once however many ask."""

from __future__ import annotations

import os
import threading

from roost.core.runtime.lazy_thread import LazyThread


class TestLazyThread:
    """Nothing runs before `start()`; then exactly one daemon thread does."""

    def test_nothing_runs_before_start(self) -> None:
        """Building it starts no thread."""
        ran = threading.Event()
        lazy = LazyThread(ran.set, "roost-test")
        assert lazy.thread is None
        assert not ran.wait(0.05)

    def test_start_runs_the_target_on_a_named_daemon_thread(self) -> None:
        """The target runs on a daemon thread carrying the given name."""
        seen: list[threading.Thread] = []
        done = threading.Event()

        def target() -> None:
            seen.append(threading.current_thread())
            done.set()

        lazy = LazyThread(target, "roost-test")
        lazy.start()
        assert done.wait(5)
        assert seen == [lazy.thread]
        assert seen[0].daemon
        assert seen[0].name == "roost-test"

    def test_many_callers_start_one_thread(self) -> None:
        """Concurrent and repeated starts run the target once."""
        calls: list[int] = []
        release = threading.Event()

        def target() -> None:
            calls.append(1)
            release.wait(5)

        lazy = LazyThread(target, "roost-test")
        barrier = threading.Barrier(8)

        def caller() -> None:
            barrier.wait()
            lazy.start()

        callers = [threading.Thread(target=caller) for _ in range(8)]
        for thread in callers:
            thread.start()
        for thread in callers:
            thread.join(5)
        lazy.start()
        release.set()
        assert lazy.thread is not None
        lazy.thread.join(5)
        assert calls == [1]

    def test_a_forked_child_starts_its_own(self) -> None:
        """A child forked after the start has no thread; its start makes one."""
        ran_in: list[int] = []
        read_end, write_end = os.pipe()

        def target() -> None:
            ran_in.append(os.getpid())
            os.write(write_end, str(os.getpid()).encode() + b"\n")

        lazy = LazyThread(target, "roost-test")
        lazy.start()
        assert lazy.thread is not None
        lazy.thread.join(5)
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports by its exit code
            lazy.start()
            assert lazy.thread is not None
            lazy.thread.join(5)
            os._exit(0 if ran_in[-1] == os.getpid() else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with os.fdopen(read_end) as lines:
            os.close(write_end)
            pids = [int(line) for line in lines]
        assert pids == [os.getpid(), child]

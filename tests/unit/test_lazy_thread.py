"""A daemon thread started on first use, once however many ask."""

from __future__ import annotations

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

"""Choosing and setting the CPU each worker runs on."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from roost.core.runtime.affinity import (
    can_pin,
    cpu_for_slot,
    pin_to,
    pins_workers,
    usable_cpus,
)

pytestmark = pytest.mark.skipif(
    not can_pin(), reason="this platform cannot pin processes to CPUs (Linux can)"
)


def _pin_and_report(cpu: int, answers: multiprocessing.SimpleQueue) -> None:
    pin_to(cpu)
    answers.put(sorted(os.sched_getaffinity(0)))


class TestCpuForSlot:
    """Worker slots map round-robin onto the usable CPUs."""

    def test_slots_take_the_cpus_in_order_then_wrap(self) -> None:
        """Slot n gets the n-th CPU; more slots than CPUs start over."""
        cpus = [2, 5, 7]
        assert [cpu_for_slot(slot, cpus) for slot in range(5)] == [2, 5, 7, 2, 5]

    def test_no_cpu_is_an_error(self) -> None:
        """An empty CPU list cannot place anything."""
        with pytest.raises(ValueError, match="no CPU"):
            cpu_for_slot(0, [])


class TestPinsWorkers:
    """Which layouts each mode pins."""

    @pytest.mark.parametrize(
        ("mode", "workers", "pinned"),
        [
            ("auto", 2, True),
            ("auto", 1, False),
            ("auto", 3, False),
            ("on", 1, True),
            ("on", 5, True),
            ("off", 2, False),
        ],
    )
    def test_modes_on_two_cpus(self, mode: str, workers: int, pinned: bool) -> None:
        """Mode auto pins one worker per CPU only; on and off force either way."""
        assert pins_workers(mode, workers, [0, 1]) is pinned

    def test_unknown_mode_is_an_error(self) -> None:
        """A mistyped mode is refused, not read as off."""
        with pytest.raises(ValueError, match="cpu_affinity 'yes'"):
            pins_workers("yes", 2, [0, 1])


class TestPinning:
    """Pinning is real: the kernel reports the new affinity."""

    def test_usable_cpus_are_this_process_affinity_in_order(self) -> None:
        """The CPUs offered are exactly those the kernel lets this process use."""
        cpus = usable_cpus()
        assert cpus == sorted(os.sched_getaffinity(0))
        assert cpus

    def test_a_pinned_child_runs_on_one_cpu_and_the_parent_is_untouched(
        self,
    ) -> None:
        """A forked process pins itself; its parent keeps every CPU."""
        before = usable_cpus()
        target = before[-1]
        answers: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()
        child = multiprocessing.get_context("fork").Process(
            target=_pin_and_report, args=(target, answers)
        )
        child.start()
        child.join(timeout=30)
        assert child.exitcode == 0
        assert answers.get() == [target]
        assert usable_cpus() == before

"""Worker generations: who is newest, who is ready, who retires."""

from __future__ import annotations

import multiprocessing

from roost.core.runtime.control.generations import Generations


class TestGenerations:
    """A generation is complete once each of its workers marks itself ready."""

    def test_old_workers_retire_only_once_the_newest_is_complete(self) -> None:
        """Generation 1 serves until both workers of generation 2 are ready."""
        generations = Generations(slots=4)
        first = generations.begin(2)
        generations.mark_ready(0, first)
        generations.mark_ready(1, first)
        second = generations.begin(2)
        assert (first, second) == (1, 2)
        assert not generations.superseded(first)
        generations.mark_ready(2, second)
        assert not generations.superseded(first)
        generations.mark_ready(3, second)
        assert generations.complete()
        assert generations.superseded(first)
        assert not generations.superseded(second)

    def test_a_newer_reload_restarts_the_count(self) -> None:
        """Workers of an unfinished generation count for it, never for the next."""
        generations = Generations(slots=6)
        generations.begin(2)
        second = generations.begin(2)
        generations.mark_ready(0, second)
        third = generations.begin(2)
        generations.mark_ready(1, second)  # a late worker of the older reload
        assert generations.ready_count() == 0
        assert not generations.superseded(second)
        generations.mark_ready(2, third)
        generations.mark_ready(3, third)
        assert generations.superseded(second)

    def test_a_forgotten_slot_no_longer_counts(self) -> None:
        """A worker that exited, or a slot handed to a new worker, is not ready."""
        generations = Generations(slots=2)
        current = generations.begin(1)
        generations.mark_ready(0, current)
        assert generations.complete()
        generations.forget(0)
        assert not generations.complete()

    def test_no_slot_is_harmless(self) -> None:
        """A worker without a slot (more workers than slots) changes nothing."""
        generations = Generations(slots=1)
        current = generations.begin(1)
        generations.mark_ready(None, current)
        generations.mark_ready(5, current)
        generations.forget(None)
        assert generations.ready_count() == 0

    def test_a_forked_worker_marks_ready_in_the_masters_memory(self) -> None:
        """The table is shared: a child's mark shows in the parent."""
        generations = Generations(slots=2)
        current = generations.begin(1)
        child = multiprocessing.get_context("fork").Process(
            target=generations.mark_ready, args=(1, current)
        )
        child.start()
        child.join(timeout=30)
        assert child.exitcode == 0
        assert generations.complete()

    def test_a_settled_generation_stays_settled(self) -> None:
        """A worker of the serving generation dying later recalls no old worker."""
        generations = Generations(slots=4)
        first = generations.begin(1)
        assert generations.mark_ready(0, first)
        second = generations.begin(1)
        assert generations.in_reload(second)
        assert generations.mark_ready(1, second)
        assert not generations.mark_ready(1, second)  # settles once
        generations.forget(1)
        assert generations.superseded(first)
        assert not generations.in_reload(second)

    def test_start_and_given_up_reloads_are_told_apart(self) -> None:
        """The first generation is no reload; a given-up one never settles."""
        generations = Generations(slots=4)
        first = generations.begin(1)
        assert not generations.in_reload(first)
        generations.mark_ready(0, first)
        second = generations.begin(1)
        generations.abandon()
        assert not generations.mark_ready(1, second)
        assert generations.in_reload(second)
        assert not generations.superseded(first)

"""The shared connection counts behind the balanced gthread worker."""

from __future__ import annotations

import multiprocessing

from roost.core.runtime.workers import AcceptBalance


class TestAcceptBalance:
    """Slots are claimed, published, compared and released."""

    def test_a_claimed_slot_is_not_accepting_until_published(self) -> None:
        """A new worker counts only once it publishes (it accepts from then on)."""
        balance = AcceptBalance(slots=4)
        first = balance.claim([])
        second = balance.claim([first])
        assert (first, second) == (0, 1)
        assert balance.fewest_elsewhere(first) is None
        balance.publish(second, 3)
        assert balance.fewest_elsewhere(first) == 3

    def test_fewest_elsewhere_ignores_the_asking_worker(self) -> None:
        """A worker compares itself with the others, never with itself."""
        balance = AcceptBalance(slots=4)
        for slot, count in enumerate([5, 2, 7]):
            balance.publish(slot, count)
        assert balance.fewest_elsewhere(1) == 5
        assert balance.fewest_elsewhere(0) == 2

    def test_released_slots_are_forgotten_and_reused(self) -> None:
        """An exited worker no longer draws connections; its slot is reused."""
        balance = AcceptBalance(slots=2)
        balance.publish(0, 1)
        balance.publish(1, 4)
        balance.release(0)
        assert balance.fewest_elsewhere(1) is None
        assert balance.claim([1]) == 0

    def test_full_table_gives_no_slot_and_none_is_harmless(self) -> None:
        """Without a slot a worker simply never waits."""
        balance = AcceptBalance(slots=1)
        assert balance.claim([0]) is None
        balance.publish(None, 3)
        balance.release(None)
        assert balance.fewest_elsewhere(None) is None

    def test_counts_written_by_a_forked_child_are_seen_by_the_parent(self) -> None:
        """The counts live in memory shared across fork, as gunicorn forks."""
        balance = AcceptBalance(slots=2)
        child = multiprocessing.get_context("fork").Process(
            target=balance.publish, args=(1, 6)
        )
        child.start()
        child.join(timeout=10)
        assert child.exitcode == 0
        assert balance.fewest_elsewhere(0) == 6

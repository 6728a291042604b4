"""Admission control: bounded slots, a deadline on the pool, or none inline."""

from __future__ import annotations

import contextvars
import gc
import logging
import threading
import time

import pytest

from roost.core.errors import DeadlineExceededError, OverloadedError
from roost.core.serving.admission import INLINE_AFTER, Admission


def _thread_id() -> int:
    return threading.get_ident()


class TestWithDeadline:
    """Predictions run on the pool; past the deadline the caller gets 504 at once."""

    def test_work_runs_on_the_pool(self) -> None:
        """The result comes back; the work ran on another thread."""
        admission = Admission(max_in_flight=2, deadline=5)
        assert admission.run(_thread_id) != threading.get_ident()

    def test_work_sees_the_callers_context_and_its_errors_come_back(self) -> None:
        """Context variables (the request id) reach the work; its errors come back."""
        admission = Admission(max_in_flight=2, deadline=5)
        marker = contextvars.ContextVar("marker", default="unset")
        token = marker.set("request-7")
        try:
            assert admission.run(marker.get) == "request-7"
        finally:
            marker.reset(token)

        def fail() -> None:
            raise ValueError("broken")

        with pytest.raises(ValueError, match="broken"):
            admission.run(fail)
        assert [admission.run(lambda n=n: n) for n in range(5)] == list(range(5))

    def test_threads_end_once_the_admission_is_dropped(self) -> None:
        """An app built and dropped leaves no predicting thread behind."""

        def predicting() -> set[threading.Thread]:
            return {
                thread
                for thread in threading.enumerate()
                if thread.name.startswith("roost-predict")
            }

        before = predicting()
        admission = Admission(max_in_flight=3, deadline=5)
        assert admission.run(lambda: 1) == 1
        started = predicting() - before
        assert len(started) == 3
        del admission
        gc.collect()
        for thread in started:
            thread.join(5)
        assert not any(thread.is_alive() for thread in started)

    def test_slow_work_raises_at_the_deadline_and_keeps_its_slot(self) -> None:
        """504 after the deadline; the slot frees only when the work ends."""
        admission = Admission(max_in_flight=1, deadline=0.1, queue_timeout=0.05)
        release = threading.Event()
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            admission.run(lambda: release.wait(5))
        assert time.monotonic() - started < 2
        with pytest.raises(OverloadedError):
            admission.run(lambda: None)
        release.set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                assert admission.run(lambda: "free") == "free"
                break
            except OverloadedError:
                time.sleep(0.01)
        else:
            pytest.fail("the slot was never released")


class TestWithoutDeadline:
    """A deadline of 0: work runs on the caller's thread, still within the slots."""

    def test_work_runs_on_the_calling_thread(self) -> None:
        """No hand-over: the caller's own thread computes the result."""
        admission = Admission(max_in_flight=2, deadline=0)
        assert admission.run(_thread_id) == threading.get_ident()

    def test_slow_work_is_not_cut_short(self) -> None:
        """Without a deadline, a slow prediction answers when it ends."""
        admission = Admission(max_in_flight=1, deadline=0)
        assert admission.run(lambda: time.sleep(0.2) or "late") == "late"

    def test_full_slots_still_refuse_and_errors_free_the_slot(self) -> None:
        """503 while every slot is busy; a failing prediction gives its slot back."""
        admission = Admission(max_in_flight=1, deadline=0, queue_timeout=0.05)
        inside, release = threading.Event(), threading.Event()

        def hold() -> None:
            inside.set()
            release.wait(5)

        holder = threading.Thread(target=admission.run, args=(hold,))
        holder.start()
        assert inside.wait(5)
        with pytest.raises(OverloadedError):
            admission.run(lambda: None)
        release.set()
        holder.join(5)

        def fail() -> None:
            raise ValueError("broken")

        with pytest.raises(ValueError, match="broken"):
            admission.run(fail)
        assert admission.run(lambda: "again") == "again"


class TestInlineWhenFast:
    """A model fast INLINE_AFTER times in a row skips the hand-over, until it is not."""

    def test_fast_model_moves_to_the_callers_thread_and_back(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """After 16 fast runs work runs here; one slow run hands it over again."""
        admission = Admission(max_in_flight=2, deadline=5, inline_below=0.05)
        here = threading.get_ident()
        first = [admission.run(_thread_id, "m 1") for _ in range(INLINE_AFTER)]
        assert here not in first  # handed over while it proves itself
        with caplog.at_level(logging.INFO, logger="roost.core.serving.admission"):
            assert admission.run(_thread_id, "m 1") == here
            assert admission.run(_thread_id, "other 1") != here  # per model
            assert admission.run(lambda: time.sleep(0.1) or "slow", "m 1") == "slow"
            assert admission.run(_thread_id, "m 1") != here
        assert "m 1: a prediction took" in caplog.text

    def test_a_stall_inline_hands_the_next_requests_over_with_their_504(
        self,
    ) -> None:
        """While an inline prediction runs long, others get the deadline again."""
        admission = Admission(max_in_flight=3, deadline=0.3, inline_below=0.05)
        for _ in range(INLINE_AFTER):
            admission.run(lambda: None, "m 1")
        inside, release = threading.Event(), threading.Event()

        def stall() -> str:
            inside.set()
            release.wait(5)
            return "late"

        answers: list[str] = []
        stalled = threading.Thread(
            target=lambda: answers.append(admission.run(stall, "m 1"))
        )
        stalled.start()
        assert inside.wait(5)
        time.sleep(0.1)  # running inline past inline_below
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            admission.run(lambda: release.wait(5), "m 1")
        assert time.monotonic() - started < 2
        release.set()
        stalled.join(5)
        assert answers == ["late"]  # the inline one answered when it ended

    def test_zero_always_hands_over(self) -> None:
        """inline_below=0 keeps every prediction on the predicting threads."""
        admission = Admission(max_in_flight=2, deadline=5, inline_below=0)
        here = threading.get_ident()
        ran_on = {admission.run(_thread_id, "m 1") for _ in range(3 * INLINE_AFTER)}
        assert here not in ran_on

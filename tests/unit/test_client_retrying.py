"""roost.client.retrying: how long to wait before trying a 503 again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roost.client.retrying import RetryPolicy, parse_retry_after


class TestRetryPolicy:
    """Waits between retries, and when to give up."""

    def test_waits_double_from_backoff_up_to_max_wait(self) -> None:
        """Without Retry-After: backoff, twice it, four times it, capped."""
        policy = RetryPolicy(retries=4, backoff=0.5, max_wait=1.5)
        waits = [policy.delay(retry, None) for retry in range(1, 5)]
        assert waits == [0.5, 1.0, 1.5, 1.5]

    def test_retry_after_is_the_wait(self) -> None:
        """A Retry-After within max_wait is waited exactly."""
        assert RetryPolicy(max_wait=10).delay(1, 7.0) == 7.0

    def test_a_longer_retry_after_than_max_wait_gives_up(self) -> None:
        """The server asks for more than max_wait: no early retry, give up."""
        assert RetryPolicy(max_wait=10).delay(1, 30.0) is None

    def test_gives_up_after_the_last_retry(self) -> None:
        """Retry number retries + 1 is never made."""
        policy = RetryPolicy(retries=2)
        assert policy.delay(2, None) is not None
        assert policy.delay(3, None) is None
        assert RetryPolicy(retries=0).delay(1, 0.0) is None

    @pytest.mark.parametrize(
        ("field", "value"),
        [("retries", -1), ("backoff", -0.1), ("max_wait", float("inf"))],
    )
    def test_nonsense_is_refused(self, field: str, value: float) -> None:
        """Negative counts and waits, or infinite ones, are a ValueError."""
        with pytest.raises(ValueError, match=field):
            RetryPolicy(**{field: value})  # type: ignore[arg-type]


class TestParseRetryAfter:
    """Both forms of Retry-After, and what is not one."""

    def test_seconds(self) -> None:
        """Delay-seconds read as a number."""
        assert parse_retry_after("30") == 30.0
        assert parse_retry_after(" 1 ") == 1.0

    def test_http_date(self) -> None:
        """An HTTP date reads as the seconds from now until then (never below 0)."""
        now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
        later = "Thu, 01 Jan 2026 12:00:45 GMT"
        assert parse_retry_after(later, now=now) == 45.0
        assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0

    @pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5e3"])
    def test_unreadable_is_none(self, value: str | None) -> None:
        """A missing or malformed header means the server named no wait."""
        assert parse_retry_after(value) is None

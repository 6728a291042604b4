"""roost.client.errors: each error answer becomes its typed exception."""

from __future__ import annotations

from typing import Any

import pytest

from roost.client.errors import (
    APIError,
    BadRequestError,
    InputRejectedError,
    ModelNotFoundError,
    PayloadTooLargeError,
    ServerError,
    ServiceUnavailableError,
    ValidationError,
    error_from_response,
)
from roost.client.problems import parse_problems

VALIDATION_BODY = {
    "error": "2 of 3 record(s) failed validation",
    "title": "Validation failed",
    "errors": {"2": {"x": ["must be of float type"]}, "0": {"n": ["required field"]}},
    "request_id": "r-1",
}


class TestErrorFromResponse:
    """The status and body choose the class; the body fills it in."""

    def test_validation_error_carries_problems_by_position(self) -> None:
        """422 with `errors`: ValidationError, problems keyed by int, sorted."""
        error = error_from_response(422, VALIDATION_BODY)
        assert isinstance(error, ValidationError)
        assert error.problems == {
            0: {"n": ["required field"]},
            2: {"x": ["must be of float type"]},
        }
        assert (error.status, error.title, error.request_id) == (
            422,
            "Validation failed",
            "r-1",
        )
        assert str(error) == "422 Validation failed: 2 of 3 record(s) failed validation"

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (400, BadRequestError),
            (415, BadRequestError),
            (404, ModelNotFoundError),
            (413, PayloadTooLargeError),
            (422, InputRejectedError),
            (500, ServerError),
            (504, ServerError),
        ],
    )
    def test_status_chooses_the_class(
        self, status: int, expected: type[APIError]
    ) -> None:
        """Each status maps to its class, every one an APIError."""
        error = error_from_response(status, {"error": "no", "title": "T"})
        assert type(error) is expected
        assert error.message == "no"

    def test_unavailable_carries_the_wait(self) -> None:
        """503: ServiceUnavailableError with the parsed Retry-After."""
        error = error_from_response(503, {"error": "busy"}, retry_after=1.0)
        assert isinstance(error, ServiceUnavailableError)
        assert error.retry_after == 1.0

    def test_a_body_that_is_not_json_gives_its_text(self) -> None:
        """A proxy's HTML page: the message is its text, the body None."""
        error = error_from_response(502, None, text="<h1>Bad gateway</h1>\n")
        assert isinstance(error, ServerError)
        assert error.message == "<h1>Bad gateway</h1>"
        assert error.body is None


class TestParseProblems:
    """The server's problem map, read defensively."""

    @pytest.mark.parametrize(
        "raw", [None, [], "x", {"zero": {"x": ["bad"]}}, {"0": ["bad"]}]
    )
    def test_other_shapes_are_no_problems(self, raw: Any) -> None:
        """Anything but {"<int>": {field: reasons}} reads as nothing."""
        assert parse_problems(raw) == {}

    def test_a_single_reason_becomes_a_list(self) -> None:
        """Reasons are always a list of text."""
        assert parse_problems({"1": {"x": "bad"}}) == {1: {"x": ["bad"]}}

"""The roost client: list models, read their metadata, predict."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

import requests

from roost.client.catalog import ModelMetadata, ModelSummary
from roost.client.errors import (
    RoostConnectionError,
    UnexpectedAnswerError,
    error_from_response,
)
from roost.client.records import encode_rows
from roost.client.results import Prediction
from roost.client.retrying import RetryPolicy, parse_retry_after

__all__ = ["Client"]

MODEL_NAME_HEADER = "X-Model-Name"
MODEL_VERSION_HEADER = "X-Model-Version"


class Client:
    """A client of one roost server's v1 API.

    Args:
        url: the server's base URL, e.g. `http://127.0.0.1:8000`.
        api_key: sent as `Authorization: Bearer <api_key>` when given.
        timeout: seconds to wait for each answer.
        retry: how answers of 503 are retried (default: `RetryPolicy()`).
        session: a `requests.Session` to send through; the client makes and
            closes its own otherwise.
    """

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections of the session the client made."""
        if self._owns_session:
            self._session.close()

    def models(self) -> list[ModelSummary]:
        """List every installed model with its default version and readiness."""
        body = _json_object(self._send("GET", "/v1/models"))
        entries = body.get("models")
        if not isinstance(entries, list):
            raise UnexpectedAnswerError("the model list carries no `models` list")
        return [ModelSummary.from_json(entry) for entry in entries]

    def metadata(self, name: str) -> ModelMetadata:
        """Describe one model: versions, readiness, description, input schema.

        Raises:
            ModelNotFoundError: no model has this name.
        """
        response = self._send("GET", f"/v1/models/{_segment(name)}")
        return ModelMetadata.from_json(_json_object(response))

    def predict(
        self,
        name: str,
        rows: Any,
        version: str | None = None,
        partial: bool = False,
        outputs: str | Sequence[str] | None = None,
    ) -> Prediction:
        """Predict `rows` (a list of records or a DataFrame) with model `name`.

        Args:
            name: the model.
            rows: a sequence of mappings, one per record, or a pandas DataFrame.
            version: the model version to use; the server's default if None.
            partial: answer valid rows and report invalid ones in `errors`
                (their predictions None) instead of failing the whole batch.
            outputs: the declared outputs to compute, by name (one name or a
                sequence); every declared output if None. Sent as
                `?outputs=a,b`; the answer carries those outputs only.

        Returns:
            The predictions, one per row in order, with the frame's index when
            a DataFrame was sent.

        Raises:
            TypeError, ValueError: `rows` cannot be sent as JSON records, or
                `outputs` is empty or holds an empty name or a comma.
            ValidationError: a record failed the model's schema (not partial);
                its `problems` name every record, field and reason.
            ModelNotFoundError: no such model or version.
            BadRequestError: the model declares no output of a name asked for.
            ServiceUnavailableError: still 503 after the retries.
            APIError: any other error answer; RoostConnectionError: no answer.
        """
        params: dict[str, str] = {}
        if outputs is not None:
            params["outputs"] = _output_list(outputs)
        if partial:
            params["partial"] = "true"
        encoded = encode_rows(rows)
        path = f"/v1/models/{_segment(name)}"
        if version is not None:
            path += f"/versions/{_segment(version)}"
        response = self._send(
            "POST", path + "/predict", params=params or None, body=encoded.body
        )
        result = Prediction.from_answer(
            _json_object(response),
            model=response.headers.get(MODEL_NAME_HEADER),
            version=response.headers.get(MODEL_VERSION_HEADER),
            index=encoded.index,
        )
        if len(result) != encoded.count:
            raise UnexpectedAnswerError(
                f"{len(result)} predictions came back for {encoded.count} rows"
            )
        return result

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> requests.Response:
        """Send a request, retrying 503 answers; raise the typed error of a failure."""
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        url = self.url + path
        retry = 0
        while True:
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise RoostConnectionError(f"{method} {url} failed: {exc}") from exc
            if response.status_code < 400:
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if response.status_code == 503:
                retry += 1
                wait = self.retry.delay(retry, retry_after)
                if wait is not None:
                    response.close()
                    time.sleep(wait)
                    continue
            raise error_from_response(
                response.status_code,
                _json_or_none(response),
                text=response.text,
                retry_after=retry_after,
            )


def _segment(value: str) -> str:
    """Quote a name or version as one URL path segment."""
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"a model name or version must be a non-empty string: {value!r}"
        )
    return quote(value, safe="")


def _output_list(outputs: str | Sequence[str]) -> str:
    """Join output names for the `outputs` query parameter, comma-separated."""
    names = [outputs] if isinstance(outputs, str) else list(outputs)
    if not names:
        raise ValueError("outputs must name at least one output (None means all)")
    for output in names:
        if not isinstance(output, str) or not output or "," in output:
            raise ValueError(
                f"an output name must be a non-empty string without commas: {output!r}"
            )
    return ",".join(names)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_object(response: requests.Response) -> dict[str, Any]:
    body = _json_or_none(response)
    if not isinstance(body, dict):
        raise UnexpectedAnswerError(
            f"{response.request.method} {response.url} answered "
            f"{response.status_code} without a JSON object"
        )
    return body

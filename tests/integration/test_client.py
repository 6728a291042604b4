"""roost-client against a real gunicorn server, and against scripted answers."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
import pytest
from scripted_server import Answer, ScriptedServer
from server_harness import RunningServer, free_port

from roost.client import (
    BadRequestError,
    Client,
    InputRejectedError,
    ModelNotFoundError,
    RetryPolicy,
    RoostConnectionError,
    ServerError,
    ServiceUnavailableError,
    ValidationError,
)

pytestmark = pytest.mark.integration

PREDICTION = Answer(
    200,
    {"model": "echo", "version": "2.0", "predictions": [3.0]},
    {"X-Model-Name": "echo", "X-Model-Version": "2.0"},
)


@contextlib.contextmanager
def scripted(
    answers: Sequence[Answer], **options: Any
) -> Iterator[tuple[ScriptedServer, Client]]:
    """A scripted server and a client of it, both closed at the end."""
    with (
        ScriptedServer(answers).running() as server,
        Client(server.url, **options) as roost,
    ):
        yield server, roost


@pytest.fixture
def client(testing_server: RunningServer) -> Iterator[Client]:
    """A client of the module's server of the test adapters."""
    with Client(testing_server.base_url) as roost:
        yield roost


class TestCatalog:
    """models() and metadata() read what the server lists."""

    def test_models_lists_installed_models(self, client: Client) -> None:
        """Every test adapter is listed with its versions and readiness."""
        models = {model.name: model for model in client.models()}
        assert {"echo", "parity", "fails-load"} <= set(models)
        assert models["echo"].versions == ("2.0", "1.0")
        assert models["echo"].version == "2.0"
        assert models["echo"].task == "regression"
        assert models["echo"].ready is True
        assert models["fails-load"].ready is False
        assert models["fails-load"].error

    def test_metadata_carries_the_input_schema(self, client: Client) -> None:
        """metadata() gives the description, schema and every version's state."""
        echo = client.metadata("echo")
        assert echo.name == "echo"
        assert echo.version == "2.0"
        assert echo.input_schema is not None
        assert echo.input_schema["x"]["type"] == "float"
        assert {state.version for state in echo.version_states} == {"1.0", "2.0"}

    def test_unknown_model_is_a_typed_404(self, client: Client) -> None:
        """An unknown name raises ModelNotFoundError with the server's message."""
        with pytest.raises(ModelNotFoundError) as caught:
            client.metadata("no-such-model")
        assert caught.value.status == 404
        assert "no-such-model" in caught.value.message
        assert caught.value.request_id


class TestPredict:
    """predict() sends rows and aligns the answer with them."""

    def test_records_are_predicted_in_order(self, client: Client) -> None:
        """A list of dicts gets one prediction per record, in order."""
        result = client.predict("echo", [{"x": 1.5}, {"x": -2}, {"x": 0}])
        assert result.predictions == [3.0, -4.0, 0.0]
        assert (result.model, result.version) == ("echo", "2.0")
        assert result.errors == {}

    def test_dataframe_gets_predictions_aligned_with_its_index(
        self, client: Client
    ) -> None:
        """A DataFrame's answer becomes a frame with the input's own index."""
        frame = pd.DataFrame(
            {"x": [2.0, 5.0, -1.0], "label": ["a", None, "b"], "count": [1, 2, 3]},
            index=pd.Index([30, 10, 20], name="house"),
        )
        result = client.predict("echo", frame, version="1.0")
        predicted = result.to_frame()
        pd.testing.assert_index_equal(predicted.index, frame.index)
        assert predicted.loc[10, "prediction"] == 5.0
        assert predicted["prediction"].tolist() == frame["x"].tolist()

    def test_missing_values_in_a_frame_are_sent_as_null(self, client: Client) -> None:
        """NaN in a nullable column is null on the wire, which the schema allows."""
        frame = pd.DataFrame({"x": [1.0, 2.0], "label": ["a", float("nan")]})
        result = client.predict("echo", frame, version="1.0")
        assert result.predictions == [1.0, 2.0]

    def test_version_pins_the_model_version(self, client: Client) -> None:
        """version= reaches the named version; none gets the newest."""
        older = client.predict("echo", [{"x": 4.0}], version="1.0")
        newest = client.predict("echo", [{"x": 4.0}])
        assert (older.version, older.predictions) == ("1.0", [4.0])
        assert (newest.version, newest.predictions) == ("2.0", [8.0])

    def test_unknown_version_is_a_typed_404(self, client: Client) -> None:
        """A version that is not installed raises ModelNotFoundError."""
        with pytest.raises(ModelNotFoundError, match=r"9\.9"):
            client.predict("echo", [{"x": 1.0}], version="9.9")

    def test_bad_row_raises_validation_error_with_field_problems(
        self, client: Client
    ) -> None:
        """A bad row raises ValidationError naming each failing record and field."""
        frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": ["a", "zzz", "b"]})
        frame.loc[2, "x"] = 2e7
        with pytest.raises(ValidationError) as caught:
            client.predict("echo", frame, version="1.0")
        error = caught.value
        assert error.status == 422
        assert set(error.problems) == {1, 2}
        assert list(error.problems[1]) == ["label"]
        assert "unallowed value" in error.problems[1]["label"][0]
        assert list(error.problems[2]) == ["x"]
        assert error.problems[2]["x"]

    def test_partial_predicts_valid_rows_and_reports_the_rest(
        self, client: Client
    ) -> None:
        """partial=True gives None for invalid rows and their problems in errors."""
        frame = pd.DataFrame({"x": ["1.5", "lots", "3"]}, index=["a", "b", "c"])
        result = client.predict("echo", frame, partial=True)
        assert result.predictions == [3.0, None, 6.0]
        assert list(result.errors) == [1]
        assert list(result.errors[1]) == ["x"]
        predicted = result.to_frame()
        assert predicted.index.tolist() == ["a", "b", "c"]
        assert pd.isna(predicted.loc["b", "prediction"])

    def test_classifier_answer_matches_the_server(
        self, client: Client, testing_server: RunningServer
    ) -> None:
        """A classifier's predictions (and probabilities, if sent) come through."""
        rows = [{"n": 1}, {"n": 2}, {"n": 7}]
        raw = testing_server.post("/v1/models/parity/predict", json=rows).json()
        result = client.predict("parity", rows)
        assert result.model == "parity"
        assert result.predictions == raw["predictions"] == ["odd", "even", "odd"]
        assert result.probabilities == raw["probabilities"]
        assert result.probabilities == [
            {"even": 0.0, "odd": 1.0},
            {"even": 1.0, "odd": 0.0},
            {"even": 0.0, "odd": 1.0},
        ]
        frame = result.to_frame()
        assert frame["probability_odd"].tolist() == [1.0, 0.0, 1.0]

    def test_model_refusal_is_a_typed_error(self, client: Client) -> None:
        """An adapter refusing valid rows raises InputRejectedError (422)."""
        with pytest.raises(InputRejectedError, match="x must not be 13"):
            client.predict("echo", [{"x": 13}], version="1.0")

    def test_crashing_model_is_a_server_error(self, client: Client) -> None:
        """A model that fails while predicting raises ServerError (500)."""
        with pytest.raises(ServerError) as caught:
            client.predict("fails-predict", [{"x": -1.0}])
        assert caught.value.status == 500

    def test_model_not_ready_is_not_retried_sooner_than_asked(
        self, testing_server: RunningServer
    ) -> None:
        """A 503 asking for a longer wait than max_wait is raised at once."""
        with (
            Client(testing_server.base_url, retry=RetryPolicy(max_wait=1)) as roost,
            pytest.raises(ServiceUnavailableError) as caught,
        ):
            roost.predict("fails-load", [{"x": 1.0}])
        assert caught.value.retry_after == 30
        assert "not ready" in caught.value.message

    def test_no_server_is_a_connection_error(self) -> None:
        """A port nobody listens on raises RoostConnectionError."""
        with (
            Client(f"http://127.0.0.1:{free_port()}") as roost,
            pytest.raises(RoostConnectionError),
        ):
            roost.models()


class TestOutputs:
    """outputs= asks the server for chosen declared outputs only."""

    ROWS = ({"n": 4}, {"n": 9}, {"n": -3})

    @staticmethod
    def parity(n: int) -> str:
        """The class the parity model should give n, worked out here."""
        return "odd" if n % 2 else "even"

    def test_probabilities_alone(self, client: Client) -> None:
        """outputs="probabilities" gets probabilities and no predictions."""
        result = client.predict("parity", list(self.ROWS), outputs="probabilities")
        assert result.predictions is None
        assert set(result.outputs) == {"probabilities"}
        assert len(result) == len(self.ROWS)
        assert result.probabilities == [
            {label: float(label == self.parity(row["n"])) for label in ("even", "odd")}
            for row in self.ROWS
        ]
        frame = result.to_frame()
        assert frame.columns.tolist() == ["probability_even", "probability_odd"]
        assert frame["probability_odd"].tolist() == [0.0, 1.0, 1.0]

    def test_predictions_alone(self, client: Client) -> None:
        """outputs=["predictions"] gets labels and no probabilities."""
        result = client.predict("parity", list(self.ROWS), outputs=["predictions"])
        assert result.predictions == [self.parity(row["n"]) for row in self.ROWS]
        assert result.probabilities is None
        assert set(result.outputs) == {"predictions"}
        assert result.to_frame().columns.tolist() == ["prediction"]

    def test_both_named_equal_the_default_answer(self, client: Client) -> None:
        """Naming every declared output gives what naming none gives."""
        rows = list(self.ROWS)
        named = client.predict("parity", rows, outputs=("probabilities", "predictions"))
        default = client.predict("parity", rows)
        assert named.outputs == default.outputs
        assert set(named.outputs) == {"predictions", "probabilities"}

    def test_chosen_outputs_with_partial(self, client: Client) -> None:
        """outputs= and partial=True combine: an invalid row's output is None."""
        rows = [{"n": 2}, {"n": "two"}, {"n": 5}]
        result = client.predict("parity", rows, outputs="probabilities", partial=True)
        assert result.predictions is None
        assert result.probabilities == [
            {"even": 1.0, "odd": 0.0},
            None,
            {"even": 0.0, "odd": 1.0},
        ]
        assert list(result.errors) == [1]

    def test_undeclared_output_is_a_bad_request(self, client: Client) -> None:
        """A name the model does not declare raises BadRequestError (400)."""
        with pytest.raises(BadRequestError) as caught:
            client.predict("parity", [{"n": 1}], outputs=["confidence"])
        assert caught.value.status == 400
        assert "'confidence'" in caught.value.message

    @pytest.mark.parametrize("outputs", [[], [""], ["predictions,probabilities"]])
    def test_unsendable_names_are_refused_before_sending(
        self, outputs: list[str]
    ) -> None:
        """No names, an empty name or one with a comma is a ValueError, unsent."""
        with (
            scripted([PREDICTION]) as (server, roost),
            pytest.raises(ValueError, match="output"),
        ):
            roost.predict("echo", [{"x": 1.5}], outputs=outputs)
        assert server.received == []

    def test_names_travel_as_one_comma_separated_parameter(self) -> None:
        """The names go as one comma-separated `outputs` query parameter."""
        with scripted([PREDICTION]) as (server, roost):
            roost.predict("echo", [{"x": 1.5}], outputs=["predictions", "extra"])
        path, _, query = server.received[0].path.partition("?")
        assert path == "/v1/models/echo/predict"
        assert parse_qs(query, strict_parsing=True) == {
            "outputs": ["predictions,extra"]
        }


class TestWithoutPandas:
    """pandas is an optional extra: records work without it."""

    def test_records_predict_where_pandas_cannot_be_imported(
        self, testing_server: RunningServer
    ) -> None:
        """With pandas unimportable, predict works and to_frame says what to install."""
        script = (
            "import sys\n"
            "sys.modules['pandas'] = None  # import pandas now raises ImportError\n"
            "from roost.client import Client\n"
            f"with Client({testing_server.base_url!r}) as roost:\n"
            "    result = roost.predict('echo', [{'x': 2.0}])\n"
            "print(result.predictions)\n"
            "try:\n"
            "    result.to_frame()\n"
            "except ImportError as error:\n"
            "    print(error)\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines() == [
            "[4.0]",
            "to_frame needs pandas: pip install 'roost-client[pandas]'",
        ]


class TestRetries:
    """503 answers are retried with backoff, honouring Retry-After."""

    def test_retries_after_the_wait_the_server_asks_for(self) -> None:
        """503 with Retry-After: 1, then 200: the retry comes a second later."""
        answers = [Answer(503, {"error": "busy"}, {"Retry-After": "1"}), PREDICTION]
        with scripted(answers) as (server, roost):
            result = roost.predict("echo", [{"x": 1.5}])
        assert result.predictions == [3.0]
        first, second = server.received
        assert second.at - first.at >= 0.95
        assert first.body == second.body == b'[{"x": 1.5}]'

    def test_backs_off_when_the_server_names_no_wait(self) -> None:
        """Without Retry-After the waits double from `backoff`."""
        answers = [Answer(503, {"error": "busy"})] * 2 + [PREDICTION]
        policy = RetryPolicy(retries=2, backoff=0.2)
        with scripted(answers, retry=policy) as (server, roost):
            roost.predict("echo", [{"x": 1.5}])
        times = [request.at for request in server.received]
        assert len(times) == 3
        assert times[1] - times[0] >= 0.19
        assert times[2] - times[1] >= 0.39

    def test_gives_up_after_the_last_retry(self) -> None:
        """Still 503 after `retries` retries: ServiceUnavailableError."""
        answers = [Answer(503, {"error": "busy", "title": "Server busy"})]
        policy = RetryPolicy(retries=2, backoff=0)
        with (
            scripted(answers, retry=policy) as (server, roost),
            pytest.raises(ServiceUnavailableError, match="busy"),
        ):
            roost.models()
        assert len(server.received) == 3

    def test_a_wait_over_max_wait_is_not_retried(self) -> None:
        """Retry-After beyond max_wait raises at once, carrying the wait."""
        answers = [Answer(503, {"error": "loading"}, {"Retry-After": "120"})]
        with (
            scripted(answers, retry=RetryPolicy(max_wait=5)) as (server, roost),
            pytest.raises(ServiceUnavailableError) as caught,
        ):
            roost.models()
        assert caught.value.retry_after == 120
        assert len(server.received) == 1

    def test_other_errors_are_not_retried(self) -> None:
        """A 500 is raised on the first answer."""
        answers = [Answer(500, {"error": "bug"})]
        with scripted(answers) as (server, roost), pytest.raises(ServerError):
            roost.models()
        assert len(server.received) == 1


class TestHeadersAndAnswers:
    """What the client sends, and how it reads answers roost gives."""

    def test_api_key_is_sent_as_a_bearer_token(self) -> None:
        """api_key goes in Authorization on every request; none without it."""
        answers = [Answer(200, {"models": []}), PREDICTION, Answer(200, {"models": []})]
        with scripted(answers, api_key="s3cret") as (server, keyed):
            keyed.models()
            keyed.predict("echo", [{"x": 1.5}])
            with Client(server.url) as anonymous:
                anonymous.models()
        tokens = [request.headers.get("Authorization") for request in server.received]
        assert tokens == ["Bearer s3cret", "Bearer s3cret", None]

    def test_probabilities_align_with_the_frame(self) -> None:
        """A classifier's probabilities become one column per class label."""
        body = {
            "model": "band",
            "version": "1",
            "predictions": ["mid", "cheap"],
            "probabilities": [
                {"cheap": 0.1, "mid": 0.7, "expensive": 0.2},
                {"cheap": 0.8, "mid": 0.1, "expensive": 0.1},
            ],
        }
        headers = {"X-Model-Name": "band", "X-Model-Version": "1.2"}
        frame = pd.DataFrame({"area": [80, 40]}, index=["h1", "h2"])
        with scripted([Answer(200, body, headers)]) as (server, roost):
            result = roost.predict("band", frame)
        assert (result.model, result.version) == ("band", "1.2")
        predicted = result.to_frame()
        assert predicted.columns.tolist() == [
            "prediction",
            "probability_cheap",
            "probability_mid",
            "probability_expensive",
        ]
        assert predicted.loc["h1", "probability_mid"] == 0.7
        assert predicted.loc["h2", "prediction"] == "cheap"
        assert server.received[0].path == "/v1/models/band/predict"

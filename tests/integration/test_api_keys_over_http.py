"""API keys on a real gunicorn server, keys made by the real `roost keys`."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from server_harness import (
    RunningServer,
    roost_command,
    roost_env,
    run_server,
    worker_pids,
)

pytestmark = pytest.mark.integration

TESTING = {
    "ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing",
    "ROOST_DEFAULT_MODEL": "echo",
}
ECHO = "/v1/models/echo/predict"


def roost_keys(key_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `roost keys ARGS` with ROOST_API_KEYS_FILE set, as an operator would."""
    return subprocess.run(
        roost_command("keys", *args),
        env=roost_env(ROOST_API_KEYS_FILE=key_file),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def add_key(key_file: Path, name: str, models: str) -> str:
    """Make a key with the CLI and return the secret it printed."""
    return roost_keys(key_file, "add", name, "--models", models).stdout.strip()


def bearer(key: str) -> dict[str, str]:
    """Return the header presenting `key` as a bearer token."""
    return {"Authorization": f"Bearer {key}"}


@dataclass
class KeyedServer:
    """A server that needs keys, its key file and the secrets of two keys."""

    server: RunningServer
    key_file: Path
    echo: str
    parity: str


@contextlib.contextmanager
def keyed_server(folder: Path) -> Iterator[KeyedServer]:
    """Make two scoped keys with the CLI, then serve the test adapters needing keys."""
    key_file = folder / "secrets" / "api-keys.jsonl"
    echo = add_key(key_file, "echo-only", "echo")
    parity = add_key(key_file, "parity-only", "parity")
    with run_server(
        folder,
        workers=2,
        ROOST_MODEL_DIR=folder / "models",
        ROOST_API_KEYS_FILE=key_file,
        ROOST_LOG_LEVEL="debug",  # every log line roost and gunicorn write
        **TESTING,
    ) as server:
        yield KeyedServer(server, key_file, echo, parity)


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """A server needing keys, shared by the tests that change nothing."""
    with keyed_server(tmp_path_factory.mktemp("keyed")) as running:
        yield running


class TestAcceptance:
    """Without a key 401, with a key scoped to another model 403, the right key 200."""

    def test_without_a_key_401(self, keyed: KeyedServer) -> None:
        """No key: 401, a JSON error and the bearer challenge."""
        result = keyed.server.post(ECHO, json=[{"x": 3}])
        assert result.status_code == 401
        assert result.headers["WWW-Authenticate"].startswith("Bearer")
        assert result.json()["title"] == "Unauthorized"

    def test_with_a_key_scoped_to_another_model_403(self, keyed: KeyedServer) -> None:
        """The parity key on echo: 403, a JSON error naming key and model."""
        result = keyed.server.post(ECHO, json=[{"x": 3}], headers=bearer(keyed.parity))
        assert result.status_code == 403
        assert result.json()["error"] == (
            "API key 'parity-only' may not use model 'echo'"
        )

    @pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
    def test_with_the_right_key_200(self, keyed: KeyedServer, header: str) -> None:
        """The echo key, in either header, predicts."""
        value = f"Bearer {keyed.echo}" if header == "Authorization" else keyed.echo
        result = keyed.server.post(ECHO, json=[{"x": 3}], headers={header: value})
        assert result.status_code == 200, result.text
        assert result.json()["model"] == "echo"

    def test_the_compatibility_route_checks_its_bound_model(
        self, keyed: KeyedServer
    ) -> None:
        """/v1/predict/regression serves echo here, so it takes echo's key only."""
        path, body = "/v1/predict/regression", [{"x": 3}]
        assert keyed.server.post(path, json=body).status_code == 401
        wrong = keyed.server.post(path, json=body, headers=bearer(keyed.parity))
        assert wrong.status_code == 403
        right = keyed.server.post(path, json=body, headers=bearer(keyed.echo))
        assert right.status_code == 200

    def test_probes_and_metrics_need_no_key(self, keyed: KeyedServer) -> None:
        """Liveness, readiness and /metrics answer without a key."""
        assert keyed.server.get("/health").status_code == 200
        assert keyed.server.get("/v2/health/live").status_code == 200
        # NOTE: the fixtures include adapters that never load: readiness is 503.
        assert keyed.server.get("/health/ready").status_code in (200, 503)
        assert keyed.server.get("/v2/health/ready").status_code in (200, 503)
        assert keyed.server.get("/metrics").status_code == 200


def declared_headers(scheme: dict[str, str], key: str) -> dict[str, str]:
    """Present `key` as an OpenAPI security scheme says (what a client reads)."""
    if scheme["type"] == "http" and scheme["scheme"].lower() == "bearer":
        return {"Authorization": f"Bearer {key}"}
    assert (scheme["type"], scheme["in"]) == ("apiKey", "header"), scheme
    return {scheme["name"]: key}


class TestDeclaredSchemes:
    """The OpenAPI document's security schemes are what the server accepts."""

    def test_a_key_in_each_declared_scheme_predicts(self, keyed: KeyedServer) -> None:
        """Each scheme on the predict route, followed as written, gets 200; none 401."""
        document = keyed.server.get("/openapi.json", headers=bearer(keyed.echo)).json()
        schemes = document["components"]["securitySchemes"]
        predict = document["paths"][ECHO]["post"]
        offered = [name for requirement in predict["security"] for name in requirement]
        assert sorted(offered) == sorted(schemes)
        assert len(schemes) == 2
        for name in offered:
            headers = declared_headers(schemes[name], keyed.echo)
            result = keyed.server.post(ECHO, json=[{"x": 3}], headers=headers)
            assert result.status_code == 200, (name, result.text)
            assert result.json()["predictions"] == [6.0]
            wrong = declared_headers(schemes[name], keyed.parity)
            refused = keyed.server.post(ECHO, json=[{"x": 3}], headers=wrong)
            assert refused.status_code == 403
        assert "401" in predict["responses"]
        assert keyed.server.post(ECHO, json=[{"x": 3}]).status_code == 401

    def test_the_keyless_probe_declares_no_key(self, keyed: KeyedServer) -> None:
        """/health declares no security and answers without a key."""
        document = keyed.server.get(
            "/openapi.json", headers={"X-API-Key": keyed.parity}
        ).json()
        assert "security" not in document["paths"]["/health"]["get"]
        assert keyed.server.get("/health").status_code == 200


class TestLogs:
    """Keys never reach the server's log, access lines included."""

    def test_no_key_is_logged(self, keyed: KeyedServer) -> None:
        """After requests with right, wrong and out-of-scope keys, none is logged."""
        wrong = "roost_" + "W" * 43
        rid = "keys-log-check"
        sent = [
            bearer(keyed.echo),
            {"X-API-Key": keyed.parity},
            bearer(wrong),
            {"X-API-Key": wrong},
        ]
        for headers in sent:
            keyed.server.post(
                ECHO, json=[{"x": 1}], headers={**headers, "X-Request-ID": rid}
            )
            keyed.server.get("/v1/nosuch", headers={**headers, "X-Request-ID": rid})
        deadline = time.monotonic() + 10
        while keyed.server.log_text().count(f"rid={rid}") < 2 * len(sent):
            assert time.monotonic() < deadline, "the access log lacks the requests"
            time.sleep(0.1)
        log = keyed.server.log_text()
        for secret in (keyed.echo, keyed.parity, wrong):
            assert secret not in log
            assert secret[len("roost_") :] not in log


class TestReload:
    """The key file is read when workers start: a reload applies changes."""

    def test_revoked_and_added_keys_count_after_sighup(self, tmp_path: Path) -> None:
        """After `roost keys revoke` and `add`, SIGHUP makes new workers honour both."""
        with keyed_server(tmp_path) as keyed:
            server = keyed.server
            assert server.post(ECHO, json=[{"x": 1}], headers=bearer(keyed.echo)).ok
            roost_keys(keyed.key_file, "revoke", "echo-only")
            late = add_key(keyed.key_file, "late", "*")
            before = worker_pids(server)
            os.kill(server.pid, signal.SIGHUP)
            deadline = time.monotonic() + 60
            while worker_pids(server) & before or len(worker_pids(server)) < 2:
                assert time.monotonic() < deadline, "the workers were not replaced"
                time.sleep(0.1)
            for _ in range(6):  # fresh connections, spread over the new workers
                revoked = requests.post(
                    server.url(ECHO),
                    json=[{"x": 1}],
                    headers=bearer(keyed.echo),
                    timeout=30,
                )
                assert revoked.status_code == 401
                added = requests.post(
                    server.url(ECHO), json=[{"x": 1}], headers=bearer(late), timeout=30
                )
                assert added.status_code == 200, added.text


class TestStart:
    """A configured key file that cannot be read stops `roost serve` at once."""

    def test_a_missing_key_file_stops_serve(self, tmp_path: Path) -> None:
        """`roost serve` exits 1 naming the file, before any worker starts."""
        key_file = tmp_path / "absent.jsonl"
        result = subprocess.run(
            roost_command("serve", "--port", "0"),
            env=roost_env(ROOST_API_KEYS_FILE=key_file, **TESTING),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1
        assert f"API key file {key_file} does not exist" in result.stderr

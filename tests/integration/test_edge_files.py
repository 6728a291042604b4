"""The edge's files agree with roost: nginx.conf, compose.yaml, the Ingress.

Each limit the edge enforces is read from its file and compared with the
roost setting it stands for (ROOST_MAX_BODY_BYTES, ROOST_HEADER_TIMEOUT,
ROOST_BODY_TIMEOUT, gunicorn's keep-alive), so changing one without the
other fails here. The files are validated by the real tools: `nginx -t`,
check-jsonschema's compose schema, kubernetes-validate --strict.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from edge_harness import EDGE, ROOT, nginx_or_skip

from roost.controllers.middleware import _ACCEPTABLE_ID
from roost.core.runtime.server import gunicorn_options
from roost.core.runtime.settings import Settings

pytestmark = pytest.mark.integration

NGINX_CONF = EDGE / "nginx.conf"
COMPOSE = EDGE / "compose.yaml"
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.30.0"
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_ANNOTATION = "nginx.ingress.kubernetes.io/"


def size(text: str) -> int:
    """Read an nginx size (`8m`, `16k`, `512`) in bytes."""
    found = re.fullmatch(r"(\d+)([kKmMgG]?)", text.strip())
    assert found, f"not an nginx size: {text!r}"
    return int(found[1]) * _SIZE_UNITS[found[2].lower()]


def seconds(text: str) -> float:
    """Read an nginx time (`10s`, `4`, `1m`) in seconds."""
    found = re.fullmatch(r"(\d+)(s|m)?", text.strip())
    assert found, f"not an nginx time: {text!r}"
    return int(found[1]) * (60 if found[2] == "m" else 1)


def directives(name: str, text: str | None = None) -> list[list[str]]:
    """Return the arguments of every `name ...;` directive in nginx.conf."""
    source = NGINX_CONF.read_text() if text is None else text
    found = []
    for line in source.splitlines():
        words = shlex.split(line.strip().rstrip(";"), comments=True)
        if words and words[0] == name:
            found.append(words[1:])
    return found


def one(name: str) -> list[str]:
    """Return the arguments of the one `name` directive."""
    (arguments,) = directives(name)
    return arguments


def block(opening: str) -> str:
    """Return the text of the block that starts with `opening` (up to its brace)."""
    text = NGINX_CONF.read_text()
    start = text.index(opening)
    depth = 0
    for end in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start : end + 1]
    raise AssertionError(f"unbalanced braces after {opening!r}")


def tool(name: str) -> str:
    """Return a test-dependency executable of this environment."""
    path = Path(sys.executable).parent / name
    assert path.is_file(), f"{name} is not installed; it is a declared test dependency"
    return str(path)


class TestNginxConf:
    """deploy/edge/nginx.conf: valid for nginx, with roost's limits."""

    def test_nginx_accepts_the_rendered_config(self) -> None:
        """`nginx -t` passes on the file as deploy/edge/run renders it."""
        nginx_or_skip()
        with tempfile.TemporaryDirectory(prefix="roost-edge-") as prefix:
            # nginx's workers may run as nobody, who must reach the prefix.
            os.chmod(prefix, 0o755)  # noqa: PTH101, S103 - a folder, no secrets
            text = (
                NGINX_CONF.read_text()
                .replace("${EDGE_PORT}", "18080")
                .replace("${ROOST_UPSTREAM}", "127.0.0.1:18000")
            )
            config = Path(prefix) / "nginx.conf"
            config.write_text(text)
            nginx = shutil.which("nginx", path=os.environ["PATH"] + ":/usr/sbin")
            assert nginx is not None
            result = subprocess.run(
                [nginx, "-t", "-p", prefix, "-c", str(config), "-e", "stderr"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        assert result.returncode == 0, result.stderr
        assert "test is successful" in result.stderr

    def test_body_size_is_roosts_body_limit(self) -> None:
        """client_max_body_size is ROOST_MAX_BODY_BYTES's default."""
        assert size(one("client_max_body_size")[0]) == Settings().max_body_bytes

    def test_client_timeouts_are_roosts(self) -> None:
        """Header and body timeouts: ROOST_HEADER_TIMEOUT's, ROOST_BODY_TIMEOUT's."""
        settings = Settings()
        assert seconds(one("client_header_timeout")[0]) == settings.header_timeout
        assert seconds(one("client_body_timeout")[0]) == settings.body_timeout

    def test_requests_are_buffered_whole(self) -> None:
        """Request (and response) buffering is on: roost sees only whole requests."""
        assert one("proxy_request_buffering") == ["on"]
        assert one("proxy_buffering") == ["on"]

    def test_header_buffers_hold_what_gunicorn_accepts(self) -> None:
        """A header line gunicorn accepts fits nginx's large header buffers."""
        count, each = one("large_client_header_buffers")
        options = gunicorn_options(Settings())
        assert int(count) >= 1
        assert size(each) >= options["limit_request_line"]
        assert size(each) >= options["limit_request_field_size"]

    def test_each_client_is_limited_in_connections_and_rate(self) -> None:
        """Per-address zones limit open connections and requests, answering 429."""
        key, connection_zone = one("limit_conn_zone")[:2]
        assert key == "$binary_remote_addr"
        zone, limit = one("limit_conn")
        assert connection_zone == f"zone={zone}:10m"
        assert int(limit) > 0
        key, request_zone = one("limit_req_zone")[:2]
        assert key == "$binary_remote_addr"
        assert request_zone.startswith(one("limit_req")[0] + ":")
        assert one("limit_conn_status") == ["429"]
        assert one("limit_req_status") == ["429"]

    def test_upstream_connections_are_kept_alive_shorter_than_gunicorn(self) -> None:
        """The edge reuses connections to roost and drops them before gunicorn does."""
        upstream = block("upstream roost")
        keepalive = directives("keepalive", upstream)
        assert int(keepalive[0][0]) > 0
        timeout = directives("keepalive_timeout", upstream)[0][0]
        assert seconds(timeout) < gunicorn_options(Settings())["keepalive"]
        assert one("proxy_http_version") == ["1.1"]
        headers = {args[0]: args[1] for args in directives("proxy_set_header")}
        assert headers["Connection"] == ""

    def test_request_id_follows_roosts_rule(self) -> None:
        """The edge passes a client's id when roost would keep it, else its own."""
        headers = {args[0]: args[1] for args in directives("proxy_set_header")}
        assert headers["X-Request-ID"] == "$roost_request_id"
        mapping = block("map $http_x_request_id $roost_request_id")
        pattern = re.search(r'"~(.+)"', mapping)
        assert pattern
        assert pattern[1] == _ACCEPTABLE_ID.pattern

    def test_read_timeout_outlasts_roosts_request_deadline(self) -> None:
        """The edge waits for roost's own 504 before it gives up on the answer."""
        assert seconds(one("proxy_read_timeout")[0]) > Settings().request_deadline

    def test_metrics_are_answered_by_the_edge(self) -> None:
        """A location for /metrics returns 404 and never proxies."""
        location = block("location ~ ^/metrics(/|$)")
        assert "return 404" in location
        assert "proxy_pass" not in location


def make_dry_run(*arguments: str) -> list[list[str]]:
    """Return the commands `make -n` would run, each split into argv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MAKE") and key not in {"MFLAGS", "PORT", "UPSTREAM"}
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [shlex.split(line) for line in result.stdout.splitlines() if line.strip()]


class TestMakeEdge:
    """`make edge` makes sure nginx is there, then runs deploy/edge/run."""

    def test_runs_the_edge_on_the_given_port_and_upstream(self) -> None:
        """PORT and UPSTREAM given to `make edge` go to deploy/edge/run."""
        commands = make_dry_run("edge", "PORT=8123", "UPSTREAM=10.0.0.5:8000")
        assert commands == [
            ["deploy/edge/ensure-nginx"],
            ["deploy/edge/run", "8123", "10.0.0.5:8000"],
        ]

    def test_defaults_to_8080_in_front_of_make_serve(self) -> None:
        """Without PORT the edge listens on 8080, in front of make serve's 8000."""
        commands = make_dry_run("edge")
        assert commands[-1] == ["deploy/edge/run", "8080", "127.0.0.1:8000"]

    def test_make_test_installs_nginx_when_it_can(self) -> None:
        """`make test` runs ensure-nginx, so CI as root has the edge tests."""
        commands = make_dry_run("test")
        assert ["deploy/edge/ensure-nginx"] in [argv[:1] for argv in commands]


class TestCompose:
    """deploy/edge/compose.yaml: roost behind the nginx image, by the same file."""

    @pytest.fixture
    def compose(self) -> dict[str, Any]:
        """The compose file, parsed."""
        return dict(yaml.safe_load(COMPOSE.read_text()))

    def test_matches_the_compose_specification(self) -> None:
        """check-jsonschema accepts the file against the Compose spec's schema."""
        result = subprocess.run(
            [
                tool("check-jsonschema"),
                "--builtin-schema",
                "vendor.compose-spec",
                str(COMPOSE),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_only_the_edge_is_published(self, compose: dict[str, Any]) -> None:
        """Only the edge publishes a port: the one it listens on."""
        roost, edge = compose["services"]["roost"], compose["services"]["edge"]
        assert "ports" not in roost
        (published,) = edge["ports"]
        assert published.split(":")[-1] == edge["environment"]["EDGE_PORT"]

    def test_edge_renders_nginx_conf_and_reaches_roost(
        self, compose: dict[str, Any]
    ) -> None:
        """The nginx image renders this nginx.conf with roost's service address."""
        roost, edge = compose["services"]["roost"], compose["services"]["edge"]
        assert edge["image"].startswith("nginx:")
        (volume,) = edge["volumes"]
        source, target, mode = volume.split(":")
        assert (COMPOSE.parent / source).resolve() == NGINX_CONF
        assert target == "/etc/nginx/templates/nginx.conf.template"
        assert mode == "ro"
        assert edge["environment"]["NGINX_ENVSUBST_OUTPUT_DIR"] == "/etc/nginx"
        settings = Settings.from_env(roost["environment"])
        assert edge["environment"]["ROOST_UPSTREAM"] == f"roost:{settings.port}"
        assert edge["depends_on"]["roost"]["condition"] == "service_healthy"
        placeholders = set(re.findall(r"\$\{(\w+)\}", NGINX_CONF.read_text()))
        assert placeholders <= set(edge["environment"])

    def test_roost_keeps_the_limits_nginx_repeats(
        self, compose: dict[str, Any]
    ) -> None:
        """The roost service keeps body size and timeouts at nginx.conf's values."""
        roost = compose["services"]["roost"]
        assert roost["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (COMPOSE.parent / roost["build"]["context"]).resolve() == ROOT
        settings = Settings.from_env(roost["environment"])
        assert settings.host == "0.0.0.0"  # noqa: S104 - the container's address
        assert settings.max_body_bytes == size(one("client_max_body_size")[0])
        assert settings.header_timeout == seconds(one("client_header_timeout")[0])
        assert settings.body_timeout == seconds(one("client_body_timeout")[0])


class TestIngress:
    """deploy/k8s/ingress.yaml and the controller's ConfigMap: nginx.conf's limits."""

    @pytest.fixture
    def ingress(self) -> dict[str, Any]:
        """The Ingress resource."""
        return dict(yaml.safe_load((K8S / "ingress.yaml").read_text()))

    @pytest.fixture
    def controller(self) -> dict[str, str]:
        """The ingress-nginx controller ConfigMap's data."""
        document = yaml.safe_load((K8S / "ingress-nginx-controller.yaml").read_text())
        return dict(document["data"])

    @pytest.fixture
    def deployed(self) -> Settings:
        """The settings deployment.yaml's environment gives roost."""
        deployment = yaml.safe_load((K8S / "deployment.yaml").read_text())
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        return Settings.from_env({e["name"]: e["value"] for e in container["env"]})

    def test_controller_configmap_validates_strictly(self) -> None:
        """kubernetes-validate --strict accepts the ConfigMap for Kubernetes 1.30."""
        result = subprocess.run(
            [
                tool("kubernetes-validate"),
                "--strict",
                "--kubernetes-version",
                K8S_VERSION,
                str(K8S / "ingress-nginx-controller.yaml"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "passed" in result.stdout

    def test_buffers_whole_requests_up_to_roosts_body_limit(
        self, ingress: dict[str, Any], deployed: Settings
    ) -> None:
        """Request buffering on, proxy-body-size = ROOST_MAX_BODY_BYTES."""
        annotations = ingress["metadata"]["annotations"]
        assert annotations[_ANNOTATION + "proxy-request-buffering"] == "on"
        body_size = annotations[_ANNOTATION + "proxy-body-size"]
        assert size(body_size) == deployed.max_body_bytes
        assert size(body_size) == size(one("client_max_body_size")[0])
        assert int(annotations[_ANNOTATION + "proxy-read-timeout"]) > (
            deployed.request_deadline
        )

    def test_limits_each_client_as_nginx_conf_does(
        self, ingress: dict[str, Any]
    ) -> None:
        """Connections, rate and burst per client equal nginx.conf's."""
        annotations = ingress["metadata"]["annotations"]
        rate = one("limit_req_zone")[2]
        assert rate == f"rate={annotations[_ANNOTATION + 'limit-rps']}r/s"
        assert annotations[_ANNOTATION + "limit-connections"] == one("limit_conn")[1]
        burst = int(one("limit_req")[1].split("=")[1])
        multiplier = int(annotations[_ANNOTATION + "limit-burst-multiplier"])
        assert burst == multiplier * int(annotations[_ANNOTATION + "limit-rps"])

    def test_controller_timeouts_are_roosts(
        self, controller: dict[str, str], deployed: Settings
    ) -> None:
        """Header and body timeouts, upstream keep-alive shorter than gunicorn's."""
        assert float(controller["client-header-timeout"]) == deployed.header_timeout
        assert float(controller["client-body-timeout"]) == deployed.body_timeout
        keepalive = gunicorn_options(deployed)["keepalive"]
        assert int(controller["upstream-keepalive-timeout"]) < keepalive
        assert controller["large-client-header-buffers"] == " ".join(
            one("large_client_header_buffers")
        )
        assert controller["limit-conn-status-code"] == "429"
        assert controller["limit-req-status-code"] == "429"
        assert controller["generate-request-id"] == "true"

    def test_routes_roosts_public_paths_but_not_metrics(
        self, ingress: dict[str, Any]
    ) -> None:
        """Every path goes to the roost Service's http port; none covers /metrics."""
        (rule,) = ingress["spec"]["rules"]
        paths = rule["http"]["paths"]
        assert {path["path"] for path in paths} >= {"/health", "/v1", "/v2"}
        for path in paths:
            assert path["backend"]["service"] == {
                "name": "roost",
                "port": {"name": "http"},
            }
            covers_metrics = (
                path["path"] == "/metrics"
                if path["pathType"] == "Exact"
                else "/metrics".startswith(path["path"].rstrip("/") + "/")
                or path["path"] == "/metrics"
            )
            assert not covers_metrics, path
        assert ingress["spec"]["ingressClassName"] == "nginx"

"""Deployment files: one entry point everywhere, linted and schema-valid manifests.

Every check runs the real tool offline: hadolint, kubernetes-validate's bundled
schemas, check-jsonschema's vendored CI schemas, gunicorn's own config loader, GNU
make's dry run, and docker-py's .dockerignore matcher. They are declared test
dependencies, so a missing one fails its test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from importlib import metadata, resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import referencing
import yaml
from docker.utils.build import exclude_paths
from gunicorn.app.wsgiapp import WSGIApplication
from gunicorn.config import Config
from server_harness import free_port, run_server

from roost.core.runtime.server import APP_FACTORY, RoostServer
from roost.core.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
K8S = ROOT / "deploy" / "k8s"
#: The Kubernetes release the manifests are validated against (bundled schemas).
K8S_VERSION = "1.30.0"
K8S_DEFINITIONS = "https://kubernetes.io/api/_definitions.json"
TOOL_TIMEOUT = 60
#: The address containers bind; only compared with manifests here, never bound.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - a value in the files under test
#: The writable mount under a read-only root filesystem.
TMP = "/tmp"  # noqa: S108 - a mount path in the manifests under test


# --- helpers --------------------------------------------------------------------------


def tool(name: str) -> str:
    """Return the path of a test-dependency executable, failing when it is absent."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; it is a declared test dependency")
    return found


def clean_env(**variables: str) -> dict[str, str]:
    """Return this environment without make, gunicorn or roost settings, plus more."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ROOST_", "MAKE", "GUNICORN_", "HADOLINT_"))
        and key not in {"MFLAGS", "PORT"}
    }
    env.update(variables)
    return env


def run(argv: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root and capture its output."""
    return subprocess.run(
        argv,
        cwd=ROOT,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
    )


def entry(argv: list[str]) -> tuple[str, ...]:
    """Reduce a command line to its program name and subcommand."""
    return (Path(argv[0]).name, *argv[1:2])


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """Parse a Dockerfile into (INSTRUCTION, arguments), joining continuations."""
    instructions: list[tuple[str, str]] = []
    pending: list[str] = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        keyword, _, arguments = " ".join(part for part in pending if part).partition(
            " "
        )
        instructions.append((keyword.upper(), arguments.strip()))
        pending = []
    return instructions


def stages(path: Path = DOCKERFILE) -> list[list[tuple[str, str]]]:
    """Split a Dockerfile's instructions into build stages, FROM first."""
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in dockerfile_instructions(path):
        if keyword == "FROM":
            result.append([])
        result[-1].append((keyword, arguments))
    return result


def arguments_of(keyword: str, stage: list[tuple[str, str]]) -> list[str]:
    """Return the arguments of every `keyword` instruction in one stage."""
    return [arguments for name, arguments in stage if name == keyword]


def image_env(stage: list[tuple[str, str]]) -> dict[str, str]:
    """Collect the `ENV key=value` settings of one stage."""
    env: dict[str, str] = {}
    for arguments in arguments_of("ENV", stage):
        for pair in shlex.split(arguments):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def healthcheck_command() -> list[str]:
    """Return the image's HEALTHCHECK command (exec form)."""
    (arguments,) = arguments_of("HEALTHCHECK", stages()[-1])
    _, _, command = arguments.partition("CMD ")
    return list(json.loads(command))


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Load every non-empty YAML document of a file."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifest(name: str) -> dict[str, Any]:
    """Load the single resource in deploy/k8s/`name`."""
    (document,) = yaml_documents(K8S / name)
    return document


def make_dry_run(*arguments: str) -> list[list[str]]:
    """Return the commands `make -n` would run, each split into argv."""
    result = run(["make", "--no-print-directory", "-n", *arguments])
    assert result.returncode == 0, result.stderr
    return [shlex.split(line) for line in result.stdout.splitlines() if line.strip()]


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """Return a container's literal environment variables."""
    return {item["name"]: item["value"] for item in container.get("env", [])}


# --- one entry point ------------------------------------------------------------------


class TestEntryPoint:
    """The image, Heroku and `make serve` all start gunicorn through `roost serve`."""

    def test_dockerfile_cmd_is_roost_serve_in_exec_form(self) -> None:
        """The final stage's CMD is the JSON array ["roost", "serve"]."""
        (cmd,) = arguments_of("CMD", stages()[-1])
        assert json.loads(cmd) == ["roost", "serve"]

    def test_procfile_web_process_runs_roost_serve(self) -> None:
        """The Procfile's only process is `web: roost serve`."""
        processes = dict(
            line.split(":", 1)
            for line in (ROOT / "Procfile").read_text().splitlines()
            if line.strip()
        )
        assert list(processes) == ["web"]
        assert entry(shlex.split(processes["web"])) == ("roost", "serve")

    def test_heroku_yml_runs_roost_serve(self) -> None:
        """heroku.yml runs the web process as `roost serve`."""
        (config,) = yaml_documents(ROOT / "heroku.yml")
        assert entry(shlex.split(config["run"]["web"])) == ("roost", "serve")

    def test_make_serve_runs_roost_serve_on_its_port(self) -> None:
        """`make -n serve PORT=8123` ends in `roost serve --port 8123`."""
        commands = make_dry_run("serve", "PORT=8123")
        serve = [argv for argv in commands if entry(argv) == ("roost", "serve")]
        assert serve
        assert serve[-1][1:] == ["serve", "--port", "8123"]

    def test_roost_command_is_the_cli(self) -> None:
        """The installed `roost` script calls roost.core.cli:main."""
        (script,) = metadata.entry_points(group="console_scripts", name="roost")
        assert script.value == "roost.core.cli:main"


class TestGunicornConfig:
    """`gunicorn -c deploy/gunicorn.conf.py` and `roost serve` agree on every option."""

    @pytest.fixture
    def load_both(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> Callable[[dict[str, str]], tuple[Config, WSGIApplication]]:
        """Load roost serve's config and gunicorn's -c config for one environment."""

        def load(environment: dict[str, str]) -> tuple[Config, WSGIApplication]:
            for key in list(os.environ):
                if key.startswith(("ROOST_", "GUNICORN_")) or key == "PORT":
                    monkeypatch.delenv(key)
            # NOTE: a fixed metrics folder; unset, each load makes a fresh one.
            environment = {
                "ROOST_METRICS_DIR": str(tmp_path / "metrics"),
                **environment,
            }
            for key, value in environment.items():
                monkeypatch.setenv(key, value)
            # gunicorn's loader chdirs, extends sys.path and registers __config__.
            monkeypatch.chdir(tmp_path)
            monkeypatch.setattr(sys, "path", list(sys.path))
            monkeypatch.setitem(sys.modules, "__config__", None)
            config_file = str(ROOT / "deploy" / "gunicorn.conf.py")
            monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", config_file])
            from_file = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")
            return RoostServer(Settings.from_env()).cfg, from_file

        return load

    @staticmethod
    def comparable(config: Config) -> dict[str, Any]:
        """Return every setting's value, callables by their qualified names."""

        def plain(value: Any) -> Any:
            if callable(value):
                return f"{value.__module__}.{value.__qualname__}"
            return value

        return {
            name: plain(setting.get())
            for name, setting in config.settings.items()
            if name not in {"config", "wsgi_app"}  # how each was given the app
        }

    @pytest.mark.parametrize(
        "environment",
        [
            pytest.param(
                {
                    "ROOST_HOST": ALL_INTERFACES,
                    "ROOST_PROFILE": "production",
                    "PORT": "8000",
                },
                id="container",
            ),
            pytest.param(
                {
                    "ROOST_PORT": "9001",
                    "PORT": "8000",
                    "ROOST_WORKERS": "3",
                    "ROOST_THREADS": "2",
                    "ROOST_TIMEOUT": "60",
                    "ROOST_GRACEFUL_TIMEOUT": "20",
                    "ROOST_MAX_REQUESTS": "1000",
                    "ROOST_MAX_REQUESTS_JITTER": "50",
                    "ROOST_LOG_LEVEL": "warning",
                },
                id="tuned",
            ),
        ],
    )
    def test_config_file_loads_the_same_options(
        self,
        load_both: Callable[[dict[str, str]], tuple[Config, WSGIApplication]],
        environment: dict[str, str],
    ) -> None:
        """Both loaders produce identical gunicorn settings for the same environment."""
        served, from_file = load_both(environment)
        assert self.comparable(from_file.cfg) == self.comparable(served)
        settings = Settings.from_env(environment)
        assert from_file.cfg.bind == [f"{settings.host}:{settings.port}"]
        assert from_file.cfg.workers == settings.workers
        assert from_file.cfg.graceful_timeout == settings.graceful_timeout

    def test_config_file_names_the_app_factory(
        self, load_both: Callable[[dict[str, str]], tuple[Config, WSGIApplication]]
    ) -> None:
        """Plain gunicorn imports roost's app factory, so no app argument is needed."""
        _, from_file = load_both({})
        assert from_file.app_uri == APP_FACTORY


# --- Dockerfile -----------------------------------------------------------------------


class TestDockerfile:
    """deploy/Dockerfile: two slim stages, wheels only, trained model, non-root."""

    def test_hadolint_reports_nothing(self, tmp_path: Path) -> None:
        """Hadolint finds no problem at any severity, inline ignores disabled."""
        config = tmp_path / "hadolint.yaml"
        config.write_text("failure-threshold: style\n")
        result = run(
            [
                tool("hadolint"),
                "--config",
                str(config),
                "--disable-ignore-pragma",
                "--failure-threshold",
                "style",
                "--format",
                "json",
                str(DOCKERFILE),
            ]
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout) == []

    def test_both_stages_start_from_python_311_slim(self) -> None:
        """A wheel-building stage and a runtime stage, both on python:3.11-slim."""
        froms = [stage[0][1].split() for stage in stages()]
        assert [words[0] for words in froms] == ["python:3.11-slim"] * 2
        assert [words[-1] for words in froms] == ["wheels", "runtime"]

    def test_wheel_stage_builds_roost_and_every_adapter_without_deps_first(
        self,
    ) -> None:
        """Local distributions are built --no-deps, then dependencies into /wheels."""
        script = " ".join(arguments_of("RUN", stages()[0]))
        local, _, dependencies = script.partition("&&")
        assert "pip wheel" in local
        assert "--no-deps" in local.split()
        assert {".", "adapters/*/"} <= set(local.split())
        assert "--wheel-dir /wheels" in local
        assert "--find-links /wheels" in dependencies

    def test_runtime_installs_only_from_the_wheels(self) -> None:
        """The runtime's pip install uses --no-index and stage 1's /wheels."""
        runtime = stages()[-1]
        assert "--from=wheels /wheels /wheels" in arguments_of("COPY", runtime)
        installs = [
            command
            for command in arguments_of("RUN", runtime)
            if "pip install" in command
        ]
        assert installs
        for command in installs:
            words = command.split()
            assert "--no-index" in words
            assert words[words.index("--find-links") + 1] == "/wheels"

    def test_runtime_trains_the_bundled_adapters_into_models(self) -> None:
        """The build trains every adapter make train trains into /models."""
        runtime = stages()[-1]
        assert image_env(runtime)["ROOST_MODEL_DIR"] == "/models"
        (argument,) = arguments_of("ARG", runtime)
        name, _, names = argument.partition("=")
        assert name == "TRAIN_ADAPTERS"
        # NOTE: as the Makefile's TRAINABLE: roost-sklearn has nothing to train.
        trainable = {
            path.parent.name
            for path in ROOT.glob("adapters/*/pyproject.toml")
            if path.parent.name != "sklearn"
        }
        assert trainable == {"house-prices", "house-price-band"}
        assert set(names.strip('"').split()) == trainable
        (training,) = [
            command
            for command in arguments_of("RUN", runtime)
            if "roost train" in command
        ]
        assert (
            'for adapter in ${TRAIN_ADAPTERS}; do roost train "${adapter}"' in training
        )
        assert "chmod -R a+rX /models" in training

    def test_runtime_serves_on_all_interfaces_in_production(self) -> None:
        """The image binds 0.0.0.0:8000 with the production profile."""
        runtime = stages()[-1]
        env = image_env(runtime)
        assert env["ROOST_HOST"] == ALL_INTERFACES
        assert env["ROOST_PROFILE"] == "production"
        assert env["PORT"] == "8000"
        assert arguments_of("EXPOSE", runtime) == ["8000"]
        assert Settings.from_env(env).port == 8000

    def test_runtime_runs_as_uid_10001(self) -> None:
        """The last USER is uid 10001, the user created in the runtime stage."""
        runtime = stages()[-1]
        assert arguments_of("USER", runtime)[-1] == "10001"
        assert any("--uid 10001" in command for command in arguments_of("RUN", runtime))


class TestHealthcheck:
    """The image's HEALTHCHECK command, run against a real `roost serve`."""

    pytestmark = pytest.mark.integration

    @staticmethod
    def probe(port: int) -> subprocess.CompletedProcess[str]:
        """Run the HEALTHCHECK command as the image would, with PORT set."""
        command = healthcheck_command()
        assert command[0] == "python"
        return subprocess.run(
            [sys.executable, *command[1:]],
            env=clean_env(PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def test_passes_once_every_adapter_is_ready(
        self, tmp_path: Path, house_prices_model_dir: Path
    ) -> None:
        """With the trained house-prices model the probe exits 0."""
        with run_server(tmp_path, ROOST_MODEL_DIR=house_prices_model_dir) as server:
            assert server.get("/health/ready").status_code == 200
            result = self.probe(server.port)
        assert result.returncode == 0, result.stderr

    def test_fails_while_an_adapter_is_not_ready(self, tmp_path: Path) -> None:
        """With an adapter that cannot load, readiness is 503 and the probe fails."""
        with run_server(
            tmp_path,
            ROOST_ADAPTER_NAMESPACE="roost.adapters.testing",
            ROOST_MODEL_DIR=tmp_path / "models",
        ) as server:
            assert server.get("/health/ready").status_code == 503
            result = self.probe(server.port)
        assert result.returncode != 0
        assert "503" in result.stderr

    def test_fails_when_nothing_listens(self) -> None:
        """With no server on the port the probe fails."""
        assert self.probe(free_port()).returncode != 0


@pytest.fixture(scope="module")
def context() -> set[str]:
    """The files `docker build -f deploy/Dockerfile .` would send, by docker-py."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    return set(exclude_paths(str(ROOT), patterns, "deploy/Dockerfile"))


class TestBuildContext:
    """.dockerignore keeps local state out and everything the Dockerfile copies in."""

    def test_holds_every_copied_source(self, context: set[str]) -> None:
        """Each COPY source of the wheel stage, and every file under it, is sent."""
        copied = [
            source.rstrip("/")
            for arguments in arguments_of("COPY", stages()[0])
            for source in arguments.split()[:-1]
        ]
        assert copied
        for source in copied:
            assert source in context
            path = ROOT / source
            if path.is_dir():
                for module in path.rglob("*.py"):
                    relative = module.relative_to(ROOT)
                    if not {"build", "__pycache__", "tests"} & set(relative.parts):
                        assert str(relative) in context

    def test_holds_every_adapter_distribution(self, context: set[str]) -> None:
        """Every adapters/*/pyproject.toml and README are in the context."""
        adapters = sorted((ROOT / "adapters").glob("*/pyproject.toml"))
        assert adapters
        for project in adapters:
            folder = project.parent.relative_to(ROOT)
            assert str(folder / "pyproject.toml") in context
            assert str(folder / "README.md") in context

    @pytest.mark.parametrize(
        "local",
        [
            ".git",
            ".venv",
            ".tox",
            "build",
            "dist",
            "models",
            "tests",
            "adapters/house-prices/build",
            "adapters/house-prices/tests",
        ],
    )
    def test_leaves_out_local_state(self, context: set[str], local: str) -> None:
        """Virtualenvs, VCS data, build output, artifacts and tests are not sent."""
        assert not {
            path for path in context if path == local or path.startswith(local + "/")
        }

    def test_leaves_out_caches_and_egg_info(self, context: set[str]) -> None:
        """No __pycache__ folder or egg-info metadata is sent."""
        parts = {part for path in context for part in Path(path).parts}
        assert "__pycache__" not in parts
        assert not [part for part in parts if part.endswith(".egg-info")]


# --- Heroku and image release ---------------------------------------------------------


class TestHeroku:
    """heroku.yml builds the same Dockerfile; the Procfile needs only config vars."""

    def test_heroku_yml_builds_the_deploy_dockerfile(self) -> None:
        """heroku.yml's web image comes from a Dockerfile identical to deploy's."""
        (config,) = yaml_documents(ROOT / "heroku.yml")
        dockerfile = ROOT / config["build"]["docker"]["web"]
        # NOTE: Heroku's build context is the Dockerfile's folder, so the file
        # heroku.yml names must sit at the repository root (deploy/README.md).
        assert dockerfile.parent == ROOT
        assert dockerfile.is_file(), f"{dockerfile} is missing: copy deploy/Dockerfile"
        assert dockerfile.read_text() == DOCKERFILE.read_text()


class TestReleaseTargets:
    """deploy/release.mk: image, push and release as make dry runs."""

    MAKEFILE = ("-f", "deploy/release.mk")

    def test_image_builds_deploy_dockerfile_from_the_repo_root(self) -> None:
        """`make image` runs docker build -t roost:TAG -f deploy/Dockerfile ."""
        commands = make_dry_run(*self.MAKEFILE, "image", "TAG=abc123")
        assert commands == [
            ["docker", "build", "-t", "roost:abc123", "-f", "deploy/Dockerfile", "."]
        ]

    def test_push_builds_then_pushes_under_the_registry(self) -> None:
        """With REGISTRY set the image is tagged and pushed under it."""
        commands = make_dry_run(
            *self.MAKEFILE, "push", "TAG=abc123", "REGISTRY=ghcr.io/acme"
        )
        assert commands == [
            [
                "docker",
                "build",
                "-t",
                "ghcr.io/acme/roost:abc123",
                "-f",
                "deploy/Dockerfile",
                ".",
            ],
            ["docker", "push", "ghcr.io/acme/roost:abc123"],
        ]

    def test_release_pushes_to_heroku_and_releases_web(self) -> None:
        """`make release` retags for Heroku's registry and releases the web dyno."""
        commands = make_dry_run(
            *self.MAKEFILE, "release", "TAG=abc123", "HEROKU_APP=roost-prod"
        )
        assert commands[-3:] == [
            ["docker", "tag", "roost:abc123", "registry.heroku.com/roost-prod/web"],
            ["docker", "push", "registry.heroku.com/roost-prod/web"],
            ["heroku", "container:release", "web", "--app", "roost-prod"],
        ]

    def test_release_refuses_without_heroku_app(self) -> None:
        """Without HEROKU_APP, `make release` stops before any docker command."""
        result = run(
            ["make", *self.MAKEFILE, "release", "TAG=abc123", "DOCKER=false"],
        )
        assert result.returncode != 0
        assert "HEROKU_APP" in result.stderr

    def test_root_makefile_includes_the_release_targets(self) -> None:
        """The root Makefile includes deploy/release.mk, so `make -n image` works."""
        commands = make_dry_run("image", "TAG=abc123")
        assert commands[-1][:4] == ["docker", "build", "-t", "roost:abc123"]


# --- Kubernetes and KServe ------------------------------------------------------------


def kserve_inference_service_schema() -> dict[str, Any]:
    """Return a JSON schema for the InferenceService fields roost's manifest uses.

    KServe publishes its CRD schema only inside its Go repository and Helm charts;
    its Python SDK ships generated model classes, no schema, and pins pandas<3. So
    the envelope below is written from KServe's v1beta1 API reference: a
    PredictorSpec is a Kubernetes PodSpec (fields inlined) plus KServe's
    ComponentExtensionSpec. Everything Kubernetes-shaped (metadata, containers,
    volumes, probes, security contexts) is checked against kubernetes-validate's
    bundled strict schema, so unknown fields fail at every level.
    """
    pod_spec = "io.k8s.api.core.v1.PodSpec"
    definitions = json.loads(_k8s_definitions_text())["$defs"]
    pod_fields = {
        name: {"$ref": f"{K8S_DEFINITIONS}#/$defs/{pod_spec}/properties/{name}"}
        for name in definitions[pod_spec]["properties"]
    }
    string_map = {"type": "object", "additionalProperties": {"type": "string"}}
    component_extension = {
        "minReplicas": {"type": "integer", "minimum": 0},
        "maxReplicas": {"type": "integer", "minimum": 0},
        "scaleTarget": {"type": "integer", "minimum": 1},
        "scaleMetric": {"enum": ["cpu", "memory", "concurrency", "rps"]},
        "scaleMetricType": {"enum": ["Utilization", "AverageValue"]},
        "containerConcurrency": {"type": "integer", "minimum": 0},
        "timeout": {"type": "integer", "minimum": 1},
        "canaryTrafficPercent": {"type": "integer", "minimum": 0, "maximum": 100},
        "labels": string_map,
        "annotations": string_map,
        "deploymentStrategy": {
            "$ref": f"{K8S_DEFINITIONS}#/$defs/io.k8s.api.apps.v1.DeploymentStrategy"
        },
    }
    predictor = {
        "type": "object",
        "required": ["containers"],
        "properties": {
            **pod_fields,
            **component_extension,
            "containers": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "$ref": f"{K8S_DEFINITIONS}#/$defs/io.k8s.api.core.v1.Container"
                },
            },
        },
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": "serving.kserve.io/v1beta1"},
            "kind": {"const": "InferenceService"},
            "metadata": {
                "$ref": f"{K8S_DEFINITIONS}#/$defs/"
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                "required": ["name"],
            },
            "spec": {
                "type": "object",
                "required": ["predictor"],
                "additionalProperties": False,
                "properties": {"predictor": predictor},
            },
        },
    }


def _k8s_definitions_text() -> str:
    """Return kubernetes-validate's strict definitions for K8S_VERSION."""
    folder = f"v{K8S_VERSION}-local-strict"
    schemas = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    return (schemas / folder / "_definitions.json").read_text()


class TestKubernetesManifests:
    """deploy/k8s: strictly valid core resources wired to one another."""

    CORE = ("deployment.yaml", "service.yaml", "hpa.yaml", "ingress.yaml")

    @pytest.mark.parametrize("name", CORE)
    def test_validates_strictly(self, name: str) -> None:
        """kubernetes-validate --strict accepts the resource for Kubernetes 1.30."""
        result = run(
            [
                tool("kubernetes-validate"),
                "--strict",
                "--kubernetes-version",
                K8S_VERSION,
                str(K8S / name),
            ]
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "passed" in result.stdout
        assert "WARN" not in result.stdout

    def test_kustomization_applies_exactly_the_core_resources(self) -> None:
        """`kubectl apply -k` gets the core files, not KServe's or the controller's."""
        kustomization = manifest("kustomization.yaml")
        assert kustomization["resources"] == list(self.CORE)
        on_disk = {path.name for path in K8S.glob("*.yaml")}
        assert on_disk == {
            *self.CORE,
            "kustomization.yaml",
            "inferenceservice.yaml",
            "ingress-nginx-controller.yaml",
        }

    def test_deployment_runs_two_hardened_replicas(self) -> None:
        """Two replicas, uid 10001, read-only root, no privilege escalation."""
        deployment = manifest("deployment.yaml")
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert deployment["spec"]["replicas"] == 2
        assert container["image"] == "roost:latest"
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True
        assert security["runAsUser"] == 10001
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert set(container["resources"]) == {"requests", "limits"}

    def test_deployment_gives_tmp_a_writable_volume(self) -> None:
        """The only writable path under the read-only root is an emptyDir at /tmp."""
        pod = manifest("deployment.yaml")["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        mounts = {
            mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]
        }
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        assert "emptyDir" in volumes[mounts[TMP]]

    def test_deployment_probes_the_v2_health_routes(self) -> None:
        """Liveness and startup probe /v2/health/live; readiness /v2/health/ready."""
        (container,) = manifest("deployment.yaml")["spec"]["template"]["spec"][
            "containers"
        ]
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        paths = {}
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            action = container[probe]["httpGet"]
            assert ports[action["port"]] == 8000
            paths[probe] = action["path"]
        assert paths == {
            "livenessProbe": "/v2/health/live",
            "readinessProbe": "/v2/health/ready",
            "startupProbe": "/v2/health/live",
        }

    def test_deployment_env_matches_the_settings_it_means(self) -> None:
        """The container's environment parses to 0.0.0.0:8000, production, /models."""
        (container,) = manifest("deployment.yaml")["spec"]["template"]["spec"][
            "containers"
        ]
        settings = Settings.from_env(container_env(container))
        assert (settings.host, settings.port) == (ALL_INTERFACES, 8000)
        assert settings.profile == "production"
        assert str(settings.model_dir) == "/models"

    def test_grace_period_outlasts_prestop_and_gunicorn(self) -> None:
        """The grace period exceeds preStop's sleep plus gunicorn's graceful timeout."""
        pod = manifest("deployment.yaml")["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        settings = Settings.from_env(container_env(container))
        sleep = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
        assert pod["terminationGracePeriodSeconds"] > sleep + settings.graceful_timeout

    def test_service_sends_port_80_to_the_container_port(self) -> None:
        """The ClusterIP Service selects the pods and targets their port 8000."""
        service = manifest("service.yaml")
        deployment = manifest("deployment.yaml")
        (port,) = service["spec"]["ports"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        named = {item["name"]: item["containerPort"] for item in container["ports"]}
        assert service["spec"]["type"] == "ClusterIP"
        assert port["port"] == 80
        assert named[port["targetPort"]] == 8000
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()

    def test_hpa_scales_the_deployment_on_cpu(self) -> None:
        """The autoscaling/v2 HPA targets the Deployment at 70% CPU utilisation."""
        hpa = manifest("hpa.yaml")
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", "roost")
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"] == {
            "type": "Utilization",
            "averageUtilization": 70,
        }


@pytest.fixture
def predictor() -> dict[str, Any]:
    """The InferenceService's predictor spec."""
    return dict(manifest("inferenceservice.yaml")["spec"]["predictor"])


class TestInferenceService:
    """deploy/k8s/inferenceservice.yaml: roost as a KServe V2 custom predictor."""

    def test_matches_the_kserve_v1beta1_schema(self) -> None:
        """The resource fits KServe's envelope and the strict Kubernetes schemas."""
        definitions = referencing.Resource.from_contents(
            json.loads(_k8s_definitions_text())
        )
        registry = referencing.Registry().with_resource(K8S_DEFINITIONS, definitions)
        validator = jsonschema.Draft202012Validator(
            kserve_inference_service_schema(), registry=registry
        )
        errors = [
            f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(manifest("inferenceservice.yaml"))
        ]
        assert errors == []

    def test_schema_rejects_a_misspelt_field(self) -> None:
        """A typo in the predictor or its container fails validation."""
        definitions = referencing.Resource.from_contents(
            json.loads(_k8s_definitions_text())
        )
        registry = referencing.Registry().with_resource(K8S_DEFINITIONS, definitions)
        validator = jsonschema.Draft202012Validator(
            kserve_inference_service_schema(), registry=registry
        )
        resource = manifest("inferenceservice.yaml")
        resource["spec"]["predictor"]["minReplica"] = 1
        resource["spec"]["predictor"]["containers"][0]["readinesProbe"] = {}
        assert len(list(validator.iter_errors(resource))) == 2

    def test_kserve_reads_protocol_v2_from_its_container(
        self, predictor: dict[str, Any]
    ) -> None:
        """The first container is kserve-container with PROTOCOL=v2."""
        container = predictor["containers"][0]
        assert container["name"] == "kserve-container"
        assert container_env(container)["PROTOCOL"] == "v2"

    def test_roost_binds_the_port_kserve_routes_to(
        self, predictor: dict[str, Any]
    ) -> None:
        """Roost binds 0.0.0.0:8080, the one container port; PORT is left to Knative."""
        container = predictor["containers"][0]
        env = container_env(container)
        assert "PORT" not in env
        settings = Settings.from_env(env)
        assert (settings.host, settings.port) == (ALL_INTERFACES, 8080)
        assert [port["containerPort"] for port in container["ports"]] == [8080]
        for probe in ("livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["port"] == 8080
        assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"

    def test_runs_hardened_with_a_writable_tmp(self, predictor: dict[str, Any]) -> None:
        """Same security context as the Deployment, with /tmp on an emptyDir."""
        container = predictor["containers"][0]
        security = container["securityContext"]
        assert security["runAsUser"] == 10001
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        mounts = {
            mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]
        }
        volumes = {volume["name"]: volume for volume in predictor["volumes"]}
        assert "emptyDir" in volumes[mounts[TMP]]

    def test_kubernetes_validate_has_no_schema_for_it(self) -> None:
        """kubernetes-validate knows no CRDs, hence the dedicated schema above."""
        with pytest.raises(kubernetes_validate.SchemaNotFoundError):
            kubernetes_validate.validate(
                manifest("inferenceservice.yaml"), K8S_VERSION, strict=True
            )


# --- CI/CD pipelines ------------------------------------------------------------------


class TestPipelines:
    """CircleCI and GitHub Actions: schema-valid, same jobs, releases from main only."""

    ORDER = (
        "test",
        "train",
        "differential_test",
        "publish_wheels",
        "build_and_push_image",
        "deploy",
    )
    MAIN_ONLY = ("publish_wheels", "build_and_push_image", "deploy")

    @pytest.mark.parametrize(
        ("path", "schemas"),
        [
            pytest.param(".circleci/config.yml", ["vendor.circle-ci"], id="circleci"),
            pytest.param(
                ".github/workflows/ci.yml",
                ["vendor.github-workflows", "custom.github-workflows-require-timeout"],
                id="github",
            ),
        ],
    )
    def test_matches_its_published_schema(self, path: str, schemas: list[str]) -> None:
        """check-jsonschema validates the file against its vendored schema, offline."""
        for schema in schemas:
            result = run([tool("check-jsonschema"), "--builtin-schema", schema, path])
            assert result.returncode == 0, result.stdout + result.stderr

    def test_circleci_workflow_chains_the_jobs(self) -> None:
        """Each job requires the one before; release jobs run on main only."""
        (config,) = yaml_documents(ROOT / ".circleci" / "config.yml")
        assert config["version"] == 2.1
        (workflow,) = config["workflows"].values()
        jobs = {
            name: options or {}
            for item in workflow["jobs"]
            for name, options in (
                item.items() if isinstance(item, dict) else [(item, {})]
            )
        }
        assert tuple(jobs) == self.ORDER
        for before, job in pairwise(self.ORDER):
            assert jobs[job]["requires"] == [before]
        for job in self.MAIN_ONLY:
            assert jobs[job]["filters"] == {"branches": {"only": "main"}}
        assert set(config["jobs"]) == set(self.ORDER)

    def test_github_workflow_chains_the_jobs(self) -> None:
        """Each job needs the one before; release jobs are guarded by the main ref."""
        (workflow,) = yaml_documents(ROOT / ".github" / "workflows" / "ci.yml")
        jobs = workflow["jobs"]
        assert tuple(jobs) == self.ORDER
        for before, job in pairwise(self.ORDER):
            assert jobs[job]["needs"] == before
        for job in self.MAIN_ONLY:
            assert jobs[job]["if"] == "github.ref == 'refs/heads/main'"
        for job in self.ORDER:
            uses = [step.get("uses", "") for step in jobs[job]["steps"]]
            assert "actions/checkout@v4" in uses
            setup = [
                step
                for step in jobs[job]["steps"]
                if "setup-python" in step.get("uses", "")
            ]
            for step in setup:
                assert step["uses"] == "actions/setup-python@v5"
                assert step["with"]["python-version"] == "3.11"

    @pytest.mark.parametrize(
        "path", [".circleci/config.yml", ".github/workflows/ci.yml"]
    )
    def test_runs_the_same_commands(self, path: str) -> None:
        """Both pipelines use the Makefile's targets and the same diff gate."""
        text = (ROOT / path).read_text()
        for command in (
            "make test",
            "make train",
            "make dist",
            "make push",
            "make release",
            "roost diff house-prices",
            "--tolerance 0.05",
            "twine upload",
            "heroku container:login",
        ):
            assert command in text, f"{path} lacks {command!r}"

"""Traffic splits: parsing ROOST_TRAFFIC, choosing versions, routing requests."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import falcon.testing
import pytest

from roost.controllers.app import create_app
from roost.core.runtime.settings import Settings
from roost.core.serving.traffic import Split, key_point

TESTING = "roost.adapters.testing"


def _app(tmp_path: Path, **settings: object) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(
        create_app(
            Settings.for_profile(
                "testing",
                adapter_namespace=TESTING,
                model_dir=tmp_path,
                default_model="echo",
                **settings,
            )
        )
    )


class TestSplit:
    """Choosing a version by weight, or by routing key."""

    def test_versions_get_their_share(self) -> None:
        """Over many requests without a key, each version gets about its weight."""
        split = Split.weighted({"1.0": 80, "2.0": 20})
        counts = Counter(split.choose() for _ in range(20_000))
        assert 0.77 < counts["1.0"] / 20_000 < 0.83
        assert counts.keys() == {"1.0", "2.0"}

    def test_a_key_always_gets_one_version(self) -> None:
        """The same routing key lands on the same version every time."""
        split = Split.weighted({"1.0": 50, "2.0": 50})
        for key in ("alice", "bob", "carol", "x" * 500):
            assert len({split.choose(key) for _ in range(50)}) == 1

    def test_keys_spread_by_weight(self) -> None:
        """Distinct keys spread over the versions in proportion to the weights."""
        split = Split.weighted({"1.0": 90, "2.0": 10})
        counts = Counter(split.choose(f"user-{n}") for n in range(10_000))
        assert 0.87 < counts["1.0"] / 10_000 < 0.93

    def test_key_points_are_stable_across_processes(self) -> None:
        """A key's point is a hash of its bytes, not Python's salted `hash`."""
        assert key_point("alice") == pytest.approx(0.3043659, abs=1e-7)

    def test_growing_the_last_version_keeps_its_keys(self) -> None:
        """A canary raised from 10 to 20 % keeps every key it already had."""
        before = Split.weighted({"1.0": 90, "2.0": 10})
        after = Split.weighted({"1.0": 80, "2.0": 20})
        keys = [f"user-{n}" for n in range(2_000)]
        canary = {k for k in keys if before.choose(k) == "2.0"}
        assert canary
        assert all(after.choose(k) == "2.0" for k in canary)

    def test_one_version_takes_everything(self) -> None:
        """A split of one version sends every request there."""
        split = Split.weighted({"2.0": 1})
        assert {split.choose() for _ in range(100)} == {"2.0"}


class TestRouting:
    """Requests that name no version follow the split; versioned ones never do."""

    def test_unversioned_requests_follow_the_split(self, tmp_path: Path) -> None:
        """v1, V2 and the regression route all split; the header says who served."""
        client = _app(tmp_path, traffic={"echo": {"1.0": 50, "2.0": 50}})
        seen: Counter[str] = Counter()
        for _ in range(40):
            for result in (
                client.simulate_post("/v1/models/echo/predict", json=[{"x": 2}]),
                client.simulate_post("/v1/predict/regression", json=[{"x": 2}]),
                client.simulate_post(
                    "/v2/models/echo/infer",
                    json={
                        "inputs": [
                            {"name": "x", "datatype": "FP64", "shape": [1], "data": [2]}
                        ]
                    },
                ),
            ):
                assert result.status_code == 200, result.text
                version = result.headers["X-Model-Version"]
                body = result.json
                value = (
                    body["outputs"][0]["data"][0]
                    if "outputs" in body
                    else body["predictions"][0]
                )
                assert value == {"1.0": 2, "2.0": 4}[version]
                seen[version] += 1
        assert seen["1.0"] > 20
        assert seen["2.0"] > 20

    def test_versioned_requests_are_never_split(self, tmp_path: Path) -> None:
        """A request naming a version gets it, whatever the split says."""
        client = _app(tmp_path, traffic={"echo": {"2.0": 1}})
        for path in ("/v1/models/echo/versions/1.0/predict",):
            for _ in range(20):
                result = client.simulate_post(path, json=[{"x": 2}])
                assert result.headers["X-Model-Version"] == "1.0"
        v2 = client.simulate_post(
            "/v2/models/echo/versions/1.0/infer",
            json={
                "inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [2]}]
            },
        )
        assert v2.headers["X-Model-Version"] == "1.0"

    def test_without_a_split_the_default_serves(self, tmp_path: Path) -> None:
        """With no split, unversioned requests get the newest version."""
        client = _app(tmp_path)
        versions = {
            client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}]).headers[
                "X-Model-Version"
            ]
            for _ in range(20)
        }
        assert versions == {"2.0"}

    def test_a_routing_key_keeps_its_version(self, tmp_path: Path) -> None:
        """Each key gets one version on every request; keys reach both."""
        client = _app(tmp_path, traffic={"echo": {"1.0": 50, "2.0": 50}})
        by_key = {}
        for n in range(16):
            versions = {
                client.simulate_post(
                    "/v1/models/echo/predict",
                    json=[{"x": 1}],
                    headers={"X-Routing-Key": f"user-{n}"},
                ).headers["X-Model-Version"]
                for _ in range(5)
            }
            assert len(versions) == 1
            by_key[n] = versions.pop()
        assert set(by_key.values()) == {"1.0", "2.0"}

    def test_a_split_to_a_missing_version_is_reported(self, tmp_path: Path) -> None:
        """The server starts; readiness and unversioned requests say why: 503."""
        client = _app(tmp_path, traffic={"echo": {"1.0": 1, "9.9": 1}})
        ready = client.simulate_get("/health/ready")
        assert ready.status_code == 503
        assert "ROOST_TRAFFIC" in ready.text
        assert "9.9" in ready.text
        answer = client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}])
        assert answer.status_code == 503
        assert "ROOST_TRAFFIC" in answer.json["error"]
        versioned = client.simulate_post(
            "/v1/models/echo/versions/1.0/predict", json=[{"x": 1}]
        )
        assert versioned.status_code == 200

    def test_a_split_of_an_unknown_model_is_reported(self, tmp_path: Path) -> None:
        """A split naming a model that is not installed fails readiness only."""
        client = _app(tmp_path, traffic={"nosuch": {"1.0": 1}})
        ready = client.simulate_get("/health/ready")
        assert ready.status_code == 503
        assert "nosuch" in ready.text
        answer = client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}])
        assert answer.status_code == 200

    def test_an_unusable_traffic_file_is_reported(self, tmp_path: Path) -> None:
        """A traffic file that cannot be read fails readiness, not the worker."""
        client = _app(tmp_path, traffic_file=tmp_path / "missing")
        ready = client.simulate_get("/health/ready")
        assert "ROOST_TRAFFIC_FILE" in ready.text
        answer = client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}])
        assert answer.status_code == 200

    def test_the_traffic_file_sets_the_split(self, tmp_path: Path) -> None:
        """The file's split replaces the environment's as the app is built."""
        path = tmp_path / "traffic"
        path.write_text("ROOST_TRAFFIC=echo=1.0:1\n")
        client = _app(tmp_path, traffic={"echo": {"2.0": 1}}, traffic_file=path)
        for _ in range(10):
            answer = client.simulate_post("/v1/models/echo/predict", json=[{"x": 1}])
            assert answer.headers["X-Model-Version"] == "1.0"

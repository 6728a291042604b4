"""Live inputs binned off the request's thread, and their PSI in /metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import falcon.testing
import numpy as np
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from roost.controllers.app import create_app
from roost.core import AdapterContext, ModelAdapter
from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.monitoring.binning import bin_features
from roost.core.monitoring.drift_observer import DriftObserver, reference_bins
from roost.core.runtime.metrics import Metrics
from roost.core.runtime.settings import Settings
from roost_house_prices.config import FEATURES
from roost_house_prices.dataset import load_dataset

SCHEMA = {"size": {"type": "float"}, "colour": {"type": "string"}}
KEY = ("shop", "1.0")


@dataclass(frozen=True)
class Rows:
    """What the data plane hands observers, reduced to what drift reads."""

    name: str
    version: str
    frame: pd.DataFrame
    columns: Mapping[str, Sequence[Any]] | None = None


def reference() -> pd.DataFrame:
    """Sizes 0-999 and two colours."""
    return pd.DataFrame(
        {"size": np.arange(1000, dtype=float), "colour": ["red", "blue"] * 500}
    )


def samples(metrics: Metrics, name: str) -> list[tuple[dict[str, str], float]]:
    """Return the labels and value of each sample called `name` in /metrics."""
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
        if sample.name == name
    ]


def drift(metrics: Metrics) -> dict[str, float]:
    """Return roost_feature_drift per feature."""
    return {
        labels["feature"]: value
        for labels, value in samples(metrics, "roost_feature_drift")
    }


def rows_counted(metrics: Metrics, feature: str) -> float:
    """Return the rows counted in every bin of `feature`."""
    return sum(
        value
        for labels, value in samples(metrics, "roost_feature_bin_total")
        if labels["feature"] == feature
    )


class TestDriftObserver:
    """Counts go to roost_feature_bin_total; PSI comes out at scrape time."""

    def test_a_shifted_feature_drifts_and_the_other_does_not(self) -> None:
        """Sizes moved up by 800 read as a shift; colours stay stable."""
        metrics = Metrics()
        observer = DriftObserver({KEY: bin_features(reference(), SCHEMA)}, metrics, 8)
        observer.observe(Rows(*KEY, reference()))
        observer.flush()
        assert all(value < 0.1 for value in drift(metrics).values())
        shifted = reference().assign(size=lambda f: f["size"] + 800)
        observer.observe(Rows(*KEY, shifted))
        observer.observe(Rows(*KEY, shifted))
        observer.flush()
        values = drift(metrics)
        assert values["size"] > 0.25
        assert values["colour"] < 0.1
        assert rows_counted(metrics, "size") == 3000

    def test_one_row_batches_share_a_binning_pass(self) -> None:
        """Batches arriving within the gathering pause are binned together."""

        class PassCounting(DriftObserver):
            passes: ClassVar[list[int]] = []

            def _count(self, batches: list[Any]) -> None:
                self.passes.append(len(batches))
                super()._count(batches)

        metrics = Metrics()
        observer = PassCounting({KEY: bin_features(reference(), SCHEMA)}, metrics, 64)
        rows = [reference().iloc[[n]] for n in range(10)]
        for row in rows:  # about 10 ms in all, well within the 50 ms pause
            observer.observe(Rows(*KEY, row))
            time.sleep(0.001)
        observer.flush()
        assert rows_counted(metrics, "size") == 10
        assert len(observer.passes) <= 5  # without the pause: one pass per batch
        assert sum(observer.passes) == 10

    def test_columns_at_hand_are_counted_instead_of_the_frame(self) -> None:
        """A record's columns, when set, are what the observer bins."""
        metrics = Metrics()
        observer = DriftObserver({KEY: bin_features(reference(), SCHEMA)}, metrics, 8)
        frame = pd.DataFrame({"size": [1.0], "colour": ["red"]})
        observer.observe(
            Rows(*KEY, frame, {"size": [2.0, 3.0], "colour": [None, None]})
        )
        observer.flush()
        assert rows_counted(metrics, "size") == 2
        colours = {
            labels["bin"]: value
            for labels, value in samples(metrics, "roost_feature_bin_total")
            if labels["feature"] == "colour" and value
        }
        assert colours == {"<missing>": 2}

    def test_nothing_is_exported_before_rows_arrive(self) -> None:
        """Without counted rows there is no PSI to show."""
        metrics = Metrics()
        DriftObserver({KEY: bin_features(reference(), SCHEMA)}, metrics, 8)
        assert drift(metrics) == {}

    def test_models_without_reference_rows_are_ignored(self) -> None:
        """Rows of a model with no bins are neither queued nor counted."""
        metrics = Metrics()
        observer = DriftObserver({KEY: bin_features(reference(), SCHEMA)}, metrics, 8)
        observer.observe(Rows("other", "1.0", reference()))
        observer.flush()
        assert samples(metrics, "roost_feature_bin_total") == []

    def test_a_full_queue_drops_and_counts(self) -> None:
        """While the thread is busy and the queue full, a batch is dropped."""
        metrics = Metrics()
        observer = DriftObserver({KEY: bin_features(reference(), SCHEMA)}, metrics, 1)
        with stalled(observer):
            observer.observe(Rows(*KEY, reference()))  # fills the queue
            observer.observe(Rows(*KEY, reference()))  # dropped
        observer.flush()
        assert samples(metrics, "roost_drift_dropped_total") == [
            ({"model": "shop", "version": "1.0"}, 1.0)
        ]
        assert rows_counted(metrics, "size") == 1001

    def test_batches_waiting_together_are_counted_together(self) -> None:
        """Ten one-row batches queued behind a busy thread add up to ten rows."""
        metrics = Metrics()
        observer = DriftObserver({KEY: bin_features(reference(), SCHEMA)}, metrics, 64)
        with stalled(observer):
            for size in range(10):
                row = pd.DataFrame({"size": [990.0 + size], "colour": ["red"]})
                observer.observe(Rows(*KEY, row))
        observer.flush()
        assert rows_counted(metrics, "size") == 11
        assert rows_counted(metrics, "colour") == 11

    def test_a_large_request_is_binned_by_a_sample(self) -> None:
        """Of 1000 rows, 100 are counted; their shares still match the rows'."""
        metrics = Metrics()
        observer = DriftObserver(
            {KEY: bin_features(reference(), SCHEMA)}, metrics, 8, sample_rows=100
        )
        rows = reference().assign(colour=["red"] * 900 + ["blue"] * 100)
        observer.observe(Rows(*KEY, rows))
        observer.observe(Rows(*KEY, rows.iloc[:40]))  # small: every row counts
        observer.flush()
        assert rows_counted(metrics, "size") == 140
        red = sum(
            value
            for labels, value in samples(metrics, "roost_feature_bin_total")
            if labels["feature"] == "colour" and labels["bin"] == "red"
        )
        assert 40 + 75 <= red <= 40 + 100  # about 90 of the 100 sampled are red

    def test_no_sample_counts_every_row(self) -> None:
        """sample_rows=0 bins all 1000 rows."""
        metrics = Metrics()
        observer = DriftObserver(
            {KEY: bin_features(reference(), SCHEMA)}, metrics, 8, sample_rows=0
        )
        observer.observe(Rows(*KEY, reference()))
        observer.flush()
        assert rows_counted(metrics, "size") == 1000


@contextmanager
def stalled(observer: DriftObserver) -> Iterator[None]:
    """Keep the observer's thread busy on a one-row batch until the block ends."""
    busy, release = threading.Event(), threading.Event()

    class Stalling:
        """A category value whose text waits until the block ends."""

        def __str__(self) -> str:
            busy.set()
            release.wait(10)
            return "red"

    observer.observe(Rows(*KEY, pd.DataFrame({"size": [1.0], "colour": [Stalling()]})))
    assert busy.wait(10)
    try:
        yield
    finally:
        release.set()


class Referenced(ModelAdapter):
    """An adapter whose reference rows are sizes and colours."""

    name: ClassVar[str] = "referenced"
    version: ClassVar[str] = "1.0"
    task: ClassVar[str] = "regression"
    input_schema: ClassVar[dict[str, Any]] = SCHEMA

    def reference_data(self) -> pd.DataFrame:
        """Return the sizes and colours."""
        return reference()


class Unreferenced(Referenced):
    """An adapter with no reference rows."""

    name: ClassVar[str] = "unreferenced"

    def reference_data(self) -> None:
        """Return nothing."""
        return


class BrokenReference(Referenced):
    """An adapter whose reference rows cannot be read."""

    name: ClassVar[str] = "broken-reference"

    def reference_data(self) -> pd.DataFrame:
        """Fail as a missing file would."""
        raise FileNotFoundError("reference.csv")


class TestReferenceBins:
    """Bins come from each ready adapter that has usable reference rows."""

    def test_only_adapters_with_usable_reference_rows(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Rows: binned; none: skipped; failing: skipped and logged."""
        entries = []
        for adapter_class in (Referenced, Unreferenced, BrokenReference):
            context = AdapterContext(adapter_class.name, "1.0", tmp_path)
            entries.append(
                AdapterEntry(
                    adapter_class.name,
                    "1.0",
                    "test",
                    adapter_class,
                    context,
                    adapter_class(context),
                    loaded=True,
                )
            )
        bins = reference_bins(Registry(entries))
        assert list(bins) == [("referenced", "1.0")]
        assert "broken-reference" in caplog.text


def house_rows(count: int) -> list[dict[str, Any]]:
    """Reference rows of house-prices as records, missing values as None."""
    frame = load_dataset("test.csv")[list(FEATURES)].sample(count, random_state=0)
    return [
        {key: None if pd.isna(value) else value for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


class TestDriftInTheApp:
    """build_dataplane wires drift from ROOST_DRIFT_QUEUE."""

    def metrics_after(self, model_dir: Path, **settings: Any) -> str:
        """Predict 300 house rows with a fresh app; return its /metrics text."""
        app = create_app(
            Settings.for_profile("testing", model_dir=model_dir, **settings)
        )
        client = falcon.testing.TestClient(app)
        result = client.simulate_post(
            "/v1/models/house-prices/predict",
            params={"partial": "true"},
            json=house_rows(300),
        )
        assert result.status_code == 200
        for observer in app.dataplane.observers:  # type: ignore[attr-defined]
            observer.flush()
        return client.simulate_get("/metrics").text

    def drift_of(self, model_dir: Path, queue: int) -> dict[str, float]:
        """Predict house rows with a fresh app; return its drift by feature."""
        text = self.metrics_after(model_dir, drift_queue=queue)
        return {
            sample.labels["feature"]: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "roost_feature_drift"
        }

    @pytest.mark.parametrize(("sample_rows", "counted"), [(100, 100), (0, 300)])
    def test_the_sample_setting_caps_the_rows_binned(
        self, house_prices_model_dir: Path, sample_rows: int, counted: int
    ) -> None:
        """ROOST_DRIFT_SAMPLE_ROWS=100 bins 100 of 300 rows; 0 bins all 300."""
        text = self.metrics_after(house_prices_model_dir, drift_sample_rows=sample_rows)
        rows = sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "roost_feature_bin_total"
            and sample.labels["feature"] == "GrLivArea"
        )
        assert rows == counted

    def test_house_prices_reference_rows_give_drift(
        self, house_prices_model_dir: Path
    ) -> None:
        """Every house-prices input gets a PSI, low for reference-like rows."""
        values = self.drift_of(house_prices_model_dir, 64)
        assert len(values) == len(FEATURES)
        assert max(values.values()) < 0.25

    def test_no_observer_without_reference_rows(
        self, testing_settings: Settings
    ) -> None:
        """The test adapters have no reference rows: nothing observes them."""
        app = create_app(testing_settings)
        assert app.dataplane.observers == []  # type: ignore[attr-defined]

    def test_a_queue_of_zero_turns_drift_off(
        self, house_prices_model_dir: Path
    ) -> None:
        """ROOST_DRIFT_QUEUE=0: no observer, no roost_feature_drift."""
        assert self.drift_of(house_prices_model_dir, 0) == {}

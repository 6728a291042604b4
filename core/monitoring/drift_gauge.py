"""`roost_feature_drift`: PSI per feature, computed when /metrics is scraped.

Each worker counts its rows into the counter `roost_feature_bin_total`;
prometheus-client's multiprocess collector sums those over every worker, and
this derivation turns the summed counts into one PSI per feature against the
reference rows' counts. Every worker draws the same bins, so any worker can
answer the scrape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from roost.core.monitoring.binning import ModelBins
from roost.core.monitoring.psi import psi

__all__ = ["BIN_COUNTER", "DRIFT_GAUGE", "bin_totals", "drift_metrics"]

#: The counter's family name, as prometheus-client names it (no `_total`).
BIN_COUNTER = "roost_feature_bin"
DRIFT_GAUGE = "roost_feature_drift"

BinKey = tuple[str, str, str]  # model, version, feature


def bin_totals(collected: Sequence[Metric]) -> dict[BinKey, dict[str, float]]:
    """Sum the collected bin counts by model, version, feature and bin."""
    totals: dict[BinKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for metric in collected:
        if metric.name != BIN_COUNTER:
            continue
        for sample in metric.samples:
            if sample.name != f"{BIN_COUNTER}_total":
                continue
            labels = sample.labels
            key = (labels["model"], labels["version"], labels["feature"])
            totals[key][labels["bin"]] += sample.value
    return totals


def drift_metrics(
    bins: Mapping[tuple[str, str], ModelBins], collected: Sequence[Metric]
) -> Iterator[Metric]:
    """Yield `roost_feature_drift` for every feature that has counted rows."""
    gauge = GaugeMetricFamily(
        DRIFT_GAUGE,
        "Population stability index of each feature's live inputs (every row "
        "validated since the server started) against the model's reference "
        "rows: < 0.1 stable, 0.1-0.25 moderate, > 0.25 shifted.",
        labels=["model", "version", "feature"],
    )
    totals = bin_totals(collected)
    for (model, version), model_bins in bins.items():
        for feature in model_bins.features:
            counted = totals.get((model, version, feature.feature))
            if not counted:
                continue
            live = [counted.get(label, 0.0) for label in feature.labels]
            if sum(live) <= 0 or sum(feature.reference) <= 0:
                continue
            gauge.add_metric(
                [model, version, feature.feature], psi(feature.reference, live)
            )
    yield gauge

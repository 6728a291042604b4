"""`roost diff`: two artifacts' predictions compared within a tolerance."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from roost.core import Output
from roost.core.batch.diff import (
    DiffError,
    DiffReport,
    OutputDiff,
    compare_output,
    difference,
    resolve_baseline,
    run_diff,
)
from roost.core.contract.adapter import AdapterContext
from roost.core.contract.registry import AdapterEntry, Registry
from roost_house_prices.adapter import HousePricesAdapter
from roost_house_prices.dataset import load_dataset

NAME, VERSION = "house-prices", HousePricesAdapter.version


class TestDifference:
    """How far apart two predictions are, relative to the larger one."""

    def test_relative_to_the_larger_magnitude(self) -> None:
        """100 against 105 differs by 5/105, as math.isclose measures it."""
        assert difference(100.0, 105.0) == pytest.approx(5 / 105)
        assert difference(0, 0.0) == 0.0

    def test_missing_and_mismatched_outputs_are_infinitely_apart(self) -> None:
        """None against a number, or two different labels, never pass."""
        assert difference(None, 1.0) == math.inf
        assert difference("a", "b") == math.inf
        assert difference(None, None) == 0.0


LABELS = ("cheap", "mid", "dear")


class TestCompareOutput:
    """Each kind of output is measured its own way."""

    def test_labels_by_agreement(self) -> None:
        """Two of four labels agree: agreement 50%, two rows disagree."""
        diff = compare_output(
            Output.label(LABELS),
            ["cheap", "mid", "dear", "mid"],
            ["cheap", "mid", "mid", "dear"],
        )
        assert diff.agreement == 0.5
        assert diff.beyond(0.05) == 2
        assert diff.passed(0.05, min_agreement=0.5)
        assert not diff.passed(0.05, min_agreement=0.51)

    def test_probabilities_by_largest_absolute_difference(self) -> None:
        """Per row, the largest move of any class's probability."""
        diff = compare_output(
            Output.probabilities(LABELS),
            [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]],
            [[0.1, 0.3, 0.6], [1.0, 0.0, 0.0]],
        )
        assert diff.values.tolist() == pytest.approx([0.1, 0.0])
        assert diff.beyond(0.05) == 1
        assert diff.passed(0.11, min_agreement=1.0)

    def test_numbers_by_relative_difference(self) -> None:
        """A regressor's output keeps the relative measure."""
        diff = compare_output(Output.number(), [100.0, 1.0], [105.0, 1.0])
        assert diff.values.tolist() == pytest.approx([5 / 105, 0.0])
        assert diff.measure == "relative difference"


class TestDiffReport:
    """The verdict and the short report."""

    def test_any_row_beyond_tolerance_fails(self) -> None:
        """One row over 5% fails the comparison and is counted."""
        output = OutputDiff(Output.number(), np.array([0.0, 0.01, 0.06]))
        report = DiffReport("c", "b", "data", 3, (output,))
        assert (output.beyond(0.05), report.passed) == (1, False)
        assert "1 rows beyond 5.00%  FAIL" in report.render()
        assert "FAIL: predictions beyond the limits" in report.render()

    def test_classifier_passes_on_agreement_and_probabilities(self) -> None:
        """Both outputs within their limits: the report passes and says so."""
        labels = OutputDiff(Output.label(LABELS), np.array([0.0] * 99 + [1.0]))
        probabilities = OutputDiff(Output.probabilities(LABELS), np.array([0.01] * 100))
        report = DiffReport("c", "b", "data", 100, (labels, probabilities))
        assert report.passed
        text = report.render()
        assert "agreement 99.00%" in text
        assert "probabilities (probabilities)" in text and "PASS" in text

    def test_nothing_compared_fails(self) -> None:
        """With no valid row there is nothing to vouch for: fail."""
        report = DiffReport(
            "c", "b", "data", 2, (OutputDiff(Output.number(), np.array([])),)
        )
        assert not report.passed
        assert "no valid row" in report.render()


class TestResolveBaseline:
    """A baseline is a folder, an artifact file or a version."""

    def test_folder_file_and_version(self, house_prices_model_dir: Path) -> None:
        """Each spelling resolves to the same folder and version."""
        folder = house_prices_model_dir.resolve()
        artifact = folder / f"{NAME}-{VERSION}.joblib"
        for spec in (str(folder), str(artifact), VERSION):
            assert resolve_baseline(NAME, spec, folder, VERSION) == (folder, VERSION)

    def test_folder_of_several_versions_needs_a_file(
        self, house_prices_model_dir: Path, tmp_path: Path
    ) -> None:
        """A folder with two other versions asks for the .joblib file."""
        for version in ("0.8", "0.9"):
            for suffix in (".json", ".joblib"):
                shutil.copy(
                    house_prices_model_dir / f"{NAME}-{VERSION}{suffix}",
                    tmp_path / f"{NAME}-{version}{suffix}",
                )
            manifest = tmp_path / f"{NAME}-{version}.json"
            manifest.write_text(
                manifest.read_text().replace(f'"{VERSION}"', f'"{version}"')
            )
        with pytest.raises(DiffError, match=r"versions 0\.8, 0\.9"):
            resolve_baseline(NAME, str(tmp_path), tmp_path, VERSION)

    def test_unknown_spec_is_refused(self, tmp_path: Path) -> None:
        """Neither a path nor a version: a clear error."""
        with pytest.raises(DiffError, match="neither an artifact"):
            resolve_baseline(NAME, "not a version", tmp_path, VERSION)


class _WithReferenceData(HousePricesAdapter):
    """house-prices with the optional reference_data() hook."""

    def reference_data(self) -> pd.DataFrame:
        """Return the packaged test.csv rows."""
        return load_dataset("test.csv")


class _WithoutReferenceData(HousePricesAdapter):
    """house-prices whose hook says it has no reference rows."""

    def reference_data(self) -> None:
        """Have none, as the contract's default does."""
        return


def _registry(adapter_class: type[HousePricesAdapter], model_dir: Path) -> Registry:
    context = AdapterContext(NAME, VERSION, model_dir)
    entry = AdapterEntry(NAME, VERSION, "test", adapter_class, context, loaded=True)
    return Registry([entry])


class TestRunDiff:
    """The comparison end to end, in process."""

    def test_hook_answering_none_asks_for_data(
        self, house_prices_model_dir: Path
    ) -> None:
        """A reference_data() that returns None means: pass --data."""
        registry = _registry(_WithoutReferenceData, house_prices_model_dir)
        with pytest.raises(DiffError, match="pass --data PATH"):
            run_diff(registry, NAME, VERSION)

    def test_reference_data_hook_is_used_without_data(
        self, house_prices_model_dir: Path, altered_model_dir: Path
    ) -> None:
        """An adapter's reference_data() supplies the rows when --data is absent."""
        registry = _registry(_WithReferenceData, house_prices_model_dir)
        same = run_diff(registry, NAME, str(house_prices_model_dir))
        assert same.passed
        assert same.source == "house-prices.reference_data()"
        assert same.rows == 1459 and same.compared > 1400
        assert not run_diff(registry, NAME, str(altered_model_dir)).passed

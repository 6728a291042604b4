"""The ONNX engine: chosen at packaging when it agrees, served by onnxruntime."""

from __future__ import annotations

import json
import logging
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io
from served_roads import assert_labels_agree
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn_models import (
    FEATURES,
    ONNX_FEATURES,
    STRINGS,
    onnx_band_pipeline,
    onnx_price_pipeline,
    unpacked,
)

from roost.core import AdapterContext
from roost.core.cli import main
from roost_sklearn.engines import ArtifactMismatchError, SklearnEngine, open_engine
from roost_sklearn.naming import PackagingError
from roost_sklearn.onnx_engine import OnnxEngine
from roost_sklearn.packaging import PackageRequest, package_model

TRUST = ("numpy.dtype",)


def _package(folder: Path, model: Any, name: str, **options: Any) -> Path:
    """Save `model` with skops and package it with the Ames rows beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    skops.io.dump(model, folder / f"{name}.skops")
    trust = tuple(skops.io.get_untrusted_types(file=folder / f"{name}.skops"))
    return package_model(
        PackageRequest(
            model=folder / f"{name}.skops",
            data=folder.parent / "houses.csv",
            name=name,
            version="1.0.0",
            target="SalePrice",
            output=folder / "dist",
            trust=trust,
            **options,
        )
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, fitted: pd.DataFrame) -> Path:
    """A folder with the Ames rows the ONNX pipelines read, as houses.csv."""
    folder = tmp_path_factory.mktemp("onnx")
    fitted[[*ONNX_FEATURES, "SalePrice"]].to_csv(folder / "houses.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def classifier(fitted: pd.DataFrame) -> Pipeline:
    """One-hot strings, imputed scaled numbers, LogisticRegression."""
    return onnx_band_pipeline(fitted)


@pytest.fixture(scope="module")
def regressor(fitted: pd.DataFrame) -> Pipeline:
    """The same columns into a Ridge."""
    return onnx_price_pipeline(fitted)


@pytest.fixture(scope="module")
def band_onnx(work: Path, classifier: Pipeline) -> Iterator[type[Any]]:
    """The classifier packaged with --engine auto (the default)."""
    wheel = _package(work / "band", classifier, "band")
    with unpacked(wheel, "roost_model_band_v1_0_0") as adapter_class:
        yield adapter_class


@pytest.fixture(scope="module")
def price_onnx(work: Path, regressor: Pipeline) -> Iterator[type[Any]]:
    """The regressor packaged with --engine onnx."""
    wheel = _package(work / "price", regressor, "price", engine="onnx")
    with unpacked(wheel, "roost_model_price_v1_0_0") as adapter_class:
        yield adapter_class


def _context(adapter_class: type[Any]) -> AdapterContext:
    card = adapter_class.card
    return AdapterContext(card.name, card.version, Path("/nonexistent"))


def _served(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows as roost's validator hands them over: None where missing."""
    return rows[ONNX_FEATURES].astype(object).where(rows[ONNX_FEATURES].notna(), None)


class TestClassifier:
    """OneHotEncoder + StandardScaler + LogisticRegression converts and agrees."""

    def test_card_names_onnx_and_its_difference(self, band_onnx: type[Any]) -> None:
        """The card names onnx; the largest probability difference is within 1e-6."""
        card = band_onnx.card
        assert card.engine == "onnx"
        assert card.onnx.refused is None
        assert card.onnx.file == "model.onnx"
        assert 0 <= card.onnx.max_difference <= card.onnx.tolerance == 1e-6

    def test_served_answers_equal_the_estimator(
        self, band_onnx: type[Any], classifier: Pipeline, held_out: pd.DataFrame
    ) -> None:
        """Labels equal; probabilities within the card's tolerance; gaps included."""
        rows = held_out[ONNX_FEATURES]
        assert rows.isna().any(axis=1).sum() > 10
        adapter = band_onnx(_context(band_onnx))
        adapter.load()
        assert isinstance(adapter._engine, OnnxEngine)
        answers = adapter.predict(_served(held_out))
        assert answers["predictions"].tolist() == classifier.predict(rows).tolist()
        labels_only = adapter.predict(_served(held_out), outputs=["predictions"])
        assert labels_only["predictions"].tolist() == answers["predictions"].tolist()
        np.testing.assert_allclose(
            answers["probabilities"],
            classifier.predict_proba(rows),
            rtol=0,
            atol=band_onnx.card.onnx.tolerance,
        )

    def test_columns_answer_as_the_frame(
        self, band_onnx: type[Any], held_out: pd.DataFrame
    ) -> None:
        """ONNX feeds from columns equal those from the frame: the same answers."""
        adapter = band_onnx(_context(band_onnx))
        adapter.load()
        assert_labels_agree(adapter, held_out[ONNX_FEATURES].head(25))

    def test_wheel_requires_the_onnx_extra(
        self, work: Path, band_onnx: type[Any]
    ) -> None:
        """The packaged wheel depends on roost-sklearn[onnx] and ships the graph."""
        del band_onnx
        (wheel,) = (work / "band" / "dist").glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            metadata = archive.read(
                "roost_model_band_v1_0_0-1.0.0.dist-info/METADATA"
            ).decode()
        assert "roost_model_band_v1_0_0/model.onnx" in names
        assert "roost_model_band_v1_0_0/model.skops" in names
        assert "Requires-Dist: roost-sklearn[onnx]>=" in metadata


class TestRegressor:
    """A Ridge pipeline converts; its relative difference is recorded."""

    def test_served_values_equal_the_estimator(
        self, price_onnx: type[Any], regressor: Pipeline, held_out: pd.DataFrame
    ) -> None:
        """Within the card's relative tolerance of scikit-learn's values."""
        card = price_onnx.card
        assert card.engine == "onnx"
        assert 0 <= card.onnx.max_difference <= 1e-6
        adapter = price_onnx(_context(price_onnx))
        adapter.load()
        got = adapter.predict(_served(held_out))
        want = regressor.predict(held_out[ONNX_FEATURES])
        np.testing.assert_allclose(got, want, rtol=card.onnx.tolerance)


class TestRefused:
    """When ONNX cannot match scikit-learn, the package keeps sklearn and says why."""

    def test_unconvertible_step_keeps_sklearn(
        self,
        work: Path,
        fitted: pd.DataFrame,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A FunctionTransformer of a numpy function: conversion fails, card says so."""
        columns = ["GrLivArea", "OverallQual"]
        model = make_pipeline(FunctionTransformer(np.log1p), Ridge())
        model.fit(fitted[columns], fitted["SalePrice"])
        work_dir = work / "log"
        work_dir.mkdir()
        fitted[[*columns, "SalePrice"]].to_csv(work_dir / "houses.csv", index=False)
        wheel = _package(work_dir / "m", model, "logprice")
        assert (
            "engine sklearn: ONNX refused: conversion failed" in capsys.readouterr().err
        )
        with unpacked(wheel, "roost_model_logprice_v1_0_0") as adapter_class:
            card = adapter_class.card
            assert card.engine == "sklearn"
            assert card.onnx.refused.startswith("conversion failed")
            assert card.onnx.file is None
            adapter = adapter_class(_context(adapter_class))
            adapter.load()
            assert isinstance(adapter._engine, SklearnEngine)

    def test_imputed_missing_strings_keep_sklearn(
        self, tmp_path: Path, band_model: Pipeline, fitted: pd.DataFrame
    ) -> None:
        """skl2onnx cannot impute NaN strings: the card keeps sklearn and says so."""
        assert fitted[STRINGS].isna().any().any()
        fitted[[*FEATURES, "SalePrice"]].to_csv(tmp_path / "houses.csv", index=False)
        wheel = _package(tmp_path / "m", band_model, "imputed")
        with unpacked(wheel, "roost_model_imputed_v1_0_0") as adapter_class:
            card = adapter_class.card
            assert card.engine == "sklearn"
            assert "missing values are string" in card.onnx.refused

    def test_zero_tolerance_keeps_sklearn(
        self, work: Path, classifier: Pipeline, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A tolerance below the difference refuses the graph, naming both."""
        wheel = _package(work / "strict", classifier, "strict", onnx_tolerance=0.0)
        err = capsys.readouterr().err
        assert "engine sklearn: ONNX refused: largest difference" in err
        with unpacked(wheel, "roost_model_strict_v1_0_0") as adapter_class:
            card = adapter_class.card
            assert card.engine == "sklearn"
            assert card.onnx.max_difference > 0
            assert "above the tolerance 0" in card.onnx.refused
        with zipfile.ZipFile(wheel) as archive:
            assert not any(n.endswith("model.onnx") for n in archive.namelist())

    def test_forced_onnx_is_refused_when_it_does_not_agree(
        self, work: Path, classifier: Pipeline
    ) -> None:
        """--engine onnx with a failing check is an error, not a silent fallback."""
        with pytest.raises(PackagingError, match="--engine onnx: the ONNX graph"):
            _package(
                work / "forced", classifier, "forced", engine="onnx", onnx_tolerance=0.0
            )


class TestLoad:
    """Loading checks the graph's sha256, and falls back without onnxruntime."""

    def test_altered_graph_is_refused(self, band_onnx: type[Any]) -> None:
        """One changed byte of model.onnx and load refuses it."""
        folder = Path(sys.modules[band_onnx.__module__].__file__ or "").parent

        def read(name: str) -> bytes:
            data = bytearray((folder / name).read_bytes())
            if name == "model.onnx":
                data[-1] ^= 1
            return bytes(data)

        with pytest.raises(ArtifactMismatchError, match=r"model\.onnx"):
            open_engine(band_onnx.card, read)

    def test_without_onnxruntime_sklearn_serves(
        self,
        band_onnx: type[Any],
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Without onnxruntime the skops artifact serves, with a warning."""
        monkeypatch.setitem(sys.modules, "onnxruntime", None)
        adapter = band_onnx(_context(band_onnx))
        logger = logging.getLogger("roost.sklearn.engines")
        logger.addHandler(caplog.handler)
        try:
            adapter.load()
        finally:
            logger.removeHandler(caplog.handler)
        assert isinstance(adapter._engine, SklearnEngine)
        assert "onnxruntime is not installed" in caplog.text
        assert "serving it with engine=sklearn" in caplog.text


class TestCommandLine:
    """`roost package --engine` and `--onnx-tolerance` reach the packager."""

    def test_engine_sklearn_skips_onnx(
        self, work: Path, classifier: Pipeline, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--engine sklearn: no conversion, no onnx fields, no graph."""
        folder = work / "cli"
        folder.mkdir()
        skops.io.dump(classifier, folder / "m.skops")
        status = main(
            ["package", "--model", str(folder / "m.skops"),
             "--data", str(work / "houses.csv"), "--target", "SalePrice",
             "--name", "plain", "--version", "1", "--trust", "numpy.dtype",
             "--output", str(folder / "dist"), "--engine", "sklearn"]
        )  # fmt: skip
        out, err = capsys.readouterr()
        assert status == 0, err
        assert "engine sklearn (--engine sklearn)" in err
        with zipfile.ZipFile(out.strip().splitlines()[-1]) as archive:
            card = json.loads(archive.read("roost_model_plain_v1/card.json"))
        assert card["engine"] == "sklearn"
        assert "onnx_max_difference" not in card

    def test_negative_tolerance_is_refused(
        self, work: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A negative --onnx-tolerance exits 1 saying what is wrong."""
        status = main(
            ["package", "--model", str(work / "band" / "band.skops"),
             "--data", str(work / "houses.csv"), "--target", "SalePrice",
             "--name", "neg", "--version", "1", "--onnx-tolerance", "-1"]
        )  # fmt: skip
        assert status == 1
        assert "--onnx-tolerance must be 0 or more" in capsys.readouterr().err

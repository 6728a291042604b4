"""Tests of `roost package`: what it builds and what it refuses (exit status 1)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import joblib
import pandas as pd
import pytest
import skops.io
from sklearn.linear_model import Ridge
from sklearn_models import FEATURES, NUMBERS, band_pipeline

from roost.core.cli import main


def package(
    capsys: pytest.CaptureFixture[str], *args: str | Path
) -> tuple[int, str, str]:
    """Run `roost package ARGS` in this process; return status, stdout, stderr."""
    status = main(["package", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


class TestBuilds:
    """A fitted model and its data become one wheel; its path is the last line."""

    def test_joblib_regressor(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], fitted: pd.DataFrame
    ) -> None:
        """A joblib regressor is re-saved with skops inside a wheel named for it."""
        model = Ridge().fit(fitted[["GrLivArea", "OverallQual"]], fitted["SalePrice"])
        joblib.dump(model, tmp_path / "price.joblib")
        fitted[["GrLivArea", "OverallQual", "SalePrice"]].to_parquet(
            tmp_path / "d.parquet"
        )
        status, out, err = package(
            capsys, "--model", tmp_path / "price.joblib",
            "--data", tmp_path / "d.parquet", "--target", "SalePrice",
            "--name", "price", "--version", "2.0",
            "--output", tmp_path / "dist",
        )  # fmt: skip
        assert status == 0, err
        wheel = Path(out.strip().splitlines()[-1])
        assert wheel.parent == (tmp_path / "dist").resolve()
        assert wheel.name == "roost_model_price_v2_0-2.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            points = archive.read(
                "roost_model_price_v2_0-2.0.dist-info/entry_points.txt"
            )
            metadata = archive.read("roost_model_price_v2_0-2.0.dist-info/METADATA")
        assert {
            "roost_model_price_v2_0/__init__.py",
            "roost_model_price_v2_0/card.json",
            "roost_model_price_v2_0/model.skops",
            "roost_model_price_v2_0/reference.parquet",
        } <= names
        assert "price = roost_model_price_v2_0:Adapter" in points.decode()
        assert "Requires-Dist: roost-sklearn" in metadata.decode()
        assert "building the wheel" in err


class TestRefusals:
    """Each refusal exits 1 with a message naming the problem; no wheel is written."""

    def run_band(
        self,
        capsys: pytest.CaptureFixture[str],
        band_files: tuple[Path, Path],
        out: Path,
        *extra: str,
        name: str = "band",
        version: str = "1.0.0",
    ) -> tuple[int, str]:
        """Package the band classifier; return the status and stderr."""
        model, data = band_files
        status, stdout, err = package(
            capsys, "--model", model, "--data", data, "--target", "SalePrice",
            "--name", name, "--version", version, "--output", out, *extra,
        )  # fmt: skip
        assert stdout == ""
        assert not out.exists() or not list(out.iterdir())
        return status, err

    def test_untrusted_types(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        untrusted_files: tuple[Path, Path],
    ) -> None:
        """Types skops does not trust are listed with the flags that accept them."""
        status, err = self.run_band(capsys, untrusted_files, tmp_path / "dist")
        assert status == 1
        assert "skops does not trust: _operator.neg" in err
        assert "--trust _operator.neg" in err

    def test_trusting_another_type_is_not_enough(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        untrusted_files: tuple[Path, Path],
    ) -> None:
        """Each untrusted type must be named; a different one does not count."""
        status, err = self.run_band(
            capsys, untrusted_files, tmp_path / "dist", "--trust", "builtins.eval"
        )
        assert status == 1
        assert "_operator.neg" in err

    def test_numpy_dtype_needs_no_flag(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        band_files: tuple[Path, Path],
    ) -> None:
        """An imputer's numpy.dtype is vouched for by roost-sklearn itself."""
        model, data = band_files
        status, stdout, err = package(
            capsys, "--model", model, "--data", data, "--target", "SalePrice",
            "--name", "band", "--version", "1.0.0", "--output", tmp_path / "dist",
        )  # fmt: skip
        assert status == 0, err
        assert stdout.strip().endswith(".whl")

    def test_bad_name(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        band_files: tuple[Path, Path],
    ) -> None:
        """A name that is not URL-safe is refused."""
        status, err = self.run_band(capsys, band_files, tmp_path / "d", name="Band_1")
        assert status == 1
        assert "model name 'Band_1' is not URL-safe" in err

    def test_bad_version(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        band_files: tuple[Path, Path],
    ) -> None:
        """A version that is not PEP 440 is refused."""
        status, err = self.run_band(capsys, band_files, tmp_path / "d", version="one")
        assert status == 1
        assert "version 'one' is not a PEP 440 version" in err

    def test_model_that_cannot_predict_the_sample(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], fitted: pd.DataFrame
    ) -> None:
        """A model whose encoder never saw the data's categories is refused."""
        # Fitted on houses of one zoning only: the sample's others are unknown.
        model = band_pipeline(fitted[fitted["MSZoning"] == "RL"])
        skops.io.dump(model, tmp_path / "narrow.skops")
        fitted[[*FEATURES, "SalePrice"]].to_csv(tmp_path / "d.csv", index=False)
        status, out, err = package(
            capsys, "--model", tmp_path / "narrow.skops", "--data", tmp_path / "d.csv",
            "--target", "SalePrice", "--name", "narrow", "--version", "1",
            "--trust", "numpy.dtype", "--output", tmp_path / "dist",
        )  # fmt: skip
        assert status == 1
        assert out == ""
        assert "the model cannot predict the sample of the data" in err
        assert "unknown categories" in err

    def test_data_without_the_model_columns(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        band_files: tuple[Path, Path],
    ) -> None:
        """Data lacking a column the model was fitted on is refused by name."""
        model, data = band_files
        pd.read_csv(data).drop(columns=NUMBERS[:1]).to_csv(
            tmp_path / "d.csv", index=False
        )
        status, _, err = package(
            capsys, "--model", model, "--data", tmp_path / "d.csv",
            "--name", "band", "--version", "1", "--trust", "numpy.dtype",
        )  # fmt: skip
        assert status == 1
        assert "lacks column(s) the model was fitted on: LotFrontage" in err

    def test_pickle_disguised_as_skops(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        band_files: tuple[Path, Path],
    ) -> None:
        """A .skops file that is not skops is refused, never unpickled."""
        joblib.dump({"a": 1}, tmp_path / "fake.skops")
        status, _, err = package(
            capsys, "--model", tmp_path / "fake.skops", "--data", band_files[1],
            "--name", "fake", "--version", "1",
        )  # fmt: skip
        assert status == 1
        assert "is not a skops file" in err


class TestOptions:
    """The schema options reach the card."""

    def test_max_categories_and_bounds(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        band_files: tuple[Path, Path],
    ) -> None:
        """--max-categories 0 lists only encoders' categories; --bounds adds ranges."""
        model, data = band_files
        status, out, err = package(
            capsys, "--model", model, "--data", data, "--target", "SalePrice",
            "--name", "band", "--version", "1", "--trust", "numpy.dtype",
            "--max-categories", "0", "--bounds", "--output", tmp_path,
        )  # fmt: skip
        assert status == 0, err
        with zipfile.ZipFile(out.strip().splitlines()[-1]) as archive:
            card = json.loads(archive.read("roost_model_band_v1/card.json"))
        schema = card["input_schema"]
        assert schema["GrLivArea"]["min"] > 0
        assert schema["GrLivArea"]["max"] > schema["GrLivArea"]["min"]
        # no list from the data: the strict encoder's categories still apply
        assert schema["MSZoning"]["allowed"] == ["C (all)", "FV", "RL", "RM"]
        assert card["artifact"]["trusted_types"] == ["numpy.dtype"]

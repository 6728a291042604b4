"""Which model /v1/predict/regression serves, over real adapter classes."""

from __future__ import annotations

from pathlib import Path

import falcon.testing
import pytest
from adapter_registry import registry_of
from roost_fixture_echo import EchoAdapter, ParityAdapter
from roost_fixture_faulty import FailsLoadAdapter

from roost.core.errors import AdapterNotFoundError, DefaultModelError
from roost.core.serving.default_model import choose_regression_model
from roost_house_prices.adapter import HousePricesAdapter


class TestChooseRegressionModel:
    """The setting, else house-prices, else the only regression adapter."""

    def test_house_prices_beats_a_failing_adapter_sorting_first(
        self, tmp_path: Path
    ) -> None:
        """A broken regression adapter named before house-prices takes nothing."""
        registry = registry_of(tmp_path, FailsLoadAdapter, HousePricesAdapter)
        registry.load_all()
        assert registry.names()[0] == "fails-load"
        assert choose_regression_model(registry, None).require() == "house-prices"

    def test_the_setting_wins(self, tmp_path: Path) -> None:
        """ROOST_DEFAULT_MODEL names the model, even with house-prices installed."""
        registry = registry_of(tmp_path, EchoAdapter, HousePricesAdapter)
        assert choose_regression_model(registry, "echo").require() == "echo"

    def test_the_only_regression_adapter(self, tmp_path: Path) -> None:
        """One regression adapter and a classifier: the regression one serves."""
        registry = registry_of(tmp_path, EchoAdapter, ParityAdapter)
        assert choose_regression_model(registry, None).require() == "echo"

    def test_several_and_no_choice_names_the_setting(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Two regression adapters, no house-prices, no setting: a warning, a 503."""
        registry = registry_of(tmp_path, EchoAdapter, FailsLoadAdapter)
        chosen = choose_regression_model(registry, None)
        assert "set ROOST_DEFAULT_MODEL" in caplog.text
        with pytest.raises(DefaultModelError, match="echo, fails-load"):
            chosen.require()

    def test_none_installed_is_not_found(self, tmp_path: Path) -> None:
        """Only a classifier installed: the route has no model (404)."""
        registry = registry_of(tmp_path, ParityAdapter)
        with pytest.raises(AdapterNotFoundError):
            choose_regression_model(registry, None).require()


def test_installed_house_prices_serves_the_route(
    house_prices_client: falcon.testing.TestClient,
) -> None:
    """With the bundled namespace (house-prices and no setting) the route serves it."""
    result = house_prices_client.simulate_get("/version")
    assert result.json["model"] == "house-prices"

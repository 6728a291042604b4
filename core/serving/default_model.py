"""Which model serves the route that names none: /v1/predict/regression."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from roost.core.contract.registry import Registry
from roost.core.errors import AdapterNotFoundError, DefaultModelError

__all__ = ["BUNDLED_REGRESSION_MODEL", "DefaultModel", "choose_regression_model"]

logger = logging.getLogger(__name__)

#: The bundled adapter the compatibility route serves when it is installed.
BUNDLED_REGRESSION_MODEL = "house-prices"


@dataclass(frozen=True)
class DefaultModel:
    """The model a route serves when it names none, or why there is none."""

    name: str | None
    problem: str | None = None

    def require(self) -> str:
        """Return the model's name.

        Raises:
            DefaultModelError: several models could serve; the setting decides.
            AdapterNotFoundError: no model can.
        """
        if self.name is not None:
            return self.name
        if self.problem is not None:
            raise DefaultModelError(self.problem)
        raise AdapterNotFoundError("(default regression model)")


def choose_regression_model(registry: Registry, configured: str | None) -> DefaultModel:
    """Bind the regression compatibility route, once, at start.

    `ROOST_DEFAULT_MODEL` when set; else the bundled house-prices model
    when installed; else the only installed regression adapter. Installing
    other adapters never moves the route; when several regression adapters
    could serve it and none is chosen, it answers 503 naming the setting.
    """
    if configured is not None:
        return DefaultModel(configured)
    names = registry.names()
    if BUNDLED_REGRESSION_MODEL in names:
        return DefaultModel(BUNDLED_REGRESSION_MODEL)
    regression = [
        name
        for name in names
        if any(
            entry.adapter_class is not None and entry.adapter_class.task == "regression"
            for entry in registry.versions(name)
        )
    ]
    if len(regression) == 1:
        return DefaultModel(regression[0])
    if not regression:
        return DefaultModel(None)
    problem = (
        f"{len(regression)} regression models are installed "
        f"({', '.join(regression)}) and none is chosen: set ROOST_DEFAULT_MODEL "
        "to the one /v1/predict/regression serves"
    )
    logger.warning(problem)
    return DefaultModel(None, problem)

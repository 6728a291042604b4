"""roost adapter that predicts Ames house sale prices from 24 inputs.

The adapter class lives in `roost_house_prices.adapter`; importing this package
loads no data and no model.
"""

from __future__ import annotations

__all__: list[str] = []

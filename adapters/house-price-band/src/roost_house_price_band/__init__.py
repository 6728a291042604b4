"""roost adapter that sorts Ames houses into cheap, mid and expensive bands.

The adapter class lives in `roost_house_price_band.adapter`; importing this
package loads no data and no model.
"""

from __future__ import annotations

__all__: list[str] = []

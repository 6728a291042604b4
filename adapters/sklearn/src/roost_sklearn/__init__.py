"""roost-sklearn: serve packaged scikit-learn models; build them with `roost package`.

`SklearnAdapter` is the runtime every packaged model subclasses; its card
(`roost_sklearn.card`) says what the model is. `roost_sklearn.packaging`
builds the wheels and is imported only by `roost package`.
"""

from __future__ import annotations

from roost_sklearn.card import ModelCard
from roost_sklearn.runtime import SklearnAdapter

__all__ = ["ModelCard", "SklearnAdapter"]

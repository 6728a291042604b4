"""Configuration objects of the seed API, as its `config.py` held them."""

from __future__ import annotations

import os
from pathlib import Path

#: The seed's API version string.
API_VERSION = "0.1.0"
#: Name and version of the trained pipeline, as `roost train` names its file.
MODEL_NAME = "house-prices"
MODEL_VERSION = "1.0.0"


class Config:
    """Settings shared by every environment."""

    DEBUG = False
    TESTING = False
    SERVER_PORT = 5000

    def __init__(self) -> None:
        # NOTE: read when the app is created (in each gunicorn worker), not at
        # import, so the benchmark driver can point it at its own model folder.
        model_dir = os.environ.get("ROOST_MODEL_DIR")
        base = (
            Path(model_dir)
            if model_dir
            else Path.home() / ".local" / "share" / "roost" / "models"
        )
        self.PIPELINE_PATH = base / f"{MODEL_NAME}-{MODEL_VERSION}.joblib"


class ProductionConfig(Config):
    """What gunicorn serves."""


class DevelopmentConfig(Config):
    """`flask run` on a laptop."""

    DEBUG = True

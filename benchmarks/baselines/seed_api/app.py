"""The seed API's app factory; gunicorn calls `seed_api.app:create_app()`."""

from __future__ import annotations

import logging
import sys

from flask import Flask

from seed_api.config import MODEL_VERSION, Config, ProductionConfig
from seed_api.model import load_pipeline


def _configure_logging() -> None:
    """Log the model package's INFO lines to stdout, as the seed did."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter("%(asctime)s — %(name)s — %(levelname)s — %(message)s")
    )
    for name in ("seed_api.model", "seed_api.controller"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False


def create_app(*, config_object: Config | None = None) -> Flask:
    """Build the Flask app and load the pipeline once for this process."""
    config = config_object or ProductionConfig()
    flask_app = Flask("ml_api")
    flask_app.config.from_object(config)
    flask_app.config["MODEL_VERSION"] = MODEL_VERSION
    _configure_logging()
    flask_app.extensions["seed_pipeline"] = load_pipeline(config.PIPELINE_PATH)

    from seed_api.controller import prediction_app  # noqa: PLC0415 - as the seed did

    flask_app.register_blueprint(prediction_app)
    return flask_app

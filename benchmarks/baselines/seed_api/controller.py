"""The seed API's blueprint: health, version and the regression route."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request

from seed_api.config import API_VERSION
from seed_api.model import make_prediction
from seed_api.validation import validate_inputs

_logger = logging.getLogger("seed_api.controller")

prediction_app = Blueprint("prediction_app", __name__)


@prediction_app.route("/health", methods=["GET"])
def health() -> str:
    """Say the process is up."""
    return "ok"


@prediction_app.route("/version", methods=["GET"])
def version() -> Response:
    """Return the model and API versions."""
    return jsonify(
        {
            "model_version": current_app.config["MODEL_VERSION"],
            "api_version": API_VERSION,
        }
    )


@prediction_app.route("/v1/predict/regression", methods=["POST"])
def predict() -> Response:
    """Predict the valid records; list the invalid ones under `errors`."""
    json_data = request.get_json()
    # NOTE: f-strings as in the seed: formatted even though debug is off.
    _logger.debug(f"Inputs: {json_data}")
    input_data, errors = validate_inputs(input_data=json_data)
    result = make_prediction(
        input_data=input_data,
        pipeline=current_app.extensions["seed_pipeline"],
        version=current_app.config["MODEL_VERSION"],
    )
    _logger.debug(f"Outputs: {result}")
    predictions = result["predictions"].tolist()
    return jsonify(
        {"predictions": predictions, "version": result["version"], "errors": errors}
    )

"""The kserve SDK's V2 data models read roost's answers from real gunicorn."""

from __future__ import annotations

import pytest
from client_venvs import client_python, run_in
from server_harness import RunningServer

pytestmark = pytest.mark.integration

#: Validate stdin with the SDK's ListModelsResponse and print what it read.
READ_MODEL_LIST = """
import sys
from kserve.protocol.rest.v2_datamodels import ListModelsResponse

print(ListModelsResponse.model_validate_json(sys.stdin.read()).model_dump_json())
"""


class TestModelList:
    """GET /v2/models in the form KServe's ListModelsResponse takes."""

    def test_list_models_response_validates(
        self, testing_server: RunningServer
    ) -> None:
        """The SDK reads every installed model's name, loaded or broken."""
        response = testing_server.get("/v2/models")
        assert response.status_code == 200
        listed = run_in(client_python("kserve"), ["-c", READ_MODEL_LIST], response.text)
        assert listed == {
            "models": [
                "broken-import",
                "echo",
                "fails-load",
                "fails-predict",
                "parity",
                "sleepy",
            ]
        }

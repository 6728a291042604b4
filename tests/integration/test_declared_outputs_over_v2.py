"""Every installed adapter: V2 metadata lists exactly the outputs infer returns.

For each ready model of the bundled adapters' server and of the test
adapters' server, a request built from the model's own metadata goes through
tritonclient; the answer's outputs must carry the names, datatypes and shapes
the metadata declares, and `as_numpy` must read each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import tritonclient.http as httpclient
from server_harness import RunningServer

pytestmark = pytest.mark.integration

ROWS = 2
#: Fixture adapters built to fail at predict; every other must answer.
FAILING_BY_DESIGN = {"fails-predict"}
_NUMPY = {"FP64": np.float64, "FP32": np.float32, "INT64": np.int64, "INT32": np.int32}


def _value(rules: dict[str, Any]) -> Any:
    """A value the field's schema accepts: the first allowed one, or in bounds."""
    if rules.get("allowed"):
        return rules["allowed"][0]
    kind = rules.get("type")
    if kind in {"float", "number", "integer"}:
        low, high = rules.get("min"), rules.get("max")
        value = low if low is not None else (high if high is not None else 1)
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    return "a"


def _inputs(metadata: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    tensors = []
    for declared in metadata["inputs"]:
        name, datatype = declared["name"], declared["datatype"]
        value = _value(schema[name])
        if datatype == "BYTES":
            values = np.array([str(value).encode()] * ROWS, dtype=np.object_)
        elif datatype == "BOOL":
            values = np.array([bool(value)] * ROWS)
        else:
            values = np.array([value] * ROWS, dtype=_NUMPY[datatype])
        tensor = httpclient.InferInput(name, [ROWS], datatype)
        tensor.set_data_from_numpy(values, binary_data=False)
        tensors.append(tensor)
    return tensors


def _check_every_model(server: RunningServer) -> list[str]:
    """Infer with every ready model; return the names checked."""
    client = httpclient.InferenceServerClient(url=f"127.0.0.1:{server.port}")
    checked = []
    try:
        for name in server.get("/v2/models").json()["models"]:
            if (
                not server.get(f"/v2/models/{name}/ready").ok
                or name in FAILING_BY_DESIGN
            ):
                continue
            metadata = client.get_model_metadata(name)
            schema = server.get(f"/v1/models/{name}").json()["input_schema"]
            result = client.infer(name, _inputs(metadata, schema))
            answered = [
                (o["name"], o["datatype"], o["shape"])
                for o in result.get_response()["outputs"]
            ]
            declared = [
                (o["name"], o["datatype"], [ROWS, *o["shape"][1:]])
                for o in metadata["outputs"]
            ]
            assert answered == declared, name
            for output_name, _, shape in declared:
                array = result.as_numpy(output_name)
                assert array is not None, (name, output_name)
                assert list(array.shape) == shape, (name, output_name)
            checked.append(name)
    finally:
        client.close()
    return checked


def test_bundled_adapters(house_prices_server: RunningServer) -> None:
    """The bundled adapters answer exactly their declared outputs."""
    checked = _check_every_model(house_prices_server)
    assert {"house-prices", "house-price-band"} <= set(checked)


def test_test_adapters(testing_server: RunningServer) -> None:
    """The fixture adapters, regressors and the classifier alike."""
    checked = _check_every_model(testing_server)
    assert {"echo", "parity", "sleepy"} <= set(checked)

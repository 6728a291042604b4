"""Build V2 inference requests with MLServer's own codecs (run in its venv).

Reads a JSON document on stdin:

    {"records": [{field: value, ...}, ...], "base64": [field, ...],
     "extra": field, "array": [[number, ...], ...]}

and writes one request per content type, as MLServer's pydantic models
serialise them:

- `pd`: `PandasCodec.encode_request` of the records' DataFrame;
- `pd_json`: the same of the DataFrame cast to object (numbers become
  pd_json elements, strings stay `str`);
- `base64`: the `pd` request with the `base64` fields' columns replaced by
  `Base64Codec.encode_input` of their UTF-8 bytes;
- `pd_extra`: the `pd` request of the DataFrame with an `extra` column;
- `np`: `NumpyRequestCodec.encode_request` of `array`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pandas as pd
from mlserver.codecs import Base64Codec, NumpyRequestCodec, PandasCodec
from mlserver.types import InferenceRequest


def _as_json(request: InferenceRequest) -> Any:
    return json.loads(request.model_dump_json())


def _with_base64(frame: pd.DataFrame, fields: list[str]) -> InferenceRequest:
    request = PandasCodec.encode_request(frame)
    request.inputs = [
        Base64Codec.encode_input(item.name, [str(v).encode() for v in frame[item.name]])
        if item.name in fields
        else item
        for item in request.inputs
    ]
    return request


def main() -> None:
    """Print the requests that stdin's document asks for."""
    document = json.load(sys.stdin)
    frame = pd.DataFrame.from_records(document["records"])
    extra = frame.assign(**{document["extra"]: "x"})
    requests = {
        "pd": PandasCodec.encode_request(frame),
        "pd_json": PandasCodec.encode_request(frame.astype(object)),
        "base64": _with_base64(frame, document["base64"]),
        "pd_extra": PandasCodec.encode_request(extra),
        "np": NumpyRequestCodec.encode_request(np.array(document["array"])),
    }
    built = {name: _as_json(request) for name, request in requests.items()}
    json.dump(built, sys.stdout)


if __name__ == "__main__":
    main()

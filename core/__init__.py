"""roost's core: everything that decides, and no HTTP.

The public API for adapter authors is the list below; import it from here
(`from roost.core import ModelAdapter, AdapterError, Training`). Everything
else lives in subpackages named for their job:

- `roost.core.contract`: the adapter contract (base class, context,
  artifacts, registry); `roost.core.testing` checks an adapter against it.
- `roost.core.serving`: the data plane every protocol goes through
  (decode, limits, validate, admit, micro-batch, predict, metrics).
- `roost.core.api`: the API description (OpenAPI, JSON Schema).
- `roost.core.batch`: batch scoring of files, locally or on Dask.
- `roost.core.runtime`: settings, the gunicorn runner, workers, logs, metrics.
- `roost.core.cli`: the `roost` command.
"""

from __future__ import annotations

from roost.core.contract.adapter import (
    ENTRY_POINT_GROUP,
    TASKS,
    VERSION_FROM_ARTIFACT,
    AdapterContext,
    ModelAdapter,
    Training,
)
from roost.core.contract.artifacts import Manifest, load_artifact, save_artifact
from roost.core.contract.frames import column_arrays
from roost.core.contract.outputs import PREDICTIONS, PROBABILITIES, Output
from roost.core.errors import AdapterError, ArtifactError, RoostError

__all__ = [
    "ENTRY_POINT_GROUP",
    "PREDICTIONS",
    "PROBABILITIES",
    "TASKS",
    "VERSION_FROM_ARTIFACT",
    "AdapterContext",
    "AdapterError",
    "ArtifactError",
    "Manifest",
    "ModelAdapter",
    "Output",
    "RoostError",
    "Training",
    "column_arrays",
    "load_artifact",
    "save_artifact",
]

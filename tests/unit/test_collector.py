"""settle_worker_heap: the worker's heap frozen, young collections made rare."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Runs in a fresh interpreter: freezing the test process's heap would
#: change every test after this one.
PROBE = """
import gc, json, sys
from roost.core.runtime.collector import settle_worker_heap
settled = settle_worker_heap(int(sys.argv[1]))
before = gc.get_stats()[0]["collections"]
held = [(index,) for index in range(3000)]  # 3000 live containers, as a request holds
after = gc.get_stats()[0]["collections"]
print(json.dumps({
    "frozen": settled.frozen,
    "thresholds": list(settled.thresholds),
    "threshold_now": gc.get_threshold()[0],
    "young_collections": after - before,
}))
"""


def probe(young_threshold: int) -> dict[str, int | list[int]]:
    """Settle a fresh interpreter's heap; report what the collector then does."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(young_threshold)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, int | list[int]] = json.loads(done.stdout)
    return result


def test_a_threshold_makes_young_collections_wait_for_that_many_objects() -> None:
    """3000 live containers: no young collection under 5000, several under 700."""
    raised = probe(5000)
    assert raised["thresholds"] == [5000, 10, 10]
    assert raised["threshold_now"] == 5000
    assert raised["young_collections"] == 0
    default = probe(0)
    assert default["thresholds"] == [700, 10, 10]  # CPython's own default
    assert isinstance(default["young_collections"], int)
    assert default["young_collections"] >= 3


@pytest.mark.parametrize("young_threshold", [0, 5000])
def test_what_was_loaded_is_frozen_out_of_collection(young_threshold: int) -> None:
    """Modules and objects alive at settling are frozen, threshold or not."""
    frozen = probe(young_threshold)["frozen"]
    assert isinstance(frozen, int)
    assert frozen > 1000

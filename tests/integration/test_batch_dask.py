"""The Dask batch engine on a real LocalCluster of worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from batch_sample import batch_job, check_output

from roost.core.batch import job as job_module
from roost.core.batch.inputs import input_files, plan_pieces
from roost.core.batch.job import BatchJob
from roost.core.batch.on_dask import dask_client, native_share, run_dask
from roost.core.batch.outputs import OutputLayout
from roost.core.contract.adapter import AdapterContext, ModelAdapter

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster_address() -> Iterator[str]:
    """A Dask LocalCluster of 2 worker processes, for the module."""
    from distributed import LocalCluster  # noqa: PLC0415

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


class TestRunDask:
    """The Dask engine matches the local one, loading the adapter once per worker."""

    @pytest.mark.parametrize("kind", ["parquet", "csv"])
    def test_matches_online_route_and_loads_once_per_worker(
        self,
        kind: str,
        batch_inputs: dict[str, Path],
        online_expected: list[Any],
        cluster_address: str,
        tmp_path: Path,
    ) -> None:
        """Positions, predictions and errors equal the online route's."""
        from distributed import Client  # noqa: PLC0415

        job = batch_job(batch_inputs["models"])
        layout = OutputLayout.decide(tmp_path / "out")
        layout.prepare(overwrite=False)
        pieces = plan_pieces(input_files(batch_inputs[kind]), job.batch_size)
        summary = run_dask(
            job, pieces, layout, scheduler=cluster_address, progress=False
        )
        assert summary.counts.rows == 1460
        check_output(layout, online_expected)
        with Client(cluster_address) as client:
            # A lambda travels by value; the workers import roost.core.batch.job.
            loaded = client.run(lambda: list(job_module._SCORERS))
        assert sorted(map(len, loaded.values())) == [1, 1]


class TestLocalCluster:
    """A LocalCluster started for a job forks workers that have its adapter."""

    def test_workers_start_with_the_adapter_loaded(
        self, house_prices_model_dir: Path
    ) -> None:
        """Before any task runs, every worker holds the job's loaded scorer."""
        job = batch_job(house_prices_model_dir)
        with dask_client(None, 2, job) as client:
            loaded = client.run(lambda: list(job_module._SCORERS))
        assert len(loaded) == 2
        assert all(job.cache_key() in keys for keys in loaded.values())

    def test_workers_run_no_statistical_profiler(
        self, house_prices_model_dir: Path
    ) -> None:
        """No worker samples its task thread's stack (Dask's default, every 10 ms)."""
        job = batch_job(house_prices_model_dir)
        with dask_client(None, 2, job) as client:
            sampling = client.run(
                lambda dask_worker: "profile" in dask_worker.periodic_callbacks
            )
        assert sampling
        assert not any(sampling.values())


class _NativeThreads(ModelAdapter):
    """Answer each row with the threads BLAS/OpenMP and Arrow may use: 1000b + a."""

    name = "native-threads"
    version = "1.0"
    task = "regression"
    input_schema = {"x": {"type": "float"}}  # noqa: RUF012 - the contract's attribute

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Return 1000 x the largest BLAS/OpenMP pool + Arrow's, for every row."""
        from threadpoolctl import threadpool_info  # noqa: PLC0415

        pools = max(info["num_threads"] for info in threadpool_info())
        return np.full(len(frame), 1000.0 * pools + pa.cpu_count())


class TestNativeThreads:
    """Forked workers keep the parent's native pools; tasks get their share."""

    def test_tasks_use_their_share_of_the_cores(self, tmp_path: Path) -> None:
        """BLAS, OpenMP and Arrow run at most cores / workers threads per task."""
        import threadpoolctl  # noqa: PLC0415 - loads the pools the workers inherit

        assert threadpoolctl.threadpool_info()  # numpy's BLAS, at least
        source = tmp_path / "x.parquet"
        pq.write_table(pa.table({"x": np.arange(40.0)}), source, row_group_size=10)
        job = BatchJob(
            _NativeThreads, AdapterContext("native-threads", "1.0", tmp_path)
        )
        layout = OutputLayout.decide(tmp_path / "out")
        layout.prepare(overwrite=False)
        pieces = plan_pieces([source], 10)
        summary = run_dask(job, pieces, layout, workers=2, progress=False)
        assert summary.counts.predicted == 40
        share = native_share(2)
        answers = pq.read_table(layout.predictions)["prediction"].to_pylist()
        assert set(answers) == {1000.0 * share + share}

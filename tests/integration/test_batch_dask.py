"""The Dask batch engine on a real LocalCluster of worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from batch_sample import batch_job, check_output

from roost.core.batch import job as job_module
from roost.core.batch.inputs import input_files, plan_pieces
from roost.core.batch.on_dask import dask_client, run_dask
from roost.core.batch.outputs import OutputLayout

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

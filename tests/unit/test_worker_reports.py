"""The files where workers report their generation and adapters."""

from __future__ import annotations

from pathlib import Path

from roost.core.runtime.control.worker_reports import (
    ServerState,
    WorkerReport,
    clear_reports,
    read_state,
    remove_worker_report,
    write_generation,
    write_worker_report,
)


class TestWorkerReports:
    """The master and the workers write; `roost reload` reads."""

    def test_reports_round_trip(self, tmp_path: Path) -> None:
        """What is written is read back, adapters and all."""
        clear_reports(tmp_path / "w")
        write_generation(tmp_path / "w", 3, 2)
        report = WorkerReport(11, 3, {"echo 2.0": None, "fails-load 1.0": "boom"})
        write_worker_report(tmp_path / "w", report)
        assert read_state(tmp_path / "w") == ServerState(3, 2, (report,))

    def test_complete_means_only_the_newest_generation_all_of_it(
        self, tmp_path: Path
    ) -> None:
        """Old workers still reporting, or new ones missing: not complete."""
        folder = tmp_path / "w"
        clear_reports(folder)
        write_generation(folder, 2, 2)
        write_worker_report(folder, WorkerReport(1, 1, {}))
        write_worker_report(folder, WorkerReport(2, 2, {}))
        assert not read_state(folder).complete()
        write_worker_report(folder, WorkerReport(3, 2, {}))
        assert not read_state(folder).complete()
        remove_worker_report(folder, 1)
        assert read_state(folder).complete()

    def test_nothing_reported_reads_as_generation_zero(self, tmp_path: Path) -> None:
        """A missing folder is no generation and no workers, never complete."""
        state = read_state(tmp_path / "missing")
        assert state == ServerState(0, 0, ())
        assert not state.complete()

    def test_clear_reports_removes_an_earlier_runs_files(self, tmp_path: Path) -> None:
        """A server starting fresh forgets workers of a run that crashed."""
        folder = tmp_path / "w"
        clear_reports(folder)
        write_worker_report(folder, WorkerReport(9, 1, {}))
        clear_reports(folder)
        assert list(folder.iterdir()) == []

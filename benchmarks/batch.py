"""Benchmark `roost predict`: local engine against Dask, and the floor.

Generates 1 million rows by resampling house-prices' train.csv, all its 81
columns (one row in a thousand made invalid), as a folder of Parquet files,
of which `roost predict` reads the 25 it needs; trains the model into a
scratch folder, then runs `roost predict` `--repeat` times per engine as a
subprocess. Memory is the resident set of the whole process tree (the
command, and for Dask its scheduler and worker processes), sampled every
0.1 s. The floor is the adapter's `predict` alone on the same valid rows,
in this process, batch by batch as `roost predict` hands them over. Prints
a Markdown table and writes it to benchmarks/RESULTS-batch.md.

    python benchmarks/batch.py [--rows 1000000] [--workers 2] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
from batch_targets import Timing, target_lines

from roost.core.batch.job import DEFAULT_BATCH_SIZE
from roost_house_prices.dataset import load_dataset

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS-batch.md"
FILES = 8
ROW_GROUP = 65_536
MB = 1 << 20
#: What a `roost predict` process imports before it reads a row.
IMPORTS = (
    "import roost.core.cli, roost.core.batch.local, roost_house_prices.adapter, "
    "pyarrow.parquet, tqdm"
)


@dataclass(frozen=True)
class Run:
    """One engine's measurements."""

    engine: str
    seconds: float
    cpu_seconds: float
    rows_per_second: float
    peak_rss: int
    summary: str


@dataclass(frozen=True)
class Engine:
    """One engine's runs: the fastest, and the spread of all."""

    runs: tuple[Run, ...]

    @property
    def best(self) -> Run:
        """The fastest run."""
        return min(self.runs, key=lambda run: run.seconds)

    def spread(self) -> str:
        """Rows/s of the slowest and fastest runs."""
        rates = sorted(run.rows_per_second for run in self.runs)
        return f"{rates[0]:,.0f} - {rates[-1]:,.0f}"


@dataclass(frozen=True)
class Floor:
    """The adapter's predict alone on the job's valid rows, in process."""

    rows: int
    seconds: float
    cpu_seconds: float

    @property
    def rows_per_second(self) -> float:
        """Rows predicted per second of wall time."""
        return self.rows / self.seconds


def floor(folder: Path, model_dir: Path, batch_size: int, repeat: int) -> Floor:
    """Time `adapter.predict` on the job's valid rows, batch by batch.

    The frames are the ones `roost predict` hands the adapter (validated
    first, untimed); the fastest of `repeat` passes counts.
    """
    from roost.core.batch.inputs import (  # noqa: PLC0415 - needs the trained model
        input_files,
        iter_batches,
        plan_pieces,
    )
    from roost.core.batch.job import Scorer  # noqa: PLC0415
    from roost.core.contract.registry import Registry  # noqa: PLC0415
    from roost.core.runtime.settings import Settings  # noqa: PLC0415

    settings = Settings.for_profile("production", model_dir=model_dir)
    entry = Registry.from_settings(settings).lookup("house-prices")
    assert entry.adapter_class is not None and entry.context is not None  # noqa: S101
    scorer = Scorer(entry.adapter_class, entry.context)
    columns = list(scorer.schema)
    frames = [
        scorer.validate(batch).frame
        for piece in plan_pieces(input_files(folder), batch_size)
        for batch in iter_batches(piece, columns, batch_size)
    ]
    rows = sum(len(frame) for frame in frames)
    best = Floor(rows, float("inf"), float("inf"))
    for _ in range(repeat):
        cpu, started = time.process_time(), time.perf_counter()
        for frame in frames:
            scorer.adapter.predict(frame)
        seconds = time.perf_counter() - started
        if seconds < best.seconds:
            best = Floor(rows, seconds, time.process_time() - cpu)
    return best


def generate(folder: Path, rows: int, seed: int = 2024) -> tuple[int, int]:
    """Write `rows` resampled houses as Parquet files; return (disk, memory) bytes."""
    source = load_dataset("train.csv").drop(columns=["Id"])
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    in_memory = 0
    per_file = -(-rows // FILES)
    for index, start in enumerate(range(0, rows, per_file)):
        count = min(per_file, rows - start)
        part = source.iloc[rng.integers(0, len(source), count)].reset_index(drop=True)
        part.insert(0, "house", np.arange(start, start + count, dtype=np.int64))
        broken = rng.random(count) < 0.001
        part.loc[broken, "MSZoning"] = "RX"
        in_memory += int(part.memory_usage(deep=True).sum())
        table = pa.Table.from_pandas(part, preserve_index=False)
        pq.write_table(
            table, folder / f"houses-{index:02d}.parquet", row_group_size=ROW_GROUP
        )
    disk = sum(path.stat().st_size for path in folder.glob("*.parquet"))
    return disk, in_memory


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run `command`; return wall time, CPU time, peak tree RSS and its output.

    CPU time counts the command and every process it waited for (Dask's
    workers included), so it holds up when other work shares the machine.
    """
    cpu_before = _children_cpu()
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own command line, no shell
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        watched = psutil.Process(child.pid)
        while not done.is_set():
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.Error:
                return
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err}")
    return seconds, _children_cpu() - cpu_before, peak, out


def roost(*args: str | Path) -> list[str]:
    """Return the argv running the installed roost command line."""
    return [sys.executable, "-m", "roost.core.cli", *map(str, args)]


def compare(local: Path, dask: Path) -> tuple[float, float]:
    """Return the share of bit-identical predictions and the largest relative gap.

    Raises:
        SystemExit: the engines predicted different rows or values apart.
    """
    ours = pq.read_table(local).sort_by("house")
    theirs = pq.read_table(dask).sort_by("house")
    if not ours["house"].equals(theirs["house"]):
        raise SystemExit("local and dask predicted different rows")
    a = ours["prediction"].to_numpy()
    b = theirs["prediction"].to_numpy()
    gap = float(np.max(np.abs(a - b) / np.maximum(np.abs(a), np.abs(b)), initial=0))
    if gap > 1e-12:
        raise SystemExit(f"local and dask predictions differ by up to {gap:.2e}")
    return float(np.mean(a == b)), gap


@dataclass(frozen=True)
class Setting:
    """What was measured: the data, the baseline process, the runs."""

    rows: int
    disk: int
    memory: int
    baseline: int
    workers: int
    repeat: int


def report(
    engines: list[Engine],
    bottom: Floor,
    setting: Setting,
    agreement: tuple[float, float],
) -> str:
    """Render the results as Markdown."""
    rows, disk, memory = setting.rows, setting.disk, setting.memory
    baseline, workers, repeat = setting.baseline, setting.workers, setting.repeat
    lines = [
        "## Batch scoring (`make bench-batch`)",
        "",
        f"{rows:,} house-prices rows resampled from train.csv, all 81 columns "
        f"(0.1% invalid), {FILES} Parquet files, row groups of {ROW_GROUP:,}: "
        f"{disk / MB:,.0f} MB on disk, {memory / MB:,.0f} MB as a pandas "
        "DataFrame; `roost predict` reads the 24 input columns and the id. Machine: "
        f"{psutil.cpu_count()} cores (1-minute load average "
        f"{os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}. "
        "Peak memory is the resident set of the whole process tree, sampled "
        "every 0.1 s; a process that only imports what `roost predict` "
        f"imports holds {baseline / MB:,.0f} MB (Dask runs {workers + 1} such "
        f"processes: the client with the scheduler, {workers} workers). Times "
        "include start-up (and the "
        f"Dask cluster's); the engines take turns, each one's fastest of "
        f"{repeat} run(s), with the "
        "spread of rows/s over all of them. CPU seconds are user + system "
        "time of the whole process tree: with other work on the machine, "
        "wall time suffers and CPU time does not: rows per CPU second is "
        "what one idle core would give a one-core process. The summary is `roost "
        "predict`'s own line, timed from the first piece (no start-up).",
        "",
        "| engine | seconds | rows/s | rows/s, all runs | CPU seconds | "
        "rows per CPU second | peak memory (MB) | summary |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for engine in engines:
        run = engine.best
        lines.append(
            f"| {run.engine} | {run.seconds:,.1f} | {run.rows_per_second:,.0f} | "
            f"{engine.spread()} | {run.cpu_seconds:,.1f} | "
            f"{rows / run.cpu_seconds:,.0f} | {run.peak_rss / MB:,.0f} | "
            f"{run.summary} |"
        )
    lines.append(
        f"| floor: adapter.predict in process | {bottom.seconds:,.1f} | "
        f"{bottom.rows_per_second:,.0f} | | {bottom.cpu_seconds:,.1f} | "
        f"{bottom.rows / bottom.cpu_seconds:,.0f} | | "
        f"{bottom.rows:,} valid rows, batches of {DEFAULT_BATCH_SIZE:,} |"
    )
    lines += [
        "",
        f"Both engines predicted the same rows; {agreement[0]:.4%} of the "
        "predictions are bit-identical"
        + (
            f", the rest differ by at most {agreement[1]:.1e} relative (BLAS "
            "sums round differently with threads: the local process uses "
            "threaded BLAS, Dask workers one thread)."
            if agreement[1]
            else "."
        ),
        f"Dask ran a LocalCluster of {workers} worker processes, one thread each.",
        "",
    ]
    local, dask = (
        Timing.of(engine.best.seconds, engine.best.summary, rows) for engine in engines
    )
    lines += [
        "### Targets (the fastest run of each engine)",
        "",
        "Start-up is the command's wall time before its first piece (its "
        "summary's own time subtracted). The ceiling assumes a free cluster "
        "and a perfect split of local's scoring time over the workers: no "
        "Dask run on this machine can beat it.",
        "",
        *target_lines(rows, local, dask, workers),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate the data, run both engines, print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="roost-bench-") as scratch:
        work = args.keep or Path(scratch)
        env = {**_clean_env(), "ROOST_MODEL_DIR": str(work / "models")}
        subprocess.run(  # noqa: S603 - our own command line, no shell
            roost("train", "house-prices", "--if-missing"),
            env=env,
            check=True,
            capture_output=True,
        )
        print(f"generating {args.rows:,} rows in {work / 'houses'} ...", flush=True)
        disk, memory = generate(work / "houses", args.rows)
        common = ("--input", work / "houses", "--id-column", "house", "--overwrite")
        engines = {
            "local": roost(
                "predict", "house-prices", *common, "--output", work / "local.parquet"
            ),
            f"dask ({args.workers} workers)": roost(
                "predict",
                "house-prices",
                *common,
                "--output",
                work / "dask",
                "--engine",
                "dask",
                "--workers",
                str(args.workers),
            ),
        }
        tries: dict[str, list[Run]] = {engine: [] for engine in engines}
        _, _, baseline, _ = measure([sys.executable, "-c", IMPORTS], env)
        # NOTE: engines take turns, so drifting load on a shared machine
        # falls on both alike.
        for attempt in range(1, args.repeat + 1):
            for engine, command in engines.items():
                print(f"running {engine} ({attempt}/{args.repeat}) ...", flush=True)
                seconds, cpu, peak, out = measure(command, env)
                summary = out.splitlines()[0].strip()
                rate = args.rows / seconds
                tries[engine].append(Run(engine, seconds, cpu, rate, peak, summary))
                print(f"  {summary}; {rate:,.0f} rows/s, {cpu:,.1f} CPU s", flush=True)
        measured = [Engine(tuple(runs)) for runs in tries.values()]
        agreement = compare(work / "local.parquet", work / "dask")
        print("timing the floor ...", flush=True)
        bottom = floor(
            work / "houses", work / "models", DEFAULT_BATCH_SIZE, args.repeat
        )
    setting = Setting(args.rows, disk, memory, baseline, args.workers, args.repeat)
    text = report(measured, bottom, setting, agreement)
    print(text)
    args.results.write_text(text)
    return 0


def _clean_env() -> dict[str, str]:
    """Return this environment without ROOST_* variables (the runs set their own)."""
    return {
        key: value for key, value in os.environ.items() if not key.startswith("ROOST")
    }


if __name__ == "__main__":
    sys.exit(main())

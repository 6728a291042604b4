"""Compare two trained artifacts of one adapter by their predictions.

`roost diff NAME --baseline PATH_OR_VERSION` predicts the same reference
rows with the installed adapter's artifact (the candidate) and with a
baseline artifact, and compares each declared output as its kind calls for:

- numbers: fail when any row moves by more than a relative tolerance
  (default 5%, as `math.isclose(rel_tol=0.05)` measures it: the difference
  over the larger of the two magnitudes);
- labels: fail when fewer rows than `min_agreement` (default 99%) agree;
- 2-D outputs (probabilities): fail when any value moves by more than the
  tolerance, read as an absolute difference.

The reference rows are `--data PATH` (CSV or Parquet, read as `roost
predict` reads them) when given, else the adapter's optional
`reference_data()` hook, a DataFrame of its own test inputs (None, or no
such method: the adapter has none). Rows that fail validation are skipped
and counted.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from roost.core.batch.inputs import input_files, iter_batches, plan_pieces, to_records
from roost.core.batch.job import Scorer
from roost.core.batch.output_diff import OutputDiff, compare_output, difference
from roost.core.contract import artifacts
from roost.core.contract.adapter import AdapterContext, ModelAdapter
from roost.core.contract.registry import Registry
from roost.core.errors import AdapterNotFoundError, RoostError

__all__ = [
    "DEFAULT_MIN_AGREEMENT",
    "DEFAULT_TOLERANCE",
    "DiffError",
    "DiffReport",
    "OutputDiff",
    "compare",
    "compare_output",
    "difference",
    "run_diff",
]

DEFAULT_TOLERANCE = 0.05
DEFAULT_MIN_AGREEMENT = 0.99
_READ_BATCH = 65_536


class DiffError(RoostError):
    """The comparison cannot be made (no baseline, no reference data)."""


@dataclass(frozen=True)
class DiffReport:
    """Two artifacts' outputs on the same rows, compared output by output."""

    candidate: str
    baseline: str
    source: str
    rows: int
    outputs: tuple[OutputDiff, ...]
    tolerance: float = DEFAULT_TOLERANCE
    min_agreement: float = DEFAULT_MIN_AGREEMENT

    @property
    def compared(self) -> int:
        """Count the rows both artifacts predicted."""
        return len(self.outputs[0].values) if self.outputs else 0

    @property
    def passed(self) -> bool:
        """Say whether rows were compared and every output passed."""
        return self.compared > 0 and all(
            diff.passed(self.tolerance, self.min_agreement) for diff in self.outputs
        )

    def render(self) -> str:
        """Return the short report `roost diff` prints."""
        compared = self.compared
        failed = [
            diff.output.name
            for diff in self.outputs
            if not diff.passed(self.tolerance, self.min_agreement)
        ]
        if not compared:
            verdict = "FAIL: no valid row to compare"
        elif failed:
            verdict = f"FAIL: {', '.join(failed)} beyond the limits"
        else:
            verdict = "PASS: every output within the limits"
        return "\n".join(
            [
                f"candidate  {self.candidate}",
                f"baseline   {self.baseline}",
                f"data       {self.source}: {self.rows:,} rows, {compared:,} "
                f"compared, {self.rows - compared:,} invalid skipped",
                *(
                    diff.render(self.tolerance, self.min_agreement)
                    for diff in self.outputs
                ),
                verdict,
            ]
        )


def compare(
    candidate: Scorer,
    baseline: Scorer,
    records: Sequence[Any],
    *,
    source: str,
    tolerance: float = DEFAULT_TOLERANCE,
    min_agreement: float = DEFAULT_MIN_AGREEMENT,
) -> DiffReport:
    """Predict the valid records with both scorers and compare each output."""
    checked = candidate.validator.validate(records)
    declared = candidate.outputs
    if checked.valid_rows:
        ours = candidate.predict_frame(checked.frame)
        theirs = baseline.predict_frame(checked.frame)
    else:
        ours = theirs = {output.name: [] for output in declared}
    return DiffReport(
        candidate=_describe(candidate.context),
        baseline=_describe(baseline.context),
        source=source,
        rows=checked.total,
        outputs=tuple(
            compare_output(output, ours[output.name], theirs.get(output.name, []))
            for output in declared
        ),
        tolerance=tolerance,
        min_agreement=min_agreement,
    )


def _describe(context: AdapterContext) -> str:
    return f"{context.name} {context.version} ({context.model_dir})"


def _manifest_version(path: Path, name: str) -> str:
    """Read the version a manifest file records, checking the adapter name."""
    try:
        recorded = json.loads(path.read_text())
        manifest_name, version = recorded["name"], recorded["version"]
    except FileNotFoundError:
        raise DiffError(f"no manifest {path} beside the artifact") from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise DiffError(f"unreadable manifest {path}: {exc}") from exc
    if manifest_name != name:
        raise DiffError(f"{path} describes {manifest_name!r}, not {name!r}")
    return str(version)


def _versions_in(folder: Path, name: str) -> list[str]:
    """List the versions of `name` whose manifests lie in `folder`."""
    versions = []
    for found in folder.glob(f"{artifacts.artifact_stem(name, '*')}.json"):
        try:
            versions.append(_manifest_version(found, name))
        except DiffError:
            continue  # another adapter's manifest, or not one at all
    return sorted(versions)


def resolve_baseline(
    name: str, spec: str, model_dir: Path, prefer: str
) -> tuple[Path, str]:
    """Find the baseline artifact: (model folder, version).

    `spec` is an artifact folder, a .joblib (or manifest) file, or a version
    of `name` in `model_dir`. A folder holding several versions of `name`
    gives `prefer` if it has it.

    Raises:
        DiffError: nothing matches.
    """
    path = Path(spec).expanduser()
    if path.is_file():
        manifest = path if path.suffix == ".json" else path.with_suffix(".json")
        return path.parent.resolve(), _manifest_version(manifest, name)
    if path.is_dir():
        versions = _versions_in(path, name)
        if len(versions) == 1 or prefer in versions:
            return path.resolve(), prefer if prefer in versions else versions[0]
        if not versions:
            raise DiffError(f"no manifest of {name!r} in {path}")
        raise DiffError(
            f"{path} holds {name} versions {', '.join(versions)}; "
            "name the .joblib file to compare against"
        )
    try:
        Version(spec)
    except InvalidVersion:
        raise DiffError(
            f"baseline {spec!r} is neither an artifact folder or file nor a version"
        ) from None
    artifacts.read_manifest(model_dir, name, spec)  # says what is missing
    return model_dir.resolve(), spec


def _reference_records(
    adapter: ModelAdapter, data: Path | None
) -> tuple[list[dict[str, Any]], str]:
    """Return the reference rows as records, and where they came from."""
    schema = adapter.input_schema
    if data is not None:
        files = input_files(data)
        records = [
            record
            for piece in plan_pieces(files, _READ_BATCH)
            for batch in iter_batches(piece, list(schema), _READ_BATCH)
            for record in to_records(batch, schema)
        ]
        return records, str(data)
    hook = getattr(adapter, "reference_data", None)
    try:
        frame = hook() if callable(hook) else None
    except NotImplementedError:
        frame = None
    if frame is None:
        raise DiffError(
            f"adapter {adapter.name!r} has no reference_data(); pass --data PATH"
        )
    import pyarrow as pa  # noqa: PLC0415 - only diffs and batch jobs need pyarrow

    frame = frame[[column for column in schema if column in frame.columns]]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    records = [r for batch in table.to_batches() for r in to_records(batch, schema)]
    return records, f"{adapter.name}.reference_data()"


def _installed_version(
    registry: Registry, name: str, spec: str
) -> tuple[type[ModelAdapter], AdapterContext] | None:
    """Return the class and context of `spec`, an installed untrained version.

    A packaged model's version carries its own artifact; a trainable
    adapter's versions are found in the model folder instead (None).
    """
    if Path(spec).expanduser().exists():
        return None
    try:
        entry = registry.lookup(name, spec)
    except AdapterNotFoundError:
        return None
    if entry.adapter_class is None or entry.context is None:
        return None
    if entry.adapter_class.supports_training():
        return None  # trained artifacts live in the model folder: resolved there
    return entry.adapter_class, entry.context


def run_diff(
    registry: Registry,
    name: str,
    baseline: str,
    *,
    version: str | None = None,
    data: Path | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    min_agreement: float = DEFAULT_MIN_AGREEMENT,
) -> DiffReport:
    """Compare the installed adapter's artifact with a baseline artifact.

    Raises:
        DiffError: the baseline or the reference data cannot be found.
        RoostError: an artifact fails to load or the adapter to predict.
    """
    entry = registry.lookup(name, version)
    if entry.adapter_class is None or entry.context is None or entry.version is None:
        raise DiffError(f"adapter {name!r} is broken: {entry.error}")
    context = entry.context
    candidate = Scorer(entry.adapter_class, context)
    reference = _baseline_scorer(registry, entry.adapter_class, context, baseline)
    records, source = _reference_records(candidate.adapter, data)
    return compare(
        candidate,
        reference,
        records,
        source=source,
        tolerance=tolerance,
        min_agreement=min_agreement,
    )


def _baseline_scorer(
    registry: Registry,
    adapter_class: type[ModelAdapter],
    context: AdapterContext,
    baseline: str,
) -> Scorer:
    """Load the baseline: an installed packaged version, or an artifact."""
    installed = _installed_version(registry, context.name, baseline)
    if installed is not None:
        # A version installed as its own package (a packaged model) brings
        # its artifact along: compare against that adapter as installed.
        return Scorer(*installed)
    model_dir, base_version = resolve_baseline(
        context.name, baseline, context.model_dir, context.version
    )
    try:
        base_class = registry.lookup(context.name, base_version).adapter_class
    except AdapterNotFoundError:
        base_class = None
    base_context = dataclasses.replace(
        context, version=base_version, model_dir=model_dir
    )
    return Scorer(base_class or adapter_class, base_context)

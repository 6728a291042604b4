"""`roost train`: train an adapter and save its artifact."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Mapping

from roost.core.contract import artifacts
from roost.core.contract.adapter import VERSION_FROM_ARTIFACT, AdapterContext
from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.errors import ArtifactError
from roost.core.runtime.settings import Settings

__all__ = ["add_train_parser", "run_train"]


def add_train_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost train`."""
    train = commands.add_parser("train", help="train an adapter and save its artifact")
    train.add_argument("name", help="adapter name, e.g. house-prices")
    train.add_argument("--version", help="adapter version (default: the newest)")
    train.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when a verified artifact already exists",
    )


def _train_target(
    settings: Settings, args: argparse.Namespace
) -> tuple[AdapterEntry, AdapterContext]:
    """The adapter version to train, and its context.

    An adapter whose versions are its artifacts trains the `--version` asked
    for, a new one or an existing one.
    """
    registry = Registry.from_settings(settings)
    for entry in registry.entries():
        cls = entry.adapter_class
        if entry.name == args.name and cls and cls.version == VERSION_FROM_ARTIFACT:
            if not args.version:
                raise ValueError(
                    f"{args.name}'s versions are its artifacts: name the version "
                    "to train with --version"
                )
            context = AdapterContext(
                args.name,
                args.version,
                settings.model_dir,
                dict(settings.adapter_options.get(args.name, {})),
                settings.library_mismatch,
            )
            return dataclasses.replace(entry, version=args.version), context
    entry = registry.lookup(args.name, args.version)
    if entry.adapter_class is None or entry.version is None or entry.context is None:
        raise ValueError(f"adapter {args.name!r} is broken: {entry.error}")
    return entry, entry.context


def run_train(settings: Settings, args: argparse.Namespace) -> int:
    """Train the adapter (unless `--if-missing` finds an artifact) and save it."""
    try:
        entry, context = _train_target(settings, args)
    except ValueError as exc:
        print(f"roost: {exc}", file=sys.stderr)
        return 1
    adapter_class = entry.adapter_class
    assert adapter_class is not None  # noqa: S101 - checked by _train_target
    if not adapter_class.supports_training():
        print(
            f"roost: adapter {entry.name!r} does not support training", file=sys.stderr
        )
        return 1
    if args.if_missing:
        try:
            context.load_artifact()
        except ArtifactError as exc:
            print(f"no usable artifact ({exc}); training")
        else:
            where = settings.model_dir
            print(f"{entry.name} {entry.version}: artifact present in {where}")
            return 0
    print(f"training {entry.name} {entry.version} ...", flush=True)
    started = time.perf_counter()
    training = adapter_class(context).train()
    manifest = artifacts.save_artifact(
        settings.model_dir,
        context.name,
        context.version,
        training.artifact,
        training.metrics,
    )
    elapsed = time.perf_counter() - started
    print(f"saved {settings.model_dir / manifest.artifact} in {elapsed:.1f} s")
    print(f"sha256 {manifest.sha256}")
    for line in metric_lines(manifest.metrics):
        print(line)
    return 0


def metric_lines(metrics: Mapping[str, float]) -> list[str]:
    """One indented line per metric, the values in one column."""
    width = max((len(metric) for metric in metrics), default=0)
    return [f"  {metric:<{width}}  {value:,.6g}" for metric, value in metrics.items()]

"""`roost models`: list installed adapters and whether they load."""

from __future__ import annotations

import argparse

from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.runtime.logs import configure_logging
from roost.core.runtime.settings import Settings

__all__ = ["add_models_parser", "run_models"]


def add_models_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost models`."""
    commands.add_parser("models", help="list installed adapters and whether they load")


def run_models(settings: Settings) -> int:
    """Print a table of the installed adapters, then any pin problems."""
    configure_logging("critical", settings.log_format)  # the table shows every error
    registry = Registry.from_settings(settings)
    registry.load_all()
    entries = registry.entries()
    if not entries:
        print(f"no adapters installed in namespace {settings.adapter_namespace}")
        return 0
    print(f"{'NAME':<24} {'VERSION':<12} {'TASK':<16} {'DEFAULT':<8} STATE")
    problems = registry.pin_problems()
    for entry in entries:
        task = entry.adapter_class.task if entry.adapter_class else "-"
        state = "ready" if entry.ready else f"not ready: {entry.error}"
        default = _default_mark(registry, entry, problems)
        print(
            f"{entry.name:<24} {entry.version or '-':<12} {task:<16} "
            f"{default:<8} {state}"
        )
    for name, problem in problems.items():
        print(f"{name}: {problem}")
    return 0


def _default_mark(
    registry: Registry, entry: AdapterEntry, problems: dict[str, str]
) -> str:
    """Say whether requests naming no version get `entry`: newest or pinned."""
    if entry.name in problems:
        return "-"
    if registry.lookup(entry.name) is not entry:
        return ""
    return "pinned" if registry.pinned(entry.name) is not None else "newest"

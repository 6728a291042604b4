"""Registries built from adapter classes in process, without entry points."""

from __future__ import annotations

from pathlib import Path

from roost.core import AdapterContext, ModelAdapter
from roost.core.contract.registry import AdapterEntry, Registry


def registry_of(model_dir: Path, *classes: type[ModelAdapter]) -> Registry:
    """Return a registry of constructed (not yet loaded) entries, one per class."""
    entries = []
    for adapter_class in classes:
        context = AdapterContext(adapter_class.name, adapter_class.version, model_dir)
        entries.append(
            AdapterEntry(
                adapter_class.name,
                adapter_class.version,
                "test",
                adapter_class,
                context,
                adapter_class(context),
            )
        )
    return Registry(entries)

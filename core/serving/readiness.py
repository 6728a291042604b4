"""Readiness: every installed adapter loaded, and the worker not draining."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from roost.core.contract.registry import Registry

__all__ = ["Readiness"]


class Readiness:
    """Answers the readiness probes; a draining worker is never ready."""

    def __init__(
        self, registry: Registry, problems: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Watch `registry`; `problems` are `(model, why)` settings cannot serve."""
        self._registry = registry
        self._problems = tuple(problems)
        self._draining = threading.Event()

    def start_draining(self) -> None:
        """Report not ready from now on (the worker is shutting down)."""
        self._draining.set()

    def check(self) -> tuple[bool, str]:
        """Say whether every installed adapter is loaded, and why not if not."""
        if self._draining.is_set():
            return False, "draining: the server is shutting down"
        entries = self._registry.entries()
        if not entries:
            return False, "no adapters are installed"
        broken = [f"{e.name} {e.version or ''}".strip() for e in entries if not e.ready]
        broken += [
            f"{name} ({problem})"
            for name, problem in (
                *self._registry.pin_problems().items(),
                *self._problems,
            )
        ]
        if broken:
            return False, f"not ready: {', '.join(broken)}"
        return True, f"{len(entries)} adapter version(s) ready"

"""Adapter registry: discovers adapters with stevedore, keyed by (name, version)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

from packaging.version import Version
from stevedore import ExtensionManager

from roost.core.contract import artifacts
from roost.core.contract.adapter import (
    VERSION_FROM_ARTIFACT,
    AdapterContext,
    ModelAdapter,
    check_adapter_class,
)
from roost.core.errors import AdapterNotFoundError, AdapterNotReadyError
from roost.core.runtime.settings import Settings

__all__ = ["AdapterEntry", "Registry"]

logger = logging.getLogger(__name__)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@dataclass
class AdapterEntry:
    """One installed adapter version and its state in this process."""

    name: str
    version: str | None
    source: str
    adapter_class: type[ModelAdapter] | None = None
    context: AdapterContext | None = None
    adapter: ModelAdapter | None = None
    error: str | None = None
    loaded: bool = False

    @property
    def ready(self) -> bool:
        """Say whether the adapter loaded and can predict."""
        return self.loaded and self.adapter is not None and self.error is None


class Registry:
    """The adapters this process serves, ready or not."""

    def __init__(
        self, entries: Iterable[AdapterEntry], pins: Mapping[str, str] | None = None
    ) -> None:
        self._by_name: dict[str, list[AdapterEntry]] = {}
        for entry in entries:
            self._by_name.setdefault(entry.name, []).append(entry)
        for versions in self._by_name.values():
            versions.sort(key=_version_key, reverse=True)
        self._pins = dict(pins or {})
        self._pin_problems = {
            name: problem
            for name, pinned in self._pins.items()
            if (problem := self._pin_problem(name, pinned)) is not None
        }
        for name, problem in self._pin_problems.items():
            logger.error("model %s: %s", name, problem)

    def _pin_problem(self, name: str, pinned: str) -> str | None:
        """Say why a pin cannot be honoured; None when it can."""
        installed = [
            entry.version
            for entry in self._by_name.get(name, [])
            if entry.version is not None
        ]
        if any(_same_version(version, pinned) for version in installed):
            return None
        return (
            f"pinned version {pinned} is not installed (ROOST_PINNED_VERSIONS); "
            f"installed: {', '.join(installed) or 'none'}"
        )

    def pinned(self, name: str) -> str | None:
        """Return the version settings pin for a model; None when unpinned."""
        return self._pins.get(name)

    def pin_problems(self) -> dict[str, str]:
        """Return, by model name, why its pinned version cannot be served."""
        return dict(self._pin_problems)

    @classmethod
    def discover(
        cls,
        namespace: str,
        model_dir: Path,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        pins: Mapping[str, str] | None = None,
        library_mismatch: str = "warn",
    ) -> Registry:
        """Find every adapter registered under `namespace`; load none of them."""
        failures: list[AdapterEntry] = []

        def on_failure(
            _manager: object, entry_point: EntryPoint, exc: BaseException
        ) -> None:
            logger.error(
                "adapter entry point %r (%s) failed to import: %s",
                entry_point.name,
                entry_point.value,
                _describe(exc),
            )
            failures.append(
                AdapterEntry(
                    name=entry_point.name,
                    version=None,
                    source=entry_point.value,
                    error=f"import failed: {_describe(exc)}",
                )
            )

        # NOTE: object, not ModelAdapter: check_adapter_class vets each plugin.
        manager: ExtensionManager[object] = ExtensionManager(
            namespace=namespace,
            invoke_on_load=False,
            on_load_failure_callback=on_failure,
        )
        entries = list(failures)
        seen: set[tuple[str, str]] = set()
        for extension in manager.extensions:
            source = extension.entry_point.value
            try:
                adapter_class = check_adapter_class(extension.plugin)
                if adapter_class.name != extension.name:
                    raise ValueError(
                        f"entry point name {extension.name!r} differs from the "
                        f"class's name {adapter_class.name!r}"
                    )
            except (TypeError, ValueError) as exc:
                logger.error(
                    "adapter %r (%s) is invalid: %s", extension.name, source, exc
                )
                entries.append(
                    AdapterEntry(
                        extension.name, None, source, error=f"invalid adapter: {exc}"
                    )
                )
                continue
            versions = [str(adapter_class.version)]
            if adapter_class.version == VERSION_FROM_ARTIFACT:
                versions = artifacts.artifact_versions(model_dir, adapter_class.name)
                if not versions:
                    problem = (
                        f"no trained artifact of {adapter_class.name} in {model_dir} "
                        "(its versions are its artifacts); run 'roost train "
                        f"{adapter_class.name} --version VERSION'"
                    )
                    logger.error("adapter %s: %s", adapter_class.name, problem)
                    entries.append(
                        AdapterEntry(
                            adapter_class.name,
                            None,
                            source,
                            adapter_class=adapter_class,
                            error=problem,
                        )
                    )
                    continue
            for version in versions:
                key = (adapter_class.name, version)
                if key in seen:
                    logger.error(
                        "adapter %s %s is installed twice; using the first", *key
                    )
                    continue
                seen.add(key)
                entries.append(
                    _entry(
                        adapter_class,
                        key,
                        source=source,
                        model_dir=model_dir,
                        options=options,
                        library_mismatch=library_mismatch,
                    )
                )
        return cls(entries, pins)

    @classmethod
    def from_settings(cls, settings: Settings) -> Registry:
        """Discover the adapters the settings name; load none of them."""
        return cls.discover(
            settings.adapter_namespace,
            settings.model_dir,
            options=settings.adapter_options,
            pins=settings.pinned_versions,
            library_mismatch=settings.library_mismatch,
        )

    def load_all(self, on_loaded: Callable[[AdapterEntry], None] | None = None) -> None:
        """Call `load()` on every constructed adapter; failures mark it not ready."""
        for entry in self.entries():
            if entry.adapter is None or entry.error is not None:
                continue
            try:
                entry.adapter.load()
            except Exception as exc:
                logger.exception(
                    "adapter %s %s failed to load", entry.name, entry.version
                )
                entry.error = f"load failed: {_describe(exc)}"
            else:
                entry.loaded = True
                logger.info("adapter %s %s loaded", entry.name, entry.version)
            if on_loaded is not None:
                on_loaded(entry)

    def unload_all(self) -> None:
        """Call `unload()` on every loaded adapter; failures are logged only."""
        for entry in self.entries():
            if entry.adapter is None or not entry.loaded:
                continue
            try:
                entry.adapter.unload()
            except Exception:
                logger.exception(
                    "adapter %s %s failed to unload", entry.name, entry.version
                )
            else:
                entry.loaded = False

    def entries(self) -> list[AdapterEntry]:
        """Return every entry, by name, newest version first."""
        return [entry for name in self.names() for entry in self._by_name[name]]

    def __contains__(self, name: object) -> bool:
        """Say whether an adapter of that name is installed."""
        return name in self._by_name

    def names(self) -> list[str]:
        """Return the installed adapter names, sorted."""
        return sorted(self._by_name)

    def versions(self, name: str) -> list[AdapterEntry]:
        """Return the entries of one name, newest first.

        Raises:
            AdapterNotFoundError: no adapter of that name is installed.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise AdapterNotFoundError(name) from None

    def lookup(self, name: str, version: str | None = None) -> AdapterEntry:
        """Return one entry, ready or not.

        With no `version`, the version served when a request names none:
        the one pinned in settings, else the newest installed.

        Raises:
            AdapterNotFoundError: unknown name or version.
            AdapterNotReadyError: no version named, and the pin names a version
                that is not installed.
        """
        versions = self.versions(name)
        if version is None:
            pinned = self._pins.get(name)
            if pinned is None:
                return self.newest(name)
            problem = self._pin_problems.get(name)
            if problem is not None:
                raise AdapterNotReadyError(name, pinned, problem)
            version = pinned
        for entry in versions:
            if entry.version is not None and _same_version(entry.version, version):
                return entry
        raise AdapterNotFoundError(name, version)

    def newest(self, name: str) -> AdapterEntry:
        """Return the newest installed version of a model, pinned or not.

        Raises:
            AdapterNotFoundError: no adapter of that name is installed.
        """
        versions = self.versions(name)
        known = [entry for entry in versions if entry.version is not None]
        return known[0] if known else versions[0]

    def listed(self, name: str) -> AdapterEntry:
        """Return the entry listings show: the default, else the newest.

        A broken pin makes the model's own routes answer 503, but listings
        still show the model (its newest version) instead of failing.
        """
        if name in self._pin_problems:
            return self.newest(name)
        return self.lookup(name)

    def lookup_ready(self, name: str, version: str | None = None) -> AdapterEntry:
        """Return the entry `lookup` names, ready to predict.

        Raises:
            AdapterNotFoundError: unknown name or version.
            AdapterNotReadyError: the adapter failed to import or load.
        """
        entry = self.lookup(name, version)
        if not entry.ready:
            raise AdapterNotReadyError(
                entry.name, entry.version, entry.error or "not loaded"
            )
        return entry


def _construct(
    adapter_class: type[ModelAdapter], context: AdapterContext
) -> tuple[ModelAdapter | None, str | None]:
    """Instantiate an adapter, turning a failing constructor into an error text."""
    try:
        return adapter_class(context), None
    except Exception as exc:
        logger.exception(
            "adapter %s %s could not be constructed", context.name, context.version
        )
        return None, f"construction failed: {_describe(exc)}"


def _version_key(entry: AdapterEntry) -> tuple[int, Version]:
    if entry.version is None:
        return (0, Version("0"))
    return (1, Version(entry.version))


def _same_version(installed: str, requested: str) -> bool:
    try:
        return Version(installed) == Version(requested)
    except ValueError:
        return installed == requested


def _entry(
    adapter_class: type[ModelAdapter],
    key: tuple[str, str],
    *,
    source: str,
    model_dir: Path,
    options: Mapping[str, Mapping[str, Any]] | None,
    library_mismatch: str,
) -> AdapterEntry:
    """Build the entry of one version of an adapter, constructed but not loaded."""
    context = AdapterContext(
        name=key[0],
        version=key[1],
        model_dir=model_dir,
        options=dict((options or {}).get(key[0], {})),
        library_mismatch=library_mismatch,
    )
    adapter, error = _construct(adapter_class, context)
    return AdapterEntry(
        name=key[0],
        version=key[1],
        source=source,
        adapter_class=adapter_class,
        context=context,
        adapter=adapter,
        error=error,
    )

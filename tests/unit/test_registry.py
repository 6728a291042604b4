"""Tests for roost.core.contract.registry over the installed test adapters."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from roost_fixture_echo import EchoAdapter
from roost_fixture_echo_next import EchoNextAdapter

from roost.core import AdapterContext, ModelAdapter
from roost.core.contract.registry import AdapterEntry, Registry
from roost.core.errors import AdapterNotFoundError, AdapterNotReadyError
from roost.core.runtime.settings import Settings
from roost.core.serving.dataplane import build_dataplane

FIXTURE_NAMES = [
    "broken-import",
    "echo",
    "fails-load",
    "fails-predict",
    "parity",
    "sleepy",
]


@pytest.fixture
def namespace(testing_settings: Settings) -> str:
    """The entry-point group the test adapter distributions register in."""
    return testing_settings.adapter_namespace


@pytest.fixture
def registry(namespace: str, tmp_path: Path) -> Registry:
    """A registry freshly discovered in the test namespace; nothing loaded."""
    return Registry.discover(namespace, tmp_path)


@pytest.fixture
def loaded(registry: Registry) -> Registry:
    """The discovered registry after load_all."""
    registry.load_all()
    return registry


class TestDiscover:
    """discover finds every adapter in a namespace, broken ones included."""

    def test_finds_every_fixture_name(self, registry: Registry) -> None:
        """Every entry point of the test namespace is listed, sorted by name."""
        assert registry.names() == FIXTURE_NAMES

    def test_versions_are_newest_first(self, registry: Registry) -> None:
        """Both installed versions of echo are found, 2.0 before 1.0."""
        versions = registry.versions("echo")
        assert [entry.version for entry in versions] == ["2.0", "1.0"]
        assert [entry.adapter_class for entry in versions] == [
            EchoNextAdapter,
            EchoAdapter,
        ]

    def test_entries_record_their_source(self, registry: Registry) -> None:
        """Each entry names the entry point it came from."""
        sources = {
            (entry.name, entry.version): entry.source for entry in registry.entries()
        }
        assert sources[("echo", "2.0")] == "roost_fixture_echo_next:EchoNextAdapter"
        assert sources[("echo", "1.0")] == "roost_fixture_echo:EchoAdapter"
        assert sources[("parity", "0.3")] == "roost_fixture_echo:ParityAdapter"

    def test_entries_are_by_name_then_newest(self, registry: Registry) -> None:
        """entries() lists names in order, each name's versions newest first."""
        assert [(entry.name, entry.version) for entry in registry.entries()] == [
            ("broken-import", None),
            ("echo", "2.0"),
            ("echo", "1.0"),
            ("fails-load", "1.0"),
            ("fails-predict", "1.0"),
            ("parity", "0.3"),
            ("sleepy", "1.0"),
        ]

    def test_adapters_are_constructed_with_their_context(
        self, registry: Registry, tmp_path: Path
    ) -> None:
        """Each adapter gets a context with its own name, version and model folder."""
        for entry in registry.entries():
            if entry.adapter is None:
                continue
            assert isinstance(entry.adapter, entry.adapter_class)
            assert entry.adapter.context.name == entry.name
            assert entry.adapter.context.version == entry.version
            assert entry.adapter.context.model_dir == tmp_path
            assert entry.adapter.context.options == {}

    def test_broken_import_is_listed_not_raised(self, registry: Registry) -> None:
        """An adapter whose import fails is an entry with an import error."""
        (entry,) = registry.versions("broken-import")
        assert entry.version is None
        assert entry.adapter_class is None
        assert entry.adapter is None
        assert entry.ready is False
        assert entry.error is not None
        assert entry.error.startswith("import failed: ModuleNotFoundError")
        assert "roost_fixture_dependency_that_is_not_installed" in entry.error
        assert entry.source == "roost_fixture_broken_import:BrokenImportAdapter"

    def test_discovery_loads_nothing(self, registry: Registry) -> None:
        """Discovery constructs adapters but does not call load()."""
        echo = registry.lookup("echo", "1.0").adapter
        assert echo is not None
        assert not hasattr(echo, "loads")

    def test_entry_is_not_ready_before_it_is_loaded(self, registry: Registry) -> None:
        """An adapter whose load() has not run yet is not reported ready."""
        entry = registry.lookup("fails-load")
        assert entry.ready is False
        with pytest.raises(AdapterNotReadyError):
            registry.lookup_ready("fails-load")

    def test_empty_namespace_has_no_entries(self, tmp_path: Path) -> None:
        """A namespace nothing registers in gives an empty registry."""
        registry = Registry.discover("roost.adapters.none", tmp_path)
        assert registry.entries() == []
        assert registry.names() == []
        with pytest.raises(AdapterNotFoundError):
            registry.lookup("echo")

    def test_options_reach_the_adapter_context(
        self, namespace: str, tmp_path: Path
    ) -> None:
        """Options given per name reach every version of that name only."""
        options = {"echo": {"threshold": 0.5}, "not-installed": {"a": 1}}
        registry = Registry.discover(namespace, tmp_path, options=options)
        for entry in registry.versions("echo"):
            assert entry.adapter is not None
            assert entry.adapter.context.options == {"threshold": 0.5}
        parity = registry.lookup("parity").adapter
        assert parity is not None
        assert parity.context.options == {}


class TestDefaultAndFind:
    """lookup picks an entry by name, version and pins."""

    def test_default_is_the_newest(self, registry: Registry) -> None:
        """With no pin, the default version is the highest installed."""
        assert registry.lookup("echo").version == "2.0"
        assert registry.lookup("echo").version == "2.0"

    def test_pin_changes_the_default(self, namespace: str, tmp_path: Path) -> None:
        """A pinned version is served when no version is named."""
        registry = Registry.discover(namespace, tmp_path, pins={"echo": "1.0"})
        assert registry.lookup("echo").version == "1.0"
        assert registry.lookup("echo").version == "1.0"
        assert registry.lookup("echo", "2.0").version == "2.0"
        assert registry.lookup("parity").version == "0.3"

    def test_pin_matches_by_pep440(self, namespace: str, tmp_path: Path) -> None:
        """A pin spelled "1" selects the installed version "1.0"."""
        registry = Registry.discover(namespace, tmp_path, pins={"echo": "1"})
        assert registry.lookup("echo").version == "1.0"

    def test_pin_to_a_missing_version_is_not_ready(
        self, namespace: str, tmp_path: Path
    ) -> None:
        """A pin naming an uninstalled version: the default is not ready, says why."""
        registry = Registry.discover(namespace, tmp_path, pins={"echo": "9.0"})
        with pytest.raises(
            AdapterNotReadyError, match=r"pinned version 9\.0 is not installed"
        ):
            registry.lookup("echo")
        assert registry.lookup("echo", "1.0").version == "1.0"
        assert registry.listed("echo").version == "2.0"
        assert registry.pin_problems() == {
            "echo": "pinned version 9.0 is not installed (ROOST_PINNED_VERSIONS); "
            "installed: 2.0, 1.0"
        }

    @pytest.mark.parametrize("requested", ["1.0", "1", "1.0.0", "v1.0"])
    def test_find_matches_equal_pep440_versions(
        self, registry: Registry, requested: str
    ) -> None:
        """A requested version equal under PEP 440 finds the installed one."""
        entry = registry.lookup("echo", requested)
        assert entry.version == "1.0"
        assert entry.adapter_class is EchoAdapter

    @pytest.mark.parametrize("requested", ["3.0", "1.1", "latest", ""])
    def test_find_unknown_version(self, registry: Registry, requested: str) -> None:
        """A version not installed raises AdapterNotFoundError naming both."""
        with pytest.raises(AdapterNotFoundError) as caught:
            registry.lookup("echo", requested)
        assert caught.value.name == "echo"
        assert caught.value.version == requested
        assert caught.value.message == f"model 'echo' has no version {requested!r}"

    @pytest.mark.parametrize("method", ["lookup", "versions", "lookup_ready"])
    def test_unknown_name(self, registry: Registry, method: str) -> None:
        """A name not installed raises AdapterNotFoundError naming it."""
        with pytest.raises(
            AdapterNotFoundError, match="no model named 'nope' is installed"
        ):
            getattr(registry, method)("nope")

    def test_broken_import_has_no_version_to_find(self, registry: Registry) -> None:
        """A broken adapter is its name's default but matches no version."""
        assert registry.lookup("broken-import").version is None
        with pytest.raises(AdapterNotFoundError):
            registry.lookup("broken-import", "1.0")


class TestLoadAll:
    """load_all loads each adapter; one failure leaves the rest serving."""

    def test_failed_load_marks_only_that_adapter(self, loaded: Registry) -> None:
        """fails-load is not ready with its error; the other adapters are ready."""
        states = {
            (entry.name, entry.version): entry.ready for entry in loaded.entries()
        }
        assert states == {
            ("broken-import", None): False,
            ("echo", "2.0"): True,
            ("echo", "1.0"): True,
            ("fails-load", "1.0"): False,
            ("fails-predict", "1.0"): True,
            ("parity", "0.3"): True,
            ("sleepy", "1.0"): True,
        }
        assert loaded.lookup("fails-load").error == (
            "load failed: FileNotFoundError: weights.bin is missing"
        )

    def test_each_adapter_is_loaded_once(self, loaded: Registry) -> None:
        """load_all calls load() once on each constructed adapter."""
        echo = loaded.lookup("echo", "1.0").adapter
        assert getattr(echo, "loads", None) == 1

    def test_on_loaded_sees_every_constructed_adapter(self, registry: Registry) -> None:
        """The callback gets each loaded or failed entry, not the unimportable."""
        seen: list[AdapterEntry] = []
        registry.load_all(on_loaded=seen.append)
        assert [(entry.name, entry.version) for entry in seen] == [
            ("echo", "2.0"),
            ("echo", "1.0"),
            ("fails-load", "1.0"),
            ("fails-predict", "1.0"),
            ("parity", "0.3"),
            ("sleepy", "1.0"),
        ]
        assert seen[2].error is not None

    def test_get_returns_a_ready_entry(self, loaded: Registry) -> None:
        """lookup_ready returns the ready entry of the named or default version."""
        assert loaded.lookup_ready("echo").version == "2.0"
        assert loaded.lookup_ready("echo", "1").version == "1.0"
        assert loaded.lookup_ready("parity").ready

    def test_get_failed_load_is_not_ready(self, loaded: Registry) -> None:
        """A get of an adapter whose load failed raises AdapterNotReadyError."""
        with pytest.raises(AdapterNotReadyError) as caught:
            loaded.lookup_ready("fails-load")
        assert caught.value.name == "fails-load"
        assert caught.value.version == "1.0"
        assert (
            caught.value.reason
            == "load failed: FileNotFoundError: weights.bin is missing"
        )
        assert caught.value.message.startswith("model 'fails-load 1.0' is not ready: ")

    def test_get_broken_import_is_not_ready(self, loaded: Registry) -> None:
        """A get of an adapter that failed to import raises AdapterNotReadyError."""
        with pytest.raises(
            AdapterNotReadyError, match="model 'broken-import' is not ready"
        ):
            loaded.lookup_ready("broken-import")


class TestSettingsWiring:
    """build_dataplane discovers the registry the settings describe."""

    def test_settings_options_and_pins_reach_the_registry(
        self, testing_settings: Settings
    ) -> None:
        """Adapter options and pins from settings reach the adapters' contexts."""
        settings = testing_settings.replace(
            adapter_options={"echo": {"scale": 3}}, pinned_versions={"echo": "1.0"}
        )
        registry = build_dataplane(settings).registry
        entry = registry.lookup_ready("echo")
        assert entry.version == "1.0"
        assert entry.adapter is not None
        assert entry.adapter.context.options == {"scale": 3}
        assert entry.adapter.context.model_dir == settings.model_dir
        assert registry.names() == FIXTURE_NAMES


class _Unloading(ModelAdapter):
    """Record unload() calls; fail them when told to."""

    name = "unloading"
    version = "1.0"
    task = "regression"
    input_schema: ClassVar[dict[str, Any]] = {"x": {"type": "float"}}
    fail = False

    def load(self) -> None:
        """Count loads."""
        self.unloads = 0

    def unload(self) -> None:
        """Count unloads, or fail."""
        if self.fail:
            raise RuntimeError("the session would not close")
        self.unloads += 1


class TestUnloadAll:
    """unload_all releases loaded adapters and survives a failing one."""

    def _registry(self, tmp_path: Path, *versions: str) -> Registry:
        entries = []
        for version in versions:
            context = AdapterContext("unloading", version, tmp_path)
            entries.append(
                AdapterEntry(
                    "unloading",
                    version,
                    "test",
                    _Unloading,
                    context,
                    _Unloading(context),
                )
            )
        return Registry(entries)

    def test_loaded_adapters_are_unloaded_once(self, tmp_path: Path) -> None:
        """Each loaded adapter's unload() runs once; it is then not ready."""
        registry = self._registry(tmp_path, "1.0", "2.0")
        registry.load_all()
        registry.unload_all()
        registry.unload_all()
        for entry in registry.entries():
            assert isinstance(entry.adapter, _Unloading)
            assert entry.adapter.unloads == 1
            assert not entry.ready

    def test_a_failing_unload_is_logged_and_the_rest_go_on(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """One adapter's unload() raising does not stop the next one's."""
        registry = self._registry(tmp_path, "1.0", "2.0")
        registry.load_all()
        newest = registry.lookup("unloading", "2.0").adapter
        assert isinstance(newest, _Unloading)
        newest.fail = True
        registry.unload_all()
        oldest = registry.lookup("unloading", "1.0").adapter
        assert isinstance(oldest, _Unloading)
        assert oldest.unloads == 1
        assert "unloading 2.0 failed to unload" in caplog.text

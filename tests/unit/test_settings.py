"""Tests for roost.core.runtime.settings: defaults, profiles and ROOST_* variables."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from roost.core.runtime.settings import (
    KEYLESS_PATHS,
    PROFILES,
    Settings,
    declared_settings,
    default_model_dir,
    settings_table,
)

README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_HEADER = "| variable | default | meaning |"
REGENERATE = "regenerate it with: python -m roost.core.runtime.settings"


class TestDefaults:
    """A Settings built with no arguments is the development setup."""

    def test_field_defaults(self) -> None:
        """Every field has the documented default."""
        settings = Settings()
        assert settings.profile == "development"
        assert settings.adapter_namespace == "roost.adapters"
        assert settings.default_model is None
        assert settings.pinned_versions == {}
        assert settings.adapter_options == {}
        assert settings.host == "127.0.0.1"
        assert settings.port == 8000
        assert settings.workers == 2
        assert settings.threads == 8
        assert settings.max_in_flight == 4
        assert settings.max_body_bytes == 8 * 1024 * 1024
        assert settings.max_records == 10_000
        assert settings.request_deadline == 30.0
        assert settings.cpu_affinity == "auto"
        assert settings.timeout == 30
        assert settings.graceful_timeout == 30
        assert settings.log_level == "info"
        assert settings.log_format == "text"
        assert settings.api_keys_file is None
        assert settings.api_keys_exempt == KEYLESS_PATHS

    def test_model_dir_defaults_to_the_user_data_folder(self) -> None:
        """The default model folder is the per-user data folder of this process."""
        assert Settings().model_dir == default_model_dir(os.environ)

    def test_request_ids_are_unique_hex(self) -> None:
        """The default request-id factory returns distinct 32-digit hex strings."""
        factory = Settings().request_id_factory
        ids = {factory() for _ in range(50)}
        assert len(ids) == 50
        assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)

    def test_profiles(self) -> None:
        """The three profiles are development, testing and production."""
        assert PROFILES == ("development", "testing", "production")

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("profile", "staging", "profile 'staging' is not one of"),
            ("log_format", "xml", "log_format 'xml' is not one of ('text', 'json')"),
            (
                "library_mismatch",
                "ignore",
                "library_mismatch 'ignore' is not one of ('warn', 'refuse')",
            ),
            ("max_requests", -1, "max_requests must not be negative, got -1"),
            ("drift_queue", -1, "drift_queue must not be negative, got -1"),
            ("port", -1, "port must be between 0 and 65535, got -1"),
            ("workers", 0, "workers must be positive, got 0"),
            ("threads", 0, "threads must be positive, got 0"),
            ("timeout", 0, "timeout must be positive, got 0"),
            ("graceful_timeout", -5, "graceful_timeout must be positive, got -5"),
            (
                "request_deadline",
                -1.0,
                "request_deadline must not be negative, got -1.0",
            ),
        ],
    )
    def test_invalid_field_values_are_refused(
        self, field: str, value: object, message: str
    ) -> None:
        """An invalid value raises ValueError naming the field and the value."""
        with pytest.raises(ValueError, match=re.escape(message)):
            Settings(**{field: value})

    def test_drift_queue(self) -> None:
        """ROOST_DRIFT_QUEUE sizes the drift queue, 64 by default; 0 is allowed."""
        assert Settings().drift_queue == 64
        assert Settings.from_env({"ROOST_DRIFT_QUEUE": "0"}).drift_queue == 0
        assert Settings.from_env({"ROOST_DRIFT_QUEUE": "500"}).drift_queue == 500

    def test_a_request_deadline_of_zero_means_none(self) -> None:
        """0 is accepted: predictions then run without a deadline."""
        assert Settings(request_deadline=0).request_deadline == 0

    def test_port_beyond_the_tcp_range_is_refused(self) -> None:
        """A port above 65535 is refused at start-up, not when binding."""
        with pytest.raises(ValueError, match="port"):
            Settings(port=65536)

    def test_settings_are_frozen(self) -> None:
        """Settings cannot be changed in place."""
        settings = Settings()
        with pytest.raises(dataclasses.FrozenInstanceError):
            settings.port = 1  # type: ignore[misc]


class TestDefaultModelDir:
    """default_model_dir honours XDG_DATA_HOME."""

    def test_uses_xdg_data_home(self) -> None:
        """XDG_DATA_HOME, when set, is the base of the model folder."""
        assert default_model_dir({"XDG_DATA_HOME": "/srv/data"}) == Path(
            "/srv/data/roost/models"
        )

    @pytest.mark.parametrize("environ", [{}, {"XDG_DATA_HOME": ""}])
    def test_falls_back_to_local_share(self, environ: dict[str, str]) -> None:
        """Without XDG_DATA_HOME the folder is under ~/.local/share."""
        expected = Path.home() / ".local" / "share" / "roost" / "models"
        assert default_model_dir(environ) == expected


class TestForProfile:
    """for_profile applies a profile's defaults, then explicit overrides."""

    @pytest.mark.parametrize(
        ("profile", "log_level", "log_format"),
        [
            ("development", "info", "text"),
            ("testing", "warning", "text"),
            ("production", "info", "json"),
        ],
    )
    def test_profile_defaults(
        self, profile: str, log_level: str, log_format: str
    ) -> None:
        """Each profile sets its own log level and format."""
        settings = Settings.for_profile(profile)
        assert settings.profile == profile
        assert settings.log_level == log_level
        assert settings.log_format == log_format

    def test_overrides_win_over_profile_defaults(self, tmp_path: Path) -> None:
        """Explicit overrides replace the profile's defaults and other fields."""
        settings = Settings.for_profile(
            "production", log_format="text", port=9000, model_dir=tmp_path
        )
        assert settings.log_format == "text"
        assert settings.log_level == "info"
        assert settings.port == 9000
        assert settings.model_dir == tmp_path

    def test_unknown_profile_is_refused(self) -> None:
        """An unknown profile raises ValueError naming it and the choices."""
        with pytest.raises(ValueError, match=r"profile 'prod' is not one of \("):
            Settings.for_profile("prod")


class TestReplace:
    """replace returns a changed copy and keeps the original."""

    def test_returns_a_changed_copy(self) -> None:
        """The copy has the change; the original keeps its value."""
        original = Settings.for_profile("testing")
        changed = original.replace(port=9100, default_model="echo")
        assert changed.port == 9100
        assert changed.default_model == "echo"
        assert changed.log_level == "warning"
        assert original.port == 8000
        assert original.default_model is None

    def test_replacement_is_validated(self) -> None:
        """An invalid replacement raises ValueError like the constructor."""
        with pytest.raises(ValueError, match="workers must be positive"):
            Settings().replace(workers=0)

    def test_unknown_field_is_refused(self) -> None:
        """A field that does not exist raises TypeError."""
        with pytest.raises(TypeError):
            Settings().replace(colour="blue")


class TestFromEnv:
    """from_env reads ROOST_* variables from the mapping it is given."""

    def test_empty_environment_gives_development_defaults(self) -> None:
        """No variables give the development profile with its defaults."""
        settings = Settings.from_env({})
        assert settings == Settings.for_profile(
            "development", model_dir=default_model_dir({})
        )

    @pytest.mark.parametrize(
        ("environ", "port"),
        [
            ({"ROOST_PORT": "9001"}, 9001),
            ({"PORT": "5000"}, 5000),
            ({"ROOST_PORT": "9001", "PORT": "5000"}, 9001),
            ({"ROOST_PORT": "", "PORT": "5000"}, 5000),
            ({"ROOST_PORT": ""}, 8000),
        ],
    )
    def test_port(self, environ: dict[str, str], port: int) -> None:
        """ROOST_PORT sets the port, PORT is the fallback, ROOST_PORT wins."""
        assert Settings.from_env(environ).port == port

    def test_model_dir_variable(self, tmp_path: Path) -> None:
        """ROOST_MODEL_DIR sets the model folder, even when XDG_DATA_HOME is set."""
        environ = {"ROOST_MODEL_DIR": str(tmp_path), "XDG_DATA_HOME": "/srv/data"}
        assert Settings.from_env(environ).model_dir == tmp_path

    def test_model_dir_expands_the_home_folder(self) -> None:
        """A leading ~ in ROOST_MODEL_DIR is the user's home folder."""
        settings = Settings.from_env({"ROOST_MODEL_DIR": "~/models"})
        assert settings.model_dir == Path.home() / "models"

    def test_empty_model_dir_means_the_default_folder(self) -> None:
        """An empty ROOST_MODEL_DIR counts as unset: the per-user data folder."""
        settings = Settings.from_env({"ROOST_MODEL_DIR": "", "XDG_DATA_HOME": "/d"})
        assert settings.model_dir == Path("/d/roost/models")

    def test_model_dir_defaults_to_xdg_data_home(self) -> None:
        """Without ROOST_MODEL_DIR, the folder is under the given XDG_DATA_HOME."""
        settings = Settings.from_env({"XDG_DATA_HOME": "/srv/data"})
        assert settings.model_dir == Path("/srv/data/roost/models")

    def test_string_and_integer_fields(self) -> None:
        """Plain variables set their fields, converted to the field's type."""
        settings = Settings.from_env(
            {
                "ROOST_HOST": "0.0.0.0",  # noqa: S104 - a value under test, not a bind
                "ROOST_WORKERS": "3",
                "ROOST_THREADS": "8",
                "ROOST_TIMEOUT": "60",
                "ROOST_GRACEFUL_TIMEOUT": "10",
                "ROOST_ADAPTER_NAMESPACE": "roost.adapters.testing",
                "ROOST_DEFAULT_MODEL": "echo",
                "ROOST_LOG_LEVEL": "debug",
            }
        )
        assert settings.host == "0.0.0.0"  # noqa: S104 - a value under test
        assert settings.workers == 3
        assert settings.threads == 8
        assert settings.timeout == 60
        assert settings.graceful_timeout == 10
        assert settings.adapter_namespace == "roost.adapters.testing"
        assert settings.default_model == "echo"
        assert settings.log_level == "debug"

    def test_empty_default_model_means_none(self) -> None:
        """An empty ROOST_DEFAULT_MODEL leaves the default model unset."""
        assert Settings.from_env({"ROOST_DEFAULT_MODEL": ""}).default_model is None

    def test_request_id_factory_is_not_read(self) -> None:
        """ROOST_REQUEST_ID_FACTORY is ignored: a factory is no string."""
        settings = Settings.from_env({"ROOST_REQUEST_ID_FACTORY": "x"})
        assert settings.request_id_factory is Settings().request_id_factory

    def test_unrelated_variables_are_ignored(self) -> None:
        """Variables outside ROOST_* (but PORT and XDG_*_HOME/DIR) change nothing."""
        environ = {"HOST": "0.0.0.0", "WORKERS": "9", "LOG_FORMAT": "json"}  # noqa: S104
        assert Settings.from_env(environ) == Settings.from_env({})

    @pytest.mark.parametrize(
        ("profile", "log_format", "log_level"),
        [("production", "json", "info"), ("testing", "text", "warning")],
    )
    def test_profile_variable(
        self, profile: str, log_format: str, log_level: str
    ) -> None:
        """ROOST_PROFILE selects the profile and its logging defaults."""
        settings = Settings.from_env({"ROOST_PROFILE": profile})
        assert settings.profile == profile
        assert settings.log_format == log_format
        assert settings.log_level == log_level

    def test_explicit_variables_win_over_the_profile(self) -> None:
        """ROOST_LOG_FORMAT overrides the production profile's json logs."""
        settings = Settings.from_env(
            {"ROOST_PROFILE": "production", "ROOST_LOG_FORMAT": "text"}
        )
        assert settings.log_format == "text"

    @pytest.mark.parametrize(
        ("text", "pins"),
        [
            ("echo=1.0", {"echo": "1.0"}),
            ("echo=1.0,parity=0.3", {"echo": "1.0", "parity": "0.3"}),
            (" echo = 1.0 , parity=0.3 ,", {"echo": "1.0", "parity": "0.3"}),
            ("", {}),
            (",,", {}),
        ],
    )
    def test_pinned_versions(self, text: str, pins: dict[str, str]) -> None:
        """ROOST_PINNED_VERSIONS is a comma-separated list of name=version."""
        assert (
            Settings.from_env({"ROOST_PINNED_VERSIONS": text}).pinned_versions == pins
        )

    @pytest.mark.parametrize(
        ("text", "item"),
        [("echo", "echo"), ("=1.0", "=1.0"), ("echo=", "echo="), ("a=1,b", "b")],
    )
    def test_malformed_pin_is_refused(self, text: str, item: str) -> None:
        """A pin without a name, an = or a version names the bad item."""
        message = f"ROOST_PINNED_VERSIONS item {item!r} is not name=version"
        with pytest.raises(ValueError, match=re.escape(message)):
            Settings.from_env({"ROOST_PINNED_VERSIONS": text})

    def test_adapter_options_are_json(self) -> None:
        """ROOST_ADAPTER_OPTIONS is a JSON object of per-adapter options."""
        settings = Settings.from_env(
            {"ROOST_ADAPTER_OPTIONS": '{"echo": {"threshold": 0.5, "tags": ["a"]}}'}
        )
        assert settings.adapter_options == {"echo": {"threshold": 0.5, "tags": ["a"]}}

    @pytest.mark.parametrize("text", ["[1, 2]", '"echo"', "3"])
    def test_adapter_options_must_be_an_object(self, text: str) -> None:
        """JSON that is not an object is refused with a message naming the variable."""
        with pytest.raises(
            ValueError, match="ROOST_ADAPTER_OPTIONS must be a JSON object"
        ):
            Settings.from_env({"ROOST_ADAPTER_OPTIONS": text})

    def test_malformed_adapter_options_name_the_variable(self) -> None:
        """Text that is not JSON raises ValueError naming ROOST_ADAPTER_OPTIONS."""
        with pytest.raises(ValueError, match="ROOST_ADAPTER_OPTIONS"):
            Settings.from_env({"ROOST_ADAPTER_OPTIONS": "{echo: 1}"})

    def test_api_keys_file(self) -> None:
        """ROOST_API_KEYS_FILE is a path, `~` expanded; empty means keys are off."""
        settings = Settings.from_env({"ROOST_API_KEYS_FILE": "~/keys.jsonl"})
        assert settings.api_keys_file == Path.home() / "keys.jsonl"
        assert Settings.from_env({"ROOST_API_KEYS_FILE": ""}).api_keys_file is None

    @pytest.mark.parametrize(
        ("text", "paths"),
        [
            ("/health, /metrics,", ("/health", "/metrics")),
            ("/docs/*", ("/docs/*",)),
            ("", ()),
        ],
    )
    def test_api_keys_exempt(self, text: str, paths: tuple[str, ...]) -> None:
        """ROOST_API_KEYS_EXEMPT lists paths by commas; empty text lists none."""
        assert Settings.from_env({"ROOST_API_KEYS_EXEMPT": text}).api_keys_exempt == (
            paths
        )

    @pytest.mark.parametrize("text", ["health", "/health,metrics"])
    def test_api_keys_exempt_paths_start_with_a_slash(self, text: str) -> None:
        """A keyless path without a leading slash is refused at start-up."""
        with pytest.raises(ValueError, match=r"api_keys_exempt: .* starting with '/'"):
            Settings.from_env({"ROOST_API_KEYS_EXEMPT": text})

    def test_api_keys_exempt_from_code_is_not_one_string(self) -> None:
        """A single string for api_keys_exempt is refused, not read letter by letter."""
        with pytest.raises(ValueError, match="not one string"):
            Settings(api_keys_exempt="/health")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "text", ['{"echo": 1}', '{"echo": [1, 2]}', '{"echo": "x"}']
    )
    def test_each_adapter_options_must_be_an_object(self, text: str) -> None:
        """Per-adapter options that are not objects are refused at start-up."""
        with pytest.raises(ValueError, match="ROOST_ADAPTER_OPTIONS"):
            Settings.from_env({"ROOST_ADAPTER_OPTIONS": text})

    @pytest.mark.parametrize(
        ("environ", "message"),
        [
            ({"ROOST_PROFILE": "prod"}, "profile 'prod' is not one of"),
            ({"ROOST_PORT": "http"}, "ROOST_PORT='http' is not an integer"),
            ({"ROOST_PORT": "80.5"}, "ROOST_PORT='80.5' is not an integer"),
            ({"ROOST_PORT": "-1"}, "port must be between 0 and 65535, got -1"),
            ({"ROOST_WORKERS": "two"}, "ROOST_WORKERS='two' is not an integer"),
            ({"ROOST_WORKERS": "0"}, "workers must be positive, got 0"),
            ({"ROOST_THREADS": "-2"}, "threads must be positive, got -2"),
            ({"ROOST_TIMEOUT": "1.5"}, "ROOST_TIMEOUT='1.5' is not an integer"),
            (
                {"ROOST_GRACEFUL_TIMEOUT": "soon"},
                "ROOST_GRACEFUL_TIMEOUT='soon' is not an integer",
            ),
            (
                {"ROOST_LOG_FORMAT": "xml"},
                "log_format 'xml' is not one of ('text', 'json')",
            ),
            (
                {"ROOST_QUEUE_TIMEOUT": "soon"},
                "ROOST_QUEUE_TIMEOUT='soon' is not a number",
            ),
            (
                {"ROOST_CPU_AFFINITY": "yes"},
                "cpu_affinity 'yes' is not one of ('auto', 'on', 'off')",
            ),
            (
                {"ROOST_HEADER_TIMEOUT": "soon"},
                "ROOST_HEADER_TIMEOUT='soon' is not a number",
            ),
            ({"ROOST_HEADER_TIMEOUT": "0"}, "header_timeout must be positive, got 0"),
            ({"ROOST_BODY_TIMEOUT": "-1"}, "body_timeout must be positive, got -1"),
        ],
    )
    def test_invalid_values_are_refused_clearly(
        self, environ: dict[str, str], message: str
    ) -> None:
        """A bad value raises ValueError naming the variable or field and the value."""
        with pytest.raises(ValueError, match=re.escape(message)):
            Settings.from_env(environ)

    def test_header_and_body_timeouts_take_fractions(self) -> None:
        """ROOST_HEADER_TIMEOUT and ROOST_BODY_TIMEOUT are seconds, 10 by default."""
        assert (Settings().header_timeout, Settings().body_timeout) == (10.0, 10.0)
        settings = Settings.from_env(
            {"ROOST_HEADER_TIMEOUT": "2.5", "ROOST_BODY_TIMEOUT": "30"}
        )
        assert (settings.header_timeout, settings.body_timeout) == (2.5, 30.0)

    def test_cpu_affinity_variable(self) -> None:
        """ROOST_CPU_AFFINITY=on pins workers whatever their number."""
        assert Settings.from_env({"ROOST_CPU_AFFINITY": "on"}).cpu_affinity == "on"

    def test_invalid_port_fallback_names_port(self) -> None:
        """A bad PORT (with ROOST_PORT unset) is reported under the name PORT."""
        with pytest.raises(ValueError, match="PORT='http' is not an integer") as caught:
            Settings.from_env({"PORT": "http"})
        assert "ROOST_PORT" not in str(caught.value)


def _readme_table() -> list[str]:
    """Return the lines of the README's settings table, header included."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(TABLE_HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[start:end]


def _rows_by_variable(table: list[str]) -> dict[str, str]:
    """Key a settings table's rows by the first variable each names."""
    return {row.split("`")[1]: row for row in table[2:]}


class TestDeclaration:
    """Every setting is declared once; the README's table is derived from it."""

    def test_every_field_but_two_is_a_declared_setting(self) -> None:
        """A field added without its setting(...) declaration fails here."""
        names = [spec.name for spec in dataclasses.fields(Settings)]
        declared = [setting.name for setting in declared_settings()]
        not_settings = {"request_id_factory", "xdg_runtime_dir"}
        assert declared == [name for name in names if name not in not_settings]

    def test_variables_are_roost_and_the_field_name(self) -> None:
        """Each setting is read from ROOST_<FIELD>, and only port has a fallback."""
        for setting in declared_settings():
            assert setting.variables[0] == f"ROOST_{setting.name.upper()}"
        fallbacks = {s.name: s.fallbacks for s in declared_settings() if s.fallbacks}
        assert fallbacks == {"port": ("PORT",)}

    def test_every_variable_is_read(self) -> None:
        """Setting a declared variable changes its field: none is left unread."""
        valid = {
            "profile": "production",
            "model_dir": "/srv/models",
            "pinned_versions": "echo=1.0",
            "traffic": "echo=1.0:9,2.0:1",
            "shadow": "echo=2.0",
            "adapter_options": '{"echo": {}}',
            "library_mismatch": "refuse",
            "cpu_affinity": "off",
            "log_format": "json",
            "log_level": "debug",
            "metrics_dir": "/srv/metrics",
            "api_keys_file": "/srv/keys.jsonl",
            "api_keys_exempt": "/health",
            "payload_log": "/srv/payload.jsonl",
            "payload_log_url": "http://collector:8080/",
            "payload_log_sample": "0.25",
            "payload_log_namespace": "ml",
        }
        defaults = Settings.from_env({})
        for setting in declared_settings():
            raw = valid.get(setting.name, "7")
            changed = Settings.from_env({setting.variables[0]: raw})
            assert getattr(changed, setting.name) != getattr(defaults, setting.name)

    @pytest.mark.parametrize("raw", ["verbose", "7", ""])
    def test_an_unknown_log_level_stops_start_up(self, raw: str) -> None:
        """A log level logging does not know is refused, naming the setting."""
        with pytest.raises(ValueError, match=r"log_level .* is not one of"):
            Settings.from_env({"ROOST_LOG_LEVEL": raw})

    def test_log_levels_are_read_in_any_case(self) -> None:
        """INFO is info, as gunicorn and logging read it."""
        assert Settings.from_env({"ROOST_LOG_LEVEL": "INFO"}).log_level == "info"

    def test_profile_defaults_show_in_the_table(self) -> None:
        """A default that differs by profile is shown with that profile."""
        assert "| `info` (`warning` in `testing`) |" in settings_table()
        assert "| `text` (`json` in `production`) |" in settings_table()

    def test_readme_lists_every_setting(self) -> None:
        """A declared setting missing from the README's table fails."""
        documented = _rows_by_variable(_readme_table())
        declared = [setting.variables[0] for setting in declared_settings()]
        missing = [variable for variable in declared if variable not in documented]
        assert not missing, f"README.md lacks rows for {missing}; {REGENERATE}"

    def test_readme_lists_no_unknown_setting(self) -> None:
        """A README row for a setting that is not declared fails."""
        declared = {setting.variables[0] for setting in declared_settings()}
        unknown = [v for v in _rows_by_variable(_readme_table()) if v not in declared]
        assert not unknown, f"README.md documents unknown {unknown}; {REGENERATE}"

    def test_readme_rows_match_the_declarations(self) -> None:
        """Each README row shows its setting's default and help as declared."""
        documented = _rows_by_variable(_readme_table())
        expected = _rows_by_variable(settings_table().splitlines())
        wrong = {
            variable: f"README: {documented[variable]!r}, declared: {row!r}"
            for variable, row in expected.items()
            if variable in documented and documented[variable] != row
        }
        assert not wrong, f"README.md rows differ: {wrong}; {REGENERATE}"

    def test_readme_table_is_the_generated_table(self) -> None:
        """The README's table is settings_table() exactly, in declaration order."""
        assert _readme_table() == settings_table().splitlines(), REGENERATE


class TestTrafficSetting:
    """`ROOST_TRAFFIC`: `name=version:weight,...;name=...`."""

    def test_several_models_are_read(self) -> None:
        """Models are separated by `;`, versions by `,`, weights follow `:`."""
        settings = Settings.from_env(
            {"ROOST_TRAFFIC": "echo=1.0:90, 2.0:10 ; other=3:1"}
        )
        assert settings.traffic == {
            "echo": {"1.0": 90.0, "2.0": 10.0},
            "other": {"3": 1.0},
        }

    def test_unset_is_no_split(self) -> None:
        """Without the variable, no model is split."""
        assert Settings.from_env({}).traffic == {}

    @pytest.mark.parametrize(
        ("raw", "says"),
        [
            ("echo", "not name=version:weight"),
            ("echo=1.0", "is not version:weight"),
            ("echo=1.0:x", "is not a number"),
            ("echo=1.0:1,1.0:2", "each version once"),
            ("echo=1.0:1;echo=2.0:1", "one item per model"),
            ("echo=1.0:0,2.0:10", "needs a positive weight"),
            ("echo=1.0:-5", "needs a positive weight"),
            ("echo=1.0:nan", "needs a positive weight"),
            ("echo=", "names no version"),
        ],
    )
    def test_a_wrong_split_is_refused_at_start(self, raw: str, says: str) -> None:
        """A malformed split or a weight that is not positive stops the start."""
        with pytest.raises(ValueError, match=says):
            Settings.from_env({"ROOST_TRAFFIC": raw})

    def test_a_split_model_cannot_also_be_pinned(self) -> None:
        """A pin and a split both set the default version: one model gets one."""
        with pytest.raises(ValueError, match="echo: split by traffic and pinned"):
            Settings.from_env(
                {
                    "ROOST_TRAFFIC": "echo=1.0:1,2.0:1",
                    "ROOST_PINNED_VERSIONS": "echo=1.0,other=2",
                }
            )

    def test_shadows_are_read(self) -> None:
        """`ROOST_SHADOW` is `name=version;name=version`, with a queue size."""
        settings = Settings.from_env(
            {"ROOST_SHADOW": "echo=2.0;other=1", "ROOST_SHADOW_QUEUE": "8"}
        )
        assert settings.shadow == {"echo": "2.0", "other": "1"}
        assert settings.shadow_queue == 8

    def test_a_shadow_queue_must_hold_something(self) -> None:
        """A shadow queue of 0 is refused at start."""
        with pytest.raises(ValueError, match="shadow_queue must be positive"):
            Settings.from_env({"ROOST_SHADOW_QUEUE": "0"})

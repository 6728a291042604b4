"""`roost keys add|list|revoke`, run in process through the command line's main."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from roost.core.cli import main
from roost.core.security.api_keys import KEY_PREFIX, hash_key
from roost.core.security.key_file import load_ring, read_keys


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The key file ROOST_API_KEYS_FILE names for these commands."""
    path = tmp_path / "api-keys.jsonl"
    monkeypatch.setenv("ROOST_API_KEYS_FILE", str(path))
    return path


def _add(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["keys", "add", *args]) == 0
    return capsys.readouterr().out.strip()


class TestAdd:
    """`roost keys add` prints a new key once and stores only its hash."""

    def test_prints_the_key_alone_and_stores_its_hash(
        self, key_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Standard output is the key alone; the file holds its SHA-256 only."""
        assert main(["keys", "add", "ci", "--models", "echo,parity"]) == 0
        out, err = capsys.readouterr()
        secret = out.strip()
        assert out == secret + "\n"
        assert secret.startswith(KEY_PREFIX)
        assert "only time it is shown" in err
        assert secret not in err
        assert secret not in key_file.read_text()
        assert hash_key(secret) in key_file.read_text()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert load_ring(key_file).identify(secret).scopes == ("echo", "parity")

    def test_a_star_covers_every_model(
        self, key_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--models '*' stores the wildcard scope."""
        secret = _add(capsys, "admin", "--models", "*")
        assert load_ring(key_file).identify(secret).scopes == ("*",)

    def test_refuses_a_duplicate_name(
        self, key_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A second key of the same name fails with exit 1 and prints no key."""
        _add(capsys, "ci", "--models", "echo")
        assert main(["keys", "add", "ci", "--models", "parity"]) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert "'ci' exists already" in err
        assert [key.scopes for key in read_keys(key_file)] == [("echo",)]

    @pytest.mark.parametrize("models", ["", ",", "Echo", "echo,../x"])
    def test_refuses_bad_models(
        self, key_file: Path, capsys: pytest.CaptureFixture[str], models: str
    ) -> None:
        """Empty or malformed model lists fail with exit 1 and write nothing."""
        assert main(["keys", "add", "ci", "--models", models]) == 1
        assert capsys.readouterr().out == ""
        assert not key_file.exists()

    def test_models_are_required(self, key_file: Path) -> None:
        """Without --models the command stops with a usage error."""
        with pytest.raises(SystemExit) as stopped:
            main(["keys", "add", "ci"])
        assert stopped.value.code == 2

    def test_file_option_wins_over_the_setting(
        self, key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--file names another key file than ROOST_API_KEYS_FILE."""
        other = tmp_path / "other.jsonl"
        _add(capsys, "ci", "--models", "echo", "--file", str(other))
        assert other.exists()
        assert not key_file.exists()

    def test_without_a_file_says_how_to_name_one(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With no setting and no --file, exit 1 naming both."""
        monkeypatch.delenv("ROOST_API_KEYS_FILE", raising=False)
        assert main(["keys", "add", "ci", "--models", "echo"]) == 1
        assert "set ROOST_API_KEYS_FILE or pass --file" in capsys.readouterr().err


class TestList:
    """`roost keys list` shows names, scopes and dates, never the keys."""

    def test_lists_keys_with_a_short_hash_only(
        self, key_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each key is a row: name, created, 8 hex digits of its hash, models."""
        echo = _add(capsys, "ci", "--models", "echo")
        admin = _add(capsys, "admin", "--models", "*")
        assert main(["keys", "list"]) == 0
        out = capsys.readouterr().out
        header, *rows = out.splitlines()
        assert header.split() == ["NAME", "CREATED", "SHA256", "MODELS"]
        assert [row.split()[0] for row in rows] == ["ci", "admin"]
        assert rows[0].split()[2] == hash_key(echo)[:8] + "..."
        assert rows[0].split()[3] == "echo"
        assert rows[1].split()[3] == "*"
        for secret in (echo, admin):
            assert secret not in out
            assert hash_key(secret) not in out

    def test_no_file_lists_no_keys(
        self, key_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Before the first key, list says there is none."""
        assert main(["keys", "list"]) == 0
        assert capsys.readouterr().out == f"no API keys in {key_file}\n"


class TestRevoke:
    """`roost keys revoke` removes one key."""

    def test_removes_the_key(
        self, key_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The revoked key no longer identifies; the other stays."""
        kept = _add(capsys, "kept", "--models", "echo")
        _add(capsys, "gone", "--models", "echo")
        assert main(["keys", "revoke", "gone"]) == 0
        assert "revoked API key 'gone'" in capsys.readouterr().out
        assert [key.name for key in read_keys(key_file)] == ["kept"]
        assert load_ring(key_file).identify(kept).name == "kept"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    def test_an_unknown_name_fails(
        self, key_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Revoking a name not stored exits 1 and says so."""
        _add(capsys, "ci", "--models", "echo")
        assert main(["keys", "revoke", "cd"]) == 1
        assert "no API key named 'cd'" in capsys.readouterr().err

"""The API key file: JSON lines of hashes, written atomically with mode 0600."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roost.core.errors import AuthenticationError
from roost.core.security.api_keys import hash_key
from roost.core.security.key_file import (
    add_key,
    load_ring,
    read_keys,
    revoke_key,
    write_keys,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class TestAddKey:
    """Adding a key stores its hash and returns the secret once."""

    def test_creates_the_file_owner_only(self, tmp_path: Path) -> None:
        """A new file, and its new folder, are made; the file is 0600."""
        path = tmp_path / "secrets" / "keys.jsonl"
        add_key(path, "ci", ["echo"])
        assert _mode(path) == 0o600

    def test_stores_only_the_hash(self, tmp_path: Path) -> None:
        """The line holds name, sha256, scopes and created; never the key."""
        path = tmp_path / "keys.jsonl"
        clock = lambda: datetime(2026, 5, 1, 12, 30, tzinfo=UTC)  # noqa: E731
        key, secret = add_key(path, "ci", ["echo", "parity"], clock=clock)
        text = path.read_text()
        assert secret not in text
        assert json.loads(text) == {
            "name": "ci",
            "sha256": hash_key(secret),
            "scopes": ["echo", "parity"],
            "created": "2026-05-01T12:30:00+00:00",
        }
        assert key.sha256 == hash_key(secret)

    def test_keeps_existing_keys_and_mode(self, tmp_path: Path) -> None:
        """A second key is appended; a loose mode is tightened to 0600."""
        path = tmp_path / "keys.jsonl"
        add_key(path, "first", ["echo"])
        path.chmod(0o644)
        add_key(path, "second", ["*"])
        assert [key.name for key in read_keys(path)] == ["first", "second"]
        assert _mode(path) == 0o600

    def test_refuses_a_duplicate_name_and_changes_nothing(self, tmp_path: Path) -> None:
        """A name already stored is refused; the file stays as it was."""
        path = tmp_path / "keys.jsonl"
        add_key(path, "ci", ["echo"])
        before = path.read_bytes()
        with pytest.raises(ValueError, match="'ci' exists already"):
            add_key(path, "ci", ["*"])
        assert path.read_bytes() == before

    def test_refuses_bad_scopes_before_touching_the_file(self, tmp_path: Path) -> None:
        """A bad scope is refused and no file is created."""
        path = tmp_path / "keys.jsonl"
        with pytest.raises(ValueError, match="scope"):
            add_key(path, "ci", ["Not A Model"])
        assert not path.exists()

    def test_leaves_no_temporary_files(self, tmp_path: Path) -> None:
        """Only the key file remains in its folder after several writes."""
        path = tmp_path / "keys.jsonl"
        for name in ("a", "b", "c"):
            add_key(path, name, ["echo"])
        revoke_key(path, "b")
        assert [p.name for p in tmp_path.iterdir()] == ["keys.jsonl"]


class TestRevokeKey:
    """Revoking removes one key and keeps the rest."""

    def test_removes_the_named_key(self, tmp_path: Path) -> None:
        """The revoked key is gone; its secret no longer identifies anything."""
        path = tmp_path / "keys.jsonl"
        _, kept_secret = add_key(path, "kept", ["echo"])
        _, gone_secret = add_key(path, "gone", ["echo"])
        assert revoke_key(path, "gone").name == "gone"
        ring = load_ring(path)
        assert ring.identify(kept_secret).name == "kept"
        with pytest.raises(AuthenticationError, match="not valid"):
            ring.identify(gone_secret)

    def test_an_unknown_name_is_refused(self, tmp_path: Path) -> None:
        """Revoking a name not stored fails and changes nothing."""
        path = tmp_path / "keys.jsonl"
        add_key(path, "ci", ["echo"])
        before = path.read_bytes()
        with pytest.raises(ValueError, match="no API key named 'cd'"):
            revoke_key(path, "cd")
        assert path.read_bytes() == before

    def test_a_missing_file_is_refused(self, tmp_path: Path) -> None:
        """Revoking from a file that does not exist names the file."""
        with pytest.raises(ValueError, match="does not exist"):
            revoke_key(tmp_path / "none" / "keys.jsonl", "ci")


class TestReadKeys:
    """Reading refuses a broken file, naming the line."""

    def test_a_missing_file_is_refused_unless_allowed(self, tmp_path: Path) -> None:
        """Servers need the file; `roost keys` may start from none."""
        path = tmp_path / "keys.jsonl"
        with pytest.raises(ValueError, match="does not exist"):
            load_ring(path)
        assert read_keys(path, missing_ok=True) == []

    def test_blank_lines_are_skipped(self, tmp_path: Path) -> None:
        """Empty lines between records are fine."""
        path = tmp_path / "keys.jsonl"
        add_key(path, "ci", ["echo"])
        path.write_text("\n" + path.read_text() + "\n\n")
        assert [key.name for key in read_keys(path)] == ["ci"]

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("not json", "keys.jsonl:2: not a JSON object"),
            ("[1]", "keys.jsonl:2: not a JSON object"),
            ('{"name": "x"}', "keys.jsonl:2: needs name, sha256"),
            (
                '{"name": "x", "sha256": "00", "scopes": ["*"], "created": ""}',
                "keys.jsonl:2: key 'x': sha256 is not 64 hex digits",
            ),
            (
                '{"name": "x", "sha256": "' + "0" * 64 + '", "scopes": [], '
                '"created": ""}',
                "keys.jsonl:2: a key needs at least one model",
            ),
            (
                '{"name": "ci", "sha256": "' + "0" * 64 + '", "scopes": ["*"], '
                '"created": ""}',
                "keys.jsonl:2: key 'ci' appears twice",
            ),
        ],
    )
    def test_malformed_lines_are_refused_by_number(
        self, tmp_path: Path, line: str, message: str
    ) -> None:
        """A broken record raises ValueError naming the file and line."""
        path = tmp_path / "keys.jsonl"
        add_key(path, "ci", ["echo"])
        path.write_text(path.read_text() + line + "\n")
        with pytest.raises(ValueError, match=message):
            read_keys(path)

    def test_write_then_read_round_trips(self, tmp_path: Path) -> None:
        """Keys written are the keys read back."""
        path = tmp_path / "keys.jsonl"
        key, _ = add_key(path, "ci", ["echo", "parity"])
        write_keys(path, [key, key.__class__("cd", key.sha256, ("*",), key.created)])
        assert [(k.name, k.scopes) for k in read_keys(path)] == [
            ("ci", ("echo", "parity")),
            ("cd", ("*",)),
        ]

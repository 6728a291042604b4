"""The API key file: one JSON object per line, rewritten atomically, mode 0600.

Each line holds a key's `name`, the `sha256` of its secret, its `scopes`
(model names or `*`) and when it was `created`; never the secret itself.
Servers read the file when each worker starts (so a reload, SIGHUP, picks up
changes); `roost keys` changes it under an exclusive lock on its folder, by
writing a new file beside it and renaming it over the old one, so a reader
sees the old file or the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roost.core.quoting import short_repr
from roost.core.security.api_keys import (
    ApiKey,
    KeyRing,
    check_key_name,
    check_scopes,
    hash_key,
    new_key,
)

__all__ = ["add_key", "load_ring", "read_keys", "revoke_key", "write_keys"]

#: Owner read and write only: the file says which keys exist and what they reach.
FILE_MODE = 0o600


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _parse_line(path: Path, number: int, line: str) -> ApiKey:
    where = f"{path}:{number}"
    try:
        record: Any = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"{where}: not a JSON object: {exc}") from None
    if not isinstance(record, dict):
        raise ValueError(f"{where}: not a JSON object")
    name, sha256 = record.get("name"), record.get("sha256")
    scopes, created = record.get("scopes"), record.get("created")
    if not (
        isinstance(name, str)
        and isinstance(sha256, str)
        and isinstance(created, str)
        and isinstance(scopes, list)
        and all(isinstance(scope, str) for scope in scopes)
    ):
        raise ValueError(
            f"{where}: needs name, sha256 and created (strings) and scopes "
            "(a list of strings)"
        )
    try:
        return ApiKey(name, sha256, tuple(scopes), created)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def read_keys(path: Path, *, missing_ok: bool = False) -> list[ApiKey]:
    """Read every key in the file; blank lines are skipped.

    Raises:
        ValueError: the file is missing (unless `missing_ok`), unreadable,
            malformed, or names a key twice; the message names the line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return []
        raise ValueError(
            f"API key file {path} does not exist; create it with "
            "'roost keys add NAME --models ...'"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read API key file {path}: {exc}") from None
    keys: list[ApiKey] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key = _parse_line(path, number, line)
        if key.name in seen:
            raise ValueError(f"{path}:{number}: key {key.name!r} appears twice")
        seen.add(key.name)
        keys.append(key)
    return keys


def load_ring(path: Path) -> KeyRing:
    """Read the file into the keys a server accepts (at worker start)."""
    return KeyRing(read_keys(path))


def _line(key: ApiKey) -> str:
    record = {
        "name": key.name,
        "sha256": key.sha256,
        "scopes": list(key.scopes),
        "created": key.created,
    }
    return json.dumps(record, separators=(",", ":")) + "\n"


def write_keys(path: Path, keys: Sequence[ApiKey]) -> None:
    """Replace the file with `keys`, atomically, readable by its owner only."""
    folder = path.parent
    # mkstemp creates the file 0600 before anything is written to it.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.writelines(_line(key) for key in keys)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(FILE_MODE)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder_handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(folder_handle)  # the rename itself survives a crash
    finally:
        os.close(folder_handle)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file's folder while changing the file.

    NOTE: the folder, not the file: the file is replaced by a rename, so a
    lock on it would lock a file that is no longer the key file.
    """
    try:
        handle = os.open(path.parent, os.O_RDONLY)
    except FileNotFoundError:
        raise ValueError(f"folder {path.parent} does not exist") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def add_key(
    path: Path,
    name: str,
    scopes: Sequence[str],
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> tuple[ApiKey, str]:
    """Make a key, store its hash, and return the stored key and its secret.

    Raises:
        ValueError: a bad name or scope, or a key of that name exists.
    """
    name = check_key_name(name)
    scopes = check_scopes(scopes)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        keys = read_keys(path, missing_ok=True)
        if any(key.name == name for key in keys):
            raise ValueError(
                f"a key named {name!r} exists already: revoke it first or "
                "choose another name"
            )
        secret = new_key()
        created = clock().astimezone(UTC).isoformat(timespec="seconds")
        added = ApiKey(name, hash_key(secret), scopes, created)
        write_keys(path, [*keys, added])
    return added, secret


def revoke_key(path: Path, name: str) -> ApiKey:
    """Remove the key called `name` from the file and return it.

    Raises:
        ValueError: no key of that name is stored.
    """
    with _locked(path):
        keys = read_keys(path)
        kept = [key for key in keys if key.name != name]
        if len(kept) == len(keys):
            raise ValueError(f"no API key named {short_repr(name)} in {path}")
        write_keys(path, kept)
    return next(key for key in keys if key.name == name)

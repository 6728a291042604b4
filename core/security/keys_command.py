"""`roost keys`: add, list and revoke API keys in the key file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from roost.core.security.key_file import add_key, read_keys, revoke_key

__all__ = ["add_keys_parser", "run_keys"]

#: Hex digits of a key's hash `roost keys list` shows: enough to tell keys apart.
SHOWN_HASH_DIGITS = 8


def add_keys_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost keys add|list|revoke`."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--file", type=Path, help="the key file (default: ROOST_API_KEYS_FILE)"
    )
    keys = commands.add_parser(
        "keys",
        help="add, list and revoke API keys",
        description="Manage the API key file servers read (ROOST_API_KEYS_FILE). "
        "It stores each key's SHA-256, never the key; running servers see "
        "changes after a reload (SIGHUP) or restart.",
    )
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", parents=[where], help="make a key, print it once, store its hash"
    )
    add.add_argument("name", help="what the key is for, e.g. billing-service")
    add.add_argument(
        "--models",
        required=True,
        help="comma-separated model names the key may use, or '*' for all",
    )
    actions.add_parser(
        "list", parents=[where], help="names, scopes and dates; never the keys"
    )
    revoke = actions.add_parser("revoke", parents=[where], help="remove a key")
    revoke.add_argument("name", help="the key's name")


def _key_file(configured: Path | None, args: argparse.Namespace) -> Path:
    path: Path | None = args.file or configured
    if path is None:
        raise ValueError("no key file: set ROOST_API_KEYS_FILE or pass --file")
    return path.expanduser()


def _add(path: Path, args: argparse.Namespace) -> int:
    scopes = [scope.strip() for scope in args.models.split(",") if scope.strip()]
    key, secret = add_key(path, args.name, scopes)
    print(secret)
    print(
        f"API key {key.name!r} for {', '.join(key.scopes)} stored in {path} "
        "(its hash only). This is the only time it is shown. Running servers "
        "accept it after a reload (SIGHUP).",
        file=sys.stderr,
    )
    return 0


def _list(path: Path) -> int:
    keys = read_keys(path, missing_ok=True)
    if not keys:
        print(f"no API keys in {path}")
        return 0
    width = max(4, *(len(key.name) for key in keys))
    digits = SHOWN_HASH_DIGITS + 3
    print(f"{'NAME':<{width}}  {'CREATED':<25}  {'SHA256':<{digits}}  MODELS")
    for key in keys:
        digest = key.sha256[:SHOWN_HASH_DIGITS] + "..."
        models = ",".join(key.scopes)
        print(f"{key.name:<{width}}  {key.created:<25}  {digest}  {models}")
    return 0


def _revoke(path: Path, args: argparse.Namespace) -> int:
    key = revoke_key(path, args.name)
    print(
        f"revoked API key {key.name!r}; running servers refuse it after a "
        "reload (SIGHUP)"
    )
    return 0


def run_keys(configured: Path | None, args: argparse.Namespace) -> int:
    """Run one `roost keys` action on the key file; return the exit status.

    Args:
        configured: the key file from settings, used when `--file` is absent.
        args: the parsed command line.
    """
    path = _key_file(configured, args)
    try:
        if args.keys_command == "add":
            return _add(path, args)
        if args.keys_command == "list":
            return _list(path)
        return _revoke(path, args)
    except OSError as exc:
        raise ValueError(f"cannot change {path}: {exc}") from None

"""API keys: make one, hash it, and find the key a request presents.

A key is `roost_` plus 32 random bytes (URL-safe base64). Only its SHA-256
is stored. Every comparison is constant-time, and a look-up compares the
presented key's hash with every stored hash, so how long it takes says
nothing about which key (if any) matched.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from roost.core.contract.adapter import NAME_PATTERN
from roost.core.errors import AuthenticationError, KeyScopeError
from roost.core.quoting import short_repr

__all__ = [
    "ALL_MODELS",
    "KEY_PREFIX",
    "ApiKey",
    "KeyRing",
    "check_key_name",
    "check_scopes",
    "hash_key",
    "new_key",
]

#: Marks roost's keys, so a leaked one is recognisable (secret scanners).
KEY_PREFIX = "roost_"
#: The scope that covers every model.
ALL_MODELS = "*"
#: Random bytes in a key: 256 bits.
KEY_BYTES = 32
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def new_key() -> str:
    """Return a fresh random key, shown once and never stored."""
    return KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)


def hash_key(key: str) -> str:
    """Return the SHA-256 of a key as hex: what the key file stores.

    NOTE: keys are 256-bit random tokens, not passwords people choose; no
    dictionary or brute force reaches them, so a fast hash is enough. A slow
    password KDF (bcrypt, scrypt) would add nothing but cost to every request.
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def check_key_name(name: str) -> str:
    """Return `name` if it can name a key: 1-64 of letters, digits, `._-`."""
    if not _KEY_NAME.fullmatch(name):
        raise ValueError(
            f"key name {short_repr(name)} must be 1-64 letters, digits, '.', "
            "'_' or '-', starting with a letter or digit"
        )
    return name


def check_scopes(scopes: Sequence[str]) -> tuple[str, ...]:
    """Return the scopes, deduplicated in order, if each is a model name or `*`."""
    if not scopes:
        raise ValueError("a key needs at least one model name, or '*' for all")
    for scope in scopes:
        if scope != ALL_MODELS and not NAME_PATTERN.fullmatch(scope):
            raise ValueError(
                f"scope {short_repr(scope)} is neither a model name "
                "(lowercase letters, digits, '-') nor '*'"
            )
    return tuple(dict.fromkeys(scopes))


@dataclass(frozen=True)
class ApiKey:
    """A stored key: its name, the SHA-256 of its secret, the models it covers."""

    name: str
    sha256: str
    scopes: tuple[str, ...]
    #: When it was made, ISO 8601 in UTC.
    created: str

    def __post_init__(self) -> None:
        check_key_name(self.name)
        check_scopes(self.scopes)
        if not _SHA256_HEX.fullmatch(self.sha256):
            raise ValueError(f"key {self.name!r}: sha256 is not 64 hex digits")

    def allows(self, model: str) -> bool:
        """Say whether this key may use `model`."""
        return ALL_MODELS in self.scopes or model in self.scopes


class KeyRing:
    """The keys a server accepts, read once per worker; immutable."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._keys = tuple(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def identify(self, presented: str | None) -> ApiKey:
        """Return the stored key matching `presented`.

        Raises:
            AuthenticationError: no key was presented, or it matches none.
        """
        if not presented:
            raise AuthenticationError(
                "this route needs an API key: send 'Authorization: Bearer KEY' "
                "or 'X-API-Key: KEY'",
                presented=False,
            )
        digest = hash_key(presented)
        found = None
        for key in self._keys:  # NOTE: no early exit, so timing tells nothing
            if hmac.compare_digest(key.sha256, digest) and found is None:
                found = key
        if found is None:
            raise AuthenticationError("the API key is not valid", presented=True)
        return found

    @staticmethod
    def authorize(key: ApiKey, model: str) -> None:
        """Refuse a key that does not cover `model`.

        Raises:
            KeyScopeError: the key's scopes name neither `model` nor `*`.
        """
        if not key.allows(model):
            raise KeyScopeError(key.name, model)

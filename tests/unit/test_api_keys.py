"""API keys in core: making, hashing, identifying and authorizing them."""

from __future__ import annotations

import hashlib

import pytest

from roost.core.errors import AuthenticationError, KeyScopeError
from roost.core.security.api_keys import (
    KEY_PREFIX,
    ApiKey,
    KeyRing,
    check_key_name,
    check_scopes,
    hash_key,
    new_key,
)

CREATED = "2026-01-01T00:00:00+00:00"


def _stored(name: str, secret: str, *scopes: str) -> ApiKey:
    return ApiKey(name, hash_key(secret), scopes, CREATED)


class TestNewKey:
    """New keys are long, random and recognisable."""

    def test_keys_carry_the_prefix_and_256_random_bits(self) -> None:
        """A key is `roost_` plus 43 URL-safe characters (32 bytes)."""
        key = new_key()
        assert key.startswith(KEY_PREFIX)
        assert len(key) == len(KEY_PREFIX) + 43
        assert key[len(KEY_PREFIX) :].replace("-", "").replace("_", "").isalnum()

    def test_keys_differ(self) -> None:
        """Every call makes another key."""
        assert len({new_key() for _ in range(100)}) == 100

    def test_the_hash_is_sha256_hex(self) -> None:
        """What the file stores is the key's SHA-256, as hex."""
        assert hash_key("roost_abc") == hashlib.sha256(b"roost_abc").hexdigest()


class TestNamesAndScopes:
    """Key names and scopes are checked before anything is stored."""

    @pytest.mark.parametrize("name", ["ci", "billing-service", "team.a_1", "A" * 64])
    def test_plain_names_are_accepted(self, name: str) -> None:
        """Letters, digits, dots, dashes and underscores make a name."""
        assert check_key_name(name) == name

    @pytest.mark.parametrize("name", ["", "-lead", "a b", "a/b", "A" * 65, "ключ"])
    def test_other_names_are_refused(self, name: str) -> None:
        """Names with spaces, slashes, other scripts or 65+ characters are refused."""
        with pytest.raises(ValueError, match="key name"):
            check_key_name(name)

    def test_scopes_are_model_names_or_a_star(self) -> None:
        """Model names and `*` pass, in order, without repeats."""
        assert check_scopes(["echo", "house-prices", "echo"]) == (
            "echo",
            "house-prices",
        )
        assert check_scopes(["*"]) == ("*",)

    @pytest.mark.parametrize("scopes", [[], ["Echo"], ["echo", "a*"], ["house prices"]])
    def test_other_scopes_are_refused(self, scopes: list[str]) -> None:
        """No scopes at all, or anything not a model name or `*`, is refused."""
        with pytest.raises(ValueError, match=r"scope|at least one"):
            check_scopes(scopes)

    def test_a_stored_hash_must_be_sha256_hex(self) -> None:
        """A key whose hash is not 64 hex digits is refused."""
        with pytest.raises(ValueError, match="64 hex"):
            ApiKey("ci", "abc", ("echo",), CREATED)


class TestKeyRing:
    """The ring finds the stored key behind a presented one."""

    @pytest.fixture
    def ring(self) -> KeyRing:
        """A ring of a key for echo only and a key for every model."""
        return KeyRing(
            [
                _stored("echo-only", "roost_one", "echo"),
                _stored("all", "roost_two", "*"),
            ]
        )

    def test_a_valid_key_is_identified(self, ring: KeyRing) -> None:
        """The presented key's hash finds its stored key."""
        assert ring.identify("roost_one").name == "echo-only"
        assert ring.identify("roost_two").name == "all"

    @pytest.mark.parametrize("presented", [None, ""])
    def test_no_key_is_refused_as_missing(
        self, ring: KeyRing, presented: str | None
    ) -> None:
        """No key raises AuthenticationError saying how to send one."""
        with pytest.raises(AuthenticationError, match="Bearer KEY") as caught:
            ring.identify(presented)
        assert caught.value.presented is False

    def test_a_wrong_key_is_refused_without_echoing_it(self, ring: KeyRing) -> None:
        """A key matching no hash raises AuthenticationError, not naming the key."""
        with pytest.raises(AuthenticationError) as caught:
            ring.identify("roost_guess")
        assert caught.value.presented is True
        assert "roost_guess" not in caught.value.message

    def test_an_empty_ring_accepts_nothing(self) -> None:
        """With no keys stored every key is refused."""
        with pytest.raises(AuthenticationError):
            KeyRing([]).identify("roost_one")

    def test_scopes_decide_which_models_a_key_may_use(self, ring: KeyRing) -> None:
        """A scoped key covers its models; `*` covers every model."""
        scoped, everything = ring.identify("roost_one"), ring.identify("roost_two")
        ring.authorize(scoped, "echo")
        ring.authorize(everything, "parity")
        with pytest.raises(
            KeyScopeError, match="'echo-only' may not use model 'parity'"
        ):
            ring.authorize(scoped, "parity")

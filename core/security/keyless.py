"""Where a request may present an API key, and which paths need none."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["API_KEY_HEADER", "BEARER_HEADER", "KeylessPaths"]

#: The header carrying a key as `Authorization: Bearer KEY`.
BEARER_HEADER = "Authorization"
#: The header carrying a key bare: `X-API-Key: KEY`.
API_KEY_HEADER = "X-API-Key"


class KeylessPaths:
    """The paths served without a key: exact, or `/prefix/*` for a subtree."""

    def __init__(self, paths: Iterable[str]) -> None:
        paths = tuple(paths)
        self._exact = frozenset(path for path in paths if not path.endswith("/*"))
        self._prefixes = tuple(path[:-1] for path in paths if path.endswith("/*"))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (
            path in self._exact or path.startswith(self._prefixes)
        )

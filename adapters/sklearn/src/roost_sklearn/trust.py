"""Safe artifacts: skops files load with an explicit list of trusted types.

skops trusts scikit-learn's and numpy's plain types by itself; roost-sklearn
also vouches for `SAFE_TYPES`, data descriptors whose loading runs no code.
Any other type an artifact holds must be named by whoever packages it
(`--trust TYPE`), and the card records exactly the list used, so that serving
loads with it and nothing more. Nothing here unpickles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import skops.io

from roost_sklearn.naming import PackagingError

__all__ = [
    "SAFE_TYPES",
    "UntrustedTypesError",
    "check_trusted",
    "load_skops",
    "untrusted_types",
]

#: Types skops does not trust by itself that roost-sklearn vouches for:
#: `numpy.dtype` (a SimpleImputer keeps its fitted dtype as one with
#: scikit-learn 1.9) is rebuilt from its name, never from code.
SAFE_TYPES = frozenset({"numpy.dtype"})


class UntrustedTypesError(PackagingError):
    """The artifact holds types skops does not trust and nobody vouched for."""

    def __init__(self, refused: Sequence[str]) -> None:
        self.refused = tuple(refused)
        flags = " ".join(f"--trust {name}" for name in self.refused)
        super().__init__(
            f"the artifact holds types skops does not trust: "
            f"{', '.join(self.refused)}. Loading them may run their code; if you "
            f"trust them, package again with {flags}"
        )


def untrusted_types(path: Path) -> list[str]:
    """Return the types in the skops file at `path` that skops does not trust."""
    return sorted(skops.io.get_untrusted_types(file=path))


def check_trusted(untrusted: Iterable[str], trust: Iterable[str]) -> tuple[str, ...]:
    """Return the untrusted types, each in `SAFE_TYPES` or vouched for by `trust`.

    Raises:
        UntrustedTypesError: some are not in `trust`.
    """
    needed = sorted(set(untrusted))
    vouched = set(trust) | SAFE_TYPES
    refused = [name for name in needed if name not in vouched]
    if refused:
        raise UntrustedTypesError(refused)
    return tuple(needed)


def load_skops(source: Path | BinaryIO, trusted: Sequence[str]) -> Any:
    """Load a skops artifact trusting skops' defaults plus `trusted` only."""
    return skops.io.load(source, trusted=list(trusted))

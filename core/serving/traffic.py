"""Traffic splits: which version answers a request that names none.

`ROOST_TRAFFIC` gives a model's versions weights. A request without a
routing key lands on a version at random, in proportion to the weights; a
request with one lands where the key's hash falls, so one key always gets
one version, in every worker and after every restart. Each version owns a
slice of [0, 1) in the order the setting lists them, so moving weight from
the first version to the last moves keys only from the first to the last.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass

from roost.core.contract.registry import Registry
from roost.core.errors import AdapterNotFoundError, AdapterNotReadyError

__all__ = ["ROUTING_KEY_HEADER", "Split", "TrafficPlan", "key_point"]

logger = logging.getLogger(__name__)

#: The request header whose value keeps a client on one version.
ROUTING_KEY_HEADER = "X-Routing-Key"


def key_point(key: str) -> float:
    """Map a routing key to a point of [0, 1), the same in every process."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class Split:
    """One model's versions, each owning a slice of [0, 1) sized by its weight."""

    versions: tuple[str, ...]
    bounds: tuple[float, ...]

    @classmethod
    def weighted(cls, weights: Mapping[str, float]) -> Split:
        """Give each version a slice in the order given, as wide as its share."""
        total = sum(weights.values())
        bounds, reached = [], 0.0
        for weight in weights.values():
            reached += weight
            bounds.append(reached / total)
        return cls(tuple(weights), tuple(bounds))

    def choose(self, routing_key: str | None = None) -> str:
        """Pick a version: the key's own, or at random by weight without one."""
        point = random.random() if routing_key is None else key_point(routing_key)  # noqa: S311 - routing, not secrets
        index = bisect.bisect_right(self.bounds, point)
        return self.versions[min(index, len(self.versions) - 1)]


class TrafficPlan:
    """The splits settings ask for, checked against the installed versions.

    A split naming a model or version that is not installed is logged, makes
    readiness fail, and makes that model's unversioned requests answer 503,
    as a pin to a missing version does; versioned requests still work.
    """

    def __init__(
        self, registry: Registry, weights: Mapping[str, Mapping[str, float]]
    ) -> None:
        self._splits: dict[str, Split] = {}
        self._problems: dict[str, str] = {}
        for name, shares in weights.items():
            try:
                installed = {
                    str(registry.lookup(name, version).version): weight
                    for version, weight in shares.items()
                }
            except AdapterNotFoundError as exc:
                self._problems[name] = f"traffic split (ROOST_TRAFFIC): {exc}"
                logger.error("model %s: %s", name, self._problems[name])
                continue
            self._splits[name] = Split.weighted(installed)
            logger.info(
                "splitting %s: %s",
                name,
                ", ".join(f"{v} {w:g}" for v, w in installed.items()),
            )

    def problems(self) -> dict[str, str]:
        """Return, by model name, why its split cannot be served."""
        return dict(self._problems)

    def choose(self, name: str, routing_key: str | None = None) -> str | None:
        """Pick the version for a request that names none; None: no split.

        Raises:
            AdapterNotReadyError: the model's split names a missing version.
        """
        split = self._splits.get(name)
        if split is not None:
            return split.choose(routing_key)
        problem = self._problems.get(name)
        if problem is not None:
            raise AdapterNotReadyError(name, None, problem)
        return None

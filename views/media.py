"""The JSON media handler shared by every route (orjson: fast, strict)."""

from __future__ import annotations

import functools

import falcon.media
import orjson

__all__ = ["json_handler"]


def json_handler() -> falcon.media.JSONHandler:
    """Return a Falcon JSON handler that renders numpy values and NaN as null."""
    dumps = functools.partial(
        orjson.dumps, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    )
    return falcon.media.JSONHandler(dumps=dumps, loads=orjson.loads)

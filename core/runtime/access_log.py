"""gunicorn's access log, formatting only the fields its format names.

gunicorn builds every atom of every request before it formats the access
line: each request and response header, each WSGI environ variable (some
forty), each escaped, then a dictionary of them all; the format reads five
to ten. `AccessLogger` hands the format `RequestAtoms` instead, which
computes an atom when the format reads it, with gunicorn's own rules, so
the lines are the same, for any `access_log_format`. With gunicorn's own
handler (a file or stdout, the bare message), the line is written to its
stream directly, under the handler's lock, without a `logging` record.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from datetime import timedelta
from typing import Any, ClassVar

from gunicorn.glogging import Logger
from gunicorn.instrument.statsd import Statsd

__all__ = ["AccessLogger", "RequestAtoms"]

#: gunicorn's access format: the message alone (`Logger.access_fmt`).
_BARE_MESSAGE = "%(message)s"
#: Handlers whose `emit` is a plain write and flush of the formatted record.
_PLAIN_HANDLERS = (logging.StreamHandler, logging.FileHandler)


def _escaped(value: object) -> object:
    """Escape double quotes in strings, as gunicorn's `SafeAtoms` does."""
    return value.replace('"', '\\"') if isinstance(value, str) else value


def _last_match(pairs: Any, name: str) -> object:
    """The value of the last pair whose lower-cased key is `name`, else "-"."""
    found: object = "-"
    for key, value in pairs:
        if key.lower() == name:
            found = value
    return found


class _Clock:
    """The Apache time stamp of the current second, formatted once per second."""

    def __init__(self) -> None:
        self._stamp: tuple[int, str] = (-1, "")

    def now(self) -> str:
        """Return `[day/Mon/year:H:M:S zone]` for now, as gunicorn's `now`."""
        second = int(time.time())
        stamp = self._stamp
        if stamp[0] != second:
            stamp = (second, time.strftime("[%d/%b/%Y:%H:%M:%S %z]"))
            self._stamp = stamp
        return stamp[1]


class RequestAtoms(Mapping[str, object]):
    """One request's access-log atoms, computed as the format reads them.

    Reads like gunicorn's `SafeAtoms(Logger.atoms(...))`: `{name}i`,
    `{name}o` and `{name}e` are request headers, response headers and
    environ variables, case-insensitive; unknown atoms read "-"; strings
    have their double quotes escaped.
    """

    def __init__(
        self,
        logger: AccessLogger,
        resp: Any,
        req: Any,
        environ: MutableMapping[str, Any],
        request_time: timedelta,
    ) -> None:
        self._logger = logger
        self._resp = resp
        self._req = req
        self._environ = environ
        self._time = request_time

    def __getitem__(self, key: str) -> object:
        """Return the atom `key` ("-" when there is none), escaped."""
        if key.startswith("{"):
            return _escaped(self._variable(key.lower()))
        atom = self._simple.get(key)
        return "-" if atom is None else _escaped(atom(self))

    def __bool__(self) -> bool:
        """Always true: logging formats with a mapping only when it is truthy."""
        return True

    def __iter__(self) -> Iterator[str]:
        """Iterate over every atom's name, as gunicorn's dictionary holds them."""
        return iter(self._materialise())

    def __len__(self) -> int:
        """Count every atom, as gunicorn's dictionary holds them."""
        return len(self._materialise())

    def _materialise(self) -> dict[str, object]:
        return dict(
            self._logger.atoms(self._resp, self._req, self._environ, self._time)
        )

    def _variable(self, key: str) -> object:
        """A `{name}i`, `{name}o` or `{name}e` atom (key lower-cased), else "-"."""
        if len(key) < 3 or key[-2] != "}":
            return "-"
        name, kind = key[1:-2], key[-1]
        if kind == "i":
            headers = getattr(self._req, "headers", self._req)
            return _last_match(_pairs(headers), name)
        if kind == "o":
            return _last_match(_pairs(self._resp.headers), name)
        if kind == "e":
            return _last_match(self._environ.items(), name)
        return "-"

    def _status(self) -> object:
        status = self._resp.status
        return status.split(None, 1)[0] if isinstance(status, str) else status

    def _sent(self) -> object:
        sent = getattr(self._resp, "sent", None)
        return (sent is not None and str(sent)) or "-"

    def _request_line(self) -> str:
        environ = self._environ
        method, uri = environ["REQUEST_METHOD"], environ["RAW_URI"]
        return f"{method} {uri} {environ['SERVER_PROTOCOL']}"

    def _microseconds(self) -> int:
        return self._time.seconds * 1000000 + self._time.microseconds

    _simple: ClassVar[dict[str, Callable[[RequestAtoms], object]]] = {
        "h": lambda a: a._environ.get("REMOTE_ADDR", "-"),
        "l": lambda a: "-",
        "u": lambda a: a._logger.user_of(a._environ) or "-",
        "t": lambda a: a._logger.clock.now(),
        "r": _request_line,
        "s": _status,
        "m": lambda a: a._environ.get("REQUEST_METHOD"),
        "U": lambda a: a._environ.get("PATH_INFO"),
        "q": lambda a: a._environ.get("QUERY_STRING"),
        "H": lambda a: a._environ.get("SERVER_PROTOCOL"),
        "b": _sent,
        "B": lambda a: getattr(a._resp, "sent", None),
        "f": lambda a: a._environ.get("HTTP_REFERER", "-"),
        "a": lambda a: a._environ.get("HTTP_USER_AGENT", "-"),
        "T": lambda a: a._time.seconds,
        "D": _microseconds,
        "M": lambda a: a._time.seconds * 1000 + int(a._time.microseconds / 1000),
        "L": lambda a: f"{a._time.seconds}.{a._time.microseconds:06d}",
        "p": lambda a: f"<{os.getpid()}>",
    }


def _pairs(headers: Any) -> Any:
    """Header pairs from a list of pairs or a mapping, as gunicorn reads them."""
    return headers.items() if hasattr(headers, "items") else headers


class AccessLogger(Logger):
    """gunicorn's logger, writing the same access lines for less work.

    With `statsd_host` set, gunicorn's own statsd logger is made instead (as
    gunicorn does for its default logger), so its metrics keep flowing.
    """

    clock: _Clock

    def __new__(cls, cfg: Any) -> Any:  # noqa: D102 - see the class
        if getattr(cfg, "statsd_host", None) is not None:
            return Statsd(cfg)  # not an AccessLogger: __init__ is skipped
        return super().__new__(cls)

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        self.clock = _Clock()

    def user_of(self, environ: Mapping[str, Any]) -> str | None:
        """The user of basic authentication, as gunicorn reads it, else None."""
        user: str | None = self._get_user(environ)  # type: ignore[attr-defined] # private, not in the stubs
        return user

    def access(
        self,
        resp: Any,
        req: Any,
        environ: MutableMapping[str, Any],
        request_time: timedelta,
    ) -> None:
        """Log one request in `access_log_format`, computing only what it names."""
        if not self.access_log_enabled:
            return
        atoms = RequestAtoms(self, resp, req, environ, request_time)
        try:
            handler = _plain_stream_handler(self.access_log)
            if handler is None:
                self.access_log.info(self.cfg.access_log_format, atoms)
            else:
                _write_line(handler, str(self.cfg.access_log_format) % atoms)
        except Exception:  # noqa: BLE001 - as gunicorn: a bad format never fails a request
            self.error(traceback.format_exc())


def _plain_stream_handler(log: logging.Logger) -> logging.StreamHandler[Any] | None:
    """The one handler of `log` if it writes bare messages to an open stream.

    That is gunicorn's own access handler (`accesslog` a file or "-"), with
    no filter, no other handler, no propagation: a `logging` record would
    then only become the message itself. Anything else (`logconfig`,
    syslog, rotation, filters) returns None and goes through `logging`.
    """
    handlers = log.handlers
    if len(handlers) != 1 or log.filters or log.propagate:
        return None
    handler = handlers[0]
    if type(handler) not in _PLAIN_HANDLERS or handler.filters:
        return None
    formatter = handler.formatter
    if (
        type(formatter) is not logging.Formatter
        or type(formatter._style) is not logging.PercentStyle
        or formatter._fmt != _BARE_MESSAGE
    ):
        return None
    if handler.level > logging.INFO or not log.isEnabledFor(logging.INFO):
        return None
    stream_handler: logging.StreamHandler[Any] = handler  # type: ignore[assignment] # checked above
    return stream_handler if stream_handler.stream is not None else None


def _write_line(handler: logging.StreamHandler[Any], line: str) -> None:
    """Write and flush one line as `StreamHandler.emit` would, under its lock."""
    handler.acquire()
    try:
        stream = handler.stream
        stream.write(line + handler.terminator)
        stream.flush()
    finally:
        handler.release()

"""The access log: gunicorn's lines, with only the named atoms computed."""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms
from gunicorn.http import RequestParser, wsgi
from gunicorn.instrument.statsd import Statsd

from roost.core.runtime.access_log import AccessLogger, RequestAtoms
from roost.core.runtime.server import ACCESS_LOG_FORMAT

_CREDENTIALS = base64.b64encode(b"ann:secret").decode()
_RAW_REQUEST = (
    b"POST /v1/models/echo/predict?partial=true HTTP/1.1\r\n"
    b"Host: localhost\r\n"
    b'User-Agent: wrk "quoted"\r\n'
    b"Referer: http://example.test/page\r\n"
    b"X-Dup: first\r\n"
    b"X-Dup: second\r\n"
    b"Authorization: Basic " + _CREDENTIALS.encode() + b"\r\n"
    b"Content-Length: 2\r\n"
    b"\r\n"
    b"[]"
)
#: Atoms of every kind, some missing, in odd cases.
_KEYS = [
    *"hlutrsmUqHbBfaTDMLp",
    "Z",
    "{x-request-id}o",
    "{X-Request-ID}o",
    "{content-type}o",
    "{user-agent}i",
    "{x-dup}i",
    "{missing}i",
    "{remote_addr}e",
    "{request_method}e",
    "{missing}e",
    "{x-request-id}x",
    "{",
]


@pytest.fixture
def answered() -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    """A request gunicorn parsed and its response, written to a real socket."""
    cfg = Config()
    request = next(iter(RequestParser(cfg, [_RAW_REQUEST], ("127.0.0.1", 5000))))
    ours, theirs = socket.socketpair()
    try:
        response, environ = wsgi.create(
            request, ours, ("127.0.0.1", 5000), ("127.0.0.1", 8000), cfg
        )
        response.start_response(
            "201 Created",
            [
                ("Content-Type", "application/json"),
                ("X-Request-ID", 'rid-"7"'),
                ("Content-Length", "2"),
            ],
        )
        response.write(b"{}")
        response.close()
        yield response, request, environ
    finally:
        ours.close()
        theirs.close()


def _gunicorn_line(logger: logging.Logger, fmt: str, atoms: Any) -> str:
    return logger.makeRecord(
        "t", logging.INFO, "f", 1, fmt, (atoms,), None
    ).getMessage()


class TestRequestAtoms:
    """Each atom reads as in gunicorn's own dictionary of them."""

    @pytest.mark.parametrize("key", _KEYS)
    def test_atom_matches_gunicorns(
        self, answered: tuple[Any, Any, dict[str, Any]], key: str
    ) -> None:
        """The lazy atom equals gunicorn's SafeAtoms entry for the same request."""
        response, request, environ = answered
        took = timedelta(seconds=1, microseconds=23456)
        logger = AccessLogger(Config())
        expected = SafeAtoms(Logger(Config()).atoms(response, request, environ, took))
        lazy = RequestAtoms(logger, response, request, environ, took)
        if key == "t":  # the clock may tick between the two reads
            assert lazy[key] in {expected[key], Logger(Config()).now()}
        else:
            assert lazy[key] == expected[key]

    def test_roosts_line_is_gunicorns(
        self, answered: tuple[Any, Any, dict[str, Any]]
    ) -> None:
        """The access format of roost renders to the very line gunicorn writes."""
        response, request, environ = answered
        took = timedelta(microseconds=4321)
        ours = AccessLogger(Config())
        theirs = Logger(Config())
        fmt = ACCESS_LOG_FORMAT.replace("%(t)s", "")  # no clock tick in between
        expected = _gunicorn_line(
            theirs.access_log,
            fmt,
            SafeAtoms(theirs.atoms(response, request, environ, took)),
        )
        line = _gunicorn_line(
            ours.access_log, fmt, RequestAtoms(ours, response, request, environ, took)
        )
        assert line == expected
        assert 'rid=rid-\\"7\\" 4ms' in line
        assert line.startswith('127.0.0.1 - ann  "POST /v1/models/echo/predict?')

    def test_reads_as_a_mapping(
        self, answered: tuple[Any, Any, dict[str, Any]]
    ) -> None:
        """Iterating lists gunicorn's atoms, so any log handler may read them."""
        response, request, environ = answered
        took = timedelta(0)
        lazy = RequestAtoms(AccessLogger(Config()), response, request, environ, took)
        expected = Logger(Config()).atoms(response, request, environ, took)
        assert set(lazy) == set(expected)
        assert len(lazy) == len(expected)


class TestAccessLogger:
    """The logger writes one line per request, and none when disabled."""

    def _capture(self, logger: AccessLogger) -> list[str]:
        lines: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
        logger.access_log.addHandler(handler)
        return lines

    def test_writes_the_configured_format(
        self, answered: tuple[Any, Any, dict[str, Any]]
    ) -> None:
        """`access_log_format` decides the line, the status and size included."""
        cfg = Config()
        cfg.set("accesslog", "-")
        cfg.set("access_log_format", '%(s)s %(b)s "%(a)s" %({x-request-id}o)s')
        logger = AccessLogger(cfg)
        lines = self._capture(logger)
        logger.access(*answered, timedelta(0))
        assert lines == ['201 2 "wrk \\"quoted\\"" rid-\\"7\\"']

    def test_writes_nothing_without_an_access_log(
        self, answered: tuple[Any, Any, dict[str, Any]]
    ) -> None:
        """No `accesslog` setting: no line, as with gunicorn's own logger."""
        logger = AccessLogger(Config())
        lines = self._capture(logger)
        logger.access(*answered, timedelta(0))
        assert lines == []


class TestStatsd:
    """A statsd host keeps gunicorn's statsd logger, as gunicorn's default does."""

    def test_statsd_host_gets_metrics(
        self, answered: tuple[Any, Any, dict[str, Any]]
    ) -> None:
        """Each request's counters reach a real UDP receiver on loopback."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
            receiver.bind(("127.0.0.1", 0))
            receiver.settimeout(5)
            cfg = Config()
            cfg.set("statsd_host", f"127.0.0.1:{receiver.getsockname()[1]}")
            logger = AccessLogger(cfg)
            assert isinstance(logger, Statsd)
            logger.access(*answered, timedelta(milliseconds=3))
            packets = {receiver.recv(512).decode() for _ in range(3)}
        assert "gunicorn.requests:1|c|@1.0" in packets
        assert "gunicorn.request.status.201:1|c|@1.0" in packets

    def test_no_statsd_host_is_roosts_logger(self) -> None:
        """Without statsd, the lazy logger is the one made."""
        assert type(AccessLogger(Config())) is AccessLogger


@pytest.fixture
def file_logger(tmp_path: Path) -> Iterator[tuple[AccessLogger, Path, list[Any]]]:
    """The access logger writing to a file, with `logging`'s entry point watched.

    Its handler is gunicorn's own, moved to a logger of the test's own:
    "gunicorn.access" is shared by the whole process, and pytest attaches
    its capture handlers to it.
    """
    path = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(path))
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = AccessLogger(cfg)
    shared = logger.access_log
    (handler,) = [h for h in shared.handlers if getattr(h, "_gunicorn", False)]
    shared.removeHandler(handler)
    private = logging.Logger("access-under-test")  # in no manager: left alone
    private.propagate = False
    private.setLevel(logging.INFO)
    private.addHandler(handler)
    logger.access_log = private
    through_logging: list[Any] = []
    original = private.info

    def watched(*args: Any, **kwargs: Any) -> None:
        through_logging.append(args)
        original(*args, **kwargs)

    private.info = watched  # type: ignore[method-assign]
    try:
        yield logger, path, through_logging
    finally:
        handler.close()


class TestDirectWrite:
    """gunicorn's own handler gets the line without a `logging` record."""

    def test_file_gets_gunicorns_line_directly(
        self,
        file_logger: tuple[AccessLogger, Path, list[Any]],
        answered: tuple[Any, Any, dict[str, Any]],
    ) -> None:
        """Two requests: two lines as gunicorn writes them; `logging` not called."""
        logger, path, through_logging = file_logger
        for _ in range(2):
            logger.access(*answered, timedelta(milliseconds=7))
        expected = _gunicorn_line(
            logging.getLogger("t"),
            ACCESS_LOG_FORMAT,
            SafeAtoms(Logger(Config()).atoms(*answered, timedelta(milliseconds=7))),
        )
        assert path.read_text().splitlines() == [expected, expected]
        assert through_logging == []

    def test_a_filter_sends_lines_through_logging(
        self,
        file_logger: tuple[AccessLogger, Path, list[Any]],
        answered: tuple[Any, Any, dict[str, Any]],
    ) -> None:
        """A filter on the handler is honoured: the line goes through `logging`."""
        logger, path, through_logging = file_logger
        (handler,) = logger.access_log.handlers
        handler.addFilter(lambda record: "rid=" not in record.getMessage())
        logger.access(*answered, timedelta(0))
        assert len(through_logging) == 1
        assert path.read_text() == ""

    def test_another_format_goes_through_logging(
        self,
        file_logger: tuple[AccessLogger, Path, list[Any]],
        answered: tuple[Any, Any, dict[str, Any]],
    ) -> None:
        """A handler formatter other than the bare message is applied."""
        logger, path, through_logging = file_logger
        (handler,) = logger.access_log.handlers
        handler.setFormatter(logging.Formatter("access: %(message)s"))
        logger.access(*answered, timedelta(0))
        assert len(through_logging) == 1
        assert path.read_text().startswith("access: 127.0.0.1 - ann [")

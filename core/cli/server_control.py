"""`roost serve`, `roost reload` and `roost stop`: run a server, control it."""

from __future__ import annotations

import argparse
from pathlib import Path

from roost.core.runtime.control.commands import reload_server, stop_server
from roost.core.runtime.settings import Settings
from roost.core.security.key_file import load_ring

__all__ = ["add_server_parsers", "run_reload", "run_serve", "run_stop"]


def add_server_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Declare `roost serve`, `roost reload` and `roost stop`."""
    serve = commands.add_parser(
        "serve", help="serve every installed adapter with gunicorn"
    )
    serve.add_argument(
        "--host", help="address to bind (default: ROOST_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, help="port (default: ROOST_PORT, PORT or 8000)"
    )
    serve.add_argument("--workers", type=int, help="gunicorn worker processes")
    serve.add_argument("--threads", type=int, help="threads per worker")
    _add_control(
        commands,
        "reload",
        "start new workers (adapters discovered anew), wait until they are "
        "ready, then retire the old ones",
        "seconds to wait for the new workers (default: 120)",
    )
    _add_control(
        commands,
        "stop",
        "stop the server gracefully: accepted requests finish",
        "seconds to wait for it to exit (default: ROOST_GRACEFUL_TIMEOUT + 30)",
    )


def _add_control(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    timeout_help: str,
) -> None:
    """Add a command that finds a running server through its pidfile."""
    command = commands.add_parser(name, help=summary, description=summary + ".")
    command.add_argument(
        "--port", type=int, help="the server's port, naming its default pidfile"
    )
    command.add_argument(
        "--pidfile", type=Path, help="the server's pidfile (default: ROOST_PIDFILE)"
    )
    command.add_argument("--timeout", type=float, help=timeout_help)


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until stopped, with the command line's overrides applied."""
    from roost.core.runtime.server import RoostServer  # noqa: PLC0415 - gunicorn only when serving

    changes = {
        key: value
        for key in ("host", "port", "workers", "threads")
        if (value := getattr(args, key)) is not None
    }
    if settings.api_keys_file is not None:
        # A broken key file stops `roost serve` here, not each worker.
        load_ring(settings.api_keys_file)
    RoostServer(settings.replace(**changes)).run()
    return 0


def _pidfile(settings: Settings, args: argparse.Namespace) -> Path:
    if args.pidfile is not None:
        return Path(args.pidfile)
    if args.port is not None:
        settings = settings.replace(port=args.port)
    return settings.pidfile_path


def _timeout(args: argparse.Namespace, default: float) -> float:
    if args.timeout is None:
        return default
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be positive, got {args.timeout}")
    return float(args.timeout)


def run_reload(settings: Settings, args: argparse.Namespace) -> int:
    """Reload the server the pidfile names and print how it went."""
    outcome = reload_server(_pidfile(settings, args), _timeout(args, 120.0))
    print(outcome.render())
    return 0


def run_stop(settings: Settings, args: argparse.Namespace) -> int:
    """Stop the server the pidfile names and wait for it to exit."""
    timeout = _timeout(args, settings.graceful_timeout + 30.0)
    pid = stop_server(_pidfile(settings, args), timeout)
    print(f"stopped: the server (PID {pid}) has exited")
    return 0

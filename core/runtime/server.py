"""Run roost under gunicorn: the one set of gunicorn options, and the runner."""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS

from roost.core.runtime.affinity import (
    can_pin,
    cpu_for_slot,
    pin_to,
    pins_workers,
    usable_cpus,
)
from roost.core.runtime.collector import settle_worker_heap
from roost.core.runtime.control.pidfile import prepare_pidfile_dir, status_dir
from roost.core.runtime.control.staged_reload import StagedReload
from roost.core.runtime.read_deadlines import ReadDeadlines
from roost.core.runtime.settings import Settings
from roost.core.runtime.workers import AcceptBalance

__all__ = [
    "APP_FACTORY",
    "LOGGER_CLASS",
    "WORKER_CLASS",
    "RoostServer",
    "gunicorn_options",
    "heartbeat_dir",
    "with_metrics_dir",
]

logger = logging.getLogger(__name__)

#: gunicorn's default access line plus the request id roost sets.
ACCESS_LOG_FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
    "rid=%({x-request-id}o)s %(M)sms"
)
_GUNICORN_SETTINGS = frozenset(setting.name for setting in KNOWN_SETTINGS)
#: Longest request line (method, path, query) gunicorn reads; longer is a 414.
REQUEST_LINE_LIMIT = 8190
#: What gunicorn imports and calls in each worker.
APP_FACTORY = "roost.controllers.app:create_app()"
#: gthread, spreading new connections evenly over the workers, cutting slow clients.
WORKER_CLASS = "roost.core.runtime.deadline_worker.DeadlineThreadWorker"
#: gunicorn's logger, computing only the access-log atoms the format names.
LOGGER_CLASS = "roost.core.runtime.access_log.AccessLogger"


def with_metrics_dir(settings: Settings) -> Settings:
    """Give the settings a fresh multiprocess metrics folder if they have none."""
    if settings.metrics_dir is not None:
        return settings
    return settings.replace(metrics_dir=Path(tempfile.mkdtemp(prefix="roost-metrics-")))


def _clear_metrics_dir(path: Path) -> None:
    """Empty the multiprocess folder before the workers start."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def _mark_worker_dead(path: Path, pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's child_exit hook)."""
    # NOTE: imported here, after gunicorn exported PROMETHEUS_MULTIPROC_DIR:
    # prometheus-client picks its storage once, when first imported.
    from prometheus_client import multiprocess  # noqa: PLC0415

    multiprocess.mark_process_dead(pid, str(path))


#: tmpfs, where gunicorn's per-request worker heartbeat costs no disk I/O.
_SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 - gunicorn's heartbeat, not data


def heartbeat_dir() -> str | None:
    """Pick where gunicorn keeps its worker heartbeat files.

    Each worker touches its file on every pass of its event loop, once or
    more per request; on a disk-backed /tmp that costs a journalled metadata
    write each time. gunicorn's docs recommend /dev/shm (tmpfs) where it
    exists; elsewhere gunicorn's own default stays.
    """
    if _SHARED_MEMORY.is_dir() and os.access(_SHARED_MEMORY, os.W_OK | os.X_OK):
        return str(_SHARED_MEMORY)
    return None


def _factory_module() -> str:
    """Name the module holding the app factory, from `APP_FACTORY`.

    NOTE: the runner names the factory, as gunicorn's own `wsgi_app` does,
    rather than importing it: the controllers import core, never the reverse.
    """
    return APP_FACTORY.partition(":")[0]


def _warm_up() -> None:
    """Import roost's framework modules in the master, once.

    Forked workers then start with them in memory, so a replaced worker
    serves within a second. Adapters are still discovered and loaded in each
    worker, so a reload (SIGHUP) finds newly installed adapter packages and
    no longer finds removed ones.
    """
    importlib.import_module(_factory_module())


def _drain_on_sigterm(worker: Any) -> None:
    """Make readiness answer 503 as soon as a worker is told to stop."""
    dataplane = getattr(worker.wsgi, "dataplane", None)
    previous = signal.getsignal(signal.SIGTERM)
    if dataplane is None or not callable(previous):
        return

    def on_sigterm(signum: int, frame: Any) -> None:
        dataplane.readiness.start_draining()
        previous(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)


def _unload_adapters(server: Any, worker: Any) -> None:
    """Let each adapter release what it loaded (gunicorn's worker_exit hook)."""
    dataplane = getattr(getattr(worker, "wsgi", None), "dataplane", None)
    if dataplane is not None:
        dataplane.registry.unload_all()


def _cpu_pinning(settings: Settings) -> Callable[[Any, Any], None] | None:
    """Return gunicorn's post_fork hook pinning each worker to its slot's CPU.

    None when `cpu_affinity` pins nothing here (see `roost.core.runtime.affinity`)
    or the platform cannot pin. The CPUs are those the master may use, read
    once; worker slots come from `pre_fork`, so a replaced worker takes over
    its predecessor's CPU.
    """
    if not can_pin():
        if settings.cpu_affinity == "on":
            logger.warning(
                "ROOST_CPU_AFFINITY=on: this platform cannot pin processes to "
                "CPUs; workers stay unpinned"
            )
        return None
    cpus = usable_cpus()
    if not pins_workers(settings.cpu_affinity, settings.workers, cpus):
        return None

    def post_fork(server: Any, worker: Any) -> None:
        slot = getattr(worker, "roost_slot", None)
        if slot is None:  # more workers than balance slots: leave it free
            return
        cpu = cpu_for_slot(slot, cpus)
        try:
            pin_to(cpu)
        except OSError as exc:  # the CPU went offline or out of the cgroup
            server.log.warning("worker %s stays unpinned: %s", os.getpid(), exc)
            return
        server.log.info("worker %s pinned to CPU %d", os.getpid(), cpu)

    return post_fork


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """Return gunicorn's settings for these roost settings.

    Threaded workers (gthread) keep answering health checks while a few slow
    clients hold connections, and cut those past the header or body deadline;
    `deploy/gunicorn.conf.py` applies the same options to the plain
    `gunicorn` command. Creates the pidfile's folder when it is missing,
    since gunicorn writes the pidfile before any hook.
    """
    pidfile = settings.pidfile_path
    prepare_pidfile_dir(pidfile)
    staged = StagedReload(status_dir(pidfile))

    def post_worker_init(worker: Any) -> None:
        _drain_on_sigterm(worker)
        settle_worker_heap(settings.gc_young_threshold)
        staged.post_worker_init(worker)

    def worker_exit(server: Any, worker: Any) -> None:
        _unload_adapters(server, worker)
        staged.worker_exit(server, worker)

    options: dict[str, Any] = {
        "bind": [f"{settings.host}:{settings.port}"],
        "workers": settings.workers,
        "worker_class": WORKER_CLASS,
        "threads": settings.threads,
        "timeout": settings.timeout,
        "graceful_timeout": settings.graceful_timeout,
        "keepalive": 5,
        "max_requests": settings.max_requests,
        "max_requests_jitter": settings.max_requests_jitter,
        "limit_request_line": REQUEST_LINE_LIMIT,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "loglevel": settings.log_level,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": LOGGER_CLASS,
        "errorlog": "-",
        "proc_name": "roost",
        "pidfile": str(pidfile),
        "wsgi_app": APP_FACTORY,
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
        "on_reload": staged.on_reload,
        "on_exit": staged.on_exit,
    }
    tmp_dir = heartbeat_dir()
    if tmp_dir is not None:
        options["worker_tmp_dir"] = tmp_dir
    if "control_socket_disable" in _GUNICORN_SETTINGS:
        # gunicorn >= 25.1 opens a control socket in $HOME, shared by every
        # server of the user; roost uses signals, not gunicornc.
        options["control_socket_disable"] = True
    balance = AcceptBalance()
    deadlines = ReadDeadlines(
        header=settings.header_timeout, body=settings.body_timeout
    )

    def pre_fork(server: Any, worker: Any) -> None:
        taken = (getattr(w, "roost_slot", None) for w in server.WORKERS.values())
        worker.roost_slot = balance.claim(taken)
        worker.roost_balance = balance
        worker.roost_deadlines = deadlines
        staged.pre_fork(server, worker)

    metrics_dir = settings.metrics_dir
    if metrics_dir is not None:
        # Exported before any worker imports prometheus-client: multiprocess mode.
        options["raw_env"] = [
            f"PROMETHEUS_MULTIPROC_DIR={metrics_dir}",
            f"ROOST_METRICS_DIR={metrics_dir}",
        ]

    def child_exit(server: Any, worker: Any) -> None:
        balance.release(getattr(worker, "roost_slot", None))
        staged.child_exit(server, worker)
        if metrics_dir is not None:
            _mark_worker_dead(metrics_dir, worker.pid)

    options["pre_fork"] = pre_fork
    options["child_exit"] = child_exit
    post_fork = _cpu_pinning(settings)
    if post_fork is not None:
        options["post_fork"] = post_fork

    def on_starting(server: Any) -> None:
        if metrics_dir is not None:
            _clear_metrics_dir(metrics_dir)
        staged.on_starting(server)
        _warm_up()

    options["on_starting"] = on_starting
    return options


class RoostServer(BaseApplication):
    """gunicorn application that builds roost's app in each worker."""

    def __init__(self, settings: Settings) -> None:
        self._settings = with_metrics_dir(settings)
        super().__init__()

    def load_config(self) -> None:
        """Apply roost's gunicorn options."""
        for key, value in gunicorn_options(self._settings).items():
            if key != "wsgi_app":
                self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the app in the worker (adapters load once per worker)."""
        module = importlib.import_module(_factory_module())
        return module.create_app(self._settings)

"""gunicorn configuration of the floor app: roost's own options, another app.

`gunicorn -c benchmarks/baselines/floor_gunicorn.conf.py --pythonpath
benchmarks/baselines` serves `floor_app:create_app()` with the worker class,
workers, threads, keep-alive and access log that `roost serve` would use for
the same ROOST_* variables (ROOST_PORT, ROOST_WORKERS, ...), but no access
log: the floor is what the web stack costs with nothing of roost's own, and
writing an access line is roost's work, not the stack's.
"""

from roost.core.runtime.server import gunicorn_options
from roost.core.runtime.settings import Settings

_options = gunicorn_options(Settings.from_env())
_options["wsgi_app"] = "floor_app:create_app()"
_options["proc_name"] = "roost-floor"
_options["accesslog"] = None
globals().update(_options)

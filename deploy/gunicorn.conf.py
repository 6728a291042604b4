"""gunicorn configuration for `gunicorn -c deploy/gunicorn.conf.py`.

Every value comes from roost's settings (ROOST_* variables, PORT), through the
same function `roost serve` uses, so both ways of starting roost agree.
"""

from roost.core.runtime.server import gunicorn_options, with_metrics_dir
from roost.core.runtime.settings import Settings

globals().update(gunicorn_options(with_metrics_dir(Settings.from_env())))

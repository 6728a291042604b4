"""The runtime: settings, the gunicorn runner and its workers, logs, metrics."""

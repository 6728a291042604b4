"""The runtime: settings, the gunicorn runner, its workers, logs, metrics, control."""

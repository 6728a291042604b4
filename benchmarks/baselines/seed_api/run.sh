#!/usr/bin/env sh
# Serve the seed stack as the seed's run.sh did: gunicorn, 2 sync workers.
# benchmarks/run.py starts it the same way on a free loopback port; by hand:
#   ROOST_MODEL_DIR=... benchmarks/baselines/seed_api/run.sh 5000
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(cd "$here/.." && pwd)/.venvs/seed"
exec "$venv/bin/gunicorn" --bind "127.0.0.1:${1:-5000}" --workers 2 \
    --worker-class sync --access-logfile - --error-logfile - \
    --chdir "$here" 'seed_api.app:create_app()'

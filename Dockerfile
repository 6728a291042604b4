# roost serving image: every adapter under adapters/, with its model trained at build time.
#
#   docker build -t roost:latest -f deploy/Dockerfile .      (build context: the repo root)
#   docker run --rm -p 8000:8000 roost:latest
#
# deploy/README.md covers the alternatives (models on a volume, Heroku, Kubernetes, KServe).

# --- stage 1: wheels for roost, every adapter, and all their dependencies ---------------
FROM python:3.11-slim AS wheels

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
# Only what the distributions are built from (the rest is kept out by .dockerignore too).
COPY pyproject.toml README.md ./
COPY core/ core/
COPY controllers/ controllers/
COPY views/ views/
COPY adapters/ adapters/

# Local distributions first, without dependencies: the adapters' "roost>=0.1" must be
# met by this checkout's roost, never by a same-named package from an index. Then
# every dependency, resolved against those wheels.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . adapters/*/ \
    && pip wheel --no-cache-dir --wheel-dir /wheels --find-links /wheels /wheels/*.whl

# --- stage 2: the runtime, installed only from stage 1's wheels --------------------------
FROM python:3.11-slim AS runtime

LABEL org.opencontainers.image.title="roost" \
      org.opencontainers.image.description="roost model server with its bundled adapters"

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ROOST_MODEL_DIR=/models

COPY --from=wheels /wheels /wheels
# --no-index: nothing is fetched at this stage; the wheel files are the whole set.
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/*.whl \
    && groupadd --gid 10001 roost \
    && useradd --no-log-init --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin roost

# Train at build time so the image is self-contained: artifacts and manifests land in
# /models, owned by root and read-only for the serving user (roost writes them 0600,
# hence the chmod). To serve artifacts from a volume instead, mount it at /models
# (deploy/README.md); `--build-arg TRAIN_ADAPTERS=` then skips training here.
ARG TRAIN_ADAPTERS="house-prices house-price-band"
RUN for adapter in ${TRAIN_ADAPTERS}; do roost train "${adapter}" || exit 1; done \
    && mkdir -p /models \
    && chmod -R a+rX /models

# XDG_RUNTIME_DIR: gunicorn (25.1+) puts its control socket there, else in $HOME, which
# this user lacks; /tmp is writable here and is the emptyDir in deploy/k8s/.
ENV ROOST_HOST=0.0.0.0 \
    ROOST_PROFILE=production \
    PORT=8000 \
    XDG_RUNTIME_DIR=/tmp
EXPOSE 8000

# Readiness, not liveness: "healthy" once every adapter has loaded. slim has no curl,
# and urlopen raises on a 503, so the exit status is the probe's answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; port = os.environ.get('ROOST_PORT') or os.environ.get('PORT') or '8000'; r.urlopen('http://127.0.0.1:' + port + '/health/ready', timeout=4)"]

USER 10001
# The one entry for every target: Procfile, heroku.yml and `make serve` run the same.
CMD ["roost", "serve"]

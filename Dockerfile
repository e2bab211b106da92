# syntax=docker/dockerfile:1
# The AI Resume API: gunicorn with gevent workers, runtime dependencies only, non-root.
#
#   docker build -t resume-api .
#   docker build -t resume-api:embedded --build-arg UV_GROUPS="--group embedded" .
#   docker build -t resume-api --build-arg GIT_COMMIT="$(git rev-parse HEAD)" .   # shown by /api/v1/version
#
# The default image talks to the Rust memvid service over gRPC (MEMVID_GRPC_URL) and
# leaves out the in-process engine (memvid-sdk, dependency group `embedded`, ~275 MB
# installed). The second form adds it, for MEMVID_FILE pointing at a mounted .mv2 file.
#
# No Docker engine runs in CI: tests/test_container_install.py runs this file's `uv sync`
# in a clean directory laid out like the image, then starts the service from it.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
# uv from PyPI, pinned to the version that wrote uv.lock.
RUN pip install --no-cache-dir uv==0.13.9
# Bytecode compiled now (the runtime image is read-only); copies out of the cache mount
# instead of links; the image's own Python, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock ./
ARG UV_GROUPS=""
# The project itself is not a package: syncing the lock installs everything it needs.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-default-groups $UV_GROUPS

FROM python:${PYTHON_VERSION}-slim
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /nonexistent --no-create-home app
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# app/ includes the generated gRPC stubs (app/grpc_gen, committed). Owned by root: the
# service cannot change its own code.
COPY app ./app
COPY wsgi.py gunicorn.conf.py ./
COPY deploy/healthcheck.py ./deploy/healthcheck.py
# The image has no .git: GET /api/v1/version names the commit given at build time ("" if none).
ARG GIT_COMMIT=""
# PROMETHEUS_MULTIPROC_DIR: the workers' metric files, wiped by gunicorn at start (a one-off
# `flask` command ignores it and counts alone). Mount
# a tmpfs on /tmp (deploy/compose.yaml does) so the root filesystem can be read-only.
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    PORT=3000 \
    LOG_FORMAT=json \
    MEMVID_TELEMETRY=0 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    GIT_COMMIT=${GIT_COMMIT}
USER app
EXPOSE 3000
# gunicorn waits GRACEFUL_TIMEOUT (25 s) for open streams on SIGTERM: give the container
# more than that to stop (`docker stop -t 35`, compose stop_grace_period).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["python", "deploy/healthcheck.py"]
CMD ["gunicorn", "wsgi:app"]

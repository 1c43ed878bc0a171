# syntax=docker/dockerfile:1
# The fault-correlator worker. Build: docker build -t fault-correlator .
# Run:   docker run --rm fault-correlator --help      (ENTRYPOINT is the CLI; CMD defaults to `run`)
# Every setting is an env var FC_<NAME> (docs/configuration.md); the defaults point at 127.0.0.1,
# so in a container set at least FC_KAFKA_BOOTSTRAP, FC_ELASTICSEARCH_URL and FC_PROMETHEUS_URL.

# --- build: install the project (non-editable) and its dependencies into a venv --------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY . .
RUN pip install . \
 && python -c "import importlib.resources as r; assert r.files('triage').joinpath('rules.yaml').is_file(); assert r.files('triage').joinpath('knowledge_base.yaml').is_file()"

# --- runtime: the venv only, no sources, not root --------------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FC_METRICS_HOST=0.0.0.0 \
    FC_METRICS_PORT=9108

RUN groupadd --system --gid 10001 fc \
 && useradd --system --uid 10001 --gid fc --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin fc

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

# /metrics and /healthz (worker/health.py)
EXPOSE 9108

# /healthz answers 503 when the consume loop has not polled for 120 s; urlopen raises on it (exit 1).
# The endpoint only comes up once the worker has connected to all three backends, hence start-period.
# It needs FC_METRICS_PORT != 0 and FC_METRICS_HOST reachable on 127.0.0.1 (0.0.0.0 or 127.0.0.1).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FC_METRICS_PORT', '9108'), timeout=4)"]

# Exec form: the worker is PID 1 and gets SIGTERM itself. First SIGTERM finishes the batch in hand and
# commits; a second abandons it uncommitted (it is replayed). Give it time: stop_grace_period in compose.
STOPSIGNAL SIGTERM
ENTRYPOINT ["fault-correlator"]
CMD ["run"]

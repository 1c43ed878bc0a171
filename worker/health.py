"""HTTP endpoint for /metrics (Prometheus text format), /healthz (is the consume loop alive?) and
/readyz (alive, and no partition stuck: records waiting and no commit for `stuck_partition_s`)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from worker.metrics import WorkerMetrics

# Longer than the worst batch (retries included) plus a poll: a loop silent for this long is stuck.
STALE_AFTER_S = 120.0


def serve(metrics: WorkerMetrics, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.startswith("/metrics"):
                self._reply(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            elif self.path.startswith("/healthz"):
                silent_for = time.time() - metrics.last_poll_at
                healthy = silent_for < STALE_AFTER_S
                body = f'{{"healthy": {str(healthy).lower()}, "seconds_since_poll": {silent_for:.1f}}}\n'
                self._reply(200 if healthy else 503, body.encode(), "application/json")
            elif self.path.startswith("/readyz"):
                silent_for = time.time() - metrics.last_poll_at
                stuck = list(metrics.stuck)
                ready = silent_for < STALE_AFTER_S and not stuck
                body = orjson.dumps({"ready": ready, "seconds_since_poll": round(silent_for, 1), "stuck_partitions": stuck})
                self._reply(200 if ready else 503, body + b"\n", "application/json")
            else:
                self._reply(404, b"not found: try /metrics, /healthz or /readyz\n", "text/plain")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # scrapes are not news
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server

import httpx

from worker.health import serve
from worker.metrics import WorkerMetrics


def test_metrics_and_healthz_are_served():
    metrics = WorkerMetrics()
    metrics.verdicts.labels("usage_error").inc()
    server = serve(metrics, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert 'fc_verdicts_total{label="usage_error"} 1.0' in httpx.get(f"{base}/metrics").text
        assert httpx.get(f"{base}/healthz").json()["healthy"] is True
        metrics.last_poll_at -= 10_000
        assert httpx.get(f"{base}/healthz").status_code == 503
        assert httpx.get(f"{base}/nope").status_code == 404
    finally:
        server.shutdown()


def test_readyz_fails_while_a_partition_is_stuck():
    metrics = WorkerMetrics()
    server = serve(metrics, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        ready = httpx.get(f"{base}/readyz").json()
        assert ready["ready"] is True and ready["stuck_partitions"] == []
        metrics.stuck = ["tickets-3"]
        answer = httpx.get(f"{base}/readyz")
        assert answer.status_code == 503 and answer.json()["stuck_partitions"] == ["tickets-3"]
        assert httpx.get(f"{base}/healthz").status_code == 200  # alive all the same: do not restart it for this
    finally:
        server.shutdown()

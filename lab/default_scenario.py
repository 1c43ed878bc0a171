"""The default scenario: 20 minutes of an object-storage/CDN platform with one regional outage.

- Platform fault: object-storage in cn-east-1 answers 503/500 to ~60% of requests from 14 to 5
  minutes before the end; four customers there report it (Chinese and English), a fifth does not.
- Usage errors: five customers with their own 401/403/404/429 errors report them, each sure it is
  our fault.
- One customer reports timeouts that never reached the platform (no server-side log at all).

Pure: `build(end)` returns the log lines, the metric series and the tickets with their expected
labels; lab/load.py writes them. Logs cover the last 20 minutes; metrics the last 80 (the hour
before is the baseline a correlator compares against), both drawn from the same request stream.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lab.generate import cumulative
from lab.promwrite import Series

LOG_WINDOW = timedelta(minutes=20)
METRIC_WINDOW = timedelta(minutes=80)
SCRAPE_STEP_S = 15
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
OUTAGE = ("object-storage", "cn-east-1")
OUTAGE_MINUTES = (14, 5)  # from 14 to 5 minutes before the end
PATHS = {"object-storage": ["/{bucket}/photos/{n}.jpg", "/{bucket}/backup/{n}.tar"], "cdn": ["/assets/{n}.js", "/img/{n}.png"]}


@dataclass(frozen=True)
class Customer:
    customer_id: str
    service: str
    region: str
    rate_per_s: float
    bucket: str
    # (seconds before end) -> (status, error_code) for the customer's own errors, or None
    own_error: Callable[[float, random.Random], tuple[int, str] | None] = lambda ago, rng: None


@dataclass
class ExpectedTicket:
    ticket: dict
    expected: str
    why: str


@dataclass
class Scenario:
    start: datetime
    end: datetime
    logs: list[dict] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    tickets: list[ExpectedTicket] = field(default_factory=list)


def _after(minutes_ago: float, status: int, code: str, share: float):
    def error(ago: float, rng: random.Random):
        return (status, code) if ago <= minutes_ago * 60 and rng.random() < share else None
    return error


CUSTOMERS = [
    Customer("cust-1001", "object-storage", "cn-east-1", 1.0, "photos-1001"),
    Customer("cust-1002", "object-storage", "cn-east-1", 1.2, "assets-1002"),
    Customer("cust-1003", "object-storage", "cn-east-1", 0.8, "logs-1003"),
    Customer("cust-1004", "object-storage", "cn-east-1", 1.0, "media-1004"),
    Customer("cust-1005", "object-storage", "cn-east-1", 0.6, "data-1005"),
    Customer("cust-2001", "object-storage", "cn-north-1", 1.0, "app-2001", _after(11, 401, "ExpiredToken", 1.0)),
    Customer("cust-2002", "object-storage", "cn-north-1", 1.0, "upload-2002", _after(15, 403, "SignatureDoesNotMatch", 0.5)),
    Customer("cust-2003", "object-storage", "ap-southeast-1", 0.8, "media-prod", _after(20, 404, "NoSuchBucket", 0.3)),
    Customer("cust-2004", "cdn", "cn-north-1", 1.5, "cdn-2004", _after(18, 429, "QuotaExceeded", 0.35)),
    Customer("cust-2005", "object-storage", "ap-southeast-1", 0.7, "share-2005", _after(12, 403, "AccessDenied", 0.25)),
    Customer("cust-4001", "cdn", "cn-east-1", 1.0, "web-4001"),
    Customer("cust-4002", "object-storage", "cn-north-1", 1.0, "bak-4002"),
]


def build(end: datetime, seed: int = 7, run_id: str = "demo") -> Scenario:
    end = end.astimezone(timezone.utc).replace(second=0, microsecond=0)
    rng = random.Random(seed)
    scenario = Scenario(start=end - LOG_WINDOW, end=end)
    steps = int(METRIC_WINDOW.total_seconds()) // SCRAPE_STEP_S
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0] * steps)
    latency: dict[tuple[str, str], list[list[int]]] = defaultdict(lambda: [[0] * (len(LATENCY_BUCKETS) + 1) for _ in range(steps)])
    metric_start = end - METRIC_WINDOW
    failing_ids: dict[str, list[str]] = defaultdict(list)

    for customer in CUSTOMERS:
        t = 0.0
        while True:
            t += rng.expovariate(customer.rate_per_s)
            moment = metric_start + timedelta(seconds=t)
            if moment >= end:
                break
            ago = (end - moment).total_seconds()
            status, code, latency_ms = _outcome(customer, ago, rng)
            step = int(t) // SCRAPE_STEP_S
            counts[(customer.service, customer.region, str(status))][step] += 1
            latency[(customer.service, customer.region)][step][_bucket(latency_ms / 1000)] += 1
            if moment < scenario.start:
                continue
            request_id = f"req-{rng.getrandbits(64):016x}"
            if status >= 400:
                failing_ids[customer.customer_id].append(request_id)
            scenario.logs.append(_log_line(customer, moment, request_id, status, code, latency_ms, rng))

    scenario.series = _series(counts, latency, metric_start, steps, instance=f"gateway-{run_id}")
    scenario.tickets = _tickets(end, run_id, failing_ids, rng)
    return scenario


def _outcome(customer: Customer, ago: float, rng: random.Random) -> tuple[int, str, float]:
    latency_ms = rng.lognormvariate(4.2, 0.5)  # ~70 ms median
    if (customer.service, customer.region) == OUTAGE and OUTAGE_MINUTES[1] * 60 <= ago <= OUTAGE_MINUTES[0] * 60:
        if rng.random() < 0.6:
            return (503, "ServiceUnavailable", latency_ms * 3) if rng.random() < 0.8 else (500, "InternalError", latency_ms * 5)
    own = customer.own_error(ago, rng)
    if own:
        return own[0], own[1], latency_ms / 3
    roll = rng.random()
    if roll < 0.003:
        return 500, "InternalError", latency_ms
    if roll < 0.013:
        return 404, "NoSuchKey", latency_ms / 2
    return 200, "", latency_ms


def _bucket(seconds: float) -> int:
    for index, bound in enumerate(LATENCY_BUCKETS):
        if seconds <= bound:
            return index
    return len(LATENCY_BUCKETS)


def _log_line(customer: Customer, moment: datetime, request_id: str, status: int, code: str, latency_ms: float, rng: random.Random) -> dict:
    method = rng.choice(["GET", "GET", "PUT"]) if customer.service == "object-storage" else "GET"
    path = rng.choice(PATHS[customer.service]).format(bucket=customer.bucket, n=rng.randrange(10_000))
    line = {
        "@timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "service": customer.service,
        "region": customer.region,
        "node": f"{customer.service}-{customer.region}-{rng.randrange(3)}",
        "customer_id": customer.customer_id,
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "latency_ms": round(latency_ms, 1),
    }
    if code:
        line["error_code"] = code
    return line


def _series(counts, latency, metric_start: datetime, steps: int, instance: str) -> list[Series]:
    """Cumulative counters sampled every 15 s, as a scrape of the gateways would have seen them.

    `instance` differs per load: Prometheus keeps deleted samples in its head block and refuses
    new values at their timestamps, so a reload writes fresh series instead of the same ones.
    """
    start_ms = int(metric_start.timestamp() * 1000)
    stamps = [start_ms + (step + 1) * SCRAPE_STEP_S * 1000 for step in range(steps)]
    series: list[Series] = []
    for (service, region, code), per_step in sorted(counts.items()):
        labels = {"__name__": "http_requests_total", "job": "gateway", "instance": instance, "service": service, "region": region, "code": code}
        series.append((labels, list(zip(stamps, cumulative(per_step)))))
    for (service, region), per_step in sorted(latency.items()):
        base = {"job": "gateway", "instance": instance, "service": service, "region": region}
        for index, bound in enumerate((*LATENCY_BUCKETS, float("inf"))):
            le = "+Inf" if bound == float("inf") else repr(bound)
            per_bucket = [sum(row[: index + 1]) for row in per_step]
            labels = {**base, "__name__": "http_request_duration_seconds_bucket", "le": le}
            series.append((labels, list(zip(stamps, cumulative(per_bucket)))))
        totals = [sum(row) for row in per_step]
        series.append(({**base, "__name__": "http_request_duration_seconds_count"}, list(zip(stamps, cumulative(totals)))))
    return series


def _tickets(end: datetime, run_id: str, failing_ids: dict[str, list[str]], rng: random.Random) -> list[ExpectedTicket]:
    local = timezone(timedelta(hours=8))
    outage_began = (end - timedelta(minutes=OUTAGE_MINUTES[0])).astimezone(local).strftime("%H:%M")

    def first_failure(customer_id: str) -> str:
        ids = failing_ids.get(customer_id) or ["req-0000000000000000"]
        return ids[len(ids) // 2]

    def ticket(number: int, customer_id: str, minutes_ago: float, subject: str, body: str, **extra) -> dict:
        created = end - timedelta(minutes=minutes_ago)
        return {
            "ticket_id": f"T-{run_id}-{number:03d}",
            "customer_id": customer_id,
            "created_at": created.astimezone(local).isoformat(timespec="seconds"),
            "subject": subject,
            "body": body,
            **extra,
        }

    return [
        ExpectedTicket(ticket(1, "cust-1001", 8, "上传文件一直失败，返回 503",
                              f"从 {outage_began} 左右开始，我们往 cn-east-1 上传图片频繁返回 503 ServiceUnavailable，"
                              f"请求 ID：{first_failure('cust-1001')}，请尽快处理！", service="object-storage", region="cn-east-1"),
                       "platform_incident", "object-storage/cn-east-1 outage"),
        ExpectedTicket(ticket(2, "cust-1002", 7, "Uploads failing with 5xx",
                              f"Since about {outage_began} (UTC+8) our PUTs to object storage fail intermittently with "
                              "ServiceUnavailable and InternalError. Nothing changed on our side.", language="en"),
                       "platform_incident", "object-storage/cn-east-1 outage, no region in the ticket"),
        ExpectedTicket(ticket(3, "cust-1003", 6, "日志写入失败",
                              "今天上午写日志到对象存储一直报错 5xx，重试也不行，影响线上业务。",
                              service="object-storage"),
                       "platform_incident", "object-storage/cn-east-1 outage, vague time"),
        ExpectedTicket(ticket(4, "cust-1004", 4, "media downloads broken",
                              f"Our users can't download media since ~{outage_began}, see request "
                              f"{first_failure('cust-1004')}.", request_ids=[first_failure("cust-1004")], region="cn-east-1"),
                       "platform_incident", "object-storage/cn-east-1 outage, request id quoted"),
        ExpectedTicket(ticket(5, "cust-2001", 3, "接口全部返回 401",
                              "今天上午开始所有请求都返回 401 ExpiredToken，我们没有改过任何配置，是不是你们鉴权服务出问题了？"),
                       "usage_error", "expired token"),
        ExpectedTicket(ticket(6, "cust-2002", 5, "403 on every upload",
                              "All our uploads are rejected with 403 since this morning's deploy. Is your auth service down?",
                              service="object-storage", region="cn-north-1"),
                       "usage_error", "signature mismatch"),
        ExpectedTicket(ticket(7, "cust-2003", 2, "下载报错 404",
                              "访问 bucket media-prod 时一直返回 NoSuchBucket，昨天还好好的，你们是不是把数据弄丢了？",
                              resource="media-prod"),
                       "usage_error", "bucket not found"),
        ExpectedTicket(ticket(8, "cust-2004", 3, "CDN API throttling us",
                              "We get lots of 429 from the CDN API in the last 20 minutes, our traffic is normal.",
                              service="cdn", region="cn-north-1", language="en"),
                       "usage_error", "quota exceeded"),
        ExpectedTicket(ticket(9, "cust-2005", 1, "没有权限访问共享文件",
                              "分享给合作方的文件访问时报 AccessDenied，请帮忙看看。", language="zh"),
                       "usage_error", "access denied by policy"),
        ExpectedTicket(ticket(10, "cust-3001", 2, "Uploads time out",
                              "Uploads from our on-prem servers time out, no error code, the connection just hangs."),
                       "inconclusive", "client network problem: no request reached the platform"),
    ]

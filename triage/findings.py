"""What one correlator hands the next, as typed values on the Case (triage/case.py).

Each correlator declares the fields it `provides` and `requires` (correlators/base.py), and the
worker checks the order when it is built: a correlator that reads `case.metrics` runs after the
one that provides it. A field is None until its correlator ran, and stays None when its source
could not answer. The same findings are also written, flattened, into each evidence's `facts` for
the verdict rules and the reader; these types are what code reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from triage.models import TimeWindow

Scope = tuple[str, str]  # (service, region)


@dataclass(frozen=True)
class ScopeActivity:
    """The customer's requests on one service/region in the ticket's window (request_logs)."""

    service: str
    region: str
    requests: int
    failures: int
    server_errors: int
    error_codes: dict[str, int]        # code (or message, or "HTTP 499") -> failures, most first
    error_code_statuses: dict[str, int]  # code -> the status it was answered with
    first_failure: datetime | None = None
    last_failure: datetime | None = None
    expected_error_codes: dict[str, float] = field(default_factory=dict)  # the baseline hour's rate, scaled to the window
    mean_latency_ms: float | None = None           # the customer's mean latency here, in the window
    recent_mean_latency_ms: float | None = None    # ... since the problem began (request_logs: recent_since)
    baseline_mean_latency_ms: float | None = None  # ... and in the baseline hour

    @property
    def scope(self) -> Scope:
        return self.service, self.region

    @property
    def new_failures(self) -> float:
        """Failures above what the customer's own baseline hour predicts (its background errors)."""
        return sum(max(count - self.expected_error_codes.get(code, 0.0), 0.0) for code, count in self.error_codes.items())

    @property
    def slowdown(self) -> float | None:
        """The customer's mean latency here against its baseline hour's, when both are known: the
        worse of the whole window and the part since the problem began (a slowdown that began
        late in the window is diluted in the whole)."""
        now = max(self.mean_latency_ms or 0.0, self.recent_mean_latency_ms or 0.0)
        if now and self.baseline_mean_latency_ms:
            return now / self.baseline_mean_latency_ms
        return None


@dataclass(frozen=True)
class NamedRequests:
    """The requests the ticket quotes by id, as the logs have them (request_logs)."""

    named: int
    found: int
    codes: list[str]      # the error code of each quoted request that failed
    statuses: list[int]   # ... and its status, in the same order


@dataclass(frozen=True)
class CustomerActivity:
    """The customer's own requests in the ticket's window (request_logs)."""

    requests: int
    scopes: list[ScopeActivity]  # failing places first, then by traffic
    named: NamedRequests | None = None

    def on(self, scope: Scope | None) -> ScopeActivity | None:
        return next((item for item in self.scopes if item.scope == scope), None) if scope else None


@dataclass(frozen=True)
class MetricsFinding:
    """The service/region the metrics judged for the ticket, and the stretch they judged (metrics_anomaly)."""

    scope: Scope
    window: TimeWindow | None = None  # None: no series for the scope
    error_ratio: float | None = None
    baseline_error_ratio: float | None = None
    p99_s: float | None = None
    onset: datetime | None = None  # when the anomaly the metrics show began (five-minute slots), if any


@dataclass(frozen=True)
class AlertFinding:
    """The strongest alert active on the ticket's scope while the customer failed (alerts)."""

    name: str
    fingerprint: str  # alertname{label="value",...}
    symptom: str      # errors | latency
    active_at: datetime
    fault_alert: str  # the first alert of the fault this alert belongs to (correlators/alerts.py: fault_starts)
    onset: datetime   # ... and its activeAt: the fault's start
    last_seen: datetime
    ongoing: bool     # still active at the end of the data read
    as_of: datetime   # the end of the data read


@dataclass(frozen=True)
class BlastFinding:
    """How many customers of the ticket's scope failed with it (blast_radius)."""

    customers_active: int
    customers_with_5xx: int

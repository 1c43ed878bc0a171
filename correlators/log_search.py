"""The request-log searches of request_logs and blast_radius, built from the team's log schema.

No field name is written here: each comes from the `LogSchema` (triage/schema.py). What counts as
a failure is the same everywhere:

- a status of 400 or more;
- or any answer that carries an error: an error code, or (when the schema has one) an error
  message, that is not one of the vocabulary's no-error values (`""`, `"-"`, `"OK"`, `"0"`...).
  A wrong-region request answers 301 with `WrongRegion`: a failure to the customer, not a 4xx.

Every failure gets a key (`failure_key`): its error code; else the knowledge-base entry its message
names, else the message with its variable parts (numbers, ids, quoted names) folded; else the
status ("HTTP 499"). So a platform that logs only messages is counted by its messages, and a
success logged with `error_code: ""` is no failure. The aggregations are built once per
correlator and shared, read-only, by every search of a batch.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from triage.knowledge import Knowledge
from triage.schema import LogSchema

STATUS_CLASSES = [
    {"key": "2xx", "from": 200, "to": 300},
    {"key": "3xx", "from": 300, "to": 400},
    {"key": "4xx", "from": 400, "to": 500},
    {"key": "5xx", "from": 500, "to": 600},
]
MAX_SCOPES = 6
MAX_CODES = 5
MAX_MESSAGES = 8
MAX_STATUSES = 10
MAX_KEY_LENGTH = 120
_VARIABLE = [  # what differs from one request to the next inside an error message
    (re.compile(r"\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<id>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}\b"), "<id>"),
    (re.compile(r"'[^']{1,80}'|\"[^\"]{1,80}\""), "'…'"),
]


class LogSearch:
    """Filters and aggregations over the request logs, in the schema's field names."""

    def __init__(self, schema: LogSchema, knowledge: Knowledge):
        self.schema = schema
        self.kb = knowledge.kb
        self.vocabulary = knowledge.vocabulary
        placeholders = sorted(self.vocabulary.no_error_values)
        self.placeholders = placeholders
        self.has_code = self._has(schema.error_code)
        self.has_message = self._has(schema.error_message)
        errors = [clause for clause in (self.has_code, self.has_message) if clause]
        self.failing = {"bool": {"should": [{"range": {schema.status: {"gte": 400}}}, *errors], "minimum_should_match": 1}}
        self.server_error = {"range": {schema.status: {"gte": 500}}}
        self._keys: dict[str, str] = {}

    def _has(self, field: str | None) -> dict[str, Any] | None:
        if not field:
            return None
        return {"bool": {"filter": [{"exists": {"field": field}}], "must_not": [{"terms": {field: self.placeholders}}]}}

    def in_window(self, start: datetime, end: datetime, **terms: str) -> dict[str, Any]:
        """Documents of [start, end), with `customer=`, `service=`, `region=` as the schema names them."""
        clauses: list[dict[str, Any]] = [{"term": {getattr(self.schema, name): value}} for name, value in terms.items()]
        clauses.append({"range": {self.schema.timestamp: {"gte": start.isoformat(), "lt": end.isoformat()}}})
        return {"bool": {"filter": clauses}}

    def failure_breakdown(self) -> dict[str, Any]:
        """Sub-aggregations of a failures bucket: by status, by code, by message (when there is no code)."""
        schema = self.schema
        out: dict[str, Any] = {
            "statuses": {"terms": {"field": schema.status, "size": MAX_STATUSES}},
            "server": {"filter": self.server_error},
        }
        if schema.error_code:
            out["codes"] = {"terms": {"field": schema.error_code, "size": MAX_CODES, "exclude": self.placeholders},
                            "aggs": {"status": {"max": {"field": schema.status}}}}
        if schema.error_message:
            uncoded = {"bool": {"must_not": [self.has_code]}} if self.has_code else {"match_all": {}}
            out["messages"] = {"filter": uncoded, "aggs": {"top": {
                "terms": {"field": schema.error_message, "size": MAX_MESSAGES, "exclude": self.placeholders},
                "aggs": {"status": {"max": {"field": schema.status}}}}}}
        return out

    def by_place(self, inner: dict[str, Any]) -> dict[str, Any]:
        """`inner` per (service, region). Nested terms, not multi_terms: that one lives in x-pack."""
        return {"terms": {"field": self.schema.service, "size": MAX_SCOPES}, "aggs": {
            "regions": {"terms": {"field": self.schema.region, "size": MAX_SCOPES}, "aggs": inner}}}

    def failures(self, breakdown: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
        """(failures by key, each key's status) from a failures bucket with `failure_breakdown`.

        Coded and messaged failures are counted under their key (a code answered with several
        statuses is put at its highest). The failures no bucket holds (beyond the top codes and
        messages) are shared among the statuses that still have some, and within a status among
        the keys seen with it, in proportion; a status seen with none is counted as "HTTP <status>"."""
        counts: dict[str, int] = {}
        statuses: dict[str, int] = {}
        left = {int(bucket["key"]): bucket["doc_count"] for bucket in breakdown.get("statuses", {}).get("buckets", [])}
        buckets = list(breakdown.get("codes", {}).get("buckets", []))
        buckets += breakdown.get("messages", {}).get("top", {}).get("buckets", [])
        for bucket in buckets:
            key = self.failure_key(str(bucket["key"]))
            status = int((bucket.get("status") or {}).get("value") or 0)
            counts[key] = counts.get(key, 0) + bucket["doc_count"]
            if status:
                statuses[key] = max(statuses.get(key, 0), status)
                left[status] = left.get(status, 0) - bucket["doc_count"]
        total = sum(bucket["doc_count"] for bucket in breakdown.get("statuses", {}).get("buckets", []))
        rest = total - sum(bucket["doc_count"] for bucket in buckets)
        open_statuses = {status: count for status, count in left.items() if count > 0 and status >= 400}
        for status, count in shares(min(rest, sum(open_statuses.values())), open_statuses).items():
            seen = {key: counts[key] for key, at in statuses.items() if at == status}
            if not seen:
                counts[f"HTTP {status}"] = counts.get(f"HTTP {status}", 0) + count
                statuses[f"HTTP {status}"] = status
                continue
            for key, part in shares(count, seen).items():
                counts[key] += part
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))), statuses

    def failure_key(self, logged: str) -> str:
        """A logged code or message as the key its failures are counted under."""
        key = self._keys.get(logged)
        if key is None:
            key = self.kb.code_of(logged) or folded(logged)
            self._keys[logged] = key
        return key

    def is_failure(self, line: dict[str, Any]) -> bool:
        """A log line (in the worker's names, LogSchema.line) that failed."""
        return ((line.get("status") or 0) >= 400 or self.vocabulary.is_error_value(line.get("error_code"))
                or self.vocabulary.is_error_value(line.get("error_message")))

    def line_key(self, line: dict[str, Any]) -> str | None:
        """The failure key of one log line, or None when it carries no code or message."""
        for name in ("error_code", "error_message"):
            if self.vocabulary.is_error_value(line.get(name)):
                return self.failure_key(str(line[name]))
        return f"HTTP {line['status']}" if (line.get("status") or 0) >= 400 else None


def shares(amount: int, weights: dict[Any, int]) -> dict[Any, int]:
    """`amount` split in proportion to `weights`, in whole numbers that add up (largest remainders)."""
    total = sum(weights.values())
    if amount <= 0 or total <= 0:
        return {}
    exact = {key: amount * weight / total for key, weight in weights.items()}
    out = {key: int(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda key: exact[key] - out[key], reverse=True)[:amount - sum(out.values())]:
        out[key] += 1
    return {key: value for key, value in out.items() if value}


def folded(message: str) -> str:
    """An error message with what varies per request folded, so that its failures count as one."""
    for pattern, replacement in _VARIABLE:
        message = pattern.sub(replacement, message)
    message = re.sub(r"\s+", " ", message).strip()
    return message if len(message) <= MAX_KEY_LENGTH else message[:MAX_KEY_LENGTH - 1] + "…"

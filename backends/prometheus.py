"""Prometheus at the edge: the HTTP query API over one pooled httpx client, with retries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx
import orjson

from backends.access import HttpAccess, http
from backends.errors import Permanent
from backends.retry import RetryPolicy
from triage.links import promql_string

BACKEND = "prometheus"


class PrometheusQueryError(Permanent):
    """Prometheus answered, but with an error (a bad query): not worth retrying."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class PrometheusBackend:
    def __init__(self, url: str | HttpAccess, timeout_s: float = 10.0, retry: RetryPolicy | None = None,
                 client: httpx.Client | None = None):
        access = http(url)
        self.url = access.url.rstrip("/")
        self.client = client or access.client(timeout_s)
        self.retry = retry or RetryPolicy()

    def query(self, promql: str, at: datetime) -> list[dict[str, Any]]:
        """An instant query; returns the vector as [{"metric": {...}, "value": float}]."""
        data = self.retry.call(BACKEND, self._get, "/api/v1/query", {"query": promql, "time": at.timestamp()})
        return [{"metric": row["metric"], "value": float(row["value"][1])} for row in data["result"]]

    def query_range(self, promql: str, start: datetime, end: datetime, step_s: int) -> list[dict[str, Any]]:
        """A range query; returns [{"metric": {...}, "values": [(unix_seconds, float), ...]}]."""
        params = {"query": promql, "start": start.timestamp(), "end": end.timestamp(), "step": step_s}
        data = self.retry.call(BACKEND, self._get, "/api/v1/query_range", params)
        return [
            {"metric": row["metric"], "values": [(float(t), float(v)) for t, v in row["values"]]}
            for row in data["result"]
        ]

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        # POSTed as a form: a query naming many scopes (or one odd long value) has no URL length to outgrow.
        response = self.client.post(path, data=params)
        if response.status_code in (400, 422):
            raise PrometheusQueryError(response.text[:500], response.status_code)
        response.raise_for_status()
        body = orjson.loads(response.content)  # range answers run to megabytes: orjson parses them several times faster
        if body.get("status") != "success":
            raise PrometheusQueryError(str(body)[:500], response.status_code)
        return body["data"]

    def close(self) -> None:
        self.client.close()


REGEX_SPECIAL = set(r".^$*+?()[]{}|\\")


def regex_literal(value: str) -> str:
    """A literal inside a PromQL regex string: regex-escape it, then escape it for the string."""
    return promql_string("".join("\\" + char if char in REGEX_SPECIAL else char for char in value))


def any_of(values: Iterable[str]) -> str:
    """The body of a `label=~"..."` matcher that matches exactly these values (sorted, so queries repeat)."""
    return "|".join(sorted({regex_literal(value) for value in values}))

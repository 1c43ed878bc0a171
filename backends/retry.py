"""One retry policy for every backend call: bounded exponential backoff with jitter.

Only transient failures (connection refused, timeouts, 429 and 5xx answers) are retried; a 400
means our query is wrong and retrying it cannot help. When the attempts run out the caller gets
BackendUnavailable, which the worker treats as "do not commit this batch, try again later".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import elasticsearch
import httpx
import kafka.errors
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

T = TypeVar("T")
ErrorHook = Callable[[str], None]


class BackendUnavailable(Exception):
    """A backend kept failing after every retry; the batch must not be committed."""

    def __init__(self, backend: str, cause: BaseException):
        super().__init__(f"{backend} unavailable: {type(cause).__name__}: {cause}")
        self.backend = backend


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout)):
        return True
    if isinstance(exc, elasticsearch.ApiError):
        return exc.meta.status == 429 or exc.meta.status >= 500
    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    if isinstance(exc, kafka.errors.KafkaError):
        return bool(getattr(exc, "retriable", False)) or isinstance(exc, kafka.errors.KafkaTimeoutError)
    return isinstance(exc, (TimeoutError, ConnectionError)) or bool(getattr(exc, "retriable", False))


class RetryPolicy:
    def __init__(self, attempts: int = 5, max_wait_s: float = 5.0, on_error: ErrorHook | None = None):
        self.attempts = attempts
        self.max_wait_s = max_wait_s
        self.on_error = on_error or (lambda backend: None)

    def call(self, backend: str, fn: Callable[..., T], *args, **kwargs) -> T:
        def count_failure(state: RetryCallState) -> None:
            self.on_error(backend)

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential_jitter(multiplier=0.2, max=self.max_wait_s),
            retry=retry_if_exception(is_transient),
            after=count_failure,
            reraise=True,
        )
        try:
            return retrying(fn, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure after retries means the same to the caller
            if not is_transient(exc):
                self.on_error(backend)
            raise BackendUnavailable(backend, exc) from exc

"""One retry policy for every backend call: bounded exponential backoff with jitter.

Only recoverable failures are retried (backends/errors.py decides which are). When the attempts
run out the caller gets BackendUnavailable ("do not commit this batch, try again later"); a
permanent failure is not retried and the caller gets BackendRefused at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from backends.errors import as_backend_error, is_recoverable

T = TypeVar("T")
ErrorHook = Callable[[str], None]


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
            retry=retry_if_exception(is_recoverable),
            after=count_failure,
            reraise=True,
        )
        try:
            return retrying(fn, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - sorted by kind in one place: backends/errors.py
            if not is_recoverable(exc):
                self.on_error(backend)
            raise as_backend_error(backend, exc) from exc

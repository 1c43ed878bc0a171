"""What can go wrong with a backend call, sorted by kind: decided here and nowhere else.

- **Recoverable**: it may pass if tried again later: a refused connection, a timeout, a 429 or 5xx
  answer, a write that lost a race with another worker. The retry policy retries it; when the
  attempts run out the caller gets `BackendUnavailable`, and the worker rewinds the batch and
  pauses (nothing is committed; the batch is tried again).
- **Permanent**: trying again cannot help: a 4xx answer (our query or document is wrong for this
  backend), a mapping refusal. The caller gets `BackendRefused`; the worker splits the batch to
  find the tickets at fault, dead-letters them and goes on with the rest. An exception that is
  neither (a bug in our own code) is treated as permanent too.

Retryability is a type: raise a subclass of `Recoverable` or `Permanent` and `is_recoverable`
answers from the class. Library exceptions are sorted by the table in `is_recoverable`.
Messages pass through `redact`, so a URL's password never reaches a log line or a DLQ header.
"""

from __future__ import annotations

import hashlib
import re

import elasticsearch
import httpx
import kafka.errors

# user:password@ in a URL, and the values of credential-like parameters or headers.
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]*@")
_SECRET_VALUES = re.compile(
    r"(?i)\b(password|passwd|token|api[_-]?key|secret|authorization)([\"']?\s*[=:]\s*[\"']?)((?:bearer|basic|apikey)\s+)?([^\s\"'&,}]+)")
MAX_MESSAGE = 300


class Recoverable(Exception):
    """May pass if tried again later."""


class Permanent(Exception):
    """Trying again cannot help."""


class BackendError(Exception):
    """A backend call that failed for good, after the retries its kind allows."""

    def __init__(self, backend: str, cause: BaseException, status: int | None = None):
        self.backend = backend
        self.status = status if status is not None else status_of(cause)
        self.cause_type = type(cause).__name__
        self.detail = redact(str(cause))[:MAX_MESSAGE]
        super().__init__(f"{backend} {self.verb}: {self.cause_type}: {self.detail}")

    verb = "failed"

    @property
    def digest(self) -> str:
        """A short stable fingerprint of the error: the same fault gives the same digest."""
        return error_digest(self.cause_type, self.detail)


class BackendUnavailable(BackendError, Recoverable):
    """A backend kept failing after every retry: the batch must not be committed, only retried."""

    verb = "unavailable"


class BackendRefused(BackendError, Permanent):
    """A backend refused the call (a 4xx, a mapping refusal): retrying the same call cannot help."""

    verb = "refused the request"


def is_recoverable(exc: BaseException) -> bool:
    if isinstance(exc, Recoverable):
        return True
    if isinstance(exc, Permanent):
        return False
    if isinstance(exc, (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout)):
        return True
    if isinstance(exc, (elasticsearch.ApiError, httpx.HTTPStatusError)):
        status = status_of(exc)
        return status is not None and (status == 429 or status >= 500)
    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, kafka.errors.KafkaError):
        return isinstance(exc, kafka.errors.KafkaTimeoutError) or bool(type(exc).retriable)
    return isinstance(exc, (TimeoutError, ConnectionError))


def status_of(exc: BaseException) -> int | None:
    """The HTTP status a backend answered with, when the error carries one."""
    if isinstance(exc, BackendError):
        return exc.status
    if isinstance(exc, elasticsearch.ApiError):
        return exc.meta.status
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def as_backend_error(backend: str, exc: BaseException) -> BackendError:
    """What the caller of a backend gets once the retries are over."""
    if isinstance(exc, BackendError):
        return exc
    return BackendUnavailable(backend, exc) if is_recoverable(exc) else BackendRefused(backend, exc)


def error_digest(kind: str, message: str) -> str:
    # Digits vary (offsets, positions, ids) where the fault does not.
    return hashlib.sha256(f"{kind}:{re.sub(r'[0-9]+', '#', message)}".encode()).hexdigest()[:12]


def redact(text: str) -> str:
    """The text with credentials in URLs and key=value pairs replaced by ***."""
    text = _URL_CREDENTIALS.sub("***@", text)
    return _SECRET_VALUES.sub(lambda match: f"{match.group(1)}{match.group(2)}***", text)

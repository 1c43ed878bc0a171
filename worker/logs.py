"""Structured logs: one JSON object per line on stderr, or plain text for people at a terminal
(the same fields, as key=value after the message).

The Kafka and Elasticsearch clients log every failed reconnect (a 6 s broker restart gave 57 ERROR
lines): their records are folded, at most one a minute per client as a warning that says how many
were folded, because the worker reports what an outage means for it in lines of its own (a batch
rewound, the backend back).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import datetime, timezone

import orjson

RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
CLIENT_LOGGERS = ("kafka", "elastic_transport", "httpx")
FOLD_WINDOW_S = 60.0


def fields(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in vars(record).items() if key not in RESERVED}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(fields(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """`2026-12-03 10:00:00,123 WARNING fault_correlator.worker ticket dead-lettered kind=not_json offset=7`."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(f"{key}={orjson.dumps(value, default=str).decode() if not isinstance(value, str) or ' ' in value else value}"
                         for key, value in fields(record).items())
        return f"{text} {extra}" if extra else text


class FoldClientNoise(logging.Filter):
    """Lets through one record a minute per client library (as a warning, with `folded`: how many
    were dropped before it); drops the others."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}
        self.folded: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        client = record.name.split(".")[0]
        if client not in CLIENT_LOGGERS or record.levelno < logging.WARNING:
            return True
        now = time.monotonic()
        with self.lock:
            if now - self.last.get(client, -FOLD_WINDOW_S) < FOLD_WINDOW_S:
                self.folded[client] = self.folded.get(client, 0) + 1
                return False
            self.last[client] = now
            record.folded = self.folded.pop(client, 0)
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = None  # the client's traceback of a failed reconnect is not news
        return True


def setup_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    if logging.getLevelName(level) > logging.DEBUG:
        handler.addFilter(FoldClientNoise())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for client in CLIENT_LOGGERS:
        logging.getLogger(client).setLevel(max(logging.WARNING, root.level))

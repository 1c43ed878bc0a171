"""Prometheus remote write (protocol 1.0): push samples with their own timestamps.

The generator writes metrics "as they would have been scraped" at past times; the local
Prometheus accepts them through `--web.enable-remote-write-receiver` and an out-of-order window.
The WriteRequest protobuf has three tiny messages, so it is encoded here by hand from the wire
format instead of pulling in a protobuf toolchain; snappy framing comes from cramjam.

    WriteRequest { repeated TimeSeries timeseries = 1; }
    TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
    Label        { string name = 1; string value = 2; }
    Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence

import cramjam
import httpx

Series = tuple[Mapping[str, str], Sequence[tuple[int, float]]]  # labels (with __name__), [(ts_ms, value)]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_write_request(series: Iterable[Series]) -> bytes:
    out = bytearray()
    for labels, samples in series:
        body = bytearray()
        for name in sorted(labels):  # remote write requires labels sorted by name
            body += _field(1, _field(1, name.encode()) + _field(2, labels[name].encode()))
        for ts_ms, value in samples:
            sample = b"\x09" + struct.pack("<d", value) + b"\x10" + _varint(ts_ms)
            body += _field(2, sample)
        out += _field(1, bytes(body))
    return bytes(out)


def remote_write(url: str, series: Sequence[Series], samples_per_request: int = 20_000, client: httpx.Client | None = None) -> int:
    """Send series in requests of bounded size; returns the number of samples written."""
    own_client = client is None
    client = client or httpx.Client(timeout=30)
    headers = {
        "Content-Encoding": "snappy",
        "Content-Type": "application/x-protobuf",
        "X-Prometheus-Remote-Write-Version": "0.1.0",
    }
    written = 0
    try:
        for chunk in _chunks(series, samples_per_request):
            payload = bytes(cramjam.snappy.compress_raw(encode_write_request(chunk)))
            response = client.post(f"{url.rstrip('/')}/api/v1/write", content=payload, headers=headers)
            if response.status_code >= 300:
                raise RuntimeError(f"remote write refused ({response.status_code}): {response.text[:300]}")
            written += sum(len(samples) for _, samples in chunk)
    finally:
        if own_client:
            client.close()
    return written


def _chunks(series: Sequence[Series], limit: int) -> Iterable[list[Series]]:
    chunk: list[Series] = []
    size = 0
    for item in series:
        chunk.append(item)
        size += len(item[1])
        if size >= limit:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk

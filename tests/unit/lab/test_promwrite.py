import struct


from lab.promwrite import _varint, encode_write_request


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7


def fields(data: bytes) -> list[tuple[int, object]]:
    """A minimal protobuf reader, enough to check the encoder from the other side."""
    out, pos = [], 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 2:
            length, pos = read_varint(data, pos)
            out.append((number, data[pos:pos + length]))
            pos += length
        elif wire == 1:
            out.append((number, struct.unpack("<d", data[pos:pos + 8])[0]))
            pos += 8
        elif wire == 0:
            value, pos = read_varint(data, pos)
            out.append((number, value))
    return out


def test_varint():
    assert _varint(1) == b"\x01" and _varint(300) == b"\xac\x02"
    assert read_varint(_varint(1_764_000_000_000), 0)[0] == 1_764_000_000_000


def test_write_request_round_trips_with_sorted_labels():
    payload = encode_write_request([({"service": "cdn", "__name__": "up", "code": "200"}, [(1_764_000_000_000, 2.5), (1_764_000_015_000, 3.0)])])
    [(number, series)] = fields(payload)
    assert number == 1
    parts = fields(series)
    labels = [tuple(value for _, value in fields(body)) for number, body in parts if number == 1]
    assert labels == [(b"__name__", b"up"), (b"code", b"200"), (b"service", b"cdn")]
    samples = [dict(fields(body)) for number, body in parts if number == 2]
    assert samples == [{1: 2.5, 2: 1_764_000_000_000}, {1: 3.0, 2: 1_764_000_015_000}]

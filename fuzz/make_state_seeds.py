#!/usr/bin/env python3
"""Writes the seed corpus of the state_bytes fuzz target (fuzz/corpus/state_bytes/): valid
serialized partial states in the format of include/crmcore/engine_state_io.h, and corrupt
copies (truncated, a flipped byte, a bad length or order with a matching checksum).
Each seed is one mode byte (see fuzz/state_bytes_fuzzer.cc) followed by the state's bytes."""
import math
import os
import struct

INF = math.inf


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def frame(kind, payload):
    head = b"CRMSTATE" + struct.pack("<IIQ", 1, kind, len(payload))
    return head + payload + struct.pack("<I", crc32c(head + payload))


def column(values, quantiles):
    if not values:
        return struct.pack("<qdddd", 0, INF, -INF, 0.0, 0.0) + struct.pack("<BQ", 0, 0)
    n = len(values)
    mean = sum(values) / n
    m2 = sum((v - mean) * (v - mean) for v in values)
    out = struct.pack("<qdddd", n, min(values), max(values), mean, m2)
    if quantiles:
        s = sorted(values)
        return out + struct.pack("<BQ", 1, n) + struct.pack("<%dd" % n, *s)
    return out + struct.pack("<BQ", 0, 0)


def composite(rows, columns):
    payload = struct.pack("<qI", rows, 5) + b"".join(column(v, q) for v, q in columns)
    return frame(1, payload)


def quantile(values):
    s = sorted(values)
    return frame(2, struct.pack("<Q", len(s)) + struct.pack("<%dd" % len(s), *s))


def recrc(b):
    return b[:-4] + struct.pack("<I", crc32c(b[:-4]))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "state_bytes")
    os.makedirs(out, exist_ok=True)
    empty = composite(0, [([], False)] * 5)
    minmax = composite(4, [([1.0, 2.0, 3.0, 10.0], False), ([], False), ([0.5, -1.0], False),
                           ([], False), ([7.0, 7.0, 7.0, 7.0], False)])
    pct = composite(5, [([3.0, 1.0, 4.0, 1.0, 5.0], True), ([2.0, -0.0, 0.0], True),
                        ([], False), ([1e300, -1e300], False), ([], False)])
    q = quantile([5.0, -2.0, 0.0, 3.25, 3.25, 1e-310])
    seeds = {
        "composite_empty": b"\x00" + empty,
        "composite_minmax": b"\x03" + minmax,
        "composite_percentile": b"\x03" + pct,
        "quantile": b"\x03" + q,
        "quantile_empty": b"\x01" + quantile([]),
        "composite_truncated": b"\x00" + pct[:-9],
        "composite_flipped": b"\x00" + pct[:40] + bytes([pct[40] ^ 0x10]) + pct[41:],
        # Corrupt content under a valid checksum: only the decoder's checks stop these.
        "composite_bad_count_recrc": b"\x04" + recrc(minmax[:24] + struct.pack("<q", 99) + minmax[32:]),
        "quantile_unsorted_recrc": b"\x05" + recrc(q[:32] + q[40:48] + q[32:40] + q[48:]),
        "quantile_long_length_recrc": b"\x04" + recrc(q[:24] + struct.pack("<Q", 1 << 60) + q[32:]),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the seed corpus of h2_session_fuzz (fuzz/corpus/h2_session/): each seed is a mode byte,
a chunk byte and a client's bytes (see the input format at the top of h2_session_fuzz.cc).
Frames are built with tests/e2e/h2_frames.py. Run from anywhere; rewrites the seeds."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import h2_frames as h2  # noqa: E402

READS, ANSWERS, BODIES, PREFACE = 1, 2, 4, 8
ALL = READS | ANSWERS | BODIES | PREFACE
SETTINGS = h2.frame(h2.SETTINGS, 0, 0)
AUTH = "a.test"


def get(stream, path="/", end=True, extra=()):
    flags = h2.END_HEADERS | (h2.END_STREAM if end else 0)
    return h2.frame(h2.HEADERS, flags, stream, h2.hpack(h2.request_fields(AUTH, path, extra=extra)))


def settings(*entries):
    return h2.frame(h2.SETTINGS, 0, 0, b"".join(
        k.to_bytes(2, "big") + v.to_bytes(4, "big") for k, v in entries))


def seeds():
    yield "get", ALL, 0, SETTINGS + get(1)
    yield "get_small_chunks", ALL, 1, SETTINGS + get(1) + get(3, "/two")
    yield "raw_preface", READS | ANSWERS, 2, h2.PREFACE + SETTINGS + get(1)
    body = b"hello world" * 100
    yield "post_content_length", ALL, 0, SETTINGS + h2.frame(
        h2.HEADERS, h2.END_HEADERS, 1, h2.hpack(h2.request_fields(
            AUTH, "/up", "POST", [("content-length", str(len(body)))]))) + h2.frame(
        h2.DATA, 0, 1, body[:500]) + h2.frame(h2.DATA, h2.END_STREAM, 1, body[500:])
    yield "post_chunked_trailers", ALL, 0, SETTINGS + h2.frame(
        h2.HEADERS, h2.END_HEADERS, 1, h2.hpack(h2.request_fields(
            AUTH, "/up", "POST", [("te", "trailers")]))) + h2.frame(h2.DATA, 0, 1, b"abc") + \
        h2.frame(h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1, h2.hpack([("x-sum", "1")]))
    yield "body_not_read", READS | PREFACE, 0, SETTINGS + h2.frame(
        h2.HEADERS, h2.END_HEADERS, 1, h2.hpack(h2.request_fields(AUTH, "/up", "POST"))) + \
        b"".join(h2.frame(h2.DATA, 0, 1, b"z" * 16384) for _ in range(5))
    yield "multiplexed", ALL, 0, settings((0x3, 50), (0x4, 1 << 20), (0x5, 32768)) + b"".join(
        get(2 * i + 1, f"/s{i}") for i in range(6)) + h2.frame(
        h2.WINDOW_UPDATE, 0, 0, (1 << 20).to_bytes(4, "big")) + h2.frame(
        h2.PING, 0, 0, b"12345678") + h2.frame(h2.SETTINGS, h2.ACK, 0)
    yield "small_window", ALL, 0, settings((0x4, 1)) + get(1, "/big") + h2.frame(
        h2.WINDOW_UPDATE, 0, 1, (100).to_bytes(4, "big"))
    block = h2.hpack(h2.request_fields(AUTH, "/cont", extra=[("x-a", "1"), ("x-b", "2")]))
    yield "continuation", ALL, 0, SETTINGS + h2.frame(h2.HEADERS, h2.END_STREAM, 1, block[:10]) + \
        h2.frame(h2.CONTINUATION, 0, 1, block[10:20]) + \
        h2.frame(h2.CONTINUATION, h2.END_HEADERS, 1, block[20:])
    flood = h2.frame(h2.HEADERS, h2.END_STREAM, 1, h2.hpack(h2.request_fields(AUTH)))
    flood += b"".join(h2.frame(h2.CONTINUATION, 0, 1, h2.hpack([(f"x-{i}", "a")]))
                      for i in range(20))
    yield "continuation_flood", ALL, 0, SETTINGS + flood
    yield "rapid_reset", READS | PREFACE, 0, SETTINGS + b"".join(
        get(2 * i + 1, "/slow") + h2.frame(h2.RST_STREAM, 0, 2 * i + 1,
                                            h2.CANCEL.to_bytes(4, "big")) for i in range(400))
    yield "ping_flood_no_read", PREFACE, 0, SETTINGS + b"".join(
        h2.frame(h2.PING, 0, 0, i.to_bytes(8, "big")) for i in range(1100))
    yield "settings_flood_no_read", PREFACE, 0, SETTINGS + settings((0x4, 65535)) * 1100
    yield "ping_flood_reading", READS | PREFACE, 64, SETTINGS + b"".join(
        h2.frame(h2.PING, 0, 0, i.to_bytes(8, "big")) for i in range(300))
    yield "too_many_streams", READS | PREFACE, 0, SETTINGS + b"".join(
        get(2 * i + 1, "/hold", end=False) for i in range(110))
    big = h2.hpack(h2.request_fields(AUTH, extra=[("x-big", "b" * 13000)]))
    yield "header_over_cap", ALL, 0, SETTINGS + h2.frame(h2.HEADERS, h2.END_STREAM, 1, big[:8000]) + \
        h2.frame(h2.CONTINUATION, h2.END_HEADERS, 1, big[8000:]) + get(3, "/after")
    yield "connection_field", ALL, 0, SETTINGS + get(1, extra=[("connection", "close")]) + \
        get(3, extra=[("host", "other.test")]) + get(5, extra=[("cookie", "a=1"), ("cookie", "b=2")])
    yield "bad_pseudo", ALL, 0, SETTINGS + h2.frame(
        h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1,
        h2.hpack([(":path", "/"), (":method", "GET"), (":bogus", "x"), (":scheme", "https")]))
    yield "goaway_priority_window", ALL, 0, SETTINGS + get(1) + h2.frame(
        0x2, 0, 3, (0).to_bytes(4, "big") + b"\x10") + h2.frame(
        h2.WINDOW_UPDATE, 0, 1, (0).to_bytes(4, "big")) + h2.frame(
        h2.GOAWAY, 0, 0, (1).to_bytes(4, "big") + (0).to_bytes(4, "big"))
    yield "indexed_hpack", ALL, 0, SETTINGS + h2.frame(
        h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1,
        b"\x82\x87\x84\x41\x06a.test\x40\x03x-y\x01z") + h2.frame(
        h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 3, b"\x82\x87\x84\xbf\xbe")


def main():
    out = os.path.join(HERE, "corpus", "h2_session")
    os.makedirs(out, exist_ok=True)
    for name, mode, chunk, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([mode, chunk]) + data)


if __name__ == "__main__":
    main()

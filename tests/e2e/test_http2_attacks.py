"""HTTP/2 attacks through the real binary (one worker, TLS, loopback, bounded in time):
- SETTINGS and PING floods from a client that never reads: the connection is ended (GOAWAY
  ENHANCE_YOUR_CALM, or closed) while the client is still sending, and others are served;
- rapid reset (CVE-2023-44487) and CONTINUATION flood (CVE-2024-27316) from another process:
  each attacking connection gets GOAWAY, and a second connection's p99 latency (sequential
  requests to the in-process echo upstream) stays within a bound of its value before the attack;
- a slow reader (never opens its flow-control window) of a large response: doorman stops reading
  the upstream (the origin's writes stall after a few socket buffers), its RSS does not grow by
  the body, and the zero-window stall ends at timeouts.body_idle (the stream is reset, the
  upstream connection closed)."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

import h2_frames as h2
from harness import DoormanTestCase, curl, self_signed, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
BODY_IDLE = 4  # seconds: timeouts.body_idle of these tests
# The latency bound during an attack: p99 at most RATIO_BOUND times the p99 before it, with a
# floor under the baseline (BASELINE_FLOOR seconds, so at least 0.5 s is allowed): the ASan
# build on a loaded 2-core CI machine measured 26 ms before and 148 ms during a rapid reset
# (ratio 5.6) while a stalled event loop, the failure this catches, cost 1.6 s (before streams
# reset in the same read stopped starting sessions). The ratio is printed either way.
RATIO_BOUND = 5.0
BASELINE_FLOOR = 0.1


def p99(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class StallingOrigin:
    """An HTTP/1.1 origin whose one response is a large Content-Length body written as fast as
    the connection takes it; `sent` counts the bytes the kernel accepted, `closed` is set when
    the connection is gone (a write failed)."""

    def __init__(self, body_bytes):
        self.body_bytes = body_bytes
        self.sent = 0
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(60)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % self.body_bytes)
            piece = b"y" * 65536
            try:
                while self.sent < self.body_bytes:
                    n = conn.send(piece)
                    self.sent += n
            except OSError:
                pass
            self.closed.set()

    def close(self):
        self.listener.close()


class Http2Attacks(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.crt, self.key = self_signed(self.tmp.path, "localhost")

    def start(self, routes='[[route]]\nupstream = "builtin:echo"\n'):
        return self.start_doorman(f"""
[[listener]]
address = "127.0.0.1:0"
tls = true
[[listener.certificate]]
cert = "{self.crt}"
key = "{self.key}"

[server]
workers = 1

[timeouts]
body_idle = "{BODY_IDLE}s"

{routes}
""")

    def assert_serves(self, d):
        rc, out, err = curl("-k", "--http2", "--resolve", f"localhost:{d.port}:127.0.0.1",
                            "-o", "/dev/null", "-w", "%{http_code}",
                            f"https://localhost:{d.port}/after")
        self.assertEqual((rc, out), (0, b"200"), err)

    # --- floods of ACKs owed to a client that does not read -----------------------------------

    def flood_without_reading(self, d, one_frame):
        c = h2.H2Connection(d.port)
        self.addCleanup(c.close)
        # A small receive buffer: the server's ACKs back up after a few KiB, not megabytes.
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        batch = one_frame * 2000
        c.sock.settimeout(3)
        sent, stopped_by_server = 0, False
        start = time.monotonic()
        while time.monotonic() - start < 60 and sent < 512 * 2**20:
            try:
                c.sock.sendall(batch)
            except (OSError, TimeoutError):
                stopped_by_server = True  # the server stopped reading, or closed
                break
            sent += len(batch)
        # Read what was sent (a pile of ACKs, maybe a GOAWAY) until the server closes.
        frames = c.frames_until_close(timeout=BODY_IDLE + 30)
        elapsed = time.monotonic() - start
        print(f"\n{len(batch) // 2000}-byte frames: sent {sent / 2**20:.1f} MiB before the server "
              f"stopped reading, closed after {elapsed:.1f} s, GOAWAY {h2.goaway_code(frames)}",
              file=sys.stderr)
        self.assertTrue(stopped_by_server, f"the server took {sent} bytes of flood")
        self.assertIn(h2.goaway_code(frames), (None, h2.ENHANCE_YOUR_CALM))
        self.assert_serves(d)

    def test_settings_flood_is_ended(self):
        d = self.start()
        self.flood_without_reading(d, h2.frame(h2.SETTINGS, 0, 0))

    def test_ping_flood_is_ended(self):
        d = self.start()
        self.flood_without_reading(d, h2.frame(h2.PING, 0, 0, b"flooding"))

    # --- rapid reset and CONTINUATION flood, with another connection's latency ----------------

    def latencies(self, c, first_stream, n):
        """Seconds for each of n sequential GETs on connection c (streams first_stream, +2...)."""
        fields = h2.hpack(h2.request_fields(f"localhost:{c.sock.getpeername()[1]}", "/victim"))
        out = []
        for i in range(n):
            stream = first_stream + 2 * i
            t0 = time.monotonic()
            c.send(h2.frame(h2.HEADERS, h2.END_STREAM | h2.END_HEADERS, stream, fields))
            deadline = t0 + 30
            while True:
                f = c.read_frame(deadline)
                self.assertIsNotNone(f, "the victim's connection closed")
                kind, flags, sid, payload = f
                if kind == h2.SETTINGS and not flags & h2.ACK:
                    c.send(h2.frame(h2.SETTINGS, h2.ACK, 0))
                if kind == h2.DATA and payload:  # keep the connection window open
                    c.send(h2.frame(h2.WINDOW_UPDATE, 0, 0, len(payload).to_bytes(4, "big")))
                if kind == h2.RST_STREAM and sid == stream:
                    self.fail(f"the victim's stream {stream} was reset")
                if sid == stream and kind in (h2.HEADERS, h2.DATA) and flags & h2.END_STREAM:
                    break
            out.append(time.monotonic() - t0)
        return out

    def attack_with_victim(self, kind, expected_codes):
        d = self.start()
        victim = h2.H2Connection(d.port)
        self.addCleanup(victim.close)
        # Each request is a small write after a small WINDOW_UPDATE: without TCP_NODELAY, Nagle
        # and delayed ACKs would add 40 ms to every one and hide doorman's own latency.
        victim.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        n = 150
        self.latencies(victim, 1, 20)  # warm up: TLS, the worker, the echo upstream
        before = self.latencies(victim, 41, n)
        attacker = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "h2_attack.py"), str(d.port), kind, "12",
             f"localhost:{d.port}"], stdout=subprocess.PIPE, text=True, cwd=HERE)
        self.addCleanup(lambda: attacker.poll() is None and attacker.kill())
        time.sleep(1.0)  # the attack is under way (each connection floods at once)
        during = self.latencies(victim, 41 + 2 * n, n)
        out, _ = attacker.communicate(timeout=60)
        result = json.loads(out)
        base, attacked = p99(before), p99(during)
        ratio = attacked / base
        print(f"\n{kind}: victim p99 {base * 1000:.1f} ms before, {attacked * 1000:.1f} ms during "
              f"(ratio {ratio:.2f}, median {sorted(during)[n // 2] * 1000:.1f} ms); attacker: "
              f"{result}", file=sys.stderr)
        self.assertGreater(result["connections"], 0)
        self.assertEqual(result["still_open"], 0, result)  # no attacking connection outlived
        codes = {int(c) for c in result["goaway"]}
        self.assertTrue(codes, result)
        self.assertLessEqual(codes, expected_codes, result)
        self.assertLessEqual(attacked, RATIO_BOUND * max(base, BASELINE_FLOOR),
                             f"p99 {attacked:.3f}s during the attack vs {base:.3f}s before")
        self.assert_serves(d)

    def test_rapid_reset_and_another_connections_latency(self):
        # nghttp2 answers a spent reset budget with INTERNAL_ERROR.
        self.attack_with_victim("rapid_reset", {h2.INTERNAL_ERROR, h2.ENHANCE_YOUR_CALM})

    def test_continuation_flood_and_another_connections_latency(self):
        self.attack_with_victim("continuation", {h2.ENHANCE_YOUR_CALM, h2.PROTOCOL_ERROR})

    # --- a client that never opens its window ---------------------------------------------------

    def test_slow_reader_stops_the_upstream_and_times_out(self):
        origin = StallingOrigin(body_bytes=512 * 2**20)
        self.addCleanup(origin.close)
        d = self.start(f'[[route]]\nupstream = "{origin.address}"\n')
        rss_before = d.rss_kib()
        c = h2.H2Connection(d.port)  # the default windows: 65535 bytes, never reopened
        self.addCleanup(c.close)
        c.send(h2.frame(h2.HEADERS, h2.END_STREAM | h2.END_HEADERS, 1,
                        h2.hpack(h2.request_fields(f"localhost:{d.port}", "/big"))))
        received, reset_at, closed_at = 0, None, None
        deadline = time.monotonic() + 60
        stalled_at = None
        samples = []
        while reset_at is None and closed_at is None:
            try:
                f = c.read_frame(min(deadline, time.monotonic() + 0.5))
            except TimeoutError:
                f = ()
            now = time.monotonic()
            self.assertLess(now, deadline, f"the stall was never ended: {samples[-3:]}")
            if f is None:
                closed_at = now
                break
            if f:
                kind, flags, stream, payload = f
                if kind == h2.SETTINGS and not flags & h2.ACK:
                    c.send(h2.frame(h2.SETTINGS, h2.ACK, 0))
                if kind == h2.DATA:
                    received += len(payload)
                    stalled_at = now
                if kind == h2.RST_STREAM and stream == 1:
                    reset_at = now
                if kind == h2.GOAWAY:
                    closed_at = now
            elif stalled_at is not None:
                samples.append((now - stalled_at, origin.sent, d.rss_kib()))
        self.assertEqual(received, 65535)  # exactly the window, then nothing
        ended = (reset_at or closed_at) - stalled_at
        mid = [s for s in samples if 1.0 <= s[0] <= BODY_IDLE - 0.5]
        print(f"\nslow reader: {received} bytes read, origin wrote {origin.sent / 2**20:.1f} MiB "
              f"of 512, doorman RSS +{(max(s[2] for s in samples) - rss_before) / 1024:.1f} MiB, "
              f"stall ended after {ended:.1f} s ({'reset' if reset_at else 'closed'})",
              file=sys.stderr)
        # doorman stopped reading the upstream: the origin made no progress while stalled.
        self.assertGreaterEqual(len(mid), 2, samples)
        self.assertEqual(mid[0][1], mid[-1][1], samples)
        self.assertLess(origin.sent, 64 * 2**20)
        self.assertLess(max(s[2] for s in samples) - rss_before, 64 * 1024)
        # body_idle ended the stall; the upstream connection is closed too.
        self.assertGreaterEqual(ended, BODY_IDLE - 1)
        self.assertLessEqual(ended, BODY_IDLE + 10)
        self.assertTrue(origin.closed.wait(20), "the upstream connection was left open")


if __name__ == "__main__":
    unittest.main()

"""Upstream faults (docs/robustness.md "Upstream faults"): a fault-injecting origin on loopback
refuses, blackholes, connects slowly, answers slowly, resets before, inside and after the
response head, and closes a pooled keep-alive connection just as doorman reuses it. Each case
checks what the client got (502 / 504, or a reset after the head), the diagnostics log's
`reason` and `reason_detail`, and how many times the origin saw the request: an idempotent
request whose body came whole with its head is retried once on a fresh connection when a REUSED
connection fails before any response byte; never a POST, never after a response byte, never
after a timeout, never on a new connection, never twice. HTTP/2 clients get the same statuses.

Nothing leaves loopback. "Unreachable" is shown two ways: a listener whose accept queue is full
(its SYNs are dropped: a blackhole, so the connect times out), and a multicast address, to
which Linux refuses a TCP connect at once with ENETUNREACH before building any packet
(tcp_v4_connect), the error a host without a route gets."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

from harness import (DEADLINE, DoormanTestCase, RawConnection, curl, free_port, have,
                     port_accepts, sbin, wait_until)

RST = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # SO_LINGER on, 0 s: close() sends a reset


def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RST)
    c.close()


class FaultOrigin:
    """An HTTP/1.1 origin whose behaviour is chosen by the request's path. It records every
    request head it reads as (connection id, index of the request on its connection, method,
    path, body): the test counts attempts and tells a reused connection (index > 1) from a new
    one. Paths (query strings only tag requests):
      /ok                  200 "ok <connection id>", keep-alive
      /ok-then-close       200 (keep-alive implied), then the origin closes the idle connection
      /drop-if-reused      on a reused connection: close without answering; else like /ok
      /reset-if-reused     on a reused connection: reset without answering; else like /ok
      /partial-if-reused   on a reused connection: half a status line, then close; else /ok
      /drop                close without answering, on any connection
      /hang                read the request, answer nothing until the test ends
      /reset-mid-head      half a response head, then reset
      /reset-mid-body      a head with Content-Length 1000 and 100 body bytes, then (once the
                           test has read them: `step`) reset
    """

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.seen = []
        self.lock = threading.Lock()
        self.step = threading.Event()
        self.release = threading.Event()
        self.closed = set()  # ids of the connections the origin has closed
        self.next_id = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.next_id += 1
                cid = self.next_id
            threading.Thread(target=self._run, args=(c, cid), daemon=True).start()

    def _run(self, c, cid):
        try:
            self._serve(c, cid)
        except OSError:
            pass
        finally:
            c.close()
            with self.lock:
                self.closed.add(cid)

    def wait_closed(self, tag):
        """Waits until the origin has closed the connection that served request `tag`."""
        cid = self.attempts(tag)[0][0]
        wait_until(lambda: cid in self.closed, what=f"the origin's close after {tag}")
        return cid

    def requests(self, tag):
        """The requests whose query string is `tag`, as recorded."""
        with self.lock:
            return [r for r in self.seen if r[3].partition("?")[2] == tag]

    def attempts(self, tag):
        """The requests tagged `tag`, as (connection id, index on its connection)."""
        return [(cid, n) for cid, n, _, _, _ in self.requests(tag)]

    def _serve(self, c, cid):
        buffer = b""
        n = 0
        while True:
            while b"\r\n\r\n" not in buffer:
                piece = c.recv(65536)
                if not piece:
                    return
                buffer += piece
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, target = lines[0].split(" ")[:2]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            while len(buffer) < length:
                piece = c.recv(65536)
                if not piece:
                    return
                buffer += piece
            body, buffer = buffer[:length], buffer[length:]
            n += 1
            with self.lock:
                self.seen.append((cid, n, method, target, body))
            path = target.split("?")[0]
            reused = n > 1
            if path == "/drop" or (path == "/drop-if-reused" and reused):
                return
            if path == "/reset-if-reused" and reused:
                return reset(c)
            if path == "/partial-if-reused" and reused:
                c.sendall(b"HTTP/1.1 200 O")
                return
            if path == "/hang":
                self.release.wait(DEADLINE)
                return
            if path == "/reset-mid-head":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
                return reset(c)
            if path == "/reset-mid-body":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"b" * 100)
                self.step.wait(DEADLINE)
                return reset(c)
            answer = b"ok %d" % cid
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                      % (len(answer), b"" if method == "HEAD" else answer))
            if path == "/ok-then-close":
                return

    def close(self):
        self.release.set()
        self.sock.close()


class Blackhole:
    """A listener that never accepts and whose accept queue (backlog 0) is already full with
    one connection of ours: the kernel drops every further SYN, as a firewall that drops
    packets would. accept_after(s) empties the queue later: the connecting side's SYN,
    retransmitted after about 1 s, then succeeds (a slow connect), and the connection is served
    one /ok answer."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.filler = socket.create_connection(("127.0.0.1", self.port), timeout=DEADLINE)

    def accept_after(self, seconds):
        def run():
            time.sleep(seconds)  # the point is to miss the first SYN: time is the fault here
            first, _ = self.sock.accept()  # our filler
            first.close()
            c, _ = self.sock.accept()
            with c:
                c.settimeout(DEADLINE)
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = c.recv(65536)
                    if not piece:
                        return
                    data += piece
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow")

        threading.Thread(target=run, daemon=True).start()

    def close(self):
        self.filler.close()
        self.sock.close()


CONFIG = """
[[listener]]
address = "127.0.0.1:0"
h2c = true

[server]
workers = 1

[timeouts]
upstream_connect = "{connect}"
upstream_response_head = "600ms"

[log]
file = "{log}"

[[route]]
route = "faults.test"
upstream = "{origin}"

[[route]]
route = "refused.test"
upstream = "127.0.0.1:{refused_port}"

[[route]]
route = "unreachable.test"
upstream = "224.0.0.1:80"

[[route]]
route = "blackhole.test"
upstream = "127.0.0.1:{blackhole_port}"
"""


class UpstreamFaultsCase(DoormanTestCase):
    connect_timeout = "2s"

    def setUp(self):
        super().setUp()
        self.origin = FaultOrigin()
        self.cleanups.append(self.origin.close)
        self.blackhole = Blackhole()
        self.cleanups.append(self.blackhole.close)
        self.log = os.path.join(self.tmp.path, "requests.jsonl")
        self.doorman = self.start_doorman(CONFIG.format(
            connect=self.connect_timeout, log=self.log, origin=self.origin.address,
            refused_port=free_port(), blackhole_port=self.blackhole.port))
        self.client = RawConnection(self.doorman.port)
        self.cleanups.append(self.client.close)

    def send(self, method, path, host="faults.test", body=b"", c=None):
        c = c or self.client
        length = f"Content-Length: {len(body)}\r\n" if body or method in ("POST", "PUT") else ""
        c.send(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{length}\r\n".encode() + body)

    def request(self, method, path, host="faults.test", body=b"", c=None):
        self.send(method, path, host, body, c)
        return (c or self.client).read_response(head_request=method == "HEAD")

    def warm_pool(self, tag):
        """One answered request, so that doorman holds a pooled connection to the origin."""
        r = self.request("GET", f"/ok?warm-{tag}")
        self.assertEqual(r.status, 200)

    def log_line(self, tag):
        def find():
            try:
                with open(self.log) as f:
                    for line in f:
                        if line.strip() and json.loads(line)["path"].partition("?")[2] == tag:
                            return json.loads(line)
            except FileNotFoundError:
                pass
            return None
        return wait_until(find, what=f"the diagnostics line of {tag}")

    def assert_logged(self, tag, status, reason, detail=None, retried=False):
        line = self.log_line(tag)
        self.assertEqual(line["status"], status, line)
        self.assertEqual(line["reason"], reason, line)
        self.assertEqual(line.get("reason_detail"), detail, line)
        if line["upstream_reused"] is not None or retried:
            self.assertEqual(line["upstream_retried"], retried, line)
        return line


class ConnectFaults(UpstreamFaultsCase):
    def test_refused_is_502_connect_failed_refused(self):
        r = self.request("GET", "/?refused", host="refused.test")
        self.assertEqual((r.status, r.body), (502, b"upstream-connect-failed\n"))
        line = self.assert_logged("refused", 502, "upstream-connect-failed", "refused")
        self.assertFalse(line["upstream_reused"])
        self.assertIsNone(line["upstream"])
        # A body-less request's 502 keeps the client connection.
        r = self.request("GET", "/?refused-again", host="refused.test")
        self.assertEqual(r.status, 502)

    def test_no_route_is_502_connect_failed_unreachable(self):
        started = time.monotonic()
        r = self.request("GET", "/?unreachable", host="unreachable.test")
        self.assertEqual((r.status, r.body), (502, b"upstream-connect-failed\n"))
        self.assertLess(time.monotonic() - started, 1.5)  # at once, not after upstream_connect
        self.assert_logged("unreachable", 502, "upstream-connect-failed", "unreachable")

    def test_blackholed_slow_connect_within_upstream_connect_succeeds(self):
        self.blackhole.accept_after(0.2)
        r = self.request("GET", "/?slow-connect", host="blackhole.test")
        self.assertEqual((r.status, r.body), (200, b"slow"))
        line = self.assert_logged("slow-connect", 200, None)
        # The first SYN was dropped; its retransmission (initial RTO 1 s) got through.
        self.assertGreaterEqual(line["upstream_connect_ms"], 900.0)


class BlackholeTimeout(UpstreamFaultsCase):
    connect_timeout = "300ms"

    def test_blackholed_is_504_connect_timeout(self):
        started = time.monotonic()
        r = self.request("GET", "/?blackholed", host="blackhole.test")
        elapsed = time.monotonic() - started
        self.assertEqual((r.status, r.body), (504, b"upstream-connect-timeout\n"))
        self.assertGreaterEqual(elapsed, 0.29)
        self.assertLess(elapsed, 5)
        line = self.assert_logged("blackholed", 504, "upstream-connect-timeout")
        self.assertIsNone(line["upstream_connect_ms"])


class ResponseFaults(UpstreamFaultsCase):
    def test_slow_to_answer_is_504_and_not_retried(self):
        for tag, warm in (("hang-new", False), ("hang-pooled", True)):
            if warm:
                self.warm_pool(tag)
            started = time.monotonic()
            r = self.request("GET", f"/hang?{tag}")
            self.assertEqual((r.status, r.body), (504, b"upstream-timeout\n"), tag)
            self.assertGreaterEqual(time.monotonic() - started, 0.59)
            self.assert_logged(tag, 504, "upstream-timeout")
            # A timeout is never retried, even on a reused connection (the origin may be working
            # on it).
            self.assertEqual(len(self.origin.attempts(tag)), 1, tag)

    def test_close_or_reset_before_any_byte_on_a_new_connection_is_502_not_retried(self):
        r = self.request("GET", "/drop?fresh-drop")
        self.assertEqual((r.status, r.body), (502, b"upstream-closed\n"))
        self.assert_logged("fresh-drop", 502, "upstream-closed", "eof")
        self.assertEqual(len(self.origin.attempts("fresh-drop")), 1)

    def test_reset_inside_the_head_is_502_closed(self):
        r = self.request("GET", "/reset-mid-head?mid-head")
        self.assertEqual((r.status, r.body), (502, b"upstream-closed\n"))
        line = self.assert_logged("mid-head", 502, "upstream-closed", "reset")
        self.assertIsNotNone(line["upstream_ttfb_ms"])  # bytes came: never a retry case
        self.assertEqual(len(self.origin.attempts("mid-head")), 1)

    def test_reset_mid_body_resets_the_client_and_is_never_retried(self):
        self.warm_pool("mid-body")  # even on a reused connection and an idempotent GET
        self.send("GET", "/reset-mid-body?mid-body")
        c = self.client
        while b"\r\n\r\n" not in c.buffer or len(c.buffer.split(b"\r\n\r\n", 1)[1]) < 100:
            c._fill()
        head, body = c.buffer.split(b"\r\n\r\n", 1)
        self.assertTrue(head.startswith(b"HTTP/1.1 200 OK"), head)
        self.assertEqual(body, b"b" * 100)
        c.buffer = b""
        self.origin.step.set()
        with self.assertRaises(ConnectionResetError):
            while c.sock.recv(65536):
                pass
        line = self.assert_logged("mid-body", 200, "upstream-truncated", "reset")
        self.assertEqual(line["bytes_out"], 100)
        self.assertEqual(line["upstream"], self.origin.address)
        self.assertEqual(len(self.origin.attempts("mid-body")), 1)


class PooledConnectionFaults(UpstreamFaultsCase):
    """The upstream closes a pooled keep-alive connection just as doorman reuses it: the
    origin reads the request on the reused connection, then closes or resets it."""

    def test_idempotent_get_is_retried_once_on_a_fresh_connection(self):
        for tag, path in (("retry-fin", "/drop-if-reused"), ("retry-rst", "/reset-if-reused")):
            self.warm_pool(tag)
            r = self.request("GET", f"{path}?{tag}")
            self.assertEqual(r.status, 200, tag)
            attempts = self.origin.attempts(tag)
            # Once on the pooled connection (its 2nd request), once on a new one.
            self.assertEqual(len(attempts), 2, (tag, attempts))
            self.assertGreater(attempts[0][1], 1)
            self.assertEqual(attempts[1][1], 1)
            self.assertEqual(r.body, b"ok %d" % attempts[1][0])
            line = self.assert_logged(tag, 200, None, retried=True)
            self.assertFalse(line["upstream_reused"])  # the fresh connection answered

    def test_other_idempotent_methods_are_retried_too(self):
        for method, body in (("HEAD", b""), ("OPTIONS", b""), ("DELETE", b""),
                             ("PUT", b"whole body")):
            tag = f"retry-{method.lower()}"
            self.warm_pool(tag)
            r = self.request(method, f"/drop-if-reused?{tag}", body=body)
            self.assertEqual(r.status, 200, method)
            seen = self.origin.requests(tag)
            self.assertEqual([s[2] for s in seen], [method, method])
            self.assertEqual([s[4] for s in seen], [body, body])  # the same bytes replayed
            self.assert_logged(tag, 200, None, retried=True)

    def test_post_is_never_retried(self):
        for tag, body in (("post-empty", b""), ("post-body", b"data")):
            self.warm_pool(tag)
            r = self.request("POST", f"/drop-if-reused?{tag}", body=body)
            self.assertEqual((r.status, r.body), (502, b"upstream-closed\n"), tag)
            self.assertEqual(len(self.origin.attempts(tag)), 1, tag)
            line = self.assert_logged(tag, 502, "upstream-closed", "eof")
            self.assertTrue(line["upstream_reused"])

    def test_no_retry_once_a_response_byte_came(self):
        self.warm_pool("partial")
        r = self.request("GET", "/partial-if-reused?partial")
        self.assertEqual((r.status, r.body), (502, b"upstream-closed\n"))
        self.assertEqual(len(self.origin.attempts("partial")), 1)
        self.assert_logged("partial", 502, "upstream-closed", "eof")

    def test_retried_at_most_once(self):
        self.warm_pool("twice")
        r = self.request("GET", "/drop?twice")
        self.assertEqual((r.status, r.body), (502, b"upstream-closed\n"))
        attempts = self.origin.attempts("twice")
        self.assertEqual(len(attempts), 2, attempts)  # the pooled one, then one fresh
        self.assertGreater(attempts[0][1], 1)
        self.assertEqual(attempts[1][1], 1)
        self.assert_logged("twice", 502, "upstream-closed", "eof", retried=True)

    def test_connection_closed_while_idle_is_not_reused_even_for_post(self):
        r = self.request("GET", "/ok-then-close?idle-close")
        self.assertEqual(r.status, 200)
        # The origin closed its end (its FIN is on doorman's pooled connection at once: loopback).
        first = self.origin.wait_closed("idle-close")
        r = self.request("POST", "/ok?idle-post", body=b"x")
        self.assertEqual(r.status, 200)
        attempts = self.origin.attempts("idle-post")
        self.assertEqual(len(attempts), 1)
        self.assertNotEqual(attempts[0][0], first)
        line = self.assert_logged("idle-post", 200, None)
        self.assertFalse(line["upstream_reused"])


class Http2Clients(UpstreamFaultsCase):
    """The same faults through an HTTP/2 stream (h2c prior knowledge): same statuses, same
    reasons, protocol h2 in the log."""

    def curl_h2(self, host, path, *args):
        return curl("--http2-prior-knowledge", "-H", f"Host: {host}", "-w", "\n%{http_code} %{http_version}", *args,
                    f"http://127.0.0.1:{self.doorman.port}{path}")

    def test_refused_and_slow_are_502_and_504(self):
        for host, path, status, reason, detail in (
                ("refused.test", "/?h2-refused", 502, "upstream-connect-failed", "refused"),
                ("faults.test", "/hang?h2-hang", 504, "upstream-timeout", None),
                ("faults.test", "/drop?h2-drop", 502, "upstream-closed", "eof")):
            rc, out, err = self.curl_h2(host, path)
            self.assertEqual(rc, 0, err)
            body, tail = out.rsplit(b"\n", 1)
            self.assertEqual(tail, b"%d 2" % status, path)
            self.assertEqual(body, reason.encode() + b"\n")
            line = self.assert_logged(path.split("?")[1], status, reason, detail)
            self.assertEqual(line["protocol"], "h2")

    def test_reset_mid_body_resets_the_stream(self):
        self.origin.step.set()  # reset as soon as the 100 bytes are out
        rc, out, err = self.curl_h2("faults.test", "/reset-mid-body?h2-mid-body")
        self.assertNotEqual(rc, 0, "a truncated body must not look complete")
        line = self.assert_logged("h2-mid-body", 200, "upstream-truncated", "reset")
        self.assertEqual(line["protocol"], "h2")


# --- the same faults through nginx and HAProxy (recorded for docs/robustness.md, never failed on)


NGINX = """
worker_processes 1;
pid {t}/nginx.pid;
error_log {t}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {t}/client_body;
  proxy_temp_path {t}/proxy;
  fastcgi_temp_path {t}/fastcgi;
  uwsgi_temp_path {t}/uwsgi;
  scgi_temp_path {t}/scgi;
  upstream faults {{ server {origin}; keepalive 8; }}
  upstream refused {{ server 127.0.0.1:{refused_port}; }}
  upstream unreachable {{ server 224.0.0.1:80; }}
  upstream blackhole {{ server 127.0.0.1:{blackhole_port}; }}
  map $host $backend {{
    default faults;
    refused.test refused;
    unreachable.test unreachable;
    blackhole.test blackhole;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://$backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_connect_timeout 300ms;
      proxy_read_timeout 600ms;
    }}
  }}
}}
"""

HAPROXY = """
global
  maxconn 256
defaults
  mode http
  timeout connect 300ms
  timeout client 30s
  timeout server 600ms
frontend fe
  bind 127.0.0.1:{port}
  use_backend refused if {{ hdr(host) -i refused.test }}
  use_backend unreachable if {{ hdr(host) -i unreachable.test }}
  use_backend blackhole if {{ hdr(host) -i blackhole.test }}
  default_backend faults
backend faults
  server s {origin}
backend refused
  server s 127.0.0.1:{refused_port}
backend unreachable
  server s 224.0.0.1:80
backend blackhole
  server s 127.0.0.1:{blackhole_port}
"""

# (case, host, method, path, warm the pool first, body)
PEER_CASES = [
    ("refused", "refused.test", "GET", "/", False, b""),
    ("no route", "unreachable.test", "GET", "/", False, b""),
    ("blackholed", "blackhole.test", "GET", "/", False, b""),
    ("no answer", "faults.test", "GET", "/hang", False, b""),
    ("close before any byte, new connection", "faults.test", "GET", "/drop", False, b""),
    ("reset inside the head", "faults.test", "GET", "/reset-mid-head", False, b""),
    ("reset mid-body", "faults.test", "GET", "/reset-mid-body", True, b""),
    ("pooled connection closed as reused, GET", "faults.test", "GET", "/drop-if-reused", True,
     b""),
    ("pooled connection reset as reused, GET", "faults.test", "GET", "/reset-if-reused", True,
     b""),
    ("pooled connection closed as reused, PUT with body", "faults.test", "PUT",
     "/drop-if-reused", True, b"body"),
    ("pooled connection closed as reused, POST", "faults.test", "POST", "/drop-if-reused", True,
     b"data"),
    ("pooled connection closed while idle, POST", "faults.test", "POST", "/ok", "idle", b"x"),
]


def outcome(c, method, step):
    """What a client saw: 'STATUS', or 'STATUS then reset' / 'then close' for a broken body, or
    'reset' / 'close' with no response."""
    try:
        while b"\r\n\r\n" not in c.buffer:
            c._fill()
    except ConnectionResetError:
        return "reset"
    except (EOFError, socket.timeout):
        return "close"
    head, rest = c.buffer.split(b"\r\n\r\n", 1)
    status = head.split(b" ")[1].decode()
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if method == "HEAD":
        length = 0
    step.set()
    data = rest
    try:
        while len(data) < length:
            piece = c.sock.recv(65536)
            if not piece:
                return f"{status} then close"
            data += piece
    except ConnectionResetError:
        return f"{status} then reset"
    except socket.timeout:
        return f"{status} then stall"
    c.buffer = data[length:]
    return status


class PeersCompared(UpstreamFaultsCase):
    """doorman, nginx and HAProxy (Debian's) against the same fault-injecting origin; the table
    printed at the end is the one in docs/robustness.md. Only doorman's column is asserted (in
    the classes above)."""

    def run_cases(self, peer, port, origin):
        results = []
        for name, host, method, path, warm, body in PEER_CASES:
            origin.step.clear()
            tag = f"{peer}-{name.replace(' ', '-').replace(',', '')}"
            with RawConnection(port, timeout=5) as c:
                if warm == "idle":
                    self.send("GET", f"/ok-then-close?{tag}-warm", c=c)
                    c.read_response()
                    origin.wait_closed(f"{tag}-warm")
                elif warm:
                    self.send("GET", f"/ok?{tag}-warm", c=c)
                    c.read_response()
                self.send(method, f"{path}?{tag}", host=host, body=body, c=c)
                got = outcome(c, method, origin.step)
            attempts = len(origin.attempts(tag))
            results.append((name, got, attempts if host == "faults.test" else "-"))
        return results

    def start_peer(self, argv, port):
        log = open(os.path.join(self.tmp.path, os.path.basename(argv[0]) + ".out"), "w")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

        def stop():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=DEADLINE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()

        self.cleanups.append(stop)
        wait_until(lambda: proc.poll() is not None or port_accepts(port), what=argv[0])
        return proc.poll() is None

    def test_table(self):
        columns = {"doorman": self.run_cases("doorman", self.doorman.port, self.origin)}
        values = dict(origin=self.origin.address, refused_port=free_port(),
                      blackhole_port=self.blackhole.port, t=self.tmp.path)
        if have("nginx"):
            port = free_port()
            conf = self.tmp.write("nginx.conf", NGINX.format(port=port, **values))
            if self.start_peer([sbin("nginx"), "-p", self.tmp.path, "-e",
                                f"{self.tmp.path}/nginx-error.log", "-c", conf,
                                "-g", "daemon off;"], port):
                columns["nginx"] = self.run_cases("nginx", port, self.origin)
        if have("haproxy"):
            port = free_port()
            conf = self.tmp.write("haproxy.cfg", HAPROXY.format(port=port, **values))
            if self.start_peer([sbin("haproxy"), "-db", "-f", conf], port):
                columns["haproxy"] = self.run_cases("haproxy", port, self.origin)
        lines = ["| case | " + " | ".join(columns) + " |",
                 "|---|" + "---|" * len(columns)]
        for i, (name, *_) in enumerate(PEER_CASES):
            cells = [f"{r[i][1]} ({r[i][2]} seen)" if r[i][2] != "-" else r[i][1]
                     for r in columns.values()]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print("\n" + "\n".join(lines), file=sys.stderr)
        # doorman's column must agree with the cases asserted above.
        got = {name: (o, n) for name, o, n in columns["doorman"]}
        self.assertEqual(got["refused"][0], "502")
        self.assertEqual(got["pooled connection closed as reused, GET"], ("200", 2))
        self.assertEqual(got["pooled connection closed as reused, POST"], ("502", 1))


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Memory per idle connection: the growth of doorman's resident memory over N idle connections.

Starts doorman (one worker, diagnostics log off, a small keep-alive origin in this process), warms
it up, then opens N connections one after another and leaves them idle in two states:

- keep-alive: each connection has served one proxied request and waits for the next;
- fresh: each connection was accepted and has sent nothing yet.

After each batch it reads the process's anonymous resident memory (RssAnon in /proc/PID/status,
what the allocator holds; kernel socket buffers are not part of it) and prints the growth per
connection. Connections are opened one at a time, so what a request needs while it runs (buffers)
is reused by the next one and only what an idle connection keeps shows up.

Usage: bench/idle_memory.py DOORMAN_BINARY [--connections N] [--json PATH] [--max-bytes B]
--max-bytes makes it exit 1 when the keep-alive figure is above B (for a loose regression check).
Bounded: loopback only, every wait has a deadline, everything it starts is stopped by PID.
"""
import argparse
import http.server
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

REQUEST = (b"GET /idle HTTP/1.1\r\nHost: bench\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n")


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


class OriginServer(http.server.ThreadingHTTPServer):
    # The warm-up opens 64 upstream connections at once: socketserver's listen backlog of 5 would
    # drop SYNs and leave them to the kernel's 1-3-7 s retransmits.
    request_queue_size = 256


def rss_anon_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise RuntimeError("no RssAnon")


def read_response(sock, deadline=10.0):
    """Reads one response with a Content-Length body; returns its status line."""
    sock.settimeout(deadline)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed in the body")
        body += chunk
    return head.split(b"\r\n", 1)[0]


def settle(pid):
    """RssAnon once the process has gone quiet (two equal readings 100 ms apart, at most 3 s)."""
    last = rss_anon_kib(pid)
    for _ in range(30):
        time.sleep(0.1)
        now = rss_anon_kib(pid)
        if now == last:
            return now
        last = now
    return last


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("doorman")
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--json")
    ap.add_argument("--max-bytes", type=float)
    args = ap.parse_args()
    n = args.connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * n + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    origin = OriginServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    tmp = tempfile.mkdtemp(prefix="doorman-idle-")
    conf = os.path.join(tmp, "doorman.toml")
    with open(conf, "w") as f:
        f.write(f"""[server]
workers = 1
[log]
diagnostics = "off"
[cloudflare]
refresh = false
[[listener]]
address = "127.0.0.1:0"
[[route]]
upstream = "127.0.0.1:{origin.server_address[1]}"
""")
    proc = subprocess.Popen([os.path.abspath(args.doorman), "serve", "--config", conf],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    held = []
    try:
        port = None
        end = time.monotonic() + 20
        while port is None and time.monotonic() < end:
            line = proc.stdout.readline()
            if not line:
                break
            if "listening on" in line:
                port = int(line.rsplit(":", 1)[1].split()[0])
        if port is None:
            raise RuntimeError("doorman did not report its port")
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()

        def connect():
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            return s

        # Warm-up: the allocator's arenas, the upstream pool, the first coroutine frames.
        for _ in range(3):
            warm = [connect() for _ in range(64)]
            for s in warm:
                s.sendall(REQUEST)
            for s in warm:
                read_response(s)
            for s in warm:
                s.close()
        time.sleep(0.3)
        results = {"connections": n}
        base = settle(proc.pid)
        for s in range(n):
            c = connect()
            c.sendall(REQUEST)
            status = read_response(c)
            if not status.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"unexpected answer {status!r}")
            held.append(c)
        ka = settle(proc.pid)
        results["keepalive_bytes_per_connection"] = (ka - base) * 1024 / n
        for _ in range(n):
            held.append(connect())
        time.sleep(0.3)  # the accepts are done by the time the process is quiet
        fresh = settle(proc.pid)
        results["fresh_bytes_per_connection"] = (fresh - ka) * 1024 / n
        results["rss_anon_kib"] = {"before": base, "keepalive": ka, "keepalive_and_fresh": fresh}
        # Still serving: a request on one of the idle keep-alive connections.
        held[0].sendall(REQUEST)
        if not read_response(held[0]).startswith(b"HTTP/1.1 200"):
            raise RuntimeError("an idle connection did not serve its next request")
    finally:
        for c in held:
            c.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        origin.shutdown()
    print(f"idle keep-alive connection: {results['keepalive_bytes_per_connection']:,.0f} bytes "
          f"each over {n} (RssAnon {base} -> {ka} KiB)")
    print(f"fresh connection, no byte sent: {results['fresh_bytes_per_connection']:,.0f} bytes "
          f"each over {n} (RssAnon {ka} -> {fresh} KiB)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    if args.max_bytes is not None and results["keepalive_bytes_per_connection"] > args.max_bytes:
        print(f"FAIL: above {args.max_bytes:,.0f} bytes per idle keep-alive connection")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

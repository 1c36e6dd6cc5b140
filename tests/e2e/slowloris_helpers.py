"""A slowloris attacker for the e2e tests, run as its own process so its work never delays the
measuring client (one Python process, one thread, non-blocking sockets in one selector).

    python3 slowloris_helpers.py PORT --slow N --idle M --give-up SECONDS

It opens N connections that trickle a request head one byte a second, never finishing it, then M
connections that each send one request, read the whole response and then stay idle
(keep-alive). It prints `ready FIRST_OPENED` (time.monotonic(), the same clock in every process
on Linux) once all of them are open and every idle one has had its answer, keeps trickling, and never
closes a connection itself: it waits for the server to close each one (EOF, reset, or a failed
send), at most --give-up seconds after `ready`. It then prints one JSON line: per connection
when it was opened, answered (idle ones), closed by the server and how, and any bytes the
server sent to a trickling connection. Loopback only; bounded by --give-up.
"""

import argparse
import collections
import json
import resource
import selectors
import socket
import sys
import time

# The head a slow connection trickles: never complete within any sane request_head timeout.
SLOW_HEAD = b"GET /slowloris HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4096
IDLE_REQUEST = b"GET /idle HTTP/1.1\r\nHost: x\r\n\r\n"


def raise_nofile(want):
    """Raises the soft RLIMIT_NOFILE to `want` (at most the hard limit); returns the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return soft


class Conn:
    __slots__ = ("kind", "sock", "opened", "answered", "closed", "how", "sent", "received")

    def __init__(self, kind, sock, opened):
        self.kind = kind
        self.sock = sock
        self.opened = opened
        self.answered = None  # idle: when its response was complete
        self.closed = None  # when the server's close was seen
        self.how = None  # "eof", "reset", "send-failed"
        self.sent = 0
        self.received = b""

    def record(self):
        return {"opened": self.opened, "answered": self.answered, "closed": self.closed,
                "how": self.how, "sent": self.sent, "received": len(self.received)}


def response_complete(data):
    """True when `data` holds one whole response with a Content-Length body."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


def open_connection(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    return s


class Attack:
    def __init__(self, port, slow, idle):
        self.port = port
        self.slow_count = slow
        self.idle_count = idle
        self.sel = selectors.DefaultSelector()
        self.conns = []
        self.trickle = collections.deque()  # slow connections in the order their next byte is due
        self.open_left = 0
        self.ready = None

    def closed(self, c, how):
        if c.closed is not None:
            return
        c.closed = time.monotonic()
        c.how = how
        self.open_left -= 1
        self.sel.unregister(c.sock)
        c.sock.close()

    def on_readable(self, c):
        try:
            data = c.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:  # ECONNRESET
            return self.closed(c, "reset")
        if not data:
            return self.closed(c, "eof")
        c.received += data
        if c.kind == "idle" and c.answered is None and response_complete(c.received):
            c.answered = time.monotonic()

    def send_next_byte(self, c):
        if c.closed is not None or c.sent >= len(SLOW_HEAD):
            return False
        try:
            n = c.sock.send(SLOW_HEAD[c.sent:c.sent + 1])
        except BlockingIOError:
            return True
        except OSError:  # EPIPE, ECONNRESET: the server closed it
            self.closed(c, "send-failed")
            return False
        c.sent += n
        return True

    def add(self, kind):
        c = Conn(kind, open_connection(self.port), time.monotonic())
        self.conns.append(c)
        self.open_left += 1
        self.sel.register(c.sock, selectors.EVENT_READ, c)
        return c

    def poll(self, timeout):
        for key, _ in self.sel.select(timeout):
            self.on_readable(key.data)

    def run_trickle(self, now):
        """Sends the byte of every slow connection that is due; returns when the next one is."""
        while self.trickle:
            due, c = self.trickle[0]
            if due > now:
                return due
            self.trickle.popleft()
            if self.send_next_byte(c):
                self.trickle.append((due + 1.0, c))  # one byte a second, order kept
        return now + 1.0

    def open_all(self):
        """Trickling connections first, then the idle ones: the server accepts in order, so
        once every idle one has its answer, every trickling one has been accepted."""
        for _ in range(self.slow_count):
            c = self.add("slow")
            if self.send_next_byte(c):
                self.trickle.append((c.opened + 1.0, c))
            self.poll(0)
            self.run_trickle(time.monotonic())
        for _ in range(self.idle_count):
            c = self.add("idle")
            c.sock.send(IDLE_REQUEST)
            self.poll(0)
            self.run_trickle(time.monotonic())
        end = time.monotonic() + 60
        while any(c.kind == "idle" and c.answered is None and c.closed is None
                  for c in self.conns):
            if time.monotonic() > end:
                break
            self.poll(0.01)
            self.run_trickle(time.monotonic())
        self.ready = time.monotonic()

    def wait_for_closes(self, give_up):
        end = time.monotonic() + give_up
        while self.open_left > 0:
            now = time.monotonic()
            if now > end:
                break
            next_due = self.run_trickle(now)
            self.poll(max(0.0, min(next_due - time.monotonic(), 0.05)))

    def report(self):
        out = {"slow": [], "idle": [], "unclosed": self.open_left, "ready": self.ready}
        for c in self.conns:
            out[c.kind].append(c.record())
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--give-up", type=float, default=30.0)
    args = ap.parse_args()
    raise_nofile(args.slow + args.idle + 256)
    attack = Attack(args.port, args.slow, args.idle)
    attack.open_all()
    print(f"ready {attack.conns[0].opened if attack.conns else time.monotonic()}", flush=True)
    attack.wait_for_closes(args.give_up)
    print(json.dumps(attack.report()), flush=True)
    for c in attack.conns:  # only those the server never closed (the test then fails)
        if c.closed is None:
            c.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

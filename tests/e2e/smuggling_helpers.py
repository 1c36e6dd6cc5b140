"""The request-smuggling corpus (tests/e2e/data/smuggling/corpus.toml) and what runs it: a
recording upstream, the client side of one case, and Debian's nginx and HAProxy as peers.

The recording upstream is a raw-socket server that keeps every byte each connection delivered,
counts the complete requests it could delimit (as a typical lenient backend would: bare LF
accepted, Transfer-Encoding "chunked" anywhere wins over Content-Length) and answers each one
"200 ok" with Connection: close, so every upstream connection carries one exchange and the bytes
of one case never mix with the next one's.

Cases are run one at a time per proxy; a case ends with a barrier request (a fresh connection
through the same proxy): once the recorder has seen it, every upstream byte the case caused has
arrived, with no sleep.
"""

import os
import re
import socket
import threading
import time
import tomllib

from harness import DEADLINE, wait_until

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "smuggling",
                      "corpus.toml")
UPSTREAM_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
BARRIER = "/__barrier__/"
# Lines a proxy adds by itself; dropped from what the upstream received before comparing.
ADDED_LINES = re.compile(
    rb"^(x-forwarded-for|x-forwarded-proto|x-request-id|forwarded|x-real-ip|via):[^\r\n]*\r\n",
    re.I | re.M)
REPEAT = re.compile(r"\{repeat:(\d+):(.*?)\}", re.S)


def expand(text):
    """A corpus string as bytes: U+0000..U+00FF map to one byte each (TOML "\\u0000" is NUL,
    "\\u00ff" is 0xFF); "{repeat:N:TEXT}" stands for TEXT N times (large heads stay readable)."""
    text = REPEAT.sub(lambda m: m.group(2) * int(m.group(1)), text)
    return text.encode("latin-1")


def load_corpus(path=CORPUS):
    with open(path, "rb") as f:
        cases = tomllib.load(f)["case"]
    names = set()
    for c in cases:
        for key in ("name", "source", "send", "expect"):
            if key not in c:
                raise ValueError(f"corpus case {c.get('name', '?')}: missing {key}")
        if c["name"] in names:
            raise ValueError(f"corpus case {c['name']}: duplicate name")
        names.add(c["name"])
        if c["expect"] not in ("reject", "forward"):
            raise ValueError(f"corpus case {c['name']}: expect is reject or forward")
        c["send_bytes"] = expand(c["send"])
        c["continue_bytes"] = expand(c["continue"]) if "continue" in c else None
        c["upstream_bytes"] = expand(c.get("upstream", ""))
        c.setdefault("statuses", [400] if c["expect"] == "reject" else [200])
    return cases


# --- the recording upstream ---------------------------------------------------------------------


def count_requests(data):
    """How many complete requests a lenient backend would read from `data`."""
    n = 0
    while True:
        m = re.search(rb"\r?\n\r?\n", data)
        if not m:
            return n
        head, rest = data[: m.start()], data[m.end():]
        if not head.strip():
            return n
        te = re.search(rb"^transfer-encoding:[ \t]*([^\r\n]*)", head, re.I | re.M)
        cl = re.search(rb"^content-length:[ \t]*([0-9]+)", head, re.I | re.M)
        if te and b"chunked" in te.group(1).lower():
            pos = 0
            while True:
                line_end = rest.find(b"\n", pos)
                if line_end < 0:
                    return n
                size_text = rest[pos:line_end].split(b";")[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    return n
                pos = line_end + 1
                if size == 0:
                    end = re.search(rb"(^|\n)\r?\n", rest[pos:])
                    if rest[pos:pos + 2] == b"\r\n":
                        pos += 2
                    elif end:
                        pos += end.end()
                    else:
                        return n
                    break
                pos += size + 2
                if pos > len(rest):
                    return n
            rest = rest[pos:]
        elif cl:
            length = int(cl.group(1))
            if len(rest) < length:
                return n
            rest = rest[length:]
        n += 1
        data = rest


class RecordingUpstream:
    """127.0.0.1:<ephemeral>; records each connection's bytes in accept order."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = []  # [bytearray, finished flag] per connection
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            entry = [bytearray(), False]
            with self.lock:
                self.connections.append(entry)
            threading.Thread(target=self._serve, args=(c, entry), daemon=True).start()

    def _serve(self, c, entry):
        c.settimeout(DEADLINE)
        answered = False
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                with self.lock:
                    entry[0] += data
                if not answered and count_requests(bytes(entry[0])) >= 1:
                    c.sendall(UPSTREAM_ANSWER)
                    answered = True
                    c.shutdown(socket.SHUT_WR)  # keep reading: stray bytes are recorded too
        except OSError:
            pass
        finally:
            c.close()
            entry[1] = True

    def mark(self):
        with self.lock:
            return len(self.connections)

    def received_since(self, mark, barrier):
        """Waits for the connection carrying `barrier`, then returns the bytes of the
        connections accepted from `mark` up to it, in accept order."""

        def find():
            with self.lock:
                for i in range(mark, len(self.connections)):
                    if barrier in self.connections[i][0]:
                        return i + 1
            return None

        end = wait_until(find, what="barrier request at the upstream")
        with self.lock:
            return [bytes(e[0]) for e in self.connections[mark:end]
                    if barrier not in e[0]]

    def close(self):
        self.running = False
        self.sock.close()


# --- one case, through one proxy ------------------------------------------------------------------


def _recv_until(sock, buf, done):
    """Reads into buf until done(buf); returns buf (short when the peer closed or failed)."""
    while not done(buf):
        try:
            piece = sock.recv(65536)
        except OSError:
            return buf
        if not piece:
            return buf
        buf += piece
    return buf


def read_responses(sock, finals, timeout, stop_at_interim=False):
    """Reads responses until `finals` final (non-1xx) ones arrived, the peer closed, or nothing
    came for `timeout` seconds. Returns (list of (status, head bytes), closed, leftover bytes);
    interim 1xx heads are in the list too."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    closed = False
    while sum(1 for st, _ in out if st >= 200 or st == 0) < finals:
        m = re.search(rb"\r\n\r\n", buf)
        if m:
            head, buf = buf[: m.start()], buf[m.end():]
            status = int(head[9:12]) if head[:5] == b"HTTP/" and head[9:12].isdigit() else 0
            if 100 <= status < 200:
                out.append((status, head))
                if stop_at_interim:
                    return out, False, buf
                continue
            cl = re.search(rb"\r\ncontent-length:[ \t]*(\d+)", head, re.I)
            te = re.search(rb"\r\ntransfer-encoding:[ \t]*chunked", head, re.I)
            if te:
                end = rb"(^|\r\n)0\r\n\r\n"
                buf = _recv_until(sock, buf, lambda b: re.search(end, b))
                if not re.search(end, buf):
                    return out + [(status, head)], True, buf
                buf = buf[re.search(end, buf).end():]
            elif cl:
                length = int(cl.group(1))
                buf = _recv_until(sock, buf, lambda b: len(b) >= length)
                if len(buf) < length:
                    return out + [(status, head)], True, buf
                buf = buf[length:]
            out.append((status, head))
            continue
        try:
            piece = sock.recv(65536)
        except socket.timeout:
            return out, False, buf
        except OSError:
            return out, True, buf
        if not piece:
            return out, True, buf
        buf += piece
    # Everything expected arrived: does the connection close right after?
    if out and b"connection: close" in out[-1][1].lower():
        sock.settimeout(timeout)
        try:
            closed = sock.recv(1) == b""
        except OSError:
            closed = True
    return out, closed, buf


def run_case(port, upstream, case, index, tag, timeout):
    """Sends one case to the proxy on `port`; returns the observed outcome as a dict."""
    mark = upstream.mark()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    answers = []
    closed = False
    try:
        s.sendall(case["send_bytes"])
        if case["continue_bytes"] is not None:
            # Expect: 100-continue: wait (bounded) for the interim answer, then send the body.
            got, closed, _ = read_responses(s, 1, min(timeout, 2.0), stop_at_interim=True)
            answers += got
            if not closed and not (got and got[0][0] >= 200):
                s.sendall(case["continue_bytes"])
        if not closed:
            got, closed, _ = read_responses(s, len(case["statuses"]), timeout)
            answers += got
    except OSError:
        closed = True
    finally:
        s.close()
    barrier = f"{BARRIER}{tag}/{index}".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as b:
        b.sendall(b"GET " + barrier + b" HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        read_responses(b, 1, DEADLINE)
    received = upstream.received_since(mark, barrier)
    return {
        "statuses": [st for st, _ in answers if not 100 <= st < 200],
        "interim": [st for st, _ in answers if 100 <= st < 200],
        "closed": closed,
        "last_head": answers[-1][1].decode("latin-1") if answers else "",
        "upstream_requests": sum(count_requests(r) for r in received),
        "upstream_bytes": b"".join(received),
    }


def normalized(upstream_bytes):
    return ADDED_LINES.sub(b"", upstream_bytes)


def summary(case, got):
    """A short outcome for the comparison table: '400 close', '200 (1 fwd)', 'no answer'."""
    parts = []
    statuses = "+".join(str(s) for s in got["statuses"]) or "no answer"
    parts.append(statuses)
    if got["closed"] and got["statuses"]:
        parts.append("close")
    if got["upstream_requests"] or got["upstream_bytes"]:
        parts.append(f"fwd {got['upstream_requests']}")
    return " ".join(parts)


def category(got):
    """rejected (an error answer, nothing reached the upstream), forwarded, or no answer."""
    if got["upstream_requests"] or got["upstream_bytes"]:
        return "forwarded"
    return "rejected" if got["statuses"] else "no answer"


def agrees(case, got):
    """Whether a peer's outcome is as safe as the case demands: a rejected case got only error
    answers (or none) and no complete request behind it reached the upstream; a forwarded one
    reached the upstream as many times as doorman forwards it."""
    want_fwd = sum(1 for s in case["statuses"] if s < 400)
    if case["expect"] == "reject":
        return (got["upstream_requests"] <= want_fwd and
                all(s >= 400 for s in got["statuses"][want_fwd:]))
    return got["upstream_requests"] == want_fwd and got["statuses"][:want_fwd] == [200] * want_fwd


# --- peers ---------------------------------------------------------------------------------------


def nginx_config(workdir, port, upstream_port):
    t = workdir
    return f"""
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
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{upstream_port};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
    }}
  }}
}}
"""


def haproxy_config(port, upstream_port):
    return f"""
global
  maxconn 256
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:{port}
  default_backend be
backend be
  server up 127.0.0.1:{upstream_port}
"""


def run_corpus(port, upstream, cases, tag, timeout):
    """Every case through one proxy, in order; returns {name: outcome}."""
    results = {}
    for i, case in enumerate(cases):
        results[case["name"]] = run_case(port, upstream, case, i, tag, timeout)
    return results


def elapsed(start):
    return round(time.monotonic() - start, 1)

"""Helpers for doorman's end-to-end tests: run the real binary and real peers on loopback.

How ports are found: doorman listens on "127.0.0.1:0" and prints "doorman: listening on ADDR"
(the real port) on stdout once it accepts; Doorman.start() reads that line with a deadline, so
there is no free-port race for doorman itself. Peers that cannot report their port (nginx,
HAProxy) get one from free_port() (bind port 0, read it, release it) just before they start.

Everything started here is stopped by PID (never by name), and nothing sleeps to wait: every
wait polls with a deadline.
"""

import http.client
import http.server
import json
import os
import queue
import shutil
import signal
from signal import SIGTERM
import socket
import subprocess
import tempfile
import threading
import time
import unittest

SOURCE_DIR = os.environ.get(
    "DOORMAN_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
)
DOORMAN_BIN = os.environ.get("DOORMAN_BIN", os.path.join(SOURCE_DIR, "build", "debug", "doorman"))
DEADLINE = 20.0  # seconds any single wait may take (sanitizer builds are slow)


def wait_until(predicate, timeout=DEADLINE, what="condition"):
    """Polls predicate() until it returns a truthy value or the deadline passes."""
    end = time.monotonic() + timeout
    delay = 0.005
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def free_port(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_accepts(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class TempDir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="doorman-e2e-")

    def write(self, name, text):
        path = os.path.join(self.path, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


# --- doorman -----------------------------------------------------------------------------------


class Doorman:
    """doorman serve on a generated config. `config` is TOML without [[listener]] (added here,
    on 127.0.0.1:0) unless it has its own."""

    def __init__(self, config, tmp=None, listener="127.0.0.1:0"):
        self.tmp = tmp or TempDir()
        self.own_tmp = tmp is None
        if "[[listener]]" not in config:
            config = f'[[listener]]\naddress = "{listener}"\n\n' + config
        if "[cloudflare]" not in config:
            # Tests reach only loopback: never let the range refresher call the real Cloudflare
            # API (it runs by default for auto/cloudflare-proxy routes). Tests of the refresher
            # write their own [cloudflare] table with a loopback refresh_url.
            config += "\n[cloudflare]\nrefresh = false\n"
        self.config_path = self.tmp.write("doorman.toml", config)
        self.proc = None
        self.addresses = []
        self.stdout_lines = []
        self.stderr_path = os.path.join(self.tmp.path, "doorman.stderr")

    @property
    def port(self):
        return int(self.addresses[0].rsplit(":", 1)[1])

    def start(self, listeners=1):
        self.stderr_file = open(self.stderr_path, "w")  # closed in stop()
        self.proc = subprocess.Popen(
            [DOORMAN_BIN, "serve", "--config", self.config_path],
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            text=True,
        )
        # One reader thread owns stdout from the start: reading lines here with select() on the
        # pipe would hang when doorman prints several "listening" lines at once (Python buffers
        # them all, then select waits on an empty pipe). The thread also keeps the pipe drained
        # so an access log can never fill it and block doorman.
        self.listening = queue.Queue()
        self.reader = threading.Thread(target=self._drain_stdout, daemon=True)
        self.reader.start()
        end = time.monotonic() + DEADLINE
        while len(self.addresses) < listeners:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and self.listening.empty():
                raise RuntimeError("doorman did not start:\n" + self.stderr())
            try:
                address = self.listening.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            self.addresses.append(address)
        return self

    def _drain_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            if line.startswith("doorman: listening on "):
                self.listening.put(line.split("listening on ", 1)[1].strip())

    def stderr(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()
        except OSError:
            return ""

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=DEADLINE):
        return self.proc.wait(timeout=timeout)

    def stop(self, sig=SIGTERM, timeout=DEADLINE):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr_file.close()
        self.proc.stdout.close()
        rc = self.proc.returncode
        if self.own_tmp:
            self.tmp.cleanup()
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def run_doorman(*args, timeout=DEADLINE):
    """Runs a short doorman command (check, explain); returns (exit code, stdout, stderr)."""
    p = subprocess.run([DOORMAN_BIN, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def explain(*args, check_rc=0):
    """Runs `doorman explain ARGS`; fails unless it exits check_rc (None: any exit code)."""
    proc = subprocess.run([DOORMAN_BIN, "explain", *args], capture_output=True, text=True,
                          timeout=30)
    if check_rc is not None and proc.returncode != check_rc:
        raise AssertionError(f"exit {proc.returncode}, stderr: {proc.stderr}")
    return proc


def explain_json(*args):
    return json.loads(explain(*args, "--json").stdout)


def self_signed(directory, cn, name="c"):
    """A throwaway P-256 certificate for CN (also its only DNS SAN); returns (crt, key) paths."""
    key = os.path.join(directory, name + ".key")
    crt = os.path.join(directory, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=DNS:" + cn, "-keyout", key, "-out", crt],
                   check=True, capture_output=True, timeout=60)
    return crt, key


# --- an origin server in-process ---------------------------------------------------------------


class OriginHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with JSON of what it received, plus a few behaviours by path:
    /status/N, /slow?ms=N, /big?bytes=N (Content-Length), /chunked?chunks=N, /close (no
    framing, ends by closing), /count (reads the body, answers its length and sha-less sum)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            total = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(total)
                total += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def _count_body(self):
        """Reads the body in pieces without keeping it; returns (bytes, byte sum mod 2**32)."""
        n = int(self.headers.get("Content-Length", "0") or 0)
        total = 0
        checksum = 0
        while total < n:
            piece = self.rfile.read(min(1 << 20, n - total))
            if not piece:
                break
            total += len(piece)
            checksum = (checksum + sum(piece)) & 0xFFFFFFFF
        return total, checksum

    def _send(self, status, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_one(self):
        path, _, query = self.path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        self.server.requests.append(
            (self.command, self.path, list(self.headers.items()), self.client_address)
        )
        if path == "/count":
            total, checksum = self._count_body()
            self._send(200, json.dumps({"bytes": total, "sum": checksum}).encode())
            return
        body = self._read_body()
        if path.startswith("/status/"):
            status = int(path.split("/")[2])
            if status in (204, 304):
                self.send_response(status)
                self.end_headers()
            else:
                self._send(status, b"status\n")
            return
        if path == "/slow":
            time.sleep(int(params.get("ms", "1000")) / 1000)
        if path == "/big":
            n = int(params.get("bytes", "1000000"))
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command == "HEAD":
                return
            chunk = b"x" * 65536
            sent = 0
            while sent < n:
                piece = chunk[: min(len(chunk), n - sent)]
                self.wfile.write(piece)
                sent += len(piece)
            return
        if path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(int(params.get("chunks", "3"))):
                data = f"chunk{i}\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/fields":
            # Fields a proxy must not pass on (hop-by-hop, listed in Connection) beside ones it
            # must, and one Content-Length sent twice.
            self.send_response(200)
            self.send_header("Connection", "keep-alive, X-Secret")
            self.send_header("X-Secret", "s")
            self.send_header("Keep-Alive", "timeout=5")
            self.send_header("Proxy-Authenticate", "Basic")
            self.send_header("X-Kept", "yes")
            self.send_header("Content-Length", "3")
            self.send_header("Content-Length", "3")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(b"abc")
            return
        if path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until close\n")
            self.close_connection = True
            return
        payload = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("latin-1"),
            "peer": self.client_address[0],
        }
        self._send(200, json.dumps(payload).encode(), [("Content-Type", "application/json")])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = handle_one


class Origin:
    """A threaded HTTP/1.1 origin on 127.0.0.1:<ephemeral> (keep-alive capable)."""

    def __init__(self):
        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # a client (doorman) closing mid-response is part of some tests

        self.server = Server(("127.0.0.1", 0), OriginHandler)
        self.server.requests = []
        self.port = self.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def requests(self):
        return self.server.requests


# --- clients -----------------------------------------------------------------------------------


def connect(port, host="127.0.0.1", source=None, timeout=DEADLINE):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    return s


class Response:
    def __init__(self, status, reason, headers, body, version):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.version = version

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def json(self):
        return json.loads(self.body)


class RawConnection:
    """A raw socket with a small strict response reader (Content-Length, chunked, until close)."""

    def __init__(self, port, source=None, host="127.0.0.1", timeout=DEADLINE):
        self.sock = connect(port, host=host, source=source, timeout=timeout)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buffer += data

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_response(self, head_request=False):
        status_line = self._line().decode("latin-1")
        version, status, reason = (status_line.split(" ", 2) + [""])[:3]
        headers = []
        while True:
            line = self._line()
            if not line:
                break
            k, v = line.decode("latin-1").split(":", 1)
            headers.append((k.strip(), v.strip()))
        r = Response(int(status), reason, headers, b"", version)
        code = int(status)
        if head_request or code in (204, 304) or 100 <= code < 200:
            return r
        te = r.header("Transfer-Encoding")
        cl = r.header("Content-Length")
        if te and te.lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._take(size)
                self._take(2)
            r.body = body
        elif cl is not None:
            r.body = self._take(int(cl))
        else:
            r.body = self.read_until_close()
        return r

    def read_until_close(self):
        data = self.buffer
        self.buffer = b""
        while True:
            try:
                piece = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not piece:
                break
            data += piece
        return data

    def is_closed(self, timeout=DEADLINE):
        """True when the peer closed (EOF or reset) within the timeout, with nothing else sent."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        return data == b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def raw_request(port, data, source=None, head_request=False):
    """Sends raw bytes on a new connection and reads one response."""
    with RawConnection(port, source=source) as c:
        c.send(data)
        return c.read_response(head_request=head_request)


def http_get(port, path="/", headers=None, host="127.0.0.1", source=None, method="GET",
             body=None):
    conn = http.client.HTTPConnection(
        host, port, timeout=DEADLINE, source_address=(source, 0) if source else None
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.reason, resp.getheaders(), data, resp.version)
    finally:
        conn.close()


def curl(*args, timeout=DEADLINE):
    """Runs curl; returns (exit code, stdout bytes, stderr text)."""
    p = subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def echo_headers(response):
    """The headers builtin:echo reports, as a dict of lowercase name -> list of values."""
    out = {}
    for name, value in response.json()["header_lines"]:
        out.setdefault(name.lower(), []).append(value)
    return out


def have(binary):
    return shutil.which(binary) is not None or os.path.exists(f"/usr/sbin/{binary}")


def sbin(binary):
    return shutil.which(binary) or f"/usr/sbin/{binary}"


class DoormanTestCase(unittest.TestCase):
    """Base class: self.tmp is a fresh temp dir; started processes are stopped in tearDown."""

    def setUp(self):
        if not os.path.exists(DOORMAN_BIN):
            self.skipTest(f"{DOORMAN_BIN} not built")
        self.tmp = TempDir()
        self.cleanups = []

    def tearDown(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:  # noqa: BLE001 - cleanup must go on
                pass
        self.tmp.cleanup()

    def start_doorman(self, config, listeners=1):
        d = Doorman(config, tmp=self.tmp)
        d.start(listeners=listeners)
        self.cleanups.append(d.stop)
        return d

    def start_origin(self):
        o = Origin().__enter__()
        self.cleanups.append(lambda: o.__exit__(None, None, None))
        return o

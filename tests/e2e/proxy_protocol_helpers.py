"""Helpers for the PROXY protocol end-to-end tests (test_proxy_protocol.py).

A capturing TCP server that records the raw bytes a sender (HAProxy, curl) writes, HAProxy and
generic process management with bounded, polled waits, a throwaway certificate authority made
with the openssl CLI, and a wrapper around `doorman proxy-header decode --json`.
Everything binds to loopback; every process started here is stopped by PID.
"""

import json
import os
import queue
import socket
import subprocess
import threading
import time

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def doorman_bin():
    path = os.environ.get("DOORMAN_BIN")
    if not path or not os.path.exists(path):
        raise RuntimeError("DOORMAN_BIN must name the doorman binary")
    return path


def free_port(host="127.0.0.1"):
    """A port that was free a moment ago (for programs that cannot bind port 0 and report it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_port(host, port, deadline_s=10.0, proc=None):
    """Polls until something accepts on host:port; fails early if proc exits."""
    deadline = time.monotonic() + deadline_s
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %s before listening" % proc.returncode)
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                s.connect((host, port))
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("nothing listening on %s:%d" % (host, port))


def header_length(data):
    """The length of the PROXY header at the start of data, or None if it is not complete."""
    if data.startswith(V2_SIGNATURE) and len(data) >= 16:
        total = 16 + int.from_bytes(data[14:16], "big")
        return total if len(data) >= total else None
    if data.startswith(b"PROXY "):
        end = data.find(b"\r\n")
        return end + 2 if end >= 0 else None
    return None


class CapturingServer:
    """Accepts connections on 127.0.0.1 (or ::1), records every byte received until the HTTP
    request after the PROXY header is complete (or the peer closes), answers 200 and closes."""

    def __init__(self, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.host = host
        self.port = self._sock.getsockname()[1]
        self.captures = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        data = b""
        conn.settimeout(10)
        try:
            while True:
                n = header_length(data)
                if n is not None and b"\r\n\r\n" in data[n:]:
                    break
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        except OSError:
            pass
        finally:
            conn.close()
            self.captures.put(data)

    def next_capture(self, contains=b"GET /", timeout_s=10.0):
        """The next capture holding `contains`; captures without it (e.g. from a readiness
        probe that connected and left) are skipped."""
        deadline = time.monotonic() + timeout_s
        while True:
            data = self.captures.get(timeout=max(0.0, deadline - time.monotonic()))
            if contains in data:
                return data

    def close(self):
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)


class Processes:
    """Starts processes and stops each by its PID."""

    def __init__(self):
        self._procs = []

    def start(self, argv, **kwargs):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
        self._procs.append(proc)
        return proc

    def stop_all(self):
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if proc.stdout:
                proc.stdout.close()
        self._procs = []


def start_haproxy(procs, workdir, frontend_bind, backend_server_line, extra_frontend=""):
    """Writes a tcp-mode HAProxy config and starts `haproxy -db -f cfg`."""
    cfg = os.path.join(workdir, "haproxy-%d.cfg" % len(os.listdir(workdir)))
    with open(cfg, "w") as f:
        f.write(
            "global\n"
            "  maxconn 100\n"
            "defaults\n"
            "  mode tcp\n"
            "  timeout connect 5s\n"
            "  timeout client 10s\n"
            "  timeout server 10s\n"
            "frontend fe\n"
            "  bind %s\n"
            "%s"
            "  default_backend be\n"
            "backend be\n"
            "  %s\n" % (frontend_bind, extra_frontend, backend_server_line))
    check = subprocess.run(["haproxy", "-c", "-f", cfg], capture_output=True, text=True,
                           timeout=30)
    if check.returncode != 0:
        raise RuntimeError("haproxy rejected its config:\n" + check.stdout + check.stderr)
    return procs.start(["haproxy", "-db", "-f", cfg])


def make_certificates(workdir):
    """A self-signed server certificate (HAProxy PEM: cert + key) and a self-signed client
    certificate with CN e2e-client, which also serves as its own CA."""
    def req(name, cn):
        key = os.path.join(workdir, name + ".key")
        crt = os.path.join(workdir, name + ".crt")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
             "-out", crt, "-days", "1", "-subj", "/CN=" + cn],
            check=True, capture_output=True, timeout=60)
        return key, crt

    server_key, server_crt = req("server", "e2e.example")
    client_key, client_crt = req("client", "e2e-client")
    pem = os.path.join(workdir, "server.pem")
    with open(pem, "w") as out:
        for part in (server_crt, server_key):
            with open(part) as f:
                out.write(f.read())
    return {"server_pem": pem, "client_crt": client_crt, "client_key": client_key}


def decode(data, hex_arg=False):
    """Runs `doorman proxy-header decode --json` on data; returns (exit code, parsed JSON)."""
    if hex_arg:
        argv = [doorman_bin(), "proxy-header", "decode", "--json", "--hex", data.hex()]
        run = subprocess.run(argv, capture_output=True, timeout=30)
    else:
        argv = [doorman_bin(), "proxy-header", "decode", "--json"]
        run = subprocess.run(argv, input=data, capture_output=True, timeout=30)
    out = run.stdout.decode()
    return run.returncode, (json.loads(out) if out.strip() else None)


def tlv_map(result):
    """{type: bytes} from a decode result's raw TLV list (types here appear at most once)."""
    return {t["type"]: bytes.fromhex(t["value_hex"]) for t in result["tlvs"]}

#!/usr/bin/env python3
"""HTTP/2 side by side: h2load against doorman, nginx and HAProxy, each terminating TLS with h2
(ALPN) and proxying to the same HTTP/1.1 origin (nginx, `return 200 "ok\\n"`) over a keep-alive
pool, one worker each. Started by bench/h2_bench.sh (see there for usage).

Every round starts every server afresh, checks each one answers over h2 (curl --http2), then runs
`h2load -c CONNS -m STREAMS -D SECONDS` against each target, in an order rotated by one each
round. Before the measured run each target gets WARMUP seconds of the same load, not measured (a
fresh server's first seconds also pay for growing its pools and caches; --warmup 0 measures from
the first request). For each run: req/s (succeeded requests / duration) and CPU per request (utime + stime of
the target's processes from /proc/PID/stat, before and after). Reported: per-round values, the
median over rounds, and the paired ratios doorman/peer (within each round) with their median.
Only ratios from one run mean anything: the absolute numbers move with the machine.

--pin proxy-own (as the side-by-side harness names it) puts the measured server on the last CPU and
h2load and the origin on the others (taskset), so that the load generator and the origin do not
share the server's core: on a 2-core machine that spread is what makes CPU per request repeatable
from round to round."""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")

ORIGIN_CONF = """
worker_processes 1;
daemon off;
pid run/origin.pid;
lock_file run/origin.lock;
error_log logs/origin-error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    default_type text/plain;
    server {
        listen 127.0.0.1:@ORIGIN_PORT@ backlog=4096;
        location / { return 200 "ok\\n"; }
    }
}
"""

# The same job as the side-by-side harness's nginx (shared/bench/conf/nginx-proxy.conf), on TLS
# with h2: X-Forwarded-For / -Proto / X-Request-ID set, Forwarded removed, pooled upstream.
NGINX_CONF = """
worker_processes 1;
daemon off;
pid run/nginx.pid;
lock_file run/nginx.lock;
error_log logs/nginx-error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    # h2: up to 128 streams per connection by default; the bench uses 10.
    upstream origin {
        server 127.0.0.1:@ORIGIN_PORT@;
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:@PORT@ ssl http2 backlog=4096;
        ssl_certificate @CERT@;
        ssl_certificate_key @KEY@;
        ssl_protocols TLSv1.3;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_set_header Forwarded "";
        }
    }
}
"""

# The same job as shared/bench/conf/haproxy.cfg, on TLS with `alpn h2,http/1.1`.
HAPROXY_CONF = """
global
    nbthread 1
    maxconn 8192
    tune.bufsize 32768
    ssl-default-bind-options ssl-min-ver TLSv1.3
defaults
    mode http
    maxconn 8192
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 75s
    http-reuse always
frontend bench
    bind 127.0.0.1:@PORT@ ssl crt @PEM@ alpn h2,http/1.1
    http-request set-header X-Forwarded-For %[src]
    http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]
    http-request del-header Forwarded
    unique-id-format %[uuid]
    unique-id-header X-Request-ID
    default_backend origin
backend origin
    server origin 127.0.0.1:@ORIGIN_PORT@
"""

DOORMAN_CONF = """
[server]
workers = 1
[log]
access = "off"
diagnostics = "@DIAGNOSTICS@"
[cloudflare]
refresh = false
[[listener]]
address = "127.0.0.1:@PORT@"
tls = true
[[listener.certificate]]
cert = "@CERT@"
key = "@KEY@"
[[route]]
upstream = "127.0.0.1:@ORIGIN_PORT@"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(template, **values):
    for k, v in values.items():
        template = template.replace(f"@{k}@", str(v))
    return template


def wait_port(port, proc, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"exited early: {proc.args}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not listening: {proc.args}")


def group_cpu_ticks(pgid):
    """utime + stime of every process in the process group (nginx: master and worker)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:  # field 5: pgrp
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total


class Servers:
    def __init__(self, work, doorman, pin=None, diagnostics="on"):
        self.work, self.doorman, self.pin, self.diagnostics = work, doorman, pin, diagnostics
        self.procs = {}
        self.ports = {}

    def start(self, name, cmd, port):
        if self.pin:
            cmd = ["taskset", "-c", self.pin["load" if name == "origin" else "server"]] + cmd
        log = open(os.path.join(self.work, "logs", f"{name}.log"), "a")
        proc = subprocess.Popen(cmd, cwd=self.work, stdout=log, stderr=log, start_new_session=True)
        self.procs[name] = proc
        self.ports[name] = port
        wait_port(port, proc)

    def start_all(self, cert, key, pem):
        w = self.work
        origin_port = free_port()
        conf = os.path.join(w, "origin.conf")
        open(conf, "w").write(render(ORIGIN_CONF, ORIGIN_PORT=origin_port))
        self.start("origin", ["nginx", "-p", w, "-c", conf], origin_port)
        port = free_port()
        conf = os.path.join(w, "nginx.conf")
        open(conf, "w").write(render(NGINX_CONF, ORIGIN_PORT=origin_port, PORT=port, CERT=cert,
                                     KEY=key))
        self.start("nginx", ["nginx", "-p", w, "-c", conf], port)
        port = free_port()
        conf = os.path.join(w, "haproxy.cfg")
        open(conf, "w").write(render(HAPROXY_CONF, ORIGIN_PORT=origin_port, PORT=port, PEM=pem))
        self.start("haproxy", ["haproxy", "-db", "-f", conf], port)
        port = free_port()
        conf = os.path.join(w, "doorman.toml")
        open(conf, "w").write(render(DOORMAN_CONF, ORIGIN_PORT=origin_port, PORT=port, CERT=cert,
                                     KEY=key,
                                     DIAGNOSTICS="stdout" if self.diagnostics == "on" else "off"))
        self.start("doorman", [self.doorman, "serve", "--config", conf], port)

    def stop_all(self):
        for name, proc in self.procs.items():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()


def check_h2(port):
    out = subprocess.run(["curl", "-sk", "--http2", "-o", "/dev/null", "-w",
                          "%{http_code} %{http_version}", f"https://127.0.0.1:{port}/"],
                         capture_output=True, text=True, timeout=10).stdout
    if out != "200 2":
        raise RuntimeError(f"port {port} did not answer 200 over h2: {out!r}")


def run_h2load(port, conns, streams, seconds, pin=None):
    """h2load -c CONNS -m STREAMS -D SECONDS against the port, on the load CPUs when pinned."""
    return subprocess.run((["taskset", "-c", pin["load"]] if pin else []) +
                          ["h2load", "-t", "1", "-c", str(conns), "-m", str(streams), "-D",
                           str(seconds), f"https://127.0.0.1:{port}/"],
                          capture_output=True, text=True, timeout=seconds + 60)


def warm_up(port, conns, streams, seconds, pin=None):
    if seconds > 0:
        run_h2load(port, conns, streams, seconds, pin).check_returncode()


def h2load(port, pgid, conns, streams, seconds, pin=None):
    before = group_cpu_ticks(pgid)
    p = run_h2load(port, conns, streams, seconds, pin)
    after = group_cpu_ticks(pgid)
    out = p.stdout
    finished = re.search(r"finished in ([\d.]+)(m?s)", out)
    requests = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                         r"(\d+) failed, (\d+) errored", out)
    if p.returncode != 0 or not finished or not requests:
        raise RuntimeError(f"h2load failed on port {port}:\n{out}\n{p.stderr}")
    elapsed = float(finished.group(1)) / (1000 if finished.group(2) == "ms" else 1)
    ok = int(requests.group(4))
    failed = int(requests.group(5)) + int(requests.group(6))
    protocol = re.search(r"Application protocol: (\S+)", out)
    return {"rps": ok / elapsed, "cpu_us_per_req": (after - before) / TICK * 1e6 / max(ok, 1),
            "succeeded": ok, "failed": failed,
            "protocol": protocol.group(1) if protocol else "?"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doorman")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--streams", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json", default=None)
    ap.add_argument("--pin", choices=["none", "proxy-own"], default="none")
    # doorman's default writes a diagnostics line per request; nginx and HAProxy here log nothing.
    # "off" compares the same work; "on" what a default doorman costs.
    ap.add_argument("--diagnostics", choices=["on", "off"], default="on")
    args = ap.parse_args()
    pin = None
    if args.pin == "proxy-own":
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            sys.exit("h2_bench: --pin proxy-own needs two CPUs")
        pin = {"server": str(cpus[-1]), "load": ",".join(str(c) for c in cpus[:-1])}
    for tool in ("nginx", "haproxy", "h2load", "curl", "openssl"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"h2_bench: {tool} not found (apt install nginx haproxy nghttp2-client curl)")
    work = tempfile.mkdtemp(prefix="doorman-h2-bench-")
    for sub in ("logs", "run", "tmp"):
        os.makedirs(os.path.join(work, sub))
    cert, key, pem = (os.path.join(work, n) for n in ("cert.pem", "key.pem", "both.pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    with open(pem, "w") as f:
        f.write(open(cert).read() + open(key).read())
    targets = ["doorman", "nginx", "haproxy"]
    rounds = []
    servers = Servers(work, os.path.abspath(args.doorman), pin, args.diagnostics)
    try:
        for r in range(args.rounds):
            servers.start_all(cert, key, pem)
            order = targets[r % 3:] + targets[:r % 3]
            results = {}
            for name in order:
                check_h2(servers.ports[name])
            for name in order:
                proc = servers.procs[name]
                warm_up(servers.ports[name], args.connections, args.streams, args.warmup, pin)
                results[name] = h2load(servers.ports[name], proc.pid, args.connections,
                                       args.streams, args.seconds, pin)
            servers.stop_all()
            rounds.append(results)
            line = "  ".join(f"{n} {results[n]['rps']:,.0f} req/s {results[n]['cpu_us_per_req']:.1f}"
                             f" us/req" for n in targets)
            print(f"round {r + 1} ({' '.join(order)}): {line}", flush=True)
    finally:
        servers.stop_all()
    summary = {"rounds": rounds, "args": vars(args), "loadavg": open("/proc/loadavg").read()}
    print(f"\nh2load -c {args.connections} -m {args.streams} -D {args.seconds} after a {args.warmup} s "
          f"warm-up, {args.rounds} rounds, pin {args.pin}, doorman diagnostics log {args.diagnostics}; load average at the end: {summary['loadavg'].split()[:3]}")
    for n in targets:
        rps = [x[n]["rps"] for x in rounds]
        cpu = [x[n]["cpu_us_per_req"] for x in rounds]
        failed = sum(x[n]["failed"] for x in rounds)
        print(f"{n:8} req/s median {statistics.median(rps):>9,.0f}  cpu/req median "
              f"{statistics.median(cpu):6.1f} us  failed {failed}  protocol "
              f"{rounds[0][n]['protocol']}")
    summary["ratios"] = {}
    for peer in ("nginx", "haproxy"):
        rps = [x["doorman"]["rps"] / x[peer]["rps"] for x in rounds]
        cpu = [x["doorman"]["cpu_us_per_req"] / x[peer]["cpu_us_per_req"] for x in rounds]
        summary["ratios"][f"doorman/{peer}"] = {"rps_paired": rps, "cpu_per_req_paired": cpu}
        print(f"doorman/{peer:8} req/s paired median {statistics.median(rps):.3f} "
              f"[{min(rps):.3f}..{max(rps):.3f}]  cpu/req paired median "
              f"{statistics.median(cpu):.3f} [{min(cpu):.3f}..{max(cpu):.3f}]")
    path = args.json or os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                     time.strftime("doorman-h2-bench-%Y%m%d-%H%M%S.json"))
    with open(path, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"JSON: {path}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Real front proxies from Debian in front of doorman in trusted-proxy mode: nginx
(proxy_pass with $proxy_add_x_forwarded_for) and HAProxy (option forwardfor). The client runs on
127.0.0.2 and sends a spoofed X-Forwarded-For; with trust_loopback = false and only the proxy's
127.0.0.1 trusted, the walk must stop at the real client, never at the spoofed value."""

import os
import subprocess
import unittest

from harness import (
    DEADLINE,
    DoormanTestCase,
    RawConnection,
    echo_headers,
    free_port,
    have,
    port_accepts,
    sbin,
    wait_until,
)

DOORMAN_CONFIG = """
[server]
trust_loopback = false
trusted_proxies = ["127.0.0.1/32"]

[[route]]
upstream = "builtin:echo"
source_ip = "trusted-proxy"
"""


def get(port, headers=(), source="127.0.0.2"):
    lines = ["GET /via-proxy HTTP/1.1", "Host: app.test", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers]
    with RawConnection(port, source=source) as c:
        c.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return c.read_response()


class FrontProxyCase(DoormanTestCase):
    def start_process(self, args, port):
        log = open(os.path.join(self.tmp.path, os.path.basename(args[0]) + ".out"), "w")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)

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
        wait_until(lambda: proc.poll() is not None or port_accepts(port), what=f"{args[0]} listening")
        if proc.poll() is not None:
            with open(log.name) as f:
                self.fail(f"{args[0]} exited: {f.read()}")
        return proc

    def check_real_client_is_seen(self, proxy_port):
        r = get(proxy_port, [("X-Forwarded-For", "6.6.6.6")])
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(j["client_ip"], "127.0.0.2")
        self.assertEqual(j["client_ip_source"], "x-forwarded-for")
        self.assertEqual(echo_headers(r)["x-forwarded-for"], ["127.0.0.2"])
        # without any spoofing too
        self.assertEqual(get(proxy_port).json()["client_ip"], "127.0.0.2")
        # and the same client going around the proxy is refused in this mode
        r = get(self.doorman.port, [("X-Forwarded-For", "6.6.6.6")])
        self.assertEqual(r.status, 403)
        self.assertEqual(r.body, b"forbidden: untrusted-peer\n")


class Nginx(FrontProxyCase):
    def test_nginx_proxy_add_x_forwarded_for(self):
        if not have("nginx"):
            self.skipTest("nginx not installed")
        self.doorman = self.start_doorman(DOORMAN_CONFIG)
        port = free_port()
        t = self.tmp.path
        conf = self.tmp.write(
            "nginx.conf",
            f"""
worker_processes 1;
pid {t}/nginx.pid;
error_log {t}/nginx-error.log;
events {{ worker_connections 64; }}
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
      proxy_pass http://127.0.0.1:{self.doorman.port};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
""",
        )
        self.start_process([sbin("nginx"), "-p", t, "-e", f"{t}/nginx-error.log", "-c", conf,
                            "-g", "daemon off;"], port)
        self.check_real_client_is_seen(port)


class HAProxy(FrontProxyCase):
    def test_haproxy_option_forwardfor(self):
        if not have("haproxy"):
            self.skipTest("haproxy not installed")
        self.doorman = self.start_doorman(DOORMAN_CONFIG)
        port = free_port()
        conf = self.tmp.write(
            "haproxy.cfg",
            f"""
global
  maxconn 100
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:{port}
  option forwardfor
  default_backend be
backend be
  server doorman 127.0.0.1:{self.doorman.port}
""",
        )
        self.start_process([sbin("haproxy"), "-db", "-f", conf], port)
        self.check_real_client_is_seen(port)


if __name__ == "__main__":
    unittest.main()

"""A throwaway redis-server for the rate-limit tests: loopback, a free port, no persistence,
stopped by PID. restart() keeps the port so doorman's configured backend comes back."""

import os
import shutil
import socket
import subprocess

from harness import DEADLINE, free_port, wait_until


def have_redis():
    return shutil.which("redis-server") is not None


def redis_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--save", "", "--appendonly", "no", "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: redis_ping(self.port), what="redis-server to answer PING")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=DEADLINE)
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

"""A bounded HTTP/1.1 load generator and a fast labelled origin for the reload, drain and
slow-client tests (stdlib only: asyncio).

The origin runs in its own process (so it does not compete with the load generator for the GIL):
each port it serves answers every request with a fixed label in `X-Origin` and the body, after an
optional delay (`/slow?ms=N`). The load generator runs a given number of keep-alive connections
and one-request connections for a bounded time, at a bounded total rate, and records for every
request when it was sent, what came back and how it failed.
"""

import asyncio
import subprocess
import sys
import time

ORIGIN_SCRIPT = r'''
import asyncio, sys

async def serve(label, ready):
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                target = line.split(" ")[1] if line.count(" ") >= 2 else "/"
                length = 0
                for h in head.split(b"\r\n")[1:]:
                    name, _, value = h.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length:
                    await reader.readexactly(length)
                if target.startswith("/slow"):
                    ms = int(target.split("ms=", 1)[1].split("&")[0]) if "ms=" in target else 300
                    await asyncio.sleep(ms / 1000)
                body = label.encode() + b"\n"
                writer.write(b"HTTP/1.1 200 OK\r\nX-Origin: " + label.encode() +
                             b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    ready.append(f"{label}={server.sockets[0].getsockname()[1]}")
    return server

async def main():
    ready = []
    servers = [await serve(label, ready) for label in sys.argv[1:]]
    print(" ".join(ready), flush=True)
    # Ends when the test closes our stdin (or kills us by pid).
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    for s in servers:
        s.close()

asyncio.run(main())
'''


class LabelledOrigins:
    """One process serving one port per label; .port[label]."""

    def __init__(self, *labels):
        self.proc = subprocess.Popen([sys.executable, "-c", ORIGIN_SCRIPT, *labels],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("origin did not start")
        self.port = {k: int(v) for k, v in (p.split("=") for p in line.split())}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Result:
    __slots__ = ("sent", "done", "status", "label", "error", "keep_alive", "conn_close",
                 "fresh_conn", "target")

    def __init__(self, sent, keep_alive, fresh_conn, target):
        self.sent = sent
        self.done = None
        self.status = None
        self.label = None
        self.error = None  # "reset", "eof-before-response", "truncated", "refused", other text
        self.keep_alive = keep_alive
        self.conn_close = False
        self.fresh_conn = fresh_conn  # first request on its connection
        self.target = target


async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return status, headers, body


class LoadGenerator:
    """Runs for `seconds` (then stops by itself): `keep_alive` connections sending requests one
    after another and `fresh` tasks each opening a connection per request; the whole runs at
    most `rate` requests a second. stop() ends it early (e.g. at SIGTERM in a drain test).
    With `unique`, every request's target gets its own `r=N` query parameter (to find it in
    doorman's access log). A keep-alive connection the server closed while it was idle (seen
    before the next request goes out) is not a request: its time is kept in `idle_closed`."""

    def __init__(self, port, seconds=10.0, rate=1000, keep_alive=16, fresh=8, path="/",
                 unique=False):
        self.port = port
        self.seconds = seconds
        self.rate = rate
        self.keep_alive = keep_alive
        self.fresh = fresh
        self.path = path
        self.unique = unique
        self.sequence = 0
        self.results = []
        self.idle_closed = []
        self.stopping = False
        self.started = None

    def _target(self):
        if not self.unique:
            return self.path
        self.sequence += 1
        return f"{self.path}{'&' if '?' in self.path else '?'}r={self.sequence}"

    def _refused(self, keep_alive):
        r = Result(time.monotonic(), keep_alive, True, None)
        r.error = "refused"
        r.done = r.sent
        self.results.append(r)

    async def _exchange(self, reader, writer, keep_alive, fresh_conn):
        """One request on an open connection; returns its Result."""
        target = self._target()
        r = Result(time.monotonic(), keep_alive, fresh_conn, target)
        self.results.append(r)
        close = "" if keep_alive else "Connection: close\r\n"
        try:
            writer.write(f"GET {target} HTTP/1.1\r\nHost: load\r\n{close}\r\n".encode())
            await writer.drain()
            status, headers, _ = await _read_response(reader)
            r.status = status
            r.label = headers.get("x-origin")
            r.conn_close = headers.get("connection", "").lower() == "close"
        except ConnectionResetError:
            r.error = "reset"
        except asyncio.IncompleteReadError as e:
            r.error = "eof-before-response" if not e.partial else "truncated"
        except OSError as e:
            r.error = repr(e)
        r.done = time.monotonic()
        return r

    async def _pace(self, next_at, interval):
        # Always yields once, so a close that arrived meanwhile is seen (reader.at_eof()).
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        return max(next_at + interval, time.monotonic() - interval)

    async def _keep_alive_task(self, index, tasks, end):
        interval = tasks / self.rate
        next_at = time.monotonic() + index * interval / tasks
        reader = writer = None
        while not self.stopping and time.monotonic() < end:
            next_at = await self._pace(next_at, interval)
            if writer is not None and reader.at_eof():
                self.idle_closed.append(time.monotonic())
                writer.close()
                reader = writer = None
            fresh_conn = writer is None
            if writer is None:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                except OSError:
                    self._refused(True)
                    continue
            r = await self._exchange(reader, writer, True, fresh_conn)
            if r.error or r.conn_close:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    async def _fresh_task(self, index, tasks, end):
        interval = tasks / self.rate
        next_at = time.monotonic() + index * interval / tasks
        while not self.stopping and time.monotonic() < end:
            next_at = await self._pace(next_at, interval)
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                self._refused(False)
                continue
            await self._exchange(reader, writer, False, True)
            writer.close()

    async def run(self):
        self.started = time.monotonic()
        end = self.started + self.seconds
        tasks = self.keep_alive + self.fresh
        jobs = [self._keep_alive_task(i, tasks, end) for i in range(self.keep_alive)]
        jobs += [self._fresh_task(i, tasks, end) for i in range(self.fresh)]
        await asyncio.gather(*jobs)

    def stop(self):
        self.stopping = True


def run_in_thread(*generators):
    """Runs the generators on one event loop on a daemon thread; returns the thread."""
    import threading

    async def run_all():
        await asyncio.gather(*(g.run() for g in generators))

    t = threading.Thread(target=lambda: asyncio.run(run_all()), daemon=True)
    t.start()
    return t

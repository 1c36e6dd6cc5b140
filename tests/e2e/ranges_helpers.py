"""A range-list server on loopback for test_ranges.py: each path answers what the test set
(status, body, ETag), honours If-None-Match, or stalls until the test ends."""

import http.server
import json
import threading


def cloudflare_json(v4, v6, etag="body-etag"):
    return json.dumps({"result": {"ipv4_cidrs": v4, "ipv6_cidrs": v6, "etag": etag},
                       "success": True, "errors": [], "messages": []})


class RangesServer:
    def __init__(self):
        self.routes = {}  # path -> dict(status, body, etag, stall)
        self.requests = []  # (path, If-None-Match)
        self.release = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                inm = self.headers.get("If-None-Match")
                owner.requests.append((self.path, inm))
                route = owner.routes.get(self.path, {"status": 404, "body": "no"})
                if route.get("stall"):
                    owner.release.wait(30)
                    return
                etag = route.get("etag")
                if etag and inm == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = route["body"].encode() if isinstance(route["body"], str) else route["body"]
                self.send_response(route.get("status", 200))
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

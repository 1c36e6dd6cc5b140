"""Cloudflare Access tokens at the origin through the real binary (docs/deploy/cloudflare-locked-down.md).

The test makes RSA keys with openssl, serves their JWKS from a local stand-in of
https://TEAM/cdn-cgi/access/certs (jwks_url on loopback), signs tokens itself (openssl dgst), and
plays Cloudflare's edge from 127.0.0.1 (a ranges file). Attacks and their answers: a valid token
-> 200 with the identity in X-Auth-Email / X-Auth-Subject (the client's copies scrubbed); no
token -> 403 access-token-missing; expired -> access-token-expired; another audience ->
access-token-audience; another issuer, HS256 keyed with the public key (alg confusion), alg none,
a tampered payload, an unknown kid -> access-token-invalid; after the key rotates, the unknown
kid verifies (refresh on unknown kid, rate-limited); the JWKS endpoint down at start: the cache on
disk still verifies, and without it every token is refused until the endpoint is back."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import threading
import time
import unittest

from harness import DoormanTestCase, RawConnection, echo_headers, run_doorman, wait_until

TEAM = "team.example"
AUD = "aud-tag-1"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rsa_key(directory, name):
    key = os.path.join(directory, name + ".pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", key], check=True, capture_output=True, timeout=60)
    modulus = subprocess.run(["openssl", "rsa", "-in", key, "-noout", "-modulus"], check=True,
                             capture_output=True, text=True, timeout=60).stdout
    n = bytes.fromhex(modulus.strip().split("=", 1)[1])
    pub = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], check=True,
                         capture_output=True, timeout=60).stdout
    jwk = {"kid": name, "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": b64(n)}
    return {"path": key, "jwk": jwk, "pub": pub}


def sign(key, header, claims):
    signing_input = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode()))
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key["path"]],
                         input=signing_input.encode(), check=True, capture_output=True,
                         timeout=60).stdout
    return signing_input + "." + b64(sig)


def claims(**over):
    now = int(time.time())
    c = {"iss": "https://" + TEAM, "aud": [AUD], "email": "ada@example.com", "sub": "user-123",
         "iat": now - 10, "nbf": now - 10, "exp": now + 600, "type": "app"}
    c.update(over)
    return c


class JwksServer:
    """The team's certs endpoint on loopback: serves `keys`, or 503 while `down`."""

    def __init__(self):
        self.keys = []
        self.down = False
        self.fetches = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.fetches += 1
                if outer.down or self.path != "/cdn-cgi/access/certs":
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps({"keys": outer.keys, "public_cert": {}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def request(port, headers=()):
    lines = ["GET /x HTTP/1.1", "Host: app.test", "CF-Connecting-IP: 203.0.113.9"]
    lines += [f"{k}: {v}" for k, v in headers]
    with RawConnection(port) as c:
        c.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return c.read_response()


class AccessJwt(DoormanTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.keydir = tempfile.mkdtemp(prefix="doorman-access-keys-")
        cls.k1 = rsa_key(cls.keydir, "k1")
        cls.k2 = rsa_key(cls.keydir, "k2")

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.keydir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.jwks = JwksServer()
        self.cleanups.append(self.jwks.close)
        self.jwks.keys = [self.k1["jwk"]]
        self.ranges = self.tmp.write("cf.txt", "127.0.0.1/32\n")
        self.cache = os.path.join(self.tmp.path, "jwks-cache.json")
        self.log = os.path.join(self.tmp.path, "diagnostics.jsonl")

    def config(self, cache=None):
        return (f'[server]\nworkers = 1\n\n[cloudflare]\nranges_file = "{self.ranges}"\n'
                f'refresh = false\n\n[log]\nfile = "{self.log}"\n\n'
                '[[route]]\nroute = "app.test"\nupstream = "builtin:echo"\n'
                'source_ip = "cloudflare-proxy"\n\n'
                f'[route.access]\nteam_domain = "{TEAM}"\naud = ["{AUD}"]\ncookie = true\n'
                f'jwks_url = "http://127.0.0.1:{self.jwks.port}/cdn-cgi/access/certs"\n'
                f'cache_file = "{cache or self.cache}"\nrefresh_min_interval = "200ms"\n')

    def token(self, key=None, kid=None, **over):
        key = key or self.k1
        return sign(key, {"alg": "RS256", "kid": kid or key["jwk"]["kid"], "typ": "JWT"},
                    claims(**over))

    def assert_refused(self, r, reason):
        self.assertEqual((r.status, r.body.decode()), (403, f"forbidden: {reason}\n"))

    def wait_for_keys(self, port):
        valid = self.token()
        wait_until(lambda: request(port, [("Cf-Access-Jwt-Assertion", valid)]).status == 200,
                   what="the JWKS fetched")

    def test_tokens_and_answers(self):
        d = self.start_doorman(self.config())
        self.wait_for_keys(d.port)
        # A valid token: the identity reaches the app, the client's copies do not.
        r = request(d.port, [("Cf-Access-Jwt-Assertion", self.token()),
                             ("X-Auth-Email", "mallory@example.com"), ("X_Auth_Email", "m"),
                             ("x-auth-subject", "forged")])
        self.assertEqual(r.status, 200, r.body)
        h = echo_headers(r)
        self.assertEqual(h["x-auth-email"], ["ada@example.com"])
        self.assertEqual(h["x-auth-subject"], ["user-123"])
        self.assertNotIn("x_auth_email", h)
        self.assertEqual(r.json()["client_ip"], "203.0.113.9")
        # The cookie carries it too (cookie = true).
        r = request(d.port, [("Cookie", f"a=b; CF_Authorization={self.token()}; c=d")])
        self.assertEqual(r.status, 200, r.body)

        now = int(time.time())
        valid = self.token()
        header, payload, sig = valid.split(".")
        forged_claims = b64(json.dumps(claims(email="admin@example.com")).encode())
        hs256_input = (b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode()) + "." +
                       b64(json.dumps(claims(email="admin@example.com")).encode()))
        hs256 = hs256_input + "." + b64(hmac.new(self.k1["pub"], hs256_input.encode(),
                                                 hashlib.sha256).digest())
        none_input = (b64(json.dumps({"alg": "none", "kid": "k1"}).encode()) + "." +
                      b64(json.dumps(claims(email="admin@example.com")).encode()))
        cases = [
            ("no token", [], "access-token-missing"),
            ("expired", [("Cf-Access-Jwt-Assertion", self.token(exp=now - 3600, iat=now - 7200,
                                                                nbf=now - 7200))],
             "access-token-expired"),
            ("another audience", [("Cf-Access-Jwt-Assertion", self.token(aud=["other-app"]))],
             "access-token-audience"),
            ("another issuer", [("Cf-Access-Jwt-Assertion",
                                 self.token(iss="https://evil.cloudflareaccess.com"))],
             "access-token-invalid"),
            ("alg confusion HS256", [("Cf-Access-Jwt-Assertion", hs256)], "access-token-invalid"),
            ("alg none", [("Cf-Access-Jwt-Assertion", none_input + ".")], "access-token-invalid"),
            ("alg none, junk signature", [("Cf-Access-Jwt-Assertion", none_input + ".eA")],
             "access-token-invalid"),
            ("tampered payload", [("Cf-Access-Jwt-Assertion", f"{header}.{forged_claims}.{sig}")],
             "access-token-invalid"),
            ("signed by an unknown key", [("Cf-Access-Jwt-Assertion",
                                           self.token(key=self.k2, kid="k1"))],
             "access-token-invalid"),
            ("two assertion headers", [("Cf-Access-Jwt-Assertion", valid),
                                       ("Cf-Access-Jwt-Assertion", valid)], "access-token-invalid"),
            ("not a JWT", [("Cf-Access-Jwt-Assertion", "hello")], "access-token-invalid"),
        ]
        for name, headers, reason in cases:
            with self.subTest(name):
                self.assert_refused(request(d.port, headers), reason)

        # Unknown kid: refused, and the key service asks the endpoint again (rate-limited).
        rotated = self.token(key=self.k2)
        before = self.jwks.fetches
        for _ in range(30):
            self.assert_refused(request(d.port, [("Cf-Access-Jwt-Assertion", rotated)]),
                                "access-token-invalid")
        self.assertLess(self.jwks.fetches - before, 30)
        self.jwks.keys = [self.k1["jwk"], self.k2["jwk"]]  # Cloudflare rotates
        wait_until(lambda: request(d.port, [("Cf-Access-Jwt-Assertion", rotated)]).status == 200,
                   what="the rotated key")

        # The diagnostics log says which rule refused.
        def lines():
            if not os.path.exists(self.log):
                return None
            with open(self.log) as f:
                found = [json.loads(l) for l in f if l.strip()]
            return found if any(l.get("access") == "access-token-audience" for l in found) else None
        found = wait_until(lines, what="diagnostics")
        ok = [l for l in found if l["access"] == "ok"]
        self.assertTrue(ok and ok[0]["access_email"] == "ada@example.com")

    def test_endpoint_down_at_start(self):
        # First run: the keys are fetched and cached on disk.
        d = self.start_doorman(self.config())
        self.wait_for_keys(d.port)
        wait_until(lambda: os.path.exists(self.cache), what="the cache file")
        d.stop()
        self.jwks.down = True
        # Restart while the endpoint is down: the cache verifies.
        d = self.start_doorman(self.config())
        r = request(d.port, [("Cf-Access-Jwt-Assertion", self.token())])
        self.assertEqual(r.status, 200, r.body)
        d.stop()
        # Without a cache: nothing can verify, every token is refused (fail closed) ...
        d = self.start_doorman(self.config(cache=os.path.join(self.tmp.path, "none.json")))
        self.assert_refused(request(d.port, [("Cf-Access-Jwt-Assertion", self.token())]),
                            "access-token-invalid")
        # ... until the endpoint answers again.
        self.jwks.down = False
        wait_until(lambda: request(d.port, [("Cf-Access-Jwt-Assertion", self.token())]).status == 200,
                   what="keys after the endpoint came back")

    def test_check_and_configuration_errors(self):
        path = self.tmp.write("ok.toml", '[[listener]]\naddress = "127.0.0.1:0"\n' + self.config())
        rc, out, err = run_doorman("check", "--config", path)
        self.assertEqual(rc, 0, err)
        self.assertIn("without require_origin_pull", err)  # strict mode without origin pull
        base = '[[listener]]\naddress = "127.0.0.1:0"\n[[route]]\nupstream = "builtin:echo"\n'
        cases = [
            ('[route.access]\nteam_domain = "t.example"\n', "route[1].access.aud: required"),
            ('[route.access]\naud = ["a"]\n', "route[1].access.team_domain: required"),
            ('[route.access]\nteam_domain = "t.example"\naud = ["a"]\n'
             'jwks_url = "http://203.0.113.1/certs"\n', "route[1].access.jwks_url: expected an https"),
            ('[route.access]\nteam_domain = "t.example"\naud = ["a"]\ncolour = 1\n',
             "route[1].access.colour: unknown key"),
        ]
        for i, (extra, expected) in enumerate(cases):
            p = self.tmp.write(f"bad{i}.toml", base + extra)
            rc, out, err = run_doorman("check", "--config", p)
            self.assertEqual(rc, 1, err)
            self.assertIn(expected, err)
        p = self.tmp.write("warn.toml", base + '[route.access]\nteam_domain = "t.example"\naud = ["a"]\n')
        rc, out, err = run_doorman("check", "--config", p)
        self.assertEqual(rc, 0, err)
        self.assertIn("[route.access] without source_ip", err)


if __name__ == "__main__":
    unittest.main()

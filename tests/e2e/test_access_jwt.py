"""Cloudflare Access tokens at the origin through the real binary (docs/deploy/cloudflare-locked-down.md).

The test makes RSA keys with openssl, serves their JWKS from a local stand-in of
https://TEAM/cdn-cgi/access/certs (jwks_url on loopback), signs tokens itself (openssl dgst), and
plays Cloudflare's edge from 127.0.0.1 (a ranges file). Attacks and their answers: a valid token
-> 200 with the identity in X-Auth-Email / X-Auth-Subject (the client's copies scrubbed); no
token -> 403 access-token-missing; expired -> access-token-expired; another audience ->
access-token-audience; another issuer, HS256 keyed with the public key (alg confusion), alg none,
a tampered payload, an unknown kid -> access-token-invalid; after the key rotates, the unknown
kid verifies (refresh on unknown kid, rate-limited); the JWKS endpoint down at start: the cache on
disk still verifies, and without it every token is refused until the endpoint is back; a reload
keeps the keys. Also: keys in the token's header (jwk) or named by URL (jku, x5u) are never used
nor fetched, a CR LF in the email is refused, a service token's common_name reaches the app, and
HTTP/2 streams get the same check and scrubbing."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import signal
import subprocess
import threading
import time
import unittest

from harness import DoormanTestCase, RawConnection, curl, echo_headers, run_doorman, wait_until

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
        self.paths = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.fetches += 1
                outer.paths.append(self.path)
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
                f'cache_file = "{self.cache if cache is None else cache}"\nrefresh_min_interval = "200ms"\n')

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
        # The attacker's own key, carried in the header (jwk) or named by URL (jku, x5u): never
        # used, never fetched.
        attacker_jwk = dict(self.k2["jwk"], kid="k1")
        evil_url = f"http://127.0.0.1:{self.jwks.port}/attacker-keys"
        embedded = sign(self.k2, {"alg": "RS256", "kid": "k1", "jwk": attacker_jwk},
                        claims(email="admin@example.com"))
        by_url = sign(self.k2, {"alg": "RS256", "kid": "k1", "jku": evil_url, "x5u": evil_url},
                      claims(email="admin@example.com"))
        cases = [
            ("no token", [], "access-token-missing"),
            ("key embedded in the header (jwk)", [("Cf-Access-Jwt-Assertion", embedded)],
             "access-token-invalid"),
            ("key named by URL (jku, x5u)", [("Cf-Access-Jwt-Assertion", by_url)],
             "access-token-invalid"),
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
        self.assertNotIn("/attacker-keys", self.jwks.paths)

        # Unknown kid: refused, and the key service asks the endpoint again, at most once per
        # refresh_min_interval (200 ms) however many forged kids arrive.
        rotated = self.token(key=self.k2)
        before = self.jwks.fetches
        started = time.monotonic()
        for _ in range(60):
            self.assert_refused(request(d.port, [("Cf-Access-Jwt-Assertion", rotated)]),
                                "access-token-invalid")
        elapsed = time.monotonic() - started
        wait_until(lambda: self.jwks.fetches > before, what="a refresh asked by the unknown kid")
        self.assertLessEqual(self.jwks.fetches - before, int(elapsed / 0.2) + 2)
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

    def test_http2_streams_take_the_same_step(self):
        # h2c prior knowledge: each stream runs the same request-path stages as HTTP/1.1.
        d = self.start_doorman('[[listener]]\naddress = "127.0.0.1:0"\nh2c = true\n\n' +
                               self.config())
        self.wait_for_keys(d.port)

        def get(*headers):
            args = ["--http2-prior-knowledge", "-o", "-", "-w", "\n%{http_code} %{http_version}",
                    "-H", "Host: app.test", "-H", "CF-Connecting-IP: 203.0.113.9"]
            for h in headers:
                args += ["-H", h]
            rc, out, err = curl(*args, f"http://127.0.0.1:{d.port}/x")
            self.assertEqual(rc, 0, err)
            body, _, tail = out.decode().rpartition("\n")
            status, version = tail.split()
            self.assertEqual(version, "2")
            return int(status), body

        status, body = get(f"Cf-Access-Jwt-Assertion: {self.token()}",
                           "X-Auth-Email: mallory@example.com", "X-Auth-Subject: forged")
        self.assertEqual(status, 200, body)
        lines = json.loads(body)["header_lines"]
        self.assertIn(["x-auth-email", "ada@example.com"], [[n.lower(), v] for n, v in lines])
        self.assertEqual([v for n, v in lines if n.lower() == "x-auth-subject"], ["user-123"])
        self.assertNotIn("mallory@example.com", body)
        # The cookie may arrive split in several h2 cookie fields (RFC 9113 §8.2.3).
        status, body = get("Cookie: a=b", f"Cookie: CF_Authorization={self.token()}")
        self.assertEqual(status, 200, body)
        status, body = get("X-Auth-Email: mallory@example.com")
        self.assertEqual((status, body), (403, "forbidden: access-token-missing\n"))
        status, body = get(f"Cf-Access-Jwt-Assertion: {self.token(aud=['other-app'])}")
        self.assertEqual((status, body), (403, "forbidden: access-token-audience\n"))

    def test_service_token_identity_and_scrubbing(self):
        # A service token carries common_name and no email: the app gets the common name, and a
        # client-sent X-Auth-Email never passes, whatever spelling.
        d = self.start_doorman(self.config())
        self.wait_for_keys(d.port)
        tok = sign(self.k1, {"alg": "RS256", "kid": "k1"},
                   {k: v for k, v in claims(common_name="ci.client-id", sub="").items()
                    if k != "email"})
        r = request(d.port, [("Cf-Access-Jwt-Assertion", tok), ("X-Auth-Email", "forged"),
                             ("X.Auth.Email", "forged"), ("x-auth-subject", "forged")])
        self.assertEqual(r.status, 200, r.body)
        h = echo_headers(r)
        self.assertEqual(h["x-auth-email"], ["ci.client-id"])
        self.assertNotIn("x-auth-subject", h)
        self.assertNotIn("x.auth.email", h)
        # A token whose email would inject a header line is refused, not forwarded.
        bad = self.token(email="a@example.com\r\nX-Admin: 1")
        self.assert_refused(request(d.port, [("Cf-Access-Jwt-Assertion", bad)]),
                            "access-token-invalid")

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
        # Without a cache on disk: nothing can verify, every token is refused (fail closed) ...
        d = self.start_doorman(self.config(cache=""))  # cache_file = "": none at all
        self.assert_refused(request(d.port, [("Cf-Access-Jwt-Assertion", self.token())]),
                            "access-token-invalid")
        # ... until the endpoint answers again.
        self.jwks.down = False
        wait_until(lambda: request(d.port, [("Cf-Access-Jwt-Assertion", self.token())]).status == 200,
                   what="keys after the endpoint came back")
        # A reload with the same JWKS source keeps the keys in force, even with no cache file
        # and the endpoint down again.
        self.jwks.down = True
        reloads = d.stderr().count("doorman: reloaded ")
        d.send_signal(signal.SIGHUP)
        wait_until(lambda: d.stderr().count("doorman: reloaded ") > reloads, what="the reload")
        r = request(d.port, [("Cf-Access-Jwt-Assertion", self.token())])
        self.assertEqual(r.status, 200, r.body)

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

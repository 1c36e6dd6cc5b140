"""Automatic HTTPS (ACME) against a real ACME server: Debian's pebble on loopback.

Shows: issuance by HTTP-01 and by TLS-ALPN-01; the certificate served to curl (trusting pebble's
root) for the right SNI; a name without a certificate refused with an alert and a log line; a
restart reusing the state directory (no new order for a held certificate, the account reused);
the HTTP-01 path answering nothing for a token doorman did not issue; bad nonces retried; a
failing validation logged with the ACME problem document and retried; a renewal (pebble issuing
short-lived certificates) swapped in while a client keeps its TLS connection open; an RSA 2048
certificate (key_type = "rsa2048") served, and a key_type change by reload or restart ordering
a certificate with the new key type at once.
"""

import http.server
import json
import os
import re
import signal
import subprocess
import threading
import urllib.parse
import socket
import ssl
import stat
import time
import unittest

from acme_helpers import DnsStandIn, Pebble, acme_config, have_pebble
from harness import (DEADLINE, DoormanTestCase, curl, free_port, http_get, run_doorman,
                     wait_until)

ISSUE_DEADLINE = 90.0  # an order with validation under ASan


def peer_certificate(port, sni, root):
    """The certificate doorman serves for `sni`, verified against pebble's root."""
    context = ssl.create_default_context(cafile=root)
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as raw:
        with context.wrap_socket(raw, server_hostname=sni) as tls:
            return tls.getpeercert()


def peer_key(port, sni, root):
    """The public key of the leaf doorman serves for `sni`, as openssl describes it:
    ("rsaEncryption", "2048 bit") or ("id-ecPublicKey", "256 bit", curve)."""
    context = ssl.create_default_context(cafile=root)
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as raw:
        with context.wrap_socket(raw, server_hostname=sni) as tls:
            der = tls.getpeercert(binary_form=True)
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text"], input=der,
                          capture_output=True, check=True, timeout=DEADLINE).stdout.decode()
    algorithm = re.search(r"Public Key Algorithm: (\S+)", text).group(1)
    bits = re.search(r"Public-Key: \((\d+ bit)\)", text).group(1)
    curve = re.search(r"NIST CURVE: (\S+)", text)
    return (algorithm, bits) + ((curve.group(1),) if curve else ())


RSA2048 = ("rsaEncryption", "2048 bit")
P256 = ("id-ecPublicKey", "256 bit", "P-256")


@unittest.skipUnless(have_pebble(), "pebble is not installed (scripts/install-deps)")
class AcmeTestCase(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.http_port = free_port()
        self.tls_port = free_port()
        self.state_dir = os.path.join(self.tmp.path, "acme-state")

    def start_pebble(self, **kwargs):
        pebble = Pebble(self.tmp, self.http_port, self.tls_port, **kwargs).start()
        self.cleanups.append(pebble.stop)
        return pebble

    def start_acme_doorman(self, pebble, hosts, challenges, listeners=2, **kwargs):
        config = acme_config(pebble, self.state_dir, self.http_port, self.tls_port, hosts,
                             challenges, **kwargs)
        return self.start_doorman(config, listeners=listeners)

    def wait_issued(self, doorman, host, count=1):
        line = host + ": certificate issued"
        wait_until(lambda: doorman.stderr().count(line) >= count, timeout=ISSUE_DEADLINE,
                   what=line + "\n" + doorman.stderr())

    def curl_https(self, host, root, path="/"):
        return curl("--cacert", root, "--resolve", "%s:%d:127.0.0.1" % (host, self.tls_port),
                    "https://%s:%d%s" % (host, self.tls_port, path))


class Issuance(AcmeTestCase):
    def test_http01_issuance_and_the_certificate_for_each_sni(self):
        pebble = self.start_pebble()
        d = self.start_acme_doorman(pebble, ["h1.test", "h2.test"], ["http-01"],
                                    route_keys="https_redirect = true")
        self.wait_issued(d, "h1.test")
        self.wait_issued(d, "h2.test")
        self.assertIn("h1.test: answering http-01", d.stderr())
        root = pebble.root_pem()
        for host in ("h1.test", "h2.test"):
            rc, out, err = self.curl_https(host, root)
            self.assertEqual(rc, 0, err)
            self.assertIn(b'"host"', out)  # builtin:echo answered over the ACME certificate
            cert = peer_certificate(self.tls_port, host, root)
            self.assertEqual(cert["subjectAltName"], (("DNS", host),))
        # Files in the state directory are private, and complete.
        for name in ("h1.test.pem", "h1.test.key"):
            mode = os.stat(os.path.join(self.state_dir, "certificates", name)).st_mode
            self.assertEqual(stat.S_IMODE(mode), 0o600, name)
        self.assertFalse([f for f in os.listdir(os.path.join(self.state_dir, "certificates"))
                          if ".tmp" in f])
        # A name with no certificate: an alert, and a line saying why.
        rc, _, err = curl("--cacert", root, "--resolve", "other.test:%d:127.0.0.1" % self.tls_port,
                          "https://other.test:%d/" % self.tls_port)
        self.assertNotEqual(rc, 0)
        self.assertIn("unrecognized name", err.lower())
        self.assertIn("no certificate for server name 'other.test'", d.stderr())

    def test_tls_alpn01_issuance(self):
        pebble = self.start_pebble()
        # No plain listener at all: TLS-ALPN-01 needs only the TLS port.
        d = self.start_acme_doorman(pebble, ["alpn.test"], ["tls-alpn-01"], listeners=1,
                                    plain_listener=False)
        self.wait_issued(d, "alpn.test")
        self.assertIn("alpn.test: answering tls-alpn-01", d.stderr())
        self.assertNotIn("answering http-01", d.stderr())
        root = pebble.root_pem()
        rc, out, err = self.curl_https("alpn.test", root)
        self.assertEqual(rc, 0, err)
        self.assertIn(b'"host"', out)


class StateDir(AcmeTestCase):
    def test_restart_reuses_the_state_dir_without_a_new_order(self):
        pebble = self.start_pebble()
        d = self.start_acme_doorman(pebble, ["keep.test"], ["http-01"])
        self.wait_issued(d, "keep.test")
        self.assertIn("created account", d.stderr())
        root = pebble.root_pem()
        first = peer_certificate(self.tls_port, "keep.test", root)["serialNumber"]
        d.stop()
        self.cleanups.remove(d.stop)
        # Restarted with one more host: the held certificate is served from disk at once, the
        # new host gets an order on the SAME account, and keep.test gets none.
        d2 = self.start_acme_doorman(pebble, ["keep.test", "more.test"], ["http-01"])
        self.assertEqual(peer_certificate(self.tls_port, "keep.test", root)["serialNumber"], first)
        self.wait_issued(d2, "more.test")
        err = d2.stderr()
        self.assertIn("keep.test: serving the saved certificate", err)
        self.assertIn("reusing account", err)
        self.assertNotIn("created account", err)
        self.assertNotIn("keep.test: requesting a certificate", err)
        # Exactly one new order, for the new name (doorman logs each order's URL).
        self.assertEqual(len(re.findall(r"acme: order \S+ for more\.test", err)), 1)
        self.assertNotRegex(err, r"acme: order \S+ for keep\.test")

    def test_a_second_instance_on_the_same_state_dir_does_not_order(self):
        pebble = self.start_pebble()
        d = self.start_acme_doorman(pebble, ["lock.test"], ["http-01"])
        self.wait_issued(d, "lock.test")
        # Another doorman (its own ports) sharing the state directory: it serves the held
        # certificate and orders nothing while the first holds the lock.
        other_tls = free_port()
        config = acme_config(pebble, self.state_dir, free_port(), other_tls, ["lock.test"],
                             ["http-01"])
        d2 = self.start_doorman(config, listeners=2)
        wait_until(lambda: "another doorman holds" in d2.stderr(), what=d2.stderr())
        root = pebble.root_pem()
        self.assertEqual(peer_certificate(other_tls, "lock.test", root)["serialNumber"],
                         peer_certificate(self.tls_port, "lock.test", root)["serialNumber"])
        self.assertNotIn("requesting a certificate", d2.stderr())


class ChallengePath(AcmeTestCase):
    def test_the_challenge_path_answers_only_tokens_doorman_issued(self):
        pebble = self.start_pebble()
        d = self.start_acme_doorman(pebble, ["path.test"], ["http-01"],
                                    route_keys="https_redirect = true")
        self.wait_issued(d, "path.test")
        # A token doorman never issued takes the normal route: for the ACME path that is the app
        # (the redirect lets it through, so an app may serve its own challenges): builtin:echo
        # answers, never doorman's token table.
        for token in ("bogus-token", "x" * 43):
            r = http_get(self.http_port, "/.well-known/acme-challenge/" + token,
                         headers={"Host": "path.test"})
            self.assertEqual(r.status, 200, token)
            self.assertEqual(r.json()["path"], "/.well-known/acme-challenge/" + token)
        # Any other path on that route is redirected as usual.
        r = http_get(self.http_port, "/x", headers={"Host": "path.test"})
        self.assertEqual(r.status, 301)
        # No route for the host: 404, not an answer.
        r = http_get(self.http_port, "/.well-known/acme-challenge/bogus-token",
                     headers={"Host": "unrouted.test"})
        self.assertEqual(r.status, 404)
        self.assertIn(b"no-route", r.body)


class Robustness(AcmeTestCase):
    def test_bad_nonces_are_retried(self):
        pebble = self.start_pebble(env={"PEBBLE_WFE_NONCEREJECT": "50"})
        d = self.start_acme_doorman(pebble, ["nonce.test"], ["http-01"])
        self.wait_issued(d, "nonce.test")
        self.assertIn("badNonce", d.stderr())

    def test_a_failing_validation_is_logged_with_the_problem_and_retried(self):
        pebble = self.start_pebble()
        # HTTP-01 with no plain listener: pebble's connection to the http port is refused.
        d = self.start_acme_doorman(pebble, ["fail.test"], ["http-01"], listeners=1,
                                    plain_listener=False, extra_acme='retry_after = "1s"')
        line = "fail.test: failed: "
        wait_until(lambda: d.stderr().count(line) >= 2, timeout=ISSUE_DEADLINE,
                   what="two failed attempts\n" + d.stderr())
        failure = next(l for l in d.stderr().splitlines() if line in l)
        self.assertIn("urn:ietf:params:acme:error:connection", failure)
        self.assertRegex(failure, r"retrying in \d+ s")
        with open(os.path.join(self.state_dir, "certificates", "fail.test.json")) as f:
            status = f.read()
        self.assertIn("urn:ietf:params:acme:error:connection", status)


class Renewal(AcmeTestCase):
    def test_short_lived_certificate_renewed_while_a_connection_stays_open(self):
        # Pebble issues 30-second certificates: renewal is due after about 20 s.
        pebble = self.start_pebble(validity_seconds=30)
        d = self.start_acme_doorman(pebble, ["renew.test"], ["http-01"])
        self.wait_issued(d, "renew.test")
        root = pebble.root_pem()
        context = ssl.create_default_context(cafile=root)
        raw = socket.create_connection(("127.0.0.1", self.tls_port), timeout=DEADLINE)
        tls = context.wrap_socket(raw, server_hostname="renew.test")
        self.addCleanup(tls.close)
        first = tls.getpeercert()["serialNumber"]

        def request_on_open_connection():
            tls.sendall(b"GET / HTTP/1.1\r\nHost: renew.test\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                data += tls.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            while len(rest) < length:
                rest += tls.recv(65536)
            return head.split(b"\r\n", 1)[0]

        self.assertEqual(request_on_open_connection(), b"HTTP/1.1 200 OK")
        self.wait_issued(d, "renew.test", count=2)
        self.assertIn("renew.test: requesting a certificate (renewal due", d.stderr())
        # The open connection goes on with the old certificate; a new one gets the new one.
        self.assertEqual(request_on_open_connection(), b"HTTP/1.1 200 OK")
        second = peer_certificate(self.tls_port, "renew.test", root)["serialNumber"]
        self.assertNotEqual(first, second)


class KeyType(AcmeTestCase):
    def certs_list(self, d):
        rc, out, err = run_doorman("certs", "list", "-c", d.config_path, "--json")
        self.assertEqual(rc, 0, err)
        return json.loads(out)[0]

    def test_rsa2048_then_a_reload_to_ecdsa_reorders_with_the_new_key_type(self):
        pebble = self.start_pebble()
        d = self.start_acme_doorman(pebble, ["rsa.test"], ["http-01"],
                                    extra_acme='key_type = "rsa2048"')
        self.wait_issued(d, "rsa.test")
        root = pebble.root_pem()
        self.assertEqual(peer_key(self.tls_port, "rsa.test", root), RSA2048)
        first = peer_certificate(self.tls_port, "rsa.test", root)["serialNumber"]
        self.assertEqual(self.certs_list(d)["key_type"], "rsa2048")
        rc, out, err = self.curl_https("rsa.test", root)
        self.assertEqual(rc, 0, err)
        # key_type changed by a reload: the RSA certificate (valid for years) is replaced now.
        with open(d.config_path) as f:
            config = f.read()
        with open(d.config_path + ".new", "w") as f:
            f.write(config.replace('key_type = "rsa2048"', 'key_type = "ecdsa-p256"'))
        os.replace(d.config_path + ".new", d.config_path)
        d.send_signal(signal.SIGHUP)
        self.wait_issued(d, "rsa.test", count=2)
        self.assertIn("rsa.test: requesting a certificate (key type changed: the held "
                      "certificate's key is rsa2048, key_type is ecdsa-p256)", d.stderr())
        self.assertEqual(peer_key(self.tls_port, "rsa.test", root), P256)
        self.assertNotEqual(peer_certificate(self.tls_port, "rsa.test", root)["serialNumber"],
                            first)
        self.assertEqual(self.certs_list(d)["key_type"], "ecdsa-p256")
        # Once it matches, nothing more is ordered.
        self.assertEqual(len(re.findall(r"acme: order \S+ for rsa\.test", d.stderr())), 2)

    def test_a_restart_with_another_key_type_reorders_and_serves_the_old_one_meanwhile(self):
        pebble = self.start_pebble()
        d = self.start_acme_doorman(pebble, ["kt.test"], ["http-01"])
        self.wait_issued(d, "kt.test")
        root = pebble.root_pem()
        self.assertEqual(peer_key(self.tls_port, "kt.test", root), P256)
        d.stop()
        self.cleanups.remove(d.stop)
        d2 = self.start_acme_doorman(pebble, ["kt.test"], ["http-01"],
                                     extra_acme='key_type = "rsa2048"')
        # The saved certificate is served from the first handshake while its successor is
        # ordered (the new order starts after the listeners accept).
        self.assertIn(peer_key(self.tls_port, "kt.test", root), (P256, RSA2048))
        self.wait_issued(d2, "kt.test")
        err = d2.stderr()
        self.assertIn("kt.test: serving the saved certificate", err)
        self.assertIn("its key is ecdsa-p256, key_type is rsa2048: a new one is due now", err)
        self.assertIn("kt.test: requesting a certificate (key type changed", err)
        self.assertEqual(peer_key(self.tls_port, "kt.test", root), RSA2048)
        # A second restart with the same key_type keeps the RSA certificate: no new order.
        d2.stop()
        self.cleanups.remove(d2.stop)
        d3 = self.start_acme_doorman(pebble, ["kt.test"], ["http-01"],
                                     extra_acme='key_type = "rsa2048"')
        wait_until(lambda: "kt.test: serving the saved certificate" in d3.stderr(),
                   what=d3.stderr())
        self.assertEqual(peer_key(self.tls_port, "kt.test", root), RSA2048)
        time.sleep(2.5)  # a few turns of the ACME thread (1 s each): it would have ordered by now
        self.assertNotIn("requesting a certificate", d3.stderr())


class CertsCommand(AcmeTestCase):
    def test_list_renew_with_a_running_server_and_revoke(self):
        pebble = self.start_pebble()
        d = self.start_acme_doorman(pebble, ["cli.test"], ["http-01"])
        self.wait_issued(d, "cli.test")
        root = pebble.root_pem()
        rc, out, err = run_doorman("certs", "list", "-c", d.config_path, "--json")
        self.assertEqual(rc, 0, err)
        [entry] = json.loads(out)
        self.assertEqual(entry["name"], "cli.test")
        self.assertTrue(entry["held"])
        self.assertEqual(entry["last_error"], "")
        served = peer_certificate(self.tls_port, "cli.test", root)["serialNumber"]
        self.assertEqual(int(entry["serial"], 16), int(served, 16))
        # The server holds the lock: the command leaves the request to it and waits.
        rc, out, err = run_doorman("certs", "renew", "-c", d.config_path, "cli.test", "--wait",
                                   timeout=ISSUE_DEADLINE)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("renewal requested from the running server", out)
        self.wait_issued(d, "cli.test", count=2)
        self.assertIn("cli.test: requesting a certificate (renewal requested)", d.stderr())
        renewed = peer_certificate(self.tls_port, "cli.test", root)["serialNumber"]
        self.assertNotEqual(int(renewed, 16), int(served, 16))
        rc, out, err = run_doorman("certs", "revoke", "-c", d.config_path, "cli.test",
                                   timeout=ISSUE_DEADLINE)
        self.assertEqual(rc, 0, out + err)
        rc, out, err = run_doorman("certs", "list", "-c", d.config_path, "--json")
        self.assertTrue(json.loads(out)[0]["revoked"])
        # A name the configuration does not hold is refused.
        rc, _, err = run_doorman("certs", "renew", "-c", d.config_path, "nope.test")
        self.assertEqual(rc, 1)
        self.assertIn("not an ACME host name", err)


class CloudflareStandIn:
    """A local stand-in of the Cloudflare DNS API (zones lookup, TXT create and delete) that
    publishes the records through the DNS stand-in (acme_helpers.DnsStandIn) `delay` seconds
    after they are created, as a slow DNS provider would."""

    def __init__(self, dns, zone, token, delay=0.0):
        self.calls = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def authorized(self):
                stand_in.calls.append((self.command, self.path))
                if self.headers.get("Authorization") == "Bearer " + token:
                    return True
                self.reply(403, {"success": False, "errors": [{"code": 10000,
                                                               "message": "Authentication error"}]})
                return False

            def do_GET(self):
                if not self.authorized():
                    return
                name = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)["name"][0]
                result = [{"id": "zone-1", "name": zone}] if name == zone else []
                self.reply(200, {"success": True, "result": result})

            def do_POST(self):
                if not self.authorized():
                    return
                record = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.records[record["name"]] = record["content"]
                dns.publish(record["name"], record["content"], after=delay)
                self.reply(200, {"success": True, "result": {"id": "rec-" + record["name"]}})

            def do_DELETE(self):
                if not self.authorized():
                    return
                name = self.path.rsplit("/rec-", 1)[1]
                stand_in.records.pop(name, None)
                dns.withdraw(name)
                self.reply(200, {"success": True, "result": {"id": "rec-" + name}})

        self.records = {}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Dns01(AcmeTestCase):
    """DNS-01 through the Cloudflare API stand-in. Pebble resolves through the DNS stand-in's
    CA port, doorman's resolvers are its other port: the stand-in's log shows who asked when."""

    def start_dns01(self, delay, propagation_timeout="20s"):
        dns = DnsStandIn()
        self.cleanups.append(dns.stop)
        pebble = self.start_pebble(dns_server="127.0.0.1:%d" % dns.ca_port)
        api = CloudflareStandIn(dns, "w.test", "secret-token", delay=delay)
        self.cleanups.append(api.stop)
        token_file = self.tmp.write("cf-token", "secret-token\n")
        extra = ('retry_after = "1h"\n[acme.dns_cloudflare]\napi_token_file = "%s"\n'
                 'api_url = "http://127.0.0.1:%d/client/v4"\nresolvers = ["127.0.0.1:%d"]\n'
                 'propagation_timeout = "%s"\n'
                 % (token_file, api.port, dns.port, propagation_timeout))
        d = self.start_acme_doorman(pebble, ["*.w.test"], ["dns-01"], listeners=2,
                                    extra_acme=extra)
        return pebble, dns, api, d

    def test_wildcard_through_the_cloudflare_api_stand_in(self):
        pebble, dns, api, d = self.start_dns01(delay=0)
        self.wait_issued(d, "*.w.test")
        root = pebble.root_pem()
        cert = peer_certificate(self.tls_port, "a.w.test", root)
        self.assertEqual(cert["subjectAltName"], (("DNS", "*.w.test"),))
        rc, out, err = self.curl_https("b.w.test", root)
        self.assertEqual(rc, 0, err)
        # The record was created in the zone found by name, and deleted afterwards.
        self.assertIn(("POST", "/client/v4/zones/zone-1/dns_records"), api.calls)
        self.assertTrue(any(m == "DELETE" for m, _ in api.calls))
        self.assertEqual(api.records, {})

    def test_the_ca_is_asked_only_once_the_record_is_visible(self):
        delay = 4.0
        pebble, dns, api, d = self.start_dns01(delay=delay)
        self.wait_issued(d, "*.w.test")
        name = "_acme-challenge.w.test"
        appeared = dns.appeared[name]
        mine = [q for q in dns.txt_queries("doorman") if q[2] == name]
        ca = [q for q in dns.txt_queries("ca") if q[2] == name]
        # doorman polled while the record was missing, and saw it only once it appeared.
        self.assertTrue(any(not found and t < appeared for t, _, _, found in mine), mine)
        first_seen = min(t for t, _, _, found in mine if found)
        self.assertGreaterEqual(first_seen, appeared)
        # The CA looked only after doorman had seen it (pebble validates as soon as it is told).
        self.assertTrue(ca, "pebble never looked the record up")
        self.assertGreaterEqual(min(t for t, _, _, _ in ca), first_seen)
        self.assertTrue(all(found for _, _, _, found in ca), ca)
        waited = int(re.search(r"w\.test: TXT record seen at every resolver after (\d+) ms",
                               d.stderr()).group(1))
        self.assertGreaterEqual(waited, (delay - 1.0) * 1000)
        log = d.stderr()
        self.assertLess(log.index("TXT record seen at every resolver"),
                        log.index("w.test: answering dns-01"))

    def test_a_record_never_visible_fails_without_asking_the_ca(self):
        pebble, dns, api, d = self.start_dns01(delay=600, propagation_timeout="3s")
        line = "*.w.test: failed: "
        wait_until(lambda: line in d.stderr(), timeout=ISSUE_DEADLINE, what=d.stderr())
        failure = next(l for l in d.stderr().splitlines() if line in l)
        self.assertRegex(failure, r"the TXT record was not seen within 3 s "
                                  r"\(127\.0\.0\.1:%d: no TXT record\)" % dns.port)
        self.assertTrue(dns.txt_queries("doorman"))
        self.assertEqual(dns.txt_queries("ca"), [])  # the CA was never told to look
        self.assertNotIn("answering dns-01", d.stderr())
        # The record is deleted again, not left in the zone.
        self.assertTrue(any(m == "DELETE" for m, _ in api.calls))
        self.assertEqual(api.records, {})


if __name__ == "__main__":
    unittest.main()

"""Authenticated Origin Pulls through the real binary (docs/client-ip.md "Origin pull").

The test makes its own stand-in origin-pull CA, a client certificate it signs ("Cloudflare"), and a
second CA with a client certificate of its own (another zone's). 127.0.0.1 is made a Cloudflare
peer by a ranges file, and curl --cert plays Cloudflare's edge. Attacks and their answers:
verified -> 200 with CF-Connecting-IP believed; no certificate -> 403 no-origin-pull-certificate;
another CA -> 403 bad-origin-pull-certificate (a TLS alert where the listener requires one);
subject pin mismatch -> 403 bad-origin-pull-certificate; HTTP/2 streams the same; `doorman check`
warns about strict mode without origin pull; `doorman explain` shows the step."""

import json
import os
import subprocess
import unittest

from harness import DoormanTestCase, curl, run_doorman, wait_until

HOSTS = ["app.test", "pinned.test", "pinned-other.test", "open.test", "auto.test"]


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(directory, name):
    key, crt = (os.path.join(directory, name + ext) for ext in (".key", ".crt"))
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "1", "-subj", "/O=Stand-in/CN=" + name, "-keyout", key, "-out", crt,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return crt, key


def make_leaf(directory, name, ca, cn, sans, usage="clientAuth"):
    """A certificate for CN signed by `ca`; returns (crt, key)."""
    key, csr, crt, ext = (os.path.join(directory, name + e) for e in (".key", ".csr", ".crt", ".ext"))
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=" + cn, "-keyout", key, "-out", csr)
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=" + usage + "\n")
        if sans:
            f.write("subjectAltName=" + ",".join("DNS:" + s for s in sans) + "\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
            "-days", "1", "-extfile", ext, "-out", crt)
    return crt, key


class OriginPull(DoormanTestCase):
    def setUp(self):
        super().setUp()
        d = self.tmp.path
        self.server_ca = make_ca(d, "server-ca")
        self.server = make_leaf(d, "server", self.server_ca, "app.test", HOSTS, usage="serverAuth")
        self.pull_ca = make_ca(d, "origin-pull-ca")
        self.edge = make_leaf(d, "edge", self.pull_ca, "origin-pull.test", ["zone.example"])
        self.other_ca = make_ca(d, "other-zone-ca")
        self.intruder = make_leaf(d, "intruder", self.other_ca, "origin-pull.test", ["zone.example"])
        self.ranges = self.tmp.write("cf.txt", "# 127.0.0.1 plays Cloudflare's edge\n127.0.0.1/32\n")
        self.log = os.path.join(d, "diagnostics.jsonl")

    def config(self):
        routes = ""
        for host, extra in (("app.test", 'require_origin_pull = true'),
                            ("pinned.test", 'require_origin_pull = true\norigin_pull_subject = "zone.example"'),
                            ("pinned-other.test", 'require_origin_pull = true\norigin_pull_subject = "other.example"'),
                            ("open.test", ""),
                            ("auto.test", 'require_origin_pull = true\nsource_ip = "auto"')):
            mode = "" if "source_ip" in extra else 'source_ip = "cloudflare-proxy"\n'
            routes += f'[[route]]\nroute = "{host}"\nupstream = "builtin:echo"\n{mode}{extra}\n\n'
        listener = (f'tls = true\n[[listener.certificate]]\ncert = "{self.server[0]}"\n'
                    f'key = "{self.server[1]}"\n')
        return (f'[[listener]]\naddress = "127.0.0.1:0"\nclient_ca = "{self.pull_ca[0]}"\n'
                f'client_auth_required = false\n{listener}\n'
                f'[[listener]]\naddress = "127.0.0.1:0"\nclient_ca = "{self.pull_ca[0]}"\n{listener}\n'
                f'[server]\nworkers = 1\n\n[cloudflare]\nranges_file = "{self.ranges}"\nrefresh = false\n\n'
                f'[log]\nfile = "{self.log}"\n\n{routes}')

    def start(self):
        d = self.start_doorman(self.config(), listeners=2)
        listening = d.addresses
        self.optional_port = int(listening[0].rsplit(":", 1)[1])
        self.required_port = int(listening[1].rsplit(":", 1)[1])
        return d

    def get(self, host, cert=None, port=None, extra=()):
        port = port or self.optional_port
        args = ["--resolve", f"{host}:{port}:127.0.0.1", "--cacert", self.server_ca[0],
                "-H", "CF-Connecting-IP: 203.0.113.9", "-w", "\n%{http_code}", *extra]
        if cert:
            args += ["--cert", cert[0], "--key", cert[1]]
        rc, out, err = curl(*args, f"https://{host}:{port}/x")
        if rc != 0:
            return rc, None, err
        body, _, status = out.decode().rpartition("\n")
        return rc, int(status), body

    def diagnostics(self, n):
        def read():
            if not os.path.exists(self.log):
                return None
            with open(self.log) as f:
                lines = [json.loads(l) for l in f if l.strip()]
            return lines if len(lines) >= n else None
        return wait_until(read, what=f"{n} diagnostics lines")

    def test_attacks_and_answers(self):
        self.start()
        # Cloudflare through the operator's zone: the certificate verifies, the header is believed.
        rc, status, body = self.get("app.test", self.edge)
        self.assertEqual((rc, status), (0, 200), body)
        j = json.loads(body)
        self.assertEqual(j["client_ip"], "203.0.113.9")
        self.assertEqual(j["client_ip_source"], "cf-connecting-ip")
        # Another zone through Cloudflare (no origin-pull certificate): refused, header unused.
        rc, status, body = self.get("app.test")
        self.assertEqual((rc, status, body), (0, 403, "forbidden: no-origin-pull-certificate\n"))
        # A certificate from another CA (self-made "Cloudflare"): refused.
        rc, status, body = self.get("app.test", self.intruder)
        self.assertEqual((rc, status, body), (0, 403, "forbidden: bad-origin-pull-certificate\n"))
        # The pin: the right zone's certificate passes, a pin naming another zone refuses it.
        rc, status, body = self.get("pinned.test", self.edge)
        self.assertEqual((rc, status), (0, 200), body)
        rc, status, body = self.get("pinned-other.test", self.edge)
        self.assertEqual((rc, status, body), (0, 403, "forbidden: bad-origin-pull-certificate\n"))
        # A route without origin pull serves a Cloudflare peer as before.
        rc, status, body = self.get("open.test")
        self.assertEqual((rc, status), (0, 200), body)
        self.assertEqual(json.loads(body)["client_ip"], "203.0.113.9")
        # auto: the Cloudflare branch requires it too.
        rc, status, body = self.get("auto.test")
        self.assertEqual((rc, status, body), (0, 403, "forbidden: no-origin-pull-certificate\n"))
        rc, status, body = self.get("auto.test", self.edge)
        self.assertEqual((rc, status), (0, 200), body)
        self.assertEqual(json.loads(body)["client_ip"], "203.0.113.9")

        lines = self.diagnostics(8)
        by = [(l["host"].split(":")[0], l["status"], l["client_cert"], l["origin_pull"], l.get("reason_detail"))
              for l in lines]
        self.assertEqual(by[:4], [
            ("app.test", 200, "verified", "verified", None),
            ("app.test", 403, "absent", "absent", "no-origin-pull-certificate"),
            ("app.test", 403, "unverified", "unverified", "bad-origin-pull-certificate"),
            ("pinned.test", 200, "verified", "verified", None),
        ])
        self.assertEqual(by[4][3], "subject-mismatch")
        self.assertEqual(by[5], ("open.test", 200, "absent", None, None))

    def test_http2_streams_take_the_same_step(self):
        self.start()
        rc, status, body = self.get("app.test", self.edge, extra=["--http2"])
        self.assertEqual((rc, status), (0, 200), body)
        self.assertEqual(json.loads(body)["client_ip"], "203.0.113.9")
        rc, status, body = self.get("app.test", None, extra=["--http2"])
        self.assertEqual((rc, status, body), (0, 403, "forbidden: no-origin-pull-certificate\n"))
        rc, status, body = self.get("app.test", self.intruder, extra=["--http2"])
        self.assertEqual((rc, status, body), (0, 403, "forbidden: bad-origin-pull-certificate\n"))
        lines = self.diagnostics(3)
        self.assertEqual([(l["protocol"], l["origin_pull"]) for l in lines],
                         [("h2", "verified"), ("h2", "absent"), ("h2", "unverified")])

    def test_required_listener_refuses_in_the_handshake(self):
        d = self.start()
        rc, status, body = self.get("app.test", self.edge, port=self.required_port)
        self.assertEqual((rc, status), (0, 200), body)
        # No certificate, or another CA's: the handshake fails with an alert; nothing reaches HTTP.
        for cert in (None, self.intruder):
            rc, status, err = self.get("app.test", cert, port=self.required_port)
            self.assertNotEqual(rc, 0, "handshake should fail")
            self.assertIsNone(status)
        wait_until(lambda: d.stderr().count("handshake with 127.0.0.1 failed") >= 2,
                   what="handshake failures logged")
        self.assertIn("certificate", d.stderr())

    def test_check_warns_and_explain_shows_the_step(self):
        path = self.tmp.write("check.toml", self.config())
        rc, out, err = run_doorman("check", "--config", path)
        self.assertEqual(rc, 0, err)
        warnings = [l for l in err.splitlines() if ": warning: " in l]
        self.assertEqual(len(warnings), 1, err)  # open.test only
        self.assertIn("(open.test)", warnings[0])
        self.assertIn("require_origin_pull", warnings[0])

        base = ["explain", "--config", path, "--peer", "127.0.0.1", "-H", "CF-Connecting-IP: 203.0.113.9",
                "--json"]
        cases = [
            ("app.test", ["--client-cert", self.edge[0]], 200, "ok", "verified"),
            ("app.test", ["--client-cert", self.intruder[0]], 403, "bad-origin-pull-certificate",
             "unverified"),
            ("app.test", ["--origin-pull", "absent"], 403, "no-origin-pull-certificate", "absent"),
            ("app.test", ["--origin-pull", "verified"], 200, "ok", "verified"),
            ("pinned.test", ["--client-cert", self.edge[0]], 200, "ok", "verified"),
            ("pinned-other.test", ["--client-cert", self.edge[0]], 403, "bad-origin-pull-certificate",
             "subject-mismatch"),
        ]
        for host, extra, status, reason, step in cases:
            rc, out, err = run_doorman(*base, "--host", host, *extra)
            self.assertEqual(rc, 0, err)
            j = json.loads(out)
            self.assertEqual((j["status"], j["reason"], j["origin_pull"]), (status, reason, step),
                             (host, extra))
            self.assertIn("origin-pull", [s["code"] for s in j["steps"]])
        # Without --config: --origin-pull implies the route requires it.
        rc, out, err = run_doorman("explain", "--peer", "173.245.48.10", "--mode", "cloudflare-proxy",
                                   "-H", "CF-Connecting-IP: 1.2.3.4", "--origin-pull", "absent")
        self.assertEqual(rc, 0, err)
        self.assertIn("no-origin-pull-certificate", out)
        self.assertIn("[origin-pull]", out)

    def test_configuration_errors(self):
        base = (f'[[listener]]\naddress = "127.0.0.1:0"\n')
        cases = [
            (base + 'client_auth = "cloudflare"\n[[route]]\nupstream = "builtin:echo"\n',
             "listener[1].client_auth: only used with tls = true"),
            (base + f'tls = true\nclient_ca = "{self.tmp.path}/nope.pem"\n[[listener.certificate]]\n'
             f'cert = "{self.server[0]}"\nkey = "{self.server[1]}"\n[[route]]\nupstream = "builtin:echo"\n',
             "listener[1].client_ca: '"),
            (base + '[[route]]\nupstream = "builtin:echo"\nsource_ip = "cloudflare-proxy"\n'
             'require_origin_pull = true\n',
             "route[1].require_origin_pull: no [[listener]] requests client certificates"),
            (base + f'tls = true\nclient_auth = "cloudflare"\n[[listener.certificate]]\n'
             f'cert = "{self.server[0]}"\nkey = "{self.server[1]}"\n'
             '[[route]]\nupstream = "builtin:echo"\nsource_ip = "trusted-proxy"\nrequire_origin_pull = true\n',
             "route[1].require_origin_pull: only used with source_ip"),
        ]
        for i, (text, expected) in enumerate(cases):
            path = self.tmp.write(f"bad{i}.toml", text)
            rc, out, err = run_doorman("check", "--config", path)
            self.assertEqual(rc, 1, (text, err))
            self.assertIn(expected, err)
        # The bundled Cloudflare CA loads.
        path = self.tmp.write("cf.toml", base + f'tls = true\nclient_auth = "cloudflare"\n[[listener.certificate]]\n'
                              f'cert = "{self.server[0]}"\nkey = "{self.server[1]}"\n'
                              '[[route]]\nupstream = "builtin:echo"\nsource_ip = "cloudflare-proxy"\n'
                              'require_origin_pull = true\n')
        rc, out, err = run_doorman("check", "--config", path)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("warning", err)


if __name__ == "__main__":
    unittest.main()

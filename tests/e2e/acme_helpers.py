"""Pebble (Let's Encrypt's RFC 8555 test server) and its DNS stand-in on loopback, for the ACME
end-to-end tests.

pebble-challtestsrv answers every A query with 127.0.0.1 (and no AAAA), and pebble resolves the
names it validates through it (-dnsserver), so any test name ("h.test") reaches doorman's
listeners: pebble's httpPort / tlsPort are doorman's plain / TLS listener ports, chosen with
free_port() before either starts. Pebble's own HTTPS certificate is made here (the Debian
package ships none); doorman trusts it through [acme] ca_roots. The chain pebble issues ends
in a root generated at its start, read from its management API (/roots/0).
"""

import datetime
import json
import os
import socket
import ssl
import struct
import subprocess
import threading
import time
import urllib.request

from harness import DEADLINE, free_port, port_accepts, wait_until


def have_pebble():
    return os.path.exists("/usr/bin/pebble") and os.path.exists("/usr/bin/pebble-challtestsrv")


class Pebble:
    """pebble + pebble-challtestsrv. `env` adds PEBBLE_* settings (e.g. nonce rejection)."""

    def __init__(self, tmp, http_port, tls_port, env=None, validity_seconds=None,
                 dns_server=None):
        self.tmp = tmp
        self.dns_server = dns_server  # "127.0.0.1:PORT" instead of pebble-challtestsrv
        self.dir = os.path.join(tmp.path, "pebble-%d" % free_port())
        os.makedirs(self.dir)
        self.cert = os.path.join(self.dir, "pebble.crt")
        self.key = os.path.join(self.dir, "pebble.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=pebble",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True, timeout=60)
        self.http_port, self.tls_port, self.validity_seconds = http_port, tls_port, validity_seconds
        self._choose_ports()
        self.env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0",
                        PEBBLE_AUTHZREUSE="0")
        self.env.update(env or {})
        self.log_path = os.path.join(self.dir, "pebble.log")
        self.procs = []

    @property
    def directory(self):
        return "https://127.0.0.1:%d/dir" % self.port

    def _choose_ports(self):
        """pebble's and the DNS stand-in's ports, and pebble's config file naming them."""
        self.port = free_port()
        self.management_port = free_port()
        self.dns_port = free_port()
        self.dns_management_port = free_port()
        config = {"pebble": {
            "listenAddress": "127.0.0.1:%d" % self.port,
            "managementListenAddress": "127.0.0.1:%d" % self.management_port,
            "certificate": self.cert, "privateKey": self.key,
            "httpPort": self.http_port, "tlsPort": self.tls_port,
            "ocspResponderURL": "", "externalAccountBindingRequired": False}}
        if self.validity_seconds:
            config["pebble"]["certificateValidityPeriod"] = self.validity_seconds
        self.config_path = os.path.join(self.dir, "pebble.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)

    def start(self):
        # free_port() only finds a port that was free a moment ago: under parallel tests another
        # process can bind it first. Then pebble or the DNS stand-in exits ("address already in
        # use") while the port accepts someone else's connections, and doorman would talk to the
        # wrong server. So a start counts only while both processes are alive, and one lost to
        # a port race is retried on new ports.
        for _ in range(3):
            if self._start_once():
                return self
            logs = self.pebble_log() + self.dns_stand_in_log()
            self.stop()
            if "address already in use" not in logs:
                raise RuntimeError("pebble or its DNS stand-in exited at start:\n" + logs[-2000:])
            self._choose_ports()
        raise RuntimeError("pebble lost its ports to other processes three times")

    def _start_once(self):
        self.dns_log = open(os.path.join(self.dir, "dns.log"), "w")
        self.procs.append(subprocess.Popen(
            ["pebble-challtestsrv", "-dns01", "127.0.0.1:%d" % self.dns_port, "-http01", "",
             "-https01", "", "-tlsalpn01", "",
             "-management", "127.0.0.1:%d" % self.dns_management_port, "-defaultIPv6", ""],
            stdout=self.dns_log, stderr=subprocess.STDOUT))
        self.log = open(self.log_path, "w")
        self.procs.append(subprocess.Popen(
            ["pebble", "-config", self.config_path, "-dnsserver",
             self.dns_server or "127.0.0.1:%d" % self.dns_port],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env))

        def exited():
            return any(p.poll() is not None for p in self.procs)

        wait_until(lambda: exited() or (port_accepts(self.port) and
                                        port_accepts(self.management_port) and
                                        port_accepts(self.dns_management_port)),
                   what="pebble and its DNS stand-in to listen")
        # A process that lost a port race may exit just after the others answered.
        time.sleep(0.2)
        return not exited()

    def dns_stand_in_log(self):
        with open(os.path.join(self.dir, "dns.log")) as f:
            return f.read()

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=DEADLINE)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []
        for f in (getattr(self, "log", None), getattr(self, "dns_log", None)):
            if f:
                f.close()

    def pebble_log(self):
        with open(self.log_path) as f:
            return f.read()

    def root_pem(self):
        """The root the issued chains end in, written to a file; returns its path."""
        context = ssl.create_default_context(cafile=self.cert)
        url = "https://127.0.0.1:%d/roots/0" % self.management_port
        with urllib.request.urlopen(url, context=context, timeout=DEADLINE) as r:
            pem = r.read()
        path = os.path.join(self.dir, "root.pem")
        with open(path, "wb") as f:
            f.write(pem)
        return path

    def set_txt(self, host, value):
        """A TXT record in the DNS stand-in (challtestsrv's management API); host ends in '.'."""
        self._dns_api("set-txt", {"host": host, "value": value})

    def clear_txt(self, host):
        self._dns_api("clear-txt", {"host": host})

    def _dns_api(self, what, body):
        req = urllib.request.Request(
            "http://127.0.0.1:%d/%s" % (self.dns_management_port, what),
            data=json.dumps(body).encode(), method="POST")
        urllib.request.urlopen(req, timeout=DEADLINE).read()


def acme_config(pebble, state_dir, http_port, tls_port, hosts, challenges, extra_acme="",
                route_keys="", plain_listener=True):
    """doorman's config: a plain and an ACME TLS listener on fixed ports, one route for `hosts`."""
    plain = '[[listener]]\naddress = "127.0.0.1:%d"\n\n' % http_port if plain_listener else ""
    routes = ", ".join('"%s"' % h for h in hosts)
    challenge_list = ", ".join('"%s"' % c for c in challenges)
    return (plain +
            '[[listener]]\naddress = "127.0.0.1:%d"\ntls = true\ncertificates = "acme"\n\n' % tls_port +
            '[[route]]\nroutes = [%s]\nupstream = "builtin:echo"\n%s\n' % (routes, route_keys) +
            '[acme]\nemail = "ops@example.com"\ndirectory = "%s"\n' % pebble.directory +
            'ca_roots = "%s"\nstate_dir = "%s"\nchallenges = [%s]\n%s\n'
            % (pebble.cert, state_dir, challenge_list, extra_acme))


class AriStandIn:
    """An HTTPS stand-in for an ACME server offering Renewal Information (RFC 9773), which
    Debian's pebble (2.4) does not: GET /dir answers pebble's directory plus a `renewalInfo`
    URL (every other URL in it still points at pebble), and GET /renewal-info/ID answers
    according to `mode`:
      "window"      {"suggestedWindow": {start, end}} with `window` = (start, end) datetimes
      "garbage"     200 with a body that is not JSON
      "unreachable" the directory's renewalInfo names a closed loopback port instead
    It serves with pebble's own certificate (already in [acme] ca_roots) on 127.0.0.1:0 and
    records the certificate identifiers asked for in `asked`. An identifier put in `past` gets
    a window that ended an hour ago (what a CA says after a mass revocation)."""

    def __init__(self, pebble, mode, window=None):
        import http.server
        import threading

        self.asked = []
        self.past = set()  # identifiers whose window is moved into the past
        self.mode = mode
        stand_in = self
        closed_port = free_port()  # nothing listens there

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body, content_type="application/json", extra=()):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/dir":
                    context = ssl.create_default_context(cafile=pebble.cert)
                    with urllib.request.urlopen(pebble.directory, context=context,
                                                timeout=DEADLINE) as r:
                        directory = json.loads(r.read())
                    port = closed_port if stand_in.mode == "unreachable" else stand_in.port
                    directory["renewalInfo"] = "https://127.0.0.1:%d/renewal-info" % port
                    return self.reply(200, directory)
                if self.path.startswith("/renewal-info/"):
                    stand_in.asked.append(self.path[len("/renewal-info/"):])
                    if stand_in.mode == "garbage":
                        return self.reply(200, b"<html>not renewal information", "text/html")
                    start, end = window
                    if stand_in.asked[-1] in stand_in.past:  # an incident: renew now
                        now = datetime.datetime.now(datetime.timezone.utc)
                        start, end = (now - datetime.timedelta(hours=2),
                                      now - datetime.timedelta(hours=1))
                    body = {"suggestedWindow": {
                        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ")}}
                    return self.reply(200, body, extra=[("Retry-After", "21600")])
                self.reply(404, {"type": "urn:ietf:params:acme:error:malformed"})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pebble.cert, pebble.key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def directory(self):
        return "https://127.0.0.1:%d/dir" % self.port

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def ari_certificate_id(pem_path):
    """RFC 9773 §4.1 computed here with openssl(1), to check the one doorman sends:
    base64url(AKI keyIdentifier) "." base64url(the serial's DER content octets)."""
    import base64
    import re

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    text = subprocess.run(["openssl", "x509", "-in", pem_path, "-noout", "-serial", "-ext",
                           "authorityKeyIdentifier"], capture_output=True, check=True,
                          timeout=DEADLINE).stdout.decode()
    serial = int(re.search(r"serial=([0-9A-Fa-f]+)", text).group(1), 16)
    key_id = re.search(r"((?:[0-9A-F]{2}:)+[0-9A-F]{2})", text.split("Identifier", 1)[1]).group(1)
    content = serial.to_bytes(serial.bit_length() // 8 + 1, "big")  # DER: a sign bit of 0
    return b64(bytes.fromhex(key_id.replace(":", ""))) + "." + b64(content)


class DnsStandIn:
    """A loopback DNS responder (UDP, stdlib only) for the DNS-01 tests. TXT records are
    published after a chosen delay (publish()); A queries get 127.0.0.1; anything else an empty
    answer, and a TXT name without a record NXDOMAIN. It answers on two ports: `port` for
    doorman's [acme.dns_cloudflare] resolvers and `ca_port` for pebble (-dnsserver), so every
    TXT query is known to come from one or the other; `queries` holds
    (time.monotonic(), "doorman" | "ca", name, answered with a record) for each, and
    `appeared[name]` the moment a record became visible."""

    def __init__(self):
        self.records = {}
        self.appeared = {}
        self.queries = []
        self.timers = {}
        self.lock = threading.Lock()
        self.running = True
        self.sockets = {}
        for who in ("doorman", "ca"):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(0.2)
            self.sockets[who] = sock
        self.port = self.sockets["doorman"].getsockname()[1]
        self.ca_port = self.sockets["ca"].getsockname()[1]
        self.threads = [threading.Thread(target=self._serve, args=(who,), daemon=True)
                        for who in self.sockets]
        for t in self.threads:
            t.start()

    def publish(self, name, value, after=0.0):
        def show():
            with self.lock:
                self.records[name.lower()] = value
                self.appeared[name.lower()] = time.monotonic()
        timer = threading.Timer(after, show)
        self.timers[name.lower()] = timer
        timer.start()

    def withdraw(self, name):
        with self.lock:
            timer = self.timers.pop(name.lower(), None)
            if timer:
                timer.cancel()
            self.records.pop(name.lower(), None)

    def txt_queries(self, who):
        with self.lock:
            return [q for q in self.queries if q[1] == who]

    def _serve(self, who):
        sock = self.sockets[who]
        while self.running:
            try:
                data, peer = sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self._answer(who, data)
            if reply:
                sock.sendto(reply, peer)

    def _answer(self, who, data):
        if len(data) < 12:
            return None
        ident, flags = struct.unpack(">HH", data[:4])
        labels, at = [], 12
        while at < len(data) and data[at]:
            labels.append(data[at + 1:at + 1 + data[at]].decode("ascii", "replace"))
            at += 1 + data[at]
        at += 1
        if at + 4 > len(data):
            return None
        qtype, _ = struct.unpack(">HH", data[at:at + 4])
        question = data[12:at + 4]
        name = ".".join(labels).lower().rstrip(".")
        answers, rcode = [], 0
        if qtype == 16:
            with self.lock:
                value = self.records.get(name)
                self.queries.append((time.monotonic(), who, name, value is not None))
            if value is None:
                rcode = 3  # NXDOMAIN
            else:
                text = value.encode()
                answers.append(struct.pack(">HHHIH", 0xC00C, 16, 1, 0, len(text) + 1) +
                               bytes([len(text)]) + text)
        elif qtype == 1:
            answers.append(struct.pack(">HHHIH", 0xC00C, 1, 1, 0, 4) + bytes([127, 0, 0, 1]))
        header = struct.pack(">HHHHHH", ident, 0x8180 | (flags & 0x0100) | rcode, 1,
                             len(answers), 0, 0)
        return header + question + b"".join(answers)

    def stop(self):
        self.running = False
        for timer in list(self.timers.values()):
            timer.cancel()
        for t in self.threads:
            t.join(timeout=DEADLINE)
        for sock in self.sockets.values():
            sock.close()

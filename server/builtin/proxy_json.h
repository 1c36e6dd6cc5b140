// The PROXY header a connection arrived with, as JSON for builtin:echo (and any diagnostic that
// wants it). Key names follow `doorman proxy-header decode --json` (docs/proxy-protocol.md):
//   {"version", "command", "family", "src", "dst", "socket_peer", "peer_from_proxy_protocol",
//    "crc32c", "typed": {"alpn", "authority", "unique_id_hex", "ssl": {...}, ...}}
// Allocates: diagnostics only, never on the request path of a real upstream.
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/session.h"

namespace doorman::builtin {

// null when the connection carried no PROXY header.
nlohmann::ordered_json proxy_header_json(const runtime::Session& s);

}  // namespace doorman::builtin

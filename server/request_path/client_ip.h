// Stage 3 of the request path: who the client is (DESIGN.md), per request, with the route's
// source_ip mode. The decision comes from the identity library (doorman/client_ip.h); this stage
// only supplies the snapshot's trusted and Cloudflare sets, the route's options and the
// connection's client-certificate verdict (origin pull; request_path/tls.h). A rejected
// decision (strict modes) becomes a 403 local reply whose detail is the library's reason code
// (untrusted-peer, not-cloudflare, ...); the app never sees the request.
#pragma once

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

// Sets x.identity; returns false (x.reason = kForbidden) when the mode rejects the request.
bool resolve_identity(const runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path

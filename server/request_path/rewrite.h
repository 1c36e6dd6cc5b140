// Stage 4 of the request path: plan the head the app receives (DESIGN.md "What the app
// receives") with the rewriter of doorman/http_rewrite.h: hop-by-hop and spoofable identity
// headers removed, X-Forwarded-For / Forwarded / X-Forwarded-Proto / X-Request-ID set by doorman
// after the removal. The result is a list of pieces in session.request_pieces: unchanged lines
// are views into the client buffer, doorman's lines live in session.scratch. Nothing is copied.
//
// Also checks the declared body size against the route's max_body_size (413 before anything is
// sent upstream) and generates the request id (128 random bits as 32 hex digits, from a
// per-thread generator seeded once: unique, not a secret).
#pragma once

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

// Fills session.request_pieces; false with x.reason set (413, 431) when the request cannot go.
bool rewrite_request(runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path

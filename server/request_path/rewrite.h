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

#include "doorman/http_rewrite.h"
#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

// Fills session.request_pieces; false with x.reason set (413, 431) when the request cannot go.
bool rewrite_request(runtime::Session& s, Exchange& x);

// The identity headers (http_header_table.h kIdentity) that may reach the app from a trusted
// peer: the one an accepted decision was read from (CF-Connecting-IP or Fastly-Client-IP for the
// client IP, CF-Visitor for the scheme), and X-Forwarded-Host, which no decision reads. Every
// other client claim (True-Client-IP, X-Real-IP, ...) is one a trusted proxy merely relayed from
// its own client: removed (X-Forwarded-For and Forwarded are doorman's own anyway). A rejected
// decision passes none. The rewriter applies it as RewriteOptions::pass_identity.
HeaderIdSet identity_headers_to_pass(const ClientIpDecision& decision);

}  // namespace doorman::request_path

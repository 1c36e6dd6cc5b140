// Stage 1b of the request path (after request_head, before route, client_ip and redirect): the
// answer to an ACME HTTP-01 validation (RFC 8555 §8.3) on plain (non-TLS) listeners.
//
// Contract:
// - A GET or HEAD of "/.well-known/acme-challenge/TOKEN" whose TOKEN doorman itself is
//   currently offering (acme::Challenges) is answered 200 with the key authorization, before
//   any route, identity check or HTTPS redirect could refuse or move it (the validation server
//   connects directly and follows no redirect to a certificate it cannot check yet).
// - Anything else, including that path with any other token, is not touched: the request takes
//   its normal route (an app may serve its own challenges), so doorman never answers for a token
//   it did not issue.
// - The reply carries the stable reason code acme-challenge (access log, metrics).
// Thread safety: the connection's worker thread; the token table synchronizes itself.
#pragma once

#include <asio.hpp>
#include <string_view>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

// The TOKEN of "/.well-known/acme-challenge/TOKEN" (base64url characters only, RFC 8555 §8.3),
// or "" for any other target.
std::string_view acme_challenge_token(std::string_view target);

// The checks that need no token table and no I/O: a GET or HEAD of a challenge path on a plain
// listener. Call answer_acme_challenge() only when true (every other request skips the
// coroutine and its frame).
bool may_be_acme_challenge(const runtime::Session& s, const Exchange& x);
// Returns true when it answered (x.status set).
asio::awaitable<bool> answer_acme_challenge(runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path

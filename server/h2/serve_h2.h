// Where a connection becomes HTTP/2 (RFC 9113 §3): after the TLS handshake when ALPN chose
// "h2" (listeners with http2 = true, the default, offer it before http/1.1), or on a plain
// listener with h2c = true when the client opens with the connection preface ("prior
// knowledge", §3.3; for a front proxy that speaks h2c). HTTP/1.1's Upgrade: h2c is not offered
// (RFC 9113 deprecates it).
//
// Contract: returns true when the connection was served as HTTP/2 (it is over: the caller
// closes it); false when it speaks HTTP/1.1, with any bytes read while looking for the preface
// left in session.in for the HTTP/1.1 parser.
// Thread safety: the connection's worker thread only.
#pragma once

#include <asio.hpp>

#include "runtime/session.h"

namespace doorman::h2 {

asio::awaitable<bool> serve_if_h2(runtime::Session& s);

// Whether `bytes`, the first bytes of a connection, are (a prefix of) the preface:
// kYes once all 24 bytes match, kMaybe while a prefix matches, kNo at the first difference.
enum class Preface { kNo, kMaybe, kYes };
Preface match_preface(std::string_view bytes);

}  // namespace doorman::h2

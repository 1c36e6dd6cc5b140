// Stage 4 of the request path (after client_ip, before rewrite): HTTPS redirects.
//
// Contract (DESIGN.md "What the app receives", docs/config.md `https_redirect`):
// - A route with `https_redirect = true` answers a request whose browser-facing scheme is http
//   with 301 (GET, HEAD) or 308 (every other method: RFC 9110 §15.4.9 keeps method and body) to
//   `https://host[:https_port]/path?query`. The scheme is the resolver's trusted decision
//   (ClientIpDecision::proto): X-Forwarded-Proto, Forwarded proto= and CF-Visitor count only from
//   a trusted peer, so a direct client cannot skip the redirect by claiming https.
// - The host is the request's authority (absolute-form target, else Host; RFC 9112 §3.2.2)
//   without its port: the http port says nothing about the https one. `https_port` (0 = 443,
//   not written) is the operator's answer when https is not on 443.
// - ACME HTTP-01 challenges (`/.well-known/acme-challenge/`, RFC 8555 §8.3) are served over http.
// - No authority at all (an HTTP/1.0 request without Host) cannot be redirected: it is a 400,
//   never passed to the app over http.
// - The reply carries the stable reason code https-redirect; no allocation.
// Thread safety: plan/build are pure; the stage runs on the connection's worker thread.
#pragma once

#include <array>
#include <asio.hpp>
#include <cstdint>
#include <span>
#include <string_view>

#include "doorman/forwarded_headers.h"
#include "doorman/http_request.h"
#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

inline constexpr std::string_view kAcmeChallengePrefix = "/.well-known/acme-challenge/";

struct RedirectRequest {
  Scheme scheme = Scheme::kHttp;  // the trusted browser-facing scheme
  Method method = Method::kOther;
  std::string_view host;    // the Host value as sent ("" when absent)
  std::string_view target;  // the request target as sent
};

enum class RedirectAction : uint8_t {
  kPass,      // already https, or an ACME challenge: continue to the app
  kRedirect,  // answer with `status` to https://authority + path_and_query
  kNoHost,    // http without an authority: cannot build the URL (400)
};

struct RedirectPlan {
  RedirectAction action = RedirectAction::kPass;
  int status = 0;                   // 301 or 308
  std::string_view authority;       // host without port, IPv6 brackets kept
  std::string_view path_and_query;  // "/" for "*" and absolute-form targets without a path
};

RedirectPlan plan_https_redirect(const RedirectRequest& request);

// The response as up to 7 pieces (views into constants, the plan's views and `scratch`).
struct RedirectHead {
  std::array<std::string_view, 7> pieces;
  std::size_t count = 0;
};
inline constexpr std::size_t kRedirectScratchSize = 8;  // ":65535"
RedirectHead build_redirect_head(const RedirectPlan& plan, uint16_t https_port, bool head_request,
                                 bool close, bool keep_alive_http10,
                                 std::span<char, kRedirectScratchSize> scratch);

// Whether the route redirects at all; call redirect_to_https() only then (every other request
// skips the coroutine and its frame).
inline bool route_redirects_to_https(const Exchange& x) {
  return x.route->edge.https_redirect;
}
// The stage. Returns true when it answered (x.status set) or set a local reply (x.reason);
// false when the request goes on to the app.
asio::awaitable<bool> redirect_to_https(runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path

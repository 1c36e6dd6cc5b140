// Stage 3c of the request path: Cloudflare Access at the origin, for routes with [route.access]
// (config/access_config.h). After the client IP (so the log names who was refused) and before
// rate limiting.
//
// Contract:
// - The token is the one Cf-Access-Jwt-Assertion line (two lines: invalid), else, with
//   cookie = true, the CF_Authorization cookie; none -> 403 access-token-missing.
// - The token must parse and name RS256 and a kid (doorman/access_token.h), verify with the
//   team's key of that kid (access/jwks.h; an unknown kid asks the key service for an early
//   refresh and is refused now), and pass the claims policy (issuer, audience, exp/nbf/iat
//   with the route's skew) at the server's clock. The 403 reasons: access-token-invalid,
//   access-token-expired, access-token-audience.
// - On success x.access holds the verified email (users) or common_name (service tokens) and
//   sub; the rewrite stage writes them in email_header / subject_header and removes the
//   client's copies (always, on every route with [route.access]).
// Thread safety: the connection's worker thread; the key service is shared (jwks_service.h).
#pragma once

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

// Returns false (x.reason = kForbidden, x.reason_detail = the access reason) on a 403.
bool check_access(const runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path

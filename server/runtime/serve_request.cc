// The stages after the head, in request order; connection.cc and h2/stream.cc both come here.
#include "runtime/serve_request.h"

#include "local_reply.h"
#include "request_path/access.h"
#include "request_path/access_log.h"
#include "request_path/acme_challenge.h"
#include "request_path/client_ip.h"
#include "request_path/diagnostics_log.h"
#include "request_path/metrics_hook.h"
#include "request_path/rate_limit.h"
#include "request_path/redirect.h"
#include "request_path/rewrite.h"
#include "request_path/route.h"
#include "request_path/upstream.h"
#include "runtime/reply.h"

namespace doorman::runtime {

asio::awaitable<void> serve_request(Session& s, request_path::Exchange& x,
                                    request_path::HeadOutcome head) {
  using namespace request_path;
  const bool log_on = s.snapshot->config.access_log != config::AccessLog::kOff;
  if (head == HeadOutcome::kInvalid) {
    co_await send_local_reply(s, x);
    if (log_on) log_access(s, x);
    if (s.snapshot->diagnostics) log_diagnostics(s, x);
    record_metrics(s, x);
    co_return;
  }
  // The status page's recent requests show the method and target too.
  if (log_on || s.snapshot->diagnostics || s.snapshot->config.admin.enabled) x.log.capture(*x.head);
  // 1b. acme_challenge: an HTTP-01 token doorman issued, before any route, identity or redirect.
  if (may_be_acme_challenge(s, x) && co_await answer_acme_challenge(s, x)) {
    // answered
  } else if (select_route(s, x)) {
    // 2. route: Host and path -> route (404 without one).
    // 3. client_ip: who the client is, per the route's source_ip mode (403 in strict modes).
    // 3b. redirect: a route with https_redirect answers plain-http requests here.
    if (resolve_identity(s, x) &&
        !(route_redirects_to_https(x) && co_await redirect_to_https(s, x))) {
      // 3c. access: a route with [route.access] needs a valid Cloudflare Access token (403).
      // 3d. rate_limit: the resolved client's budget (429 over it); shared by all workers.
      // 4. rewrite: the head the app receives (zero-copy pieces).
      bool passed = check_access(s, x);
      if (passed) {
        const std::optional<bool> at_once = limit_rate_at_once(s, x);
        passed = at_once ? *at_once : co_await limit_rate(s, x);
      }
      if (passed && rewrite_request(s, x)) {
        // 5. upstream: forward head and body, stream the response back (or builtin:echo).
        co_await exchange_with_upstream(s, x);
      }
    }
  }
  if (x.reason != Reason::kNone && x.status == 0) co_await send_local_reply(s, x);
  // 6. access_log (and the JSON diagnostics line, written off the request path)
  if (log_on) log_access(s, x);
  if (s.snapshot->diagnostics) log_diagnostics(s, x);
  record_metrics(s, x);  // the worker's counters (request_path/metrics_hook.h)
}

}  // namespace doorman::runtime

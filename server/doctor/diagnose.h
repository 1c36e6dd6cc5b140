// diagnose: what `doorman doctor` concludes for one public host from its two requests, the one
// through normal DNS (the way visitors come) and the one pinned to the origin's address (the way
// an attacker who knows that address comes), given what the route is configured to do.
//
// Contract (docs/deploy/cloudflare-locked-down.md "Check it: doorman doctor"):
// - Through DNS: a cf-ray header means Cloudflare is in the path; without one, a
//   cloudflare-proxy route is a problem (it refuses every visitor that does not come through
//   Cloudflare), another route a note. No answer at all is a problem, and so is doorman's own
//   403 to a request that came through Cloudflare (origin pull or Access not set up in the
//   zone). A certificate that the roots do not trust is a problem (browsers refuse it).
// - Direct: no connection, or a TLS alert for the missing client certificate, or doorman's own
//   403 ("forbidden: REASON") means the origin refused the bypass: ok, and the reason says which
//   layer did (origin pull, the strict mode's identity check, Access). An answer with a cf-ray
//   means the origin address is Cloudflare's, not the origin's (a warning about --origin). Any
//   other answer is a bypass: a problem on a cloudflare-proxy route (the strict route did not
//   403), a warning on others (Cloudflare's protections can be skipped).
// - Origin pull: enforced when the direct request met the client-certificate alert or a 403
//   no-origin-pull-certificate; a cloudflare-proxy route without require_origin_pull is a
//   warning; with it, but refused earlier for another reason, a note that it was not reached.
//   (In auto mode origin pull applies only to requests from Cloudflare's addresses: a direct
//   visitor is served, and that is the bypass finding above.)
// - The origin's certificate: a Cloudflare Origin CA certificate (tls/origin_ca.h) on a route
//   that admits direct visitors (auto, direct) is a warning; on cloudflare-proxy a note.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "doctor/probe.h"

namespace doorman::doctor {

// One public host of the configuration and the route that answers it.
struct Target {
  std::string host;
  std::string path = "/";
  std::size_t route_number = 0;  // 1-based, as `doorman check` names routes
  std::string route_name;
  config::SourceIpMode mode = config::SourceIpMode::kAuto;
  bool require_origin_pull = false;
  bool access = false;
};

enum class Level { kOk, kNote, kWarning, kProblem };
std::string_view level_name(Level level);  // "ok", "note", "warning", "problem"

struct Finding {
  Level level;
  std::string text;
};

std::vector<Finding> diagnose(const Target& target, const ProbeResult& through_dns,
                              const ProbeResult& direct);

// One line for a request's outcome: "200, cf-ray 8f..-LHR" / "403 forbidden: untrusted-peer" /
// "no answer: Couldn't connect to server".
std::string describe(const ProbeResult& result);

// The targets of a configuration: each exact host name of the routes' patterns, once (the first
// route naming it), with the pattern's path ("/" when it has none; a prefix without its '*').
// Wildcard, IP-literal and host-less patterns have no name to ask and are skipped.
std::vector<Target> targets_of(const config::Config& config);

}  // namespace doorman::doctor

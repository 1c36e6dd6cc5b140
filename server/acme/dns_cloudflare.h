// DNS-01 (RFC 8555 §8.4) through the Cloudflare DNS API: the TXT record
// "_acme-challenge.NAME" is created in the zone that holds NAME, waited for, and deleted once the
// authorization is decided.
//
// Contract:
// - The zone is the longest suffix of NAME that GET /zones?name=SUFFIX finds (the token needs
//   Zone:Read and DNS:Edit on it). present() creates the record (TTL 60), then asks every
//   resolver in `resolvers` (acme/dns_lookup.h) for it every kPollInterval until each one
//   answers with the value, then waits `propagation` more (a margin, 0 by default) and returns:
//   only then is the CA told to look. A record not seen everywhere within
//   `propagation_timeout` is an error naming the resolver and its last answer; the record is
//   then deleted and the CA never asked (a failed validation would count against the CA's
//   limits, and the retry comes with the usual back-off). cleanup() deletes the records present()
//   created for that name and value.
// - Every call is bounded by HttpClient's timeouts; API errors ("success": false) are returned
//   with Cloudflare's messages.
// Thread safety: the solver is used by one ACME thread at a time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "acme/client.h"

namespace doorman::acme {

struct CloudflareSettings {
  std::string api_url;  // "https://api.cloudflare.com/client/v4"
  std::string token;
  std::string ca_roots;
  std::vector<std::string> resolvers;  // "IP:PORT"; empty = system_resolvers()
  std::chrono::milliseconds propagation{0};
  std::chrono::milliseconds propagation_timeout{std::chrono::minutes(2)};
};

inline constexpr std::chrono::milliseconds kPollInterval{std::chrono::seconds(2)};

DnsSolver make_cloudflare_solver(CloudflareSettings settings, AcmeClient::Log log,
                                 AcmeClient::Wait wait);

}  // namespace doorman::acme

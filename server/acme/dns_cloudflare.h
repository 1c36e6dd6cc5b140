// DNS-01 (RFC 8555 §8.4) through the Cloudflare DNS API: the TXT record
// "_acme-challenge.NAME" is created in the zone that holds NAME, waited for, and deleted once the
// authorization is decided.
//
// Contract:
// - The zone is the longest suffix of NAME that GET /zones?name=SUFFIX finds (the token needs
//   Zone:Read and DNS:Edit on it). present() creates the record (TTL 60) and then waits
//   `propagation` before returning (Cloudflare's authoritative servers answer within seconds;
//   the wait is the margin); cleanup() deletes the records it created for that name and value.
// - Every call is bounded by HttpClient's timeouts; API errors ("success": false) are returned
//   with Cloudflare's messages.
// Thread safety: the solver is used by one ACME thread at a time.
#pragma once

#include <chrono>
#include <string>

#include "acme/client.h"

namespace doorman::acme {

struct CloudflareSettings {
  std::string api_url;  // "https://api.cloudflare.com/client/v4"
  std::string token;
  std::string ca_roots;
  std::chrono::milliseconds propagation{std::chrono::seconds(10)};
};

DnsSolver make_cloudflare_solver(CloudflareSettings settings, AcmeClient::Log log,
                                 AcmeClient::Wait wait);

}  // namespace doorman::acme

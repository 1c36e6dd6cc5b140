// [acme]: automatic certificates (server/acme/) for TLS listeners with `certificates = "acme"`.
//
//   [acme]
//   email = "ops@example.com"            # contact for the account (optional, recommended)
//   directory = "https://..."            # default: Let's Encrypt production
//   ca_roots = "/path/ca.pem"            # extra roots to trust for the directory (test CAs)
//   state_dir = "/var/lib/doorman/acme"  # account key, certificates, keys (0600), lock
//   challenges = ["tls-alpn-01", "http-01"]  # order of preference
//   key_type = "ecdsa-p256"              # or "rsa2048"
//   retry_after = "1m"                   # first retry after a failure, doubling up to 6 h
//   [acme.dns_cloudflare]
//   api_token_file = "/etc/doorman/cloudflare-token"
//   api_url = "https://api.cloudflare.com/client/v4"  # a stand-in's URL in tests
//   resolvers = ["1.1.1.1:53"]           # asked for the TXT record; default /etc/resolv.conf's
//   propagation_timeout = "2m"           # how long they may take to show it
//   propagation = "0s"                   # a further wait once they all show it
//
// A listener saying certificates = "acme" without an [acme] table is an error; so is a value
// that is not one of those listed. Values are validated when read (FILE:LINE: key: message).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace doorman::config {

struct Config;

enum class AcmeChallenge : uint8_t { kTlsAlpn01, kHttp01, kDns01 };
enum class AcmeKeyType : uint8_t { kEcdsaP256, kRsa2048 };

inline constexpr std::string_view kLetsEncryptDirectory =
    "https://acme-v02.api.letsencrypt.org/directory";

struct AcmeSection {
  bool enabled = false;
  std::string email;
  std::string directory{kLetsEncryptDirectory};
  std::string ca_roots;
  std::string state_dir = "/var/lib/doorman/acme";
  std::vector<AcmeChallenge> challenges = {AcmeChallenge::kTlsAlpn01, AcmeChallenge::kHttp01};
  AcmeKeyType key_type = AcmeKeyType::kEcdsaP256;
  std::chrono::seconds retry_after{60};
  std::string cloudflare_token_file;  // "" = no DNS-01
  std::string cloudflare_api_url = "https://api.cloudflare.com/client/v4";
  std::vector<std::string> cloudflare_resolvers;  // "IP:PORT"; empty = the system's
  std::chrono::milliseconds cloudflare_propagation_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds cloudflare_propagation{0};
  int line = 0;

  bool operator==(const AcmeSection&) const = default;
};

// Reads [acme] into config.acme and checks the listeners' `certificates = "acme"` against it.
// REQUIRES: the listeners' edge keys were read (read_edge_config).
void read_acme_config(const toml::table& root, const std::string& path, Config& config,
                      std::vector<std::string>& errors);

// The host names ACME certificates are obtained for: each route's exact host (not an IP
// literal, no port), lowercase, sorted, once each; "*.example.com" for a wildcard route only
// when DNS-01 is configured (HTTP-01 and TLS-ALPN-01 cannot prove a wildcard, RFC 8555 §7.1.3).
std::vector<std::string> acme_host_names(const Config& config);
bool uses_acme(const Config& config);

}  // namespace doorman::config

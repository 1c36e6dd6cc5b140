// HTTPS for the ACME client with libcurl: GET, HEAD and JOSE POSTs to the ACME server.
//
// Contract:
// - Every request is bounded (connect 10 s, whole transfer `timeout`, body at most 1 MiB: an
//   ACME answer is a few KiB, a chain well under that). Redirects are not followed (RFC 8555
//   answers with Location headers the client reads, never with 3xx).
// - The server's certificate is verified against the system roots plus, when `ca_roots` names a
//   PEM file, those certificates too (a test or private CA; [acme] ca_roots).
// - A transfer error is an error string; any HTTP status is a Response (the caller reads ACME
//   problem documents, RFC 8555 §6.7).
// Thread safety: one HttpClient per thread (the ACME thread, or a `doorman certs` command).
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace doorman::acme {

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string location;      // Location
  std::string replay_nonce;  // Replay-Nonce (RFC 8555 §6.5)
  std::string retry_after;   // Retry-After as sent
  std::string links;         // every Link header joined by ", " (alternate chains, §7.4.2)
};

class HttpClient {
 public:
  explicit HttpClient(std::string ca_roots = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : ca_roots_(std::move(ca_roots)), timeout_(timeout) {}

  std::expected<HttpResponse, std::string> get(const std::string& url) const;
  std::expected<HttpResponse, std::string> head(const std::string& url) const;
  // Content-Type: application/jose+json; `accept` sets Accept when not empty.
  std::expected<HttpResponse, std::string> post_jose(const std::string& url, std::string_view body,
                                                     std::string_view accept = {}) const;
  // Any method with a JSON body and extra headers ("Name: value"), for the DNS provider's API.
  std::expected<HttpResponse, std::string> send_json(const std::string& method,
                                                     const std::string& url, std::string_view body,
                                                     const std::vector<std::string>& headers) const;

 private:
  std::expected<HttpResponse, std::string> perform(const std::string& method,
                                                   const std::string& url, std::string_view body,
                                                   const std::vector<std::string>& headers) const;
  std::string ca_roots_;
  std::chrono::milliseconds timeout_;
};

}  // namespace doorman::acme

// TXT lookups over UDP, for DNS-01: the solver (acme/dns_cloudflare.h) asks resolvers for its
// `_acme-challenge` record until they show it, and only then lets the CA validate.
//
// Contract:
// - lookup_txt(resolver, name, timeout): one query (doorman/dns_message.h) with a random ID
//   from a fresh socket connect()ed to the resolver (the kernel drops datagrams from anyone
//   else; the source port is the kernel's random ephemeral one). Datagrams that are not the
//   answer (another ID or question) are ignored, as RFC 5452 §9.1 asks; the query is sent once
//   more halfway through `timeout` in case a datagram was lost. Returns the TXT texts (empty for
//   NXDOMAIN or no record) or a sentence: no answer in time, a truncated or malformed answer,
//   an error rcode (SERVFAIL, REFUSED, ...).
// - system_resolvers(): the `nameserver` lines of /etc/resolv.conf as "IP:53" (at most three,
//   as the C library reads them); "127.0.0.1:53" when there are none (the C library's default).
// - Blocking, bounded by `timeout`: for the ACME thread, never a worker.
// Thread safety: pure functions of their arguments (and the file).
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <vector>

namespace doorman::acme {

// REQUIRES: `resolver` is "IP:PORT" or "[IPv6]:PORT" (validated by acme_config.cc).
std::expected<std::vector<std::string>, std::string> lookup_txt(const std::string& resolver,
                                                                const std::string& name,
                                                                std::chrono::milliseconds timeout);

std::vector<std::string> system_resolvers(const std::string& resolv_conf = "/etc/resolv.conf");

}  // namespace doorman::acme

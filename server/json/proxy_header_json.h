// JSON pieces for a decoded PROXY header, shared by `doorman proxy-header decode --json` and
// builtin:echo so both print the same keys (docs/proxy-protocol.md):
// - endpoint_text(): "192.0.2.1:80", "[2001:db8::1]:443" (RFC 5952; IPv4-mapped prints as IPv4);
// - hex_text(): lowercase hex of opaque bytes (unique id, client certificate, raw TLVs);
// - typed_tlvs_json(): {"alpn", "authority", "unique_id_hex", "netns", "ssl": {...},
//   "aws_vpce_id", "azure_link_id", "gcp_psc_connection_id"}, absent fields omitted.
// Allocates: diagnostics and CLI only, never on a real upstream's request path.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "doorman/ip_address.h"
#include "doorman/proxy_protocol.h"

namespace doorman::json {

std::string endpoint_text(const Endpoint& e);
std::string hex_text(std::span<const uint8_t> bytes);
std::string hex_text(std::string_view bytes);
nlohmann::ordered_json typed_tlvs_json(const TypedTlvs& t);

}  // namespace doorman::json

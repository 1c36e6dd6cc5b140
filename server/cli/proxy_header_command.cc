// `doorman proxy-header decode|encode`: the PROXY protocol codec on the command line, for tests
// and for people debugging a load balancer.
//
//   doorman proxy-header decode [--hex HEX] [--json]      (raw bytes on stdin without --hex)
//   doorman proxy-header encode --version 1|2 --src IP:PORT --dst IP:PORT [--local]
//       [--alpn X] [--authority X] [--unique-id X] [--ssl] [--ssl-client N] [--ssl-verify N]
//       [--ssl-version X] [--ssl-cn X] [--ssl-cipher X] [--ssl-sig-alg X] [--ssl-key-alg X]
//       [--crc32c]
//
// decode exits 0 for a good header, 1 for a bad one (the JSON "error" says why), 2 for bad
// arguments; encode prints the header as lowercase hex and exits 0, or 2.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "doorman/proxy_protocol.h"
#include "doorman/proxy_protocol_encoder.h"
#include "json/proxy_header_json.h"

namespace doorman::cli {
namespace {

using Json = nlohmann::ordered_json;  // keys in the documented order

std::optional<std::vector<uint8_t>> parse_hex(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') digits += c;
  }
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.erase(0, 2);
  if (digits.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    unsigned value = 0;
    for (char c : {digits[i], digits[i + 1]}) {
      const int n = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (n < 0) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(n);
    }
    out.push_back(static_cast<uint8_t>(value));
  }
  return out;
}

using json::endpoint_text;
using json::hex_text;

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with("[")) {
    const auto close = text.find("]:");
    if (close == text.npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == text.npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != host.npos) return std::nullopt;  // IPv6 needs brackets
  }
  auto address = IpAddress::parse(host);
  if (!address || port.empty() || port.size() > 5 || (port.size() > 1 && port[0] == '0')) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return Endpoint{*address, static_cast<uint16_t>(value)};
}

Json decode_json(const ProxyDecoder& d, const DecodeStep& step) {
  const bool ok = step.status == DecodeStatus::kComplete;
  Json j = {{"ok", ok},
            {"version", nullptr},
            {"command", nullptr},
            {"family", nullptr},
            {"transport", nullptr},
            {"src", nullptr},
            {"dst", nullptr},
            {"src_unix", nullptr},
            {"dst_unix", nullptr},
            {"tlvs", Json::array()},
            {"typed", Json::object()},
            {"crc32c", "absent"},
            {"consumed", 0},
            {"error", nullptr}};
  if (!ok) j["error"] = std::string(error_code_name(step.error.code));
  if (!d.has_header()) return j;
  const ProxyHeader& h = d.header();
  j["version"] = static_cast<int>(h.version());
  j["command"] = std::string(proxy_command_name(h.command()));
  j["family"] = std::string(proxy_family_name(h.version(), h.family()));
  j["transport"] = std::string(proxy_transport_name(h.transport()));
  if (h.has_addresses() && h.family() == ProxyFamily::kUnix) {
    j["src_unix"] = std::string(h.source_unix());
    j["dst_unix"] = std::string(h.destination_unix());
  } else if (h.has_addresses()) {
    j["src"] = endpoint_text(h.source());
    j["dst"] = endpoint_text(h.destination());
  }
  for (const Tlv& t : h.tlvs()) {
    j["tlvs"].push_back({{"type", t.type}, {"value_hex", hex_text(t.value)}});
  }
  j["typed"] = json::typed_tlvs_json(h.typed());
  j["crc32c"] = std::string(crc_status_name(h.crc32c()));
  j["consumed"] = h.size();
  return j;
}

void print_human(const Json& j) {
  if (j["version"].is_null()) {
    std::printf("not a valid PROXY header: %s\n", j["error"].get<std::string>().c_str());
    return;
  }
  std::printf("PROXY protocol v%d %s %s %s\n", j["version"].get<int>(),
              j["command"].get<std::string>().c_str(), j["family"].get<std::string>().c_str(),
              j["transport"].get<std::string>().c_str());
  for (const char* key : {"src", "dst", "src_unix", "dst_unix"}) {
    if (!j[key].is_null()) std::printf("  %-9s %s\n", key, j[key].get<std::string>().c_str());
  }
  if (j["src"].is_null() && j["src_unix"].is_null()) {
    std::printf("  (no addresses: the connection's own addresses stay in force)\n");
  }
  for (const auto& t : j["tlvs"]) {
    std::printf("  tlv 0x%02x  %s\n", t["type"].get<int>(),
                t["value_hex"].get<std::string>().c_str());
  }
  if (!j["typed"].empty()) {
    std::printf("  typed     %s\n",
                j["typed"].dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  }
  std::printf("  crc32c    %s\n  consumed  %d bytes\n", j["crc32c"].get<std::string>().c_str(),
              j["consumed"].get<int>());
  if (!j["error"].is_null()) {
    std::printf("  error     %s (a listener drops this connection)\n",
                j["error"].get<std::string>().c_str());
  }
}

struct DecodeOptions {
  std::optional<std::string> hex;
  bool json = false;
};

void run_decode(const DecodeOptions& o, int& exit_code) {
  std::vector<uint8_t> bytes;
  if (o.hex) {
    auto parsed = parse_hex(*o.hex);
    if (!parsed) {
      std::fprintf(stderr, "proxy-header decode: --hex: expected an even number of hex digits\n");
      exit_code = 2;
      return;
    }
    bytes = std::move(*parsed);
  } else {
    std::cin >> std::noskipws;
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  ProxyDecoder decoder;
  DecodeStep step = decoder.feed(bytes);
  if (step.status == DecodeStatus::kNeedMore) step = decoder.finish();  // the input ended
  const Json j = decode_json(decoder, step);
  if (o.json) {
    std::printf("%s\n", j.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    print_human(j);
  }
  exit_code = step.status == DecodeStatus::kComplete ? 0 : 1;
}

struct EncodeOptions {
  int version = 2;
  std::string src, dst;
  bool local = false, ssl = false, crc32c = false;
  std::optional<std::string> alpn, authority, unique_id;
  int ssl_client = pp2::kClientSsl;
  uint32_t ssl_verify = 0;
  std::optional<std::string> ssl_version, ssl_cn, ssl_cipher, ssl_sig_alg, ssl_key_alg;
};

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

void run_encode(const EncodeOptions& o, int& exit_code) {
  exit_code = 2;
  ProxyHeaderFields f;
  f.version = o.version == 1 ? ProxyVersion::kV1 : ProxyVersion::kV2;
  f.command = o.local ? ProxyCommand::kLocal : ProxyCommand::kProxy;
  if (!o.local) {
    auto src = parse_endpoint(o.src);
    auto dst = parse_endpoint(o.dst);
    if (!src || !dst) {
      std::fprintf(stderr, "proxy-header encode: --src and --dst must be IP:PORT or [IPv6]:PORT\n");
      return;
    }
    f.source = *src;
    f.destination = *dst;
  }
  f.alpn = view(o.alpn);
  f.authority = view(o.authority);
  f.unique_id = view(o.unique_id);
  if (o.ssl || o.ssl_version || o.ssl_cn || o.ssl_cipher || o.ssl_sig_alg || o.ssl_key_alg) {
    f.ssl = SslTlv{.client = static_cast<uint8_t>(o.ssl_client),
                   .verify = o.ssl_verify,
                   .version = view(o.ssl_version),
                   .cn = view(o.ssl_cn),
                   .cipher = view(o.ssl_cipher),
                   .sig_alg = view(o.ssl_sig_alg),
                   .key_alg = view(o.ssl_key_alg)};
  }
  f.crc32c = o.crc32c;
  auto bytes = encode_proxy_header(f);
  if (!bytes) {
    std::fprintf(stderr,
                 "proxy-header encode: %s (v1 has no LOCAL and no TLVs; UNIQUE_ID is at "
                 "most 128 bytes; a v2 header at most 536 bytes after its fixed part)\n",
                 std::string(error_code_name(bytes.error().code)).c_str());
    return;
  }
  std::printf("%s\n", hex_text(*bytes).c_str());
  exit_code = 0;
}

}  // namespace

void add_proxy_header_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("proxy-header", "Decode or encode a PROXY protocol v1/v2 header");
  cmd->require_subcommand(1);

  auto* decode = cmd->add_subcommand("decode", "Decode a header from --hex or raw bytes on stdin");
  auto d = std::make_shared<DecodeOptions>();
  decode->add_option("--hex", d->hex, "The header as hex digits (whitespace ignored)");
  decode->add_flag("--json", d->json, "Print one JSON object");
  decode->callback([d, &exit_code] { run_decode(*d, exit_code); });

  auto* encode = cmd->add_subcommand("encode", "Print a header as hex");
  auto e = std::make_shared<EncodeOptions>();
  encode->add_option("--version", e->version, "1 or 2")->check(CLI::IsMember({1, 2}));
  encode->add_option("--src", e->src, "Source IP:PORT ([IPv6]:PORT)");
  encode->add_option("--dst", e->dst, "Destination IP:PORT ([IPv6]:PORT)");
  encode->add_flag("--local", e->local, "v2 LOCAL command (no addresses)");
  encode->add_option("--alpn", e->alpn, "PP2_TYPE_ALPN value");
  encode->add_option("--authority", e->authority, "PP2_TYPE_AUTHORITY value (SNI)");
  encode->add_option("--unique-id", e->unique_id, "PP2_TYPE_UNIQUE_ID value (<= 128 bytes)");
  encode->add_flag("--ssl", e->ssl, "Add a PP2_TYPE_SSL TLV (implied by any --ssl-* value)");
  encode->add_option("--ssl-client", e->ssl_client, "SSL <client> bits (default 1)")
      ->check(CLI::Range(0, 255));
  encode->add_option("--ssl-verify", e->ssl_verify, "SSL <verify> value (default 0)");
  encode->add_option("--ssl-version", e->ssl_version, "PP2_SUBTYPE_SSL_VERSION");
  encode->add_option("--ssl-cn", e->ssl_cn, "PP2_SUBTYPE_SSL_CN");
  encode->add_option("--ssl-cipher", e->ssl_cipher, "PP2_SUBTYPE_SSL_CIPHER");
  encode->add_option("--ssl-sig-alg", e->ssl_sig_alg, "PP2_SUBTYPE_SSL_SIG_ALG");
  encode->add_option("--ssl-key-alg", e->ssl_key_alg, "PP2_SUBTYPE_SSL_KEY_ALG");
  encode->add_flag("--crc32c", e->crc32c, "Add a PP2_TYPE_CRC32C checksum");
  encode->callback([e, &exit_code] { run_encode(*e, exit_code); });
}

}  // namespace doorman::cli

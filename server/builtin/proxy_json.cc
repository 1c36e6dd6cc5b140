#include "builtin/proxy_json.h"

#include <string>

namespace doorman::builtin {
namespace {

using Json = nlohmann::ordered_json;

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string endpoint_text(const Endpoint& e) {
  const std::string ip = e.address.to_string();
  return (e.address.is_v4() ? ip : "[" + ip + "]") + ":" + std::to_string(e.port);
}

Json typed_json(const TypedTlvs& t) {
  Json j = Json::object();
  if (t.alpn) j["alpn"] = std::string(*t.alpn);
  if (t.authority) j["authority"] = std::string(*t.authority);
  if (t.unique_id) j["unique_id_hex"] = to_hex(*t.unique_id);
  if (t.ssl) {
    const SslTlv& s = *t.ssl;
    Json ssl = {{"client", s.client},
                {"verify", s.verify},
                {"client_ssl", (s.client & pp2::kClientSsl) != 0},
                {"cert_conn", (s.client & pp2::kClientCertConn) != 0},
                {"cert_sess", (s.client & pp2::kClientCertSess) != 0}};
    const std::pair<const char*, const std::optional<std::string_view>*> subs[] = {
        {"version", &s.version},      {"cn", &s.cn},           {"cipher", &s.cipher},
        {"sig_alg", &s.sig_alg},      {"key_alg", &s.key_alg}, {"group", &s.group},
        {"sig_scheme", &s.sig_scheme}};
    for (const auto& [key, value] : subs)
      if (*value) ssl[key] = std::string(**value);
    j["ssl"] = std::move(ssl);
  }
  if (t.aws_vpce_id) j["aws_vpce_id"] = std::string(*t.aws_vpce_id);
  if (t.azure_link_id) j["azure_link_id"] = *t.azure_link_id;
  if (t.gcp_psc_connection_id) j["gcp_psc_connection_id"] = *t.gcp_psc_connection_id;
  return j;
}

}  // namespace

Json proxy_header_json(const runtime::Session& s) {
  if (!s.proxy_header) return nullptr;
  const ProxyHeader& h = *s.proxy_header;
  Json j = {{"version", static_cast<int>(h.version())},
            {"command", std::string(proxy_command_name(h.command()))},
            {"family", std::string(proxy_family_name(h.version(), h.family()))},
            {"src", nullptr},
            {"dst", nullptr},
            {"socket_peer", s.unix_listener ? std::string("unix") : s.socket_peer.to_string()},
            {"peer_from_proxy_protocol", s.peer_from_proxy_protocol},
            {"crc32c", std::string(crc_status_name(h.crc32c()))}};
  if (h.has_addresses() && h.family() != ProxyFamily::kUnix) {
    j["src"] = endpoint_text(h.source());
    j["dst"] = endpoint_text(h.destination());
  }
  j["typed"] = typed_json(h.typed());
  return j;
}

}  // namespace doorman::builtin

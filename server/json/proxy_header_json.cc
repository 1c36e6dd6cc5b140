#include "json/proxy_header_json.h"

#include <optional>
#include <utility>

namespace doorman::json {

std::string endpoint_text(const Endpoint& e) {
  const std::string ip = e.address.to_string();
  return (e.address.is_v4() ? ip : "[" + ip + "]") + ":" + std::to_string(e.port);
}

std::string hex_text(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string hex_text(std::string_view bytes) {
  return hex_text(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

nlohmann::ordered_json typed_tlvs_json(const TypedTlvs& t) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  auto text = [&](const char* key, const std::optional<std::string_view>& v) {
    if (v) j[key] = std::string(*v);
  };
  text("alpn", t.alpn);
  text("authority", t.authority);
  if (t.unique_id) j["unique_id_hex"] = hex_text(*t.unique_id);
  text("netns", t.netns);
  if (t.ssl) {
    const SslTlv& s = *t.ssl;
    nlohmann::ordered_json ssl = {{"client", s.client},
                                  {"verify", s.verify},
                                  {"client_ssl", (s.client & pp2::kClientSsl) != 0},
                                  {"cert_conn", (s.client & pp2::kClientCertConn) != 0},
                                  {"cert_sess", (s.client & pp2::kClientCertSess) != 0}};
    const std::pair<const char*, const std::optional<std::string_view>*> subs[] = {
        {"version", &s.version},      {"cn", &s.cn},           {"cipher", &s.cipher},
        {"sig_alg", &s.sig_alg},      {"key_alg", &s.key_alg}, {"group", &s.group},
        {"sig_scheme", &s.sig_scheme}};
    for (const auto& [key, value] : subs) {
      if (*value) ssl[key] = std::string(**value);
    }
    if (s.client_cert) ssl["client_cert_hex"] = hex_text(*s.client_cert);
    j["ssl"] = std::move(ssl);
  }
  text("aws_vpce_id", t.aws_vpce_id);
  if (t.azure_link_id) j["azure_link_id"] = *t.azure_link_id;
  if (t.gcp_psc_connection_id) j["gcp_psc_connection_id"] = *t.gcp_psc_connection_id;
  return j;
}

}  // namespace doorman::json

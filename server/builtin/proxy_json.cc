#include "builtin/proxy_json.h"

#include <string>

#include "json/proxy_header_json.h"

namespace doorman::builtin {
using Json = nlohmann::ordered_json;

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
    j["src"] = json::endpoint_text(h.source());
    j["dst"] = json::endpoint_text(h.destination());
  }
  j["typed"] = json::typed_tlvs_json(h.typed());
  return j;
}

}  // namespace doorman::builtin

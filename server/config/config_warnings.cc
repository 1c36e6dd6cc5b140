#include "config/config_warnings.h"

namespace doorman::config {

std::vector<std::string> config_warnings(const Config& config) {
  std::vector<std::string> out;
  std::size_t index = 0;
  for (const RouteSection& route : config.routes) {
    ++index;
    const std::string where = config.path + ":" + std::to_string(route.line) + ": warning: route[" +
                              std::to_string(index) + "] (" + route.name + ")";
    if (route.source_ip == SourceIpMode::kCloudflareProxy && !route.edge.require_origin_pull)
      out.push_back(where +
                    ": source_ip = \"cloudflare-proxy\" without require_origin_pull = true: a "
                    "Cloudflare address proves only that some Cloudflare customer sent the "
                    "request, whose CF-Connecting-IP it chose (set client_auth = \"cloudflare\" "
                    "on the TLS listener and require_origin_pull = true on the route)");
    if (route.access.enabled && route.source_ip != SourceIpMode::kCloudflareProxy)
      out.push_back(where +
                    ": [route.access] without source_ip = \"cloudflare-proxy\": the token "
                    "proves the user, but the client IP is not Cloudflare's CF-Connecting-IP");
  }
  return out;
}

}  // namespace doorman::config

#include "config/config_warnings.h"

#include <openssl/ssl.h>

#include "tls/origin_ca.h"
#include "tls/tls_context.h"

namespace doorman::config {
namespace {

// The listener address as written in messages ("127.0.0.1:443", "[::1]:443").
std::string listener_name(const ListenerSection& listener) {
  return listener.address.text.empty() ? std::string("a TLS listener") : listener.address.text;
}

// Origin CA certificates that a TLS listener serves for the route's exact host names.
void origin_ca_warnings(const Config& config, const RouteSection& route, const std::string& where,
                        std::vector<std::string>& out) {
  for (const RoutePattern& pattern : route.patterns) {
    if (pattern.host.empty() || pattern.wildcard) continue;
    for (const ListenerSection& listener : config.listeners) {
      const auto& context = listener.edge.tls_context;
      if (!context || context->store() == nullptr) continue;
      const tls::LoadedCertificate* cert = context->store()->covering(pattern.host);
      if (cert == nullptr || !tls::issued_by_origin_ca(SSL_CTX_get0_certificate(cert->ctx.get())))
        continue;
      out.push_back(where + ": " + listener_name(listener) + " serves " + pattern.host +
                    " a Cloudflare Origin CA certificate (" + cert->files.cert +
                    ") on a route that admits direct visitors: only Cloudflare "
                    "trusts it, so browsers that reach the origin directly get a certificate "
                    "error (serve a publicly trusted certificate, e.g. certificates = \"acme\", "
                    "or make the route cloudflare-proxy)");
    }
  }
}

}  // namespace

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
    // Behind Cloudflare either way: through its proxy, or through cloudflared on a trusted peer.
    const bool behind_cloudflare = route.source_ip == SourceIpMode::kCloudflareProxy ||
                                   route.source_ip == SourceIpMode::kCloudflareTunnel;
    if (route.access.enabled && !behind_cloudflare)
      out.push_back(where +
                    ": [route.access] without source_ip = \"cloudflare-proxy\": the token "
                    "proves the user, but the client IP is not Cloudflare's CF-Connecting-IP");
    // Routes browsers may reach directly (auto admits direct visitors too).
    if (route.source_ip == SourceIpMode::kAuto || route.source_ip == SourceIpMode::kDirect)
      origin_ca_warnings(config, route, where, out);
  }
  return out;
}

}  // namespace doorman::config

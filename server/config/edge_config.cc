// Reads the edge keys of [[listener]] and [[route]] (edge_config.h, edge_reader.h).
#include <initializer_list>

#include "config/edge_reader.h"
#include "doorman/cidr.h"
#include "tls/tls_context.h"

#include <cstdio>

namespace doorman::config {
namespace {

class EdgeReader {
 public:
  EdgeReader(const std::string& path, std::vector<std::string>& errors)
      : path_(path), errors_(errors) {}

  void error(const toml::node& node, const std::string& key, std::string_view message) {
    errors_.push_back(path_ + ":" + std::to_string(node.source().begin.line) + ": " + key + ": " +
                      std::string(message));
  }

  void read_listener(const toml::table& t, const std::string& where, ListenerEdge& edge) {
    if (const toml::node* n = t.get("proxy_protocol")) {
      const std::optional<std::string> v = n->value<std::string>();
      if (v == "off")
        edge.proxy_protocol = ProxyProtocolMode::kOff;
      else if (v == "v1")
        edge.proxy_protocol = ProxyProtocolMode::kV1;
      else if (v == "v2")
        edge.proxy_protocol = ProxyProtocolMode::kV2;
      else if (v == "any")
        edge.proxy_protocol = ProxyProtocolMode::kAny;
      else
        error(*n, where + ".proxy_protocol", "expected one of \"off\", \"v1\", \"v2\", \"any\"");
    }
    if (const toml::node* n = t.get("proxy_protocol_from")) {
      std::vector<Cidr> cidrs;
      if (!n->is_array()) error(*n, where + ".proxy_protocol_from", "expected an array of CIDRs");
      if (const toml::array* list = n->as_array()) {
        for (const toml::node& item : *list) {
          const std::optional<std::string> text = item.value<std::string>();
          auto cidr = text ? parse_cidr(*text) : Result<Cidr>(fail(ErrorCode::kInvalidValue));
          if (!cidr) {
            error(item, where + ".proxy_protocol_from",
                  "'" + text.value_or("?") + "': expected a CIDR like \"10.0.0.0/8\"");
            continue;
          }
          cidrs.push_back(*cidr);
          edge.proxy_protocol_from.push_back(*text);
        }
        if (list->empty()) error(*n, where + ".proxy_protocol_from", "an empty list admits no one");
      }
      edge.proxy_protocol_from_set = CidrSet(cidrs);
      if (!t.get("proxy_protocol"))
        error(*n, where + ".proxy_protocol_from", "only used with proxy_protocol");
    }
    if (const toml::node* n = t.get("proxy_header_timeout")) {
      std::optional<Duration> d;
      if (n->is_string()) d = parse_duration(n->as_string()->get());
      if (n->is_integer() && n->as_integer()->get() > 0)
        d = parse_duration(std::to_string(n->as_integer()->get()));
      if (!d || d->count() <= 0)
        error(*n, where + ".proxy_header_timeout",
              "expected a positive duration like \"5s\", \"500ms\"");
      else
        edge.proxy_header_timeout = *d;
    }
  }

  // tls = true with one or more [[listener.certificate]] tables; the certificates are loaded
  // here so a missing file or a mismatched key is a configuration error naming the file.
  void read_tls(const toml::table& t, const std::string& where, ListenerEdge& edge) {
    if (const toml::node* n = t.get("tls")) {
      if (!n->is_boolean())
        error(*n, where + ".tls", "expected true or false");
      else
        edge.tls = n->as_boolean()->get();
    }
    read_http2(t, where, edge);
    if (const toml::node* n = t.get("certificates")) {
      if (n->value<std::string>() != "acme")
        error(*n, where + ".certificates", "expected \"acme\"");
      else if (!edge.tls)
        error(*n, where + ".certificates", "only used with tls = true");
      else
        edge.acme = true;
    }
    const bool client_auth_ok = read_client_auth(t, where, edge);
    const toml::node* list = t.get("certificate");
    if (list != nullptr && !list->is_array_of_tables()) {
      error(*list, where + ".certificate", "expected [[listener.certificate]] tables");
      return;
    }
    if (list != nullptr && !edge.tls) {
      error(*list, where + ".certificate", "only used with tls = true");
      return;
    }
    if (!edge.tls) return;
    const toml::node& anchor = list != nullptr ? *list : *t.get("tls");
    if (list == nullptr && !edge.acme) {
      error(anchor, where + ".certificate",
            "tls = true needs at least one [[listener.certificate]] or certificates = \"acme\"");
      return;
    }
    std::size_t index = 0;
    static const toml::array kNone;
    for (const toml::node& item : list != nullptr ? *list->as_array() : kNone) {
      const toml::table& c = *item.as_table();
      const std::string at = where + ".certificate[" + std::to_string(++index) + "]";
      bool ok = true;
      for (auto&& [key, node] : c) {
        if (key.str() != "cert" && key.str() != "key" && key.str() != "default") {
          error(node, at + "." + std::string(key.str()), "unknown key");
          ok = false;
        }
      }
      CertificateFiles files;
      const auto cert = c["cert"].value<std::string>();
      const auto key = c["key"].value<std::string>();
      if (!cert || !key) {
        error(item, at, "cert and key (PEM file paths) are required");
        continue;
      }
      files.cert = *cert;
      files.key = *key;
      if (const toml::node* d = c.get("default")) {
        if (!d->is_boolean()) {
          error(*d, at + ".default", "expected true or false");
          ok = false;
        } else {
          files.is_default = d->as_boolean()->get();
        }
      }
      if (ok) edge.certificates.push_back(std::move(files));
    }
    if (edge.certificates.size() != index || !client_auth_ok) return;  // reported above
    tls::TlsContext::BuildResult built =
        tls::TlsContext::build(edge.certificates, edge.http2, edge.acme, edge.client_auth);
    for (const std::string& e : built.errors) error(anchor, where + ".certificate", e);
    for (const std::string& w : built.warnings)
      std::fprintf(stderr, "doorman: warning: %s:%d: %s.certificate: %s\n", path_.c_str(),
                   static_cast<int>(anchor.source().begin.line), where.c_str(), w.c_str());
    edge.tls_context = std::move(built.context);
  }

  // client_ca = "FILE" | client_auth = "cloudflare" | "off", client_auth_required = true|false
  // (TLS listeners; tls/client_ca.h). The CA is loaded here so that a bad file is an error
  // naming it. Returns false when an error was reported.
  bool read_client_auth(const toml::table& t, const std::string& where, ListenerEdge& edge) {
    const std::size_t errors_before = errors_.size();
    const toml::node* ca = t.get("client_ca");
    const toml::node* auth = t.get("client_auth");
    const toml::node* required = t.get("client_auth_required");
    if (ca != nullptr) {
      if (!ca->is_string() || ca->as_string()->get().empty()) {
        error(*ca, where + ".client_ca", "expected the path of a PEM file of CA certificates");
      } else {
        edge.client_auth.ca = ClientAuth::Ca::kFile;
        edge.client_auth.ca_file = ca->as_string()->get();
      }
    }
    if (auth != nullptr) {
      const std::optional<std::string> v = auth->value<std::string>();
      if (v == "cloudflare" && ca != nullptr)
        error(*auth, where + ".client_auth",
              "use either client_auth = \"cloudflare\" or client_ca = \"FILE\"");
      else if (v == "cloudflare")
        edge.client_auth.ca = ClientAuth::Ca::kCloudflare;
      else if (v != "off")
        error(*auth, where + ".client_auth", "expected one of \"cloudflare\", \"off\"");
    }
    if (required != nullptr) {
      if (!required->is_boolean())
        error(*required, where + ".client_auth_required", "expected true or false");
      else if (!edge.client_auth.enabled())
        error(*required, where + ".client_auth_required",
              "only used with client_ca or client_auth = \"cloudflare\"");
      else
        edge.client_auth.required = required->as_boolean()->get();
    }
    if (edge.client_auth.enabled() && !edge.tls) {
      error(ca != nullptr ? *ca : *auth, where + (ca != nullptr ? ".client_ca" : ".client_auth"),
            "only used with tls = true (client certificates are part of the TLS handshake)");
      edge.client_auth = {};
    }
    if (edge.client_auth.ca == ClientAuth::Ca::kFile) {
      if (auto loaded = tls::ClientCa::load(edge.client_auth); !loaded.error.empty())
        error(*ca, where + ".client_ca", loaded.error);
    }
    return errors_.size() == errors_before;
  }

  // http2 = true | false (TLS listeners: ALPN offers h2), h2c = true | false (plain listeners).
  void read_http2(const toml::table& t, const std::string& where, ListenerEdge& edge) {
    if (const toml::node* n = t.get("http2")) {
      if (!n->is_boolean())
        error(*n, where + ".http2", "expected true or false");
      else
        edge.http2 = n->as_boolean()->get();
    }
    if (const toml::node* n = t.get("h2c")) {
      if (!n->is_boolean())
        error(*n, where + ".h2c", "expected true or false");
      else if (n->as_boolean()->get() && edge.tls)
        error(*n, where + ".h2c", "only for plain listeners (TLS listeners offer h2 by ALPN)");
      else if (n->as_boolean()->get() && !edge.http2)
        error(*n, where + ".h2c", "cannot be used with http2 = false");
      else
        edge.h2c = n->as_boolean()->get();
    }
  }

  // mode = "http" | "tcp"; a tcp listener needs `upstream` and may send a PROXY header to it.
  void read_tcp(const toml::table& t, const std::string& where, ListenerEdge& edge) {
    if (const toml::node* n = t.get("mode")) {
      const std::optional<std::string> v = n->value<std::string>();
      if (v == "tcp")
        edge.tcp.enabled = true;
      else if (v != "http")
        error(*n, where + ".mode", "expected one of \"http\", \"tcp\"");
    }
    const toml::node* up = t.get("upstream");
    const toml::node* pp = t.get("upstream_proxy_protocol");
    if (!edge.tcp.enabled) {
      if (up)
        error(*up, where + ".upstream", "only used with mode = \"tcp\" (routes name upstreams)");
      if (pp) error(*pp, where + ".upstream_proxy_protocol", "only used with mode = \"tcp\"");
      return;
    }
    if (up == nullptr || !up->is_string()) {
      error(up ? *up : *t.get("mode"), where + ".upstream",
            "mode = \"tcp\" needs upstream = \"host:port\"");
      return;
    }
    auto parsed = parse_socket_address(up->as_string()->get(), true);
    if (!parsed || parsed->kind == SocketAddress::Kind::kBuiltinEcho) {
      error(*up, where + ".upstream",
            parsed ? "builtin:echo speaks HTTP: use a route" : parsed.error());
      return;
    }
    edge.tcp.text = parsed->text;
    edge.tcp.host = parsed->host;
    edge.tcp.port = parsed->port;
    if (parsed->kind == SocketAddress::Kind::kUnix) edge.tcp.unix_path = parsed->path;
    if (pp) {
      const std::optional<std::string> v = pp->value<std::string>();
      if (v == "v1")
        edge.tcp.send_proxy = UpstreamProxyProtocol::kV1;
      else if (v == "v2")
        edge.tcp.send_proxy = UpstreamProxyProtocol::kV2;
      else if (v != "off")
        error(*pp, where + ".upstream_proxy_protocol", "expected one of \"off\", \"v1\", \"v2\"");
    }
  }

  // require_origin_pull = true, origin_pull_subject = "NAME" (doorman/origin_pull.h): only
  // where a Cloudflare rule runs, and only when some listener can see a client certificate.
  void read_origin_pull(const toml::table& t, const std::string& where, const Config& config,
                        RouteSection& route) {
    RouteEdge& edge = route.edge;
    if (const toml::node* n = t.get("require_origin_pull")) {
      if (!n->is_boolean()) {
        error(*n, where + ".require_origin_pull", "expected true or false");
      } else if (n->as_boolean()->get()) {
        bool any_listener = false;
        for (const ListenerSection& l : config.listeners)
          any_listener = any_listener || l.edge.client_auth.enabled();
        if (route.source_ip != SourceIpMode::kCloudflareProxy &&
            route.source_ip != SourceIpMode::kAuto)
          error(*n, where + ".require_origin_pull",
                "only used with source_ip = \"cloudflare-proxy\" or \"auto\" (the Cloudflare "
                "rule)");
        else if (!any_listener)
          error(*n, where + ".require_origin_pull",
                "no [[listener]] requests client certificates (client_ca or client_auth = "
                "\"cloudflare\"): every Cloudflare request would be refused");
        else
          edge.require_origin_pull = true;
      }
    }
    if (const toml::node* n = t.get("origin_pull_subject")) {
      if (!n->is_string() || n->as_string()->get().empty())
        error(*n, where + ".origin_pull_subject",
              "expected the certificate's subject CN or a DNS name of its subjectAltName");
      else if (!edge.require_origin_pull && !t.get("require_origin_pull"))
        error(*n, where + ".origin_pull_subject", "only used with require_origin_pull = true");
      else
        edge.origin_pull_subject = n->as_string()->get();
    }
  }

  void read_route(const toml::table& t, const std::string& where, RouteEdge& edge) {
    if (const toml::node* n = t.get("https_redirect")) {
      if (!n->is_boolean())
        error(*n, where + ".https_redirect", "expected true or false");
      else
        edge.https_redirect = n->as_boolean()->get();
    }
    if (const toml::node* n = t.get("https_port")) {
      if (!n->is_integer() || n->as_integer()->get() < 1 || n->as_integer()->get() > 65535)
        error(*n, where + ".https_port", "expected a port number from 1 to 65535");
      else
        edge.https_port = static_cast<uint16_t>(n->as_integer()->get());
      if (!t.get("https_redirect"))
        error(*n, where + ".https_port", "only used with https_redirect = true");
    }
    if (const toml::node* n = t.get("upstream_proxy_protocol")) {
      const std::optional<std::string> v = n->value<std::string>();
      if (v == "off")
        edge.upstream_proxy_protocol = UpstreamProxyProtocol::kOff;
      else if (v == "v1")
        edge.upstream_proxy_protocol = UpstreamProxyProtocol::kV1;
      else if (v == "v2")
        edge.upstream_proxy_protocol = UpstreamProxyProtocol::kV2;
      else
        error(*n, where + ".upstream_proxy_protocol", "expected one of \"off\", \"v1\", \"v2\"");
    }
  }

 private:
  const std::string& path_;
  std::vector<std::string>& errors_;
};

// Calls fn(table, "name[i]", i) for the i-th table of [[name]] when it exists.
template <typename Fn>
void for_each_table(const toml::table& root, std::string_view name, Fn&& fn) {
  const toml::node* node = root.get(name);
  if (node == nullptr || !node->is_array_of_tables()) return;
  std::size_t index = 0;
  for (const toml::node& item : *node->as_array()) {
    fn(*item.as_table(), std::string(name) + "[" + std::to_string(index + 1) + "]", index);
    ++index;
  }
}

}  // namespace

void read_edge_config(const toml::table& root, const std::string& path, Config& config,
                      std::vector<std::string>& errors) {
  EdgeReader reader(path, errors);
  for_each_table(root, "listener",
                 [&](const toml::table& t, const std::string& where, std::size_t i) {
                   if (i >= config.listeners.size()) return;
                   reader.read_listener(t, where, config.listeners[i].edge);
                   reader.read_tls(t, where, config.listeners[i].edge);
                   reader.read_tcp(t, where, config.listeners[i].edge);
                 });
  for_each_table(root, "route", [&](const toml::table& t, const std::string& where, std::size_t i) {
    if (i >= config.routes.size()) return;
    reader.read_route(t, where, config.routes[i].edge);
    reader.read_origin_pull(t, where, config, config.routes[i]);
  });
}

}  // namespace doorman::config

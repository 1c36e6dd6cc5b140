// [admin] keys (admin_config.h).
#include "config/admin_config.h"

#include "config/config.h"
#include "doorman/cidr.h"
#include "doorman/ip_address.h"

namespace doorman::config {
namespace {

void add_error(std::vector<std::string>& errors, const std::string& path, const toml::node& node,
               std::string_view key, std::string_view message) {
  errors.push_back(path + ":" + std::to_string(node.source().begin.line) + ": " + std::string(key) +
                   ": " + std::string(message));
}

bool is_loopback(std::string_view host) {
  auto ip = IpAddress::parse(host);
  return ip && CidrSet::loopback().contains(*ip);
}

}  // namespace

void read_admin_config(const toml::table& root, const std::string& path, Config& config,
                       std::vector<std::string>& errors) {
  const toml::node* node = root.get("admin");
  if (node == nullptr) return;
  if (!node->is_table()) {
    add_error(errors, path, *node, "admin", "expected a table [admin]");
    return;
  }
  const toml::table& t = *node->as_table();
  AdminSection& a = config.admin;
  a.line = static_cast<int>(t.source().begin.line);
  for (auto&& [key, value] : t)
    if (key.str() != "address" && key.str() != "allow_remote" && key.str() != "allow")
      add_error(errors, path, value, "admin." + std::string(key.str()), "unknown key");

  const toml::node* address = t.get("address");
  if (address == nullptr) {
    add_error(errors, path, t, "admin.address", "address is required");
    return;
  }
  if (!address->is_string()) {
    add_error(errors, path, *address, "admin.address", "expected a string");
    return;
  }
  auto parsed = parse_socket_address(address->as_string()->get(), false);
  if (!parsed || parsed->kind != SocketAddress::Kind::kTcp) {
    add_error(errors, path, *address, "admin.address",
              parsed ? "expected an IP address and port like \"127.0.0.1:9901\"" : parsed.error());
    return;
  }
  if (const toml::node* v = t.get("allow_remote")) {
    if (v->is_boolean())
      a.allow_remote = v->as_boolean()->get();
    else
      add_error(errors, path, *v, "admin.allow_remote", "expected true or false");
  }
  std::vector<Cidr> cidrs;
  if (const toml::node* v = t.get("allow")) {
    if (!v->is_array()) {
      add_error(errors, path, *v, "admin.allow", "expected an array of CIDRs");
    } else {
      for (const toml::node& item : *v->as_array()) {
        auto cidr = item.is_string() ? parse_cidr(item.as_string()->get())
                                     : Result<Cidr>(fail(ErrorCode::kInvalidValue));
        if (!cidr) {
          add_error(errors, path, item, "admin.allow", "expected a CIDR like \"10.0.0.0/8\"");
          continue;
        }
        a.allow.push_back(item.as_string()->get());
        cidrs.push_back(*cidr);
      }
    }
  }
  // The status page names clients and request ids: only an explicit opt-in exposes it.
  if (!is_loopback(parsed->host) && !a.allow_remote)
    add_error(errors, path, *address, "admin.address",
              "'" + parsed->text +
                  "' is not a loopback address; set allow_remote = true and allow = [CIDRs] "
                  "to expose the admin listener");
  if (a.allow_remote && a.allow.empty())
    add_error(errors, path, t.get("allow_remote") ? *t.get("allow_remote") : t, "admin.allow",
              "allow_remote = true needs allow = [CIDRs] naming who may connect");
  a.enabled = true;
  a.host = parsed->host;
  a.port = parsed->port;
  a.text = parsed->text;
  a.allowed = CidrSet::trusted(cidrs);  // loopback is always allowed
}

}  // namespace doorman::config

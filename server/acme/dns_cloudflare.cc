#include "acme/dns_cloudflare.h"

#include <algorithm>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "acme/dns_lookup.h"

namespace doorman::acme {
namespace {

using json = nlohmann::json;

constexpr std::chrono::milliseconds kQueryTimeout{std::chrono::seconds(2)};

struct Solver {
  CloudflareSettings settings;
  HttpClient http;
  AcmeClient::Log log;
  AcmeClient::Wait wait;
  std::map<std::string, std::pair<std::string, std::string>> records;  // name+value -> zone, id

  std::vector<std::string> headers() const { return {"Authorization: Bearer " + settings.token}; }

  std::expected<json, std::string> call(const std::string& method, const std::string& path,
                                        const std::string& body = "") {
    auto r = http.send_json(method, settings.api_url + path, body, headers());
    if (!r) return std::unexpected(r.error());
    const json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.value("success", false))
      return std::unexpected(
          "cloudflare " + method + " " + path + ": HTTP " + std::to_string(r->status) + " " +
          (j.is_object() && j.contains("errors") ? j["errors"].dump() : r->body.substr(0, 200)));
    return j;
  }

  // The zone holding `name`: the longest suffix Cloudflare knows.
  std::expected<std::string, std::string> zone_of(std::string name) {
    while (name.find('.') != std::string::npos) {
      auto j = call("GET", "/zones?name=" + name);
      if (!j) return std::unexpected(j.error());
      const json& result = (*j)["result"];
      if (result.is_array() && !result.empty() && result[0].contains("id"))
        return result[0]["id"].get<std::string>();
      name = name.substr(name.find('.') + 1);
    }
    return std::unexpected("no Cloudflare zone holds it");
  }

  std::expected<void, std::string> present(const std::string& name, const std::string& value) {
    const std::string bare = name.substr(std::string("_acme-challenge.").size());
    auto zone = zone_of(bare);
    if (!zone) return std::unexpected(name + ": " + zone.error());
    const json record = {{"type", "TXT"}, {"name", name}, {"content", value}, {"ttl", 60}};
    auto j = call("POST", "/zones/" + *zone + "/dns_records", record.dump());
    if (!j) return std::unexpected(j.error());
    records[name + " " + value] = {*zone, (*j)["result"].value("id", std::string())};
    auto seen = wait_until_seen(name, value);
    if (seen && settings.propagation.count() > 0) {
      log(name + ": waiting " + std::to_string(settings.propagation.count()) +
          " ms more (propagation)");
      if (!wait(settings.propagation)) seen = std::unexpected("stopping");
    }
    if (!seen) cleanup(name, value);  // the CA is not asked: nothing else would delete it
    return seen;
  }

  // Asks each resolver until it answers with `value` (RFC 8555 §8.4: the CA looks the record
  // up itself; asking it before the record is visible fails the authorization).
  std::expected<void, std::string> wait_until_seen(const std::string& name,
                                                   const std::string& value) {
    std::vector<std::string> pending = settings.resolvers;
    std::string list;
    for (const std::string& r : pending) list += (list.empty() ? "" : ", ") + r;
    log(name + ": TXT record created; waiting for " + list + " to answer with it (up to " +
        std::to_string(settings.propagation_timeout.count() / 1000) + " s)");
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + settings.propagation_timeout;
    std::string last;
    for (;;) {
      for (auto it = pending.begin(); it != pending.end();) {
        auto texts = lookup_txt(*it, name, kQueryTimeout);
        if (texts && std::find(texts->begin(), texts->end(), value) != texts->end()) {
          it = pending.erase(it);
          continue;
        }
        last = *it + ": " +
               (!texts           ? texts.error()
                : texts->empty() ? std::string("no TXT record")
                                 : std::to_string(texts->size()) + " TXT records, not this one");
        ++it;
      }
      const auto now = std::chrono::steady_clock::now();
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
      if (pending.empty()) {
        log(name + ": TXT record seen at every resolver after " + std::to_string(elapsed.count()) +
            " ms");
        return {};
      }
      if (now >= deadline)
        return std::unexpected("the TXT record was not seen within " +
                               std::to_string(settings.propagation_timeout.count() / 1000) +
                               " s (" + last + ")");
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      if (!wait(std::min(kPollInterval, left))) return std::unexpected("stopping");
    }
  }

  void cleanup(const std::string& name, const std::string& value) {
    auto it = records.find(name + " " + value);
    if (it == records.end()) return;
    auto j = call("DELETE", "/zones/" + it->second.first + "/dns_records/" + it->second.second);
    if (!j) log(name + ": cannot delete the TXT record: " + j.error());
    records.erase(it);
  }
};

}  // namespace

DnsSolver make_cloudflare_solver(CloudflareSettings settings, AcmeClient::Log log,
                                 AcmeClient::Wait wait) {
  auto solver = std::make_shared<Solver>();
  solver->http = HttpClient(settings.ca_roots);
  if (settings.resolvers.empty()) settings.resolvers = system_resolvers();
  solver->settings = std::move(settings);
  solver->log = std::move(log);
  solver->wait = std::move(wait);
  return DnsSolver{[solver](const std::string& name, const std::string& value) {
                     return solver->present(name, value);
                   },
                   [solver](const std::string& name, const std::string& value) {
                     solver->cleanup(name, value);
                   }};
}

}  // namespace doorman::acme

#include "acme/dns_cloudflare.h"

#include <map>
#include <memory>
#include <nlohmann/json.hpp>

namespace doorman::acme {
namespace {

using json = nlohmann::json;

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
    log(name + ": TXT record created; waiting " + std::to_string(settings.propagation.count()) +
        " ms for it to propagate");
    if (!wait(settings.propagation)) return std::unexpected("stopping");
    return {};
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

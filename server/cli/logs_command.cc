// `doorman logs`: reads the JSON diagnostics log (docs/logs.md) and prints aligned lines for a
// person, or the matching JSON lines with --json. Filters combine (all must match):
//   --ip IP            client_ip, socket_peer or proxy_source equals IP
//   --status 429|4xx   exact status, or a class
//   --route R          route name
//   --request-id ID
//   --since 10m        lines newer than now - duration (s, m, h)
// --file F (default: stdin), --follow keeps reading as the file grows (like tail -f).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "config/config.h"
#include "doorman/ip_address.h"

namespace doorman::cli {
namespace {

struct Filters {
  std::string ip, status, route, request_id, since;
  bool json = false;
  std::optional<IpAddress> ip_value;
  std::string since_text;  // ISO time; lines compare as strings (same format, UTC)
};

std::string text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

bool same_ip(const nlohmann::json& j, const char* key, const IpAddress& want) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  auto got = IpAddress::parse(it->get<std::string>());
  return got && *got == want;
}

bool matches(const nlohmann::json& j, const Filters& f) {
  if (f.ip_value && !same_ip(j, "client_ip", *f.ip_value) &&
      !same_ip(j, "socket_peer", *f.ip_value) && !same_ip(j, "proxy_source", *f.ip_value))
    return false;
  if (!f.status.empty()) {
    const std::string status = text(j, "status");
    if (f.status.size() == 3 && f.status.substr(1) == "xx") {
      if (status.empty() || status[0] != f.status[0]) return false;
    } else if (status != f.status) {
      return false;
    }
  }
  if (!f.route.empty() && text(j, "route") != f.route) return false;
  if (!f.request_id.empty() && text(j, "request_id") != f.request_id) return false;
  if (!f.since_text.empty() && text(j, "time") < f.since_text) return false;
  return true;
}

void print(const std::string& raw, const nlohmann::json& j, bool as_json) {
  if (as_json) {
    std::printf("%s\n", raw.c_str());
    return;
  }
  // TIME STATUS REASON CLIENT_IP (SOURCE) via PEER  METHOD HOST PATH  ROUTE  MS [UPSTREAM]
  // RATE  RID; UPSTREAM is "up=CONNECT+TTFBms" ("-" for a reused connection), only when an
  // upstream answered.
  const std::string client = text(j, "client_ip") + " (" + text(j, "client_ip_source") + ")";
  std::string upstream;
  if (const std::string ttfb = text(j, "upstream_ttfb_ms"); ttfb != "-")
    upstream = " up=" + text(j, "upstream_connect_ms") + "+" + ttfb + "ms";
  std::printf("%-24s %3s %-22s %-40s via %-15s %-6s %s%s  route=%s  %sms%s  rl=%s  id=%s\n",
              text(j, "time").c_str(), text(j, "status").c_str(), text(j, "reason").c_str(),
              client.c_str(), text(j, "socket_peer").c_str(), text(j, "method").c_str(),
              text(j, "host").c_str(), text(j, "path").c_str(), text(j, "route").c_str(),
              text(j, "duration_ms").c_str(), upstream.c_str(), text(j, "rate_limit").c_str(),
              text(j, "request_id").c_str());
}

int run_logs(const std::string& file, bool follow, Filters f) {
  if (!f.ip.empty()) {
    f.ip_value = IpAddress::parse(f.ip).value_or(IpAddress());
    if (!IpAddress::parse(f.ip)) {
      std::fprintf(stderr, "doorman logs: --ip: '%s' is not an IP address\n", f.ip.c_str());
      return 2;
    }
  }
  if (!f.since.empty()) {
    auto d = config::parse_duration(f.since);
    if (!d) {
      std::fprintf(stderr, "doorman logs: --since: expected a duration like 10m, 1h, 30s\n");
      return 2;
    }
    const std::time_t t =
        std::time(nullptr) - std::chrono::duration_cast<std::chrono::seconds>(*d).count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    f.since_text = buf;
  }
  std::ifstream in;
  if (!file.empty()) {
    in.open(file);
    if (!in) {
      std::fprintf(stderr, "doorman logs: cannot read %s\n", file.c_str());
      return 1;
    }
  }
  std::istream& stream = file.empty() ? std::cin : in;
  std::string line;
  for (;;) {
    while (std::getline(stream, line)) {
      if (line.empty() || line[0] != '{') continue;  // startup messages share stdout
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      if (matches(j, f)) print(line, j, f.json);
    }
    if (!follow) return 0;
    std::fflush(stdout);
    stream.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // tail -f polling
  }
}

}  // namespace

void add_logs_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("logs", "Search the JSON diagnostics log (filters combine)");
  auto file = std::make_shared<std::string>();
  auto follow = std::make_shared<bool>(false);
  auto f = std::make_shared<Filters>();
  cmd->add_option("--file,-f", *file, "Diagnostics log file (default: stdin)");
  cmd->add_flag("--follow", *follow, "Keep reading as the file grows");
  cmd->add_option("--ip", f->ip, "Client IP, socket peer or PROXY source");
  cmd->add_option("--status", f->status, "Status (429) or class (4xx)");
  cmd->add_option("--route", f->route, "Route name");
  cmd->add_option("--request-id", f->request_id, "X-Request-ID");
  cmd->add_option("--since", f->since, "Only lines newer than this (10m, 1h, 30s)");
  cmd->add_flag("--json", f->json, "Print the matching JSON lines");
  cmd->callback([=, &exit_code] { exit_code = run_logs(*file, *follow, *f); });
}

}  // namespace doorman::cli

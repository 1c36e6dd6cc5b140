// `doorman certs list|renew|revoke`: the certificates ACME keeps (docs/acme.md).
// - list --config F [--json]: each host name of the ACME routes, what the state directory
//   holds for it (expiry, serial, issuer) and its last attempt and error.
// - renew --config F [--wait] [NAME...]: a new certificate now for NAME (default: every name).
//   With a server running (it holds the state lock) the request is left for it (NAME.renew) and
//   --wait waits for the new chain; otherwise this command orders it itself.
// - revoke --config F NAME: revokeCert for the held certificate (the account signs); the
//   files stay, and `certs renew NAME` replaces it.
// Exit 0 on success, 1 on any failure (printed), 2 on usage errors.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include <nlohmann/json.hpp>

#include "acme/keeper.h"
#include "acme/state_dir.h"
#include "cli/commands.h"
#include "config/config.h"

namespace doorman::cli {
namespace {

struct CertsArgs {
  std::string config_path;
  std::vector<std::string> names;
  bool json = false;
  bool wait = false;
};

std::optional<config::Config> load(const CertsArgs& a) {
  auto loaded = config::load_config(a.config_path);
  for (const std::string& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
  if (loaded.config && !config::uses_acme(*loaded.config)) {
    std::fprintf(stderr, "doorman: certs: %s has no listener with certificates = \"acme\"\n",
                 a.config_path.c_str());
    return std::nullopt;
  }
  return loaded.config;
}

std::string format_time(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  struct tm parts {};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

void log_line(const std::string& line) {
  std::fprintf(stderr, "doorman: acme: %s\n", line.c_str());
}

acme::Keeper make_keeper(const config::Config& c) {
  return acme::Keeper(c.acme, log_line, [](std::chrono::milliseconds d) {
    std::this_thread::sleep_for(d);
    return true;
  });
}

// The names asked for, each checked against the configuration's ACME names.
std::optional<std::vector<std::string>> chosen_names(const config::Config& c, const CertsArgs& a) {
  const std::vector<std::string> all = config::acme_host_names(c);
  if (a.names.empty()) return all;
  for (const std::string& n : a.names)
    if (std::find(all.begin(), all.end(), n) == all.end()) {
      std::fprintf(stderr, "doorman: certs: '%s' is not an ACME host name of %s\n", n.c_str(),
                   a.config_path.c_str());
      return std::nullopt;
    }
  return a.names;
}

int list(const CertsArgs& a) {
  auto c = load(a);
  if (!c) return 1;
  acme::Keeper keeper = make_keeper(*c);
  nlohmann::json out = nlohmann::json::array();
  const auto now = std::chrono::system_clock::now();
  for (const std::string& name : config::acme_host_names(*c)) {
    const auto held = keeper.load(name, false);
    const acme::HostStatus st = keeper.status(name);
    nlohmann::json j = {{"name", name}, {"held", held.has_value()}};
    if (held) {
      j["not_before"] = format_time(held->not_before);
      j["not_after"] = format_time(held->not_after);
      j["expires_in_seconds"] =
          std::chrono::duration_cast<std::chrono::seconds>(held->not_after - now).count();
      j["serial"] = held->serial;
      j["issuer"] = held->issuer;
      j["key_type"] = held->key_type;
    }
    j["last_attempt"] = st.last_attempt;
    j["failures"] = st.failures;
    j["last_error"] = st.last_error;
    j["revoked"] = st.revoked;
    out.push_back(j);
    if (a.json) continue;
    std::printf("%s\n", name.c_str());
    if (held)
      std::printf(
          "  expires:     %s (in %lld days)\n  serial:      %s\n  issuer:      %s\n"
          "  key:         %s%s\n",
          format_time(held->not_after).c_str(),
          static_cast<long long>(j["expires_in_seconds"].get<long long>() / 86400),
          held->serial.c_str(), held->issuer.c_str(), held->key_type.c_str(),
          keeper.key_type_changed(*held) ? " (not key_type: a new one is due)" : "");
    else
      std::printf("  expires:     - (no certificate held)\n");
    if (st.revoked) std::printf("  revoked:     yes\n");
    std::printf("  last error:  %s\n", st.last_error.empty() ? "-" : st.last_error.c_str());
  }
  if (a.json) std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

long long modified(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

int renew(const CertsArgs& a) {
  auto c = load(a);
  if (!c) return 1;
  auto names = chosen_names(*c, a);
  if (!names) return 1;
  acme::Keeper keeper = make_keeper(*c);
  if (auto ok = keeper.prepare_directories(); !ok) {
    std::fprintf(stderr, "doorman: certs: %s\n", ok.error().c_str());
    return 1;
  }
  auto lock = acme::StateLock::try_acquire(keeper.paths().lock());
  if (!lock) {
    std::fprintf(stderr, "doorman: certs: %s\n", lock.error().c_str());
    return 1;
  }
  if (!*lock) {
    // A server holds the lock: it does the renewal (one writer for the state directory).
    std::vector<std::pair<std::string, long long>> before;
    for (const std::string& name : *names) {
      const std::string file = name.starts_with("*.") ? "_" + name.substr(1) : name;
      before.emplace_back(keeper.paths().chain(file), modified(keeper.paths().chain(file)));
      if (auto ok = acme::write_file(keeper.paths().certificates() + "/" + file + ".renew", "");
          !ok) {
        std::fprintf(stderr, "doorman: certs: %s\n", ok.error().c_str());
        return 1;
      }
      std::printf("%s: renewal requested from the running server\n", name.c_str());
    }
    if (!a.wait) return 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    for (const auto& [path, mtime] : before) {
      while (modified(path) == mtime) {
        if (std::chrono::steady_clock::now() > deadline) {
          std::fprintf(stderr, "doorman: certs: no new certificate in %s after 3 minutes\n",
                       path.c_str());
          return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      std::printf("%s: renewed\n", path.c_str());
    }
    return 0;
  }
  if (auto ok = keeper.connect(); !ok) {
    std::fprintf(stderr, "doorman: certs: %s\n", ok.error().c_str());
    return 1;
  }
  int rc = 0;
  for (const std::string& name : *names) {
    auto issued = keeper.issue(name);
    if (issued)
      std::printf("%s: renewed (serial %s, expires %s)\n", name.c_str(), issued->serial.c_str(),
                  format_time(issued->not_after).c_str());
    else
      std::fprintf(stderr, "%s: failed: %s\n", name.c_str(), issued.error().c_str()), rc = 1;
  }
  return rc;
}

int revoke(const CertsArgs& a) {
  auto c = load(a);
  if (!c) return 1;
  if (a.names.size() != 1) {
    std::fprintf(stderr, "doorman: certs revoke: name exactly one host\n");
    return 2;
  }
  auto names = chosen_names(*c, a);
  if (!names) return 1;
  acme::Keeper keeper = make_keeper(*c);
  if (auto ok = keeper.connect(); !ok) {
    std::fprintf(stderr, "doorman: certs: %s\n", ok.error().c_str());
    return 1;
  }
  if (auto ok = keeper.revoke(names->front()); !ok) {
    std::fprintf(stderr, "doorman: certs: %s: %s\n", names->front().c_str(), ok.error().c_str());
    return 1;
  }
  std::printf("%s: revoked; `doorman certs renew %s` replaces it\n", names->front().c_str(),
              names->front().c_str());
  return 0;
}

}  // namespace

void add_certs_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("certs", "List, renew or revoke the ACME certificates");
  cmd->require_subcommand(1);
  auto args = std::make_shared<CertsArgs>();
  auto config = [args](CLI::App* sub) {
    sub->add_option("--config,-c", args->config_path, "Configuration file (TOML)")->required();
  };
  auto* list_cmd = cmd->add_subcommand("list", "What is held, for which names, expiry, last error");
  config(list_cmd);
  list_cmd->add_flag("--json", args->json, "JSON output");
  list_cmd->callback([args, &exit_code] { exit_code = list(*args); });
  auto* renew_cmd = cmd->add_subcommand("renew", "Obtain new certificates now");
  config(renew_cmd);
  renew_cmd->add_option("names", args->names, "Host names (default: all)");
  renew_cmd->add_flag("--wait", args->wait, "With a running server: wait for the new chain");
  renew_cmd->callback([args, &exit_code] { exit_code = renew(*args); });
  auto* revoke_cmd = cmd->add_subcommand("revoke", "Revoke the certificate held for one name");
  config(revoke_cmd);
  revoke_cmd->add_option("name", args->names, "Host name")->required();
  revoke_cmd->callback([args, &exit_code] { exit_code = revoke(*args); });
}

}  // namespace doorman::cli

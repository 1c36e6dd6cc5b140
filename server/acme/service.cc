#include "acme/service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <random>

#include "acme/keeper.h"
#include "acme/renewal.h"

namespace doorman::acme {
namespace {

constexpr std::chrono::seconds kMaxRetryDelay{6 * 3600};
constexpr std::chrono::milliseconds kTick{1000};  // lock, renew requests, files of other holders

void log_line(const std::string& line) {
  std::fprintf(stderr, "doorman: acme: %s\n", line.c_str());
  std::fflush(stderr);
}

std::string format_time(Clock::time_point t) {
  const std::time_t seconds = Clock::to_time_t(t);
  struct tm parts {};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// The chain file's modification time (ns), 0 when absent: another holder's write shows here.
long long modified(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

struct Host {
  std::string name;
  std::string file;  // the name as a file name
  std::optional<CertificateSummary> held;
  Clock::time_point due{};
  long long chain_mtime = 0;
  double jitter = 0;
  Clock::time_point ask_ari{};  // when to ask the CA's renewalInfo about `held` (RFC 9773)
};

}  // namespace

AcmeService::AcmeService(config::AcmeSection settings, std::vector<std::string> names)
    : settings_(std::move(settings)), names_(std::move(names)) {}

AcmeService::~AcmeService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AcmeService::start() {
  // What the state directory holds is served from the first handshake: published here, before
  // the listeners accept, not later by the thread (which reads it again and logs it).
  Keeper keeper(
      settings_, [](const std::string&) {}, [](std::chrono::milliseconds) { return false; });
  for (const std::string& name : names_) keeper.load(name);
  thread_ = std::thread([this] { run(); });
}

void AcmeService::update(config::AcmeSection settings, std::vector<std::string> names) {
  {
    std::lock_guard lock(mutex_);
    if (settings == settings_ && names == names_) return;
    settings_ = std::move(settings);
    names_ = std::move(names);
    changed_ = true;
  }
  cv_.notify_all();
}

bool AcmeService::wait(std::chrono::milliseconds d, bool or_changed) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, d, [&] { return stopping_ || (or_changed && changed_); });
  return !stopping_ && !(or_changed && changed_);
}

void AcmeService::run() {
  for (;;) {
    config::AcmeSection settings;
    std::vector<std::string> names;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      settings = settings_;
      names = names_;
      changed_ = false;
    }
    serve_generation(settings, names);
  }
}

void AcmeService::serve_generation(const config::AcmeSection& settings,
                                   const std::vector<std::string>& names) {
  Keeper keeper(settings, log_line, [this](std::chrono::milliseconds d) { return wait(d); });
  if (auto ok = keeper.prepare_directories(); !ok) {
    log_line(ok.error() + "; no certificate can be kept until this is fixed");
    wait(std::chrono::hours(24), true);
    return;
  }
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  const auto now = Clock::now();
  std::map<std::string, Host> hosts;
  for (const std::string& name : names) {
    if (name.find('.') == std::string::npos) {
      log_line(name + ": not a public DNS name; no certificate is requested for it");
      continue;
    }
    Host h{
        name, name.starts_with("*.") ? "_" + name.substr(1) : name, {}, now, 0, fraction(random)};
    h.chain_mtime = modified(keeper.paths().chain(h.file));
    h.held = keeper.load(name);
    if (h.held) {
      h.due = keeper.renewal_due(*h.held, h.jitter);
      log_line(name + ": serving the saved certificate (expires " + format_time(h.held->not_after) +
               (keeper.key_type_changed(*h.held)
                    ? "; its key is " + h.held->key_type + ", key_type is " +
                          std::string(keeper.key_type()) + ": a new one is due now)"
                    : ", renewal from " + format_time(h.due) + ")"));
    } else {
      log_line(name + ": no certificate yet");
    }
    hosts.emplace(name, std::move(h));
  }
  std::optional<StateLock> lock;
  bool said_locked = false;
  int connect_failures = 0;
  Clock::time_point connect_after{};
  // The CA's directory and account, once; a failure backs off (retry_after, doubling).
  auto connect = [&]() {
    if (keeper.connected()) return true;
    if (auto ok = keeper.connect(); !ok) {
      ++connect_failures;
      const auto delay = retry_delay(connect_failures, settings.retry_after, kMaxRetryDelay);
      connect_after = Clock::now() + delay;
      log_line("cannot reach " + settings.directory + ": " + ok.error() + "; retrying in " +
               std::to_string(delay.count()) + " s");
      return false;
    }
    connect_failures = 0;
    return true;
  };
  // Asks the CA's renewalInfo about `h`'s certificate (RFC 9773): true when it suggested a
  // window, then `h.due` is in it. Sets when to ask again: when the CA says, 6 h after an answer
  // that could not be used, never for a CA without renewalInfo.
  auto ask_renewal_info = [&](Host& h, const std::string& name) {
    if (!keeper.offers_renewal_info()) {
      h.ask_ari = Clock::time_point::max();
      return false;
    }
    h.ask_ari = Clock::now() + std::chrono::hours(6);
    const auto advice = keeper.suggested_renewal(name, h.jitter);
    if (!advice) return false;
    h.ask_ari = Clock::now() + advice->ask_again;
    h.due = advice->at;
    return true;
  };
  while (wait(std::chrono::milliseconds(0), true)) {
    if (!lock) {
      auto acquired = StateLock::try_acquire(keeper.paths().lock());
      if (!acquired) {
        log_line(acquired.error());
      } else if (*acquired) {
        lock.emplace(std::move(**acquired));
        if (said_locked) log_line("took over the state lock " + keeper.paths().lock());
      } else if (!said_locked) {
        log_line("another doorman holds " + keeper.paths().lock() +
                 "; serving the certificates it writes");
        said_locked = true;
      }
    }
    for (auto& [name, h] : hosts) {
      // Another process (the lock holder, or `doorman certs`) wrote a new chain: serve it.
      if (const long long m = modified(keeper.paths().chain(h.file)); m != h.chain_mtime) {
        h.chain_mtime = m;
        if (auto held = keeper.load(name)) {
          h.held = held;
          h.due = keeper.renewal_due(*held, h.jitter);
          h.ask_ari = {};  // a new certificate: its window is asked for
          log_line(name + ": loaded the certificate written to the state directory (expires " +
                   format_time(held->not_after) + ")");
        }
      }
      if (!lock) continue;
      const std::string request = keeper.paths().certificates() + "/" + h.file + ".renew";
      const bool requested = ::access(request.c_str(), F_OK) == 0;
      // ARI (RFC 9773 §4.3): the CA is asked about a held certificate at start and again when
      // it says; an incident (a mass revocation) moves the window earlier, to now. A key_type
      // change is due at once whatever the window says.
      if (h.held && !requested && !keeper.key_type_changed(*h.held) && Clock::now() >= h.ask_ari &&
          Clock::now() >= connect_after) {
        if (!connect()) break;
        const auto before = h.due;
        if (ask_renewal_info(h, name) && h.due != before)
          log_line(name + ": renewal from " + format_time(h.due) +
                   ", in the CA's renewalInfo window");
      }
      if (!requested && Clock::now() < h.due) continue;
      if (Clock::now() < connect_after) continue;
      if (!connect()) break;
      if (requested) ::unlink(request.c_str());
      log_line(name + ": requesting a certificate (" +
               (requested ? std::string("renewal requested")
                : !h.held ? std::string("none held")
                : keeper.key_type_changed(*h.held)
                    ? "key type changed: the held certificate's key is " + h.held->key_type +
                          ", key_type is " + std::string(keeper.key_type())
                    : "renewal due since " + format_time(h.due)) +
               ")");
      auto issued = keeper.issue(name);
      if (issued) {
        h.held = *issued;
        h.chain_mtime = modified(keeper.paths().chain(h.file));
        h.due = renewal_time(issued->not_before, issued->not_after, h.jitter);
        const bool suggested = ask_renewal_info(h, name);
        log_line(name + ": certificate issued (serial " + issued->serial + ", expires " +
                 format_time(issued->not_after) + ", renewal from " + format_time(h.due) +
                 (suggested ? ", in the CA's renewalInfo window)" : ")"));
      } else {
        const int failures = keeper.status(name).failures;
        const auto delay = retry_delay(std::max(failures, 1), settings.retry_after, kMaxRetryDelay);
        h.due = Clock::now() + delay;
        log_line(name + ": failed: " + issued.error() + "; retrying in " +
                 std::to_string(delay.count()) + " s");
      }
      if (!wait(std::chrono::milliseconds(0), true)) return;
    }
    if (!wait(kTick, true)) return;
  }
}

}  // namespace doorman::acme

#include "runtime/reload.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "config/config.h"
#include "ranges/ranges_runtime.h"

namespace doorman::runtime {
namespace {

bool same_address(const config::SocketAddress& a, const config::SocketAddress& b) {
  return a.kind == b.kind && a.host == b.host && a.port == b.port && a.path == b.path;
}

void refuse_reload(const std::vector<std::string>& errors) {
  for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  std::fprintf(stderr,
               "doorman: reload failed (%zu error%s); still serving the previous configuration\n",
               errors.size(), errors.size() == 1 ? "" : "s");
}

// A listener the new configuration adds, bound on every worker before anything changes.
struct NewListener {
  LiveListener live;
  std::vector<Acceptor> acceptors;  // one per worker
};

std::expected<NewListener, std::string> open_everywhere(const config::ListenerSection& section,
                                                        const std::string& path,
                                                        ServerState& state) {
  auto first = bind_listener(section, state.workers[0]->context());
  const std::string where = path + ":" + std::to_string(section.line) + ": listener: ";
  if (!first) return std::unexpected(where + first.error());
  NewListener added;
  added.live.id = state.next_listener_id++;
  added.live.bound = std::move(first->first);
  added.acceptors.push_back(std::move(first->second));
  for (std::size_t i = 1; i < state.workers.size(); ++i) {
    auto more = open_acceptor(added.live.bound, state.workers[i]->context());
    if (!more)
      return std::unexpected(where + "cannot listen on " + section.address.text + ": " +
                             more.error());
    added.acceptors.push_back(std::move(*more));
  }
  return added;
}

// Hands each worker its update and waits until every one uses the new snapshot. Workers answer
// between two events of their loop; the bound only guards against a wedged worker.
void apply_everywhere(ServerState& state, std::vector<std::shared_ptr<WorkerUpdate>> updates) {
  std::mutex mutex;
  std::condition_variable cv;
  auto pending = std::make_shared<std::atomic<std::size_t>>(state.workers.size());
  for (std::size_t i = 0; i < state.workers.size(); ++i)
    state.workers[i]->apply(std::move(updates[i]), [&mutex, &cv, pending] {
      std::lock_guard lock(mutex);
      pending->fetch_sub(1);
      cv.notify_all();
    });
  std::unique_lock lock(mutex);
  if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return pending->load() == 0; })) {
    // Not expected; the callbacks still refer to mutex and cv, so wait for them for good.
    std::fprintf(stderr, "doorman: reload: a worker is slow to take the new configuration\n");
    cv.wait(lock, [&] { return pending->load() == 0; });
  }
}

}  // namespace

void update_acme(ServerState& state, const config::Config& config) {
  if (!config::uses_acme(config)) {
    state.acme.reset();
    return;
  }
  if (state.acme) {
    state.acme->update(config.acme, config::acme_host_names(config));
    return;
  }
  state.acme = std::make_unique<acme::AcmeService>(config.acme, config::acme_host_names(config));
  state.acme->start();
}

uint32_t per_worker_connections(const config::Config& config, std::size_t workers) {
  return static_cast<uint32_t>((config.limits.max_connections + workers - 1) / workers);
}

bool reload_config(ServerState& state) {
  std::fprintf(stderr, "doorman: SIGHUP, reloading %s\n", state.config_path.c_str());
  auto loaded = config::load_config(state.config_path);
  if (!loaded.config) {
    refuse_reload(loaded.errors);
    return false;
  }
  auto compiled = compile_snapshot(*loaded.config, state.current.get());
  if (!compiled) {
    refuse_reload({compiled.error()});
    return false;
  }
  std::shared_ptr<const Snapshot> next = std::move(*compiled);
  const config::Config& now = state.current->config;
  const config::Config& c = next->config;
  if (c.server.workers != now.server.workers)
    std::fprintf(stderr, "%s:0: server.workers: a change takes effect at the next restart\n",
                 c.path.c_str());
  if (c.server.pid_file != now.server.pid_file)
    std::fprintf(stderr, "%s:0: server.pid_file: a change takes effect at the next restart\n",
                 c.path.c_str());
  // The admin listener keeps its socket and allow list (admin/admin_server.h).
  if (c.admin.enabled != now.admin.enabled || c.admin.text != now.admin.text ||
      c.admin.allow_remote != now.admin.allow_remote || c.admin.allow != now.admin.allow)
    std::fprintf(stderr, "%s:%d: admin: a change takes effect at the next restart\n",
                 c.path.c_str(), c.admin.line);

  // Listeners: same address = the same socket (kept, with its new settings); new ones are bound
  // now, so a busy port fails the reload before anything changed.
  const std::size_t n = state.workers.size();
  std::vector<std::shared_ptr<WorkerUpdate>> updates;
  for (std::size_t i = 0; i < n; ++i) {
    auto u = std::make_shared<WorkerUpdate>();
    u->snapshot = next;
    u->max_connections = per_worker_connections(c, n);
    updates.push_back(std::move(u));
  }
  std::vector<LiveListener> listeners;
  std::vector<std::unique_ptr<NewListener>> added;  // (not copyable: acceptors)
  for (const config::ListenerSection& section : c.listeners) {
    auto old =
        std::find_if(state.listeners.begin(), state.listeners.end(), [&](const LiveListener& l) {
          // ":0" at start-up: the port it got names the same listener.
          return same_address(l.bound.section->address, section.address) ||
                 (section.address.kind == config::SocketAddress::Kind::kTcp &&
                  section.address.text == l.bound.display);
        });
    if (old != state.listeners.end()) {
      LiveListener kept = *old;
      kept.bound.section = &section;
      for (auto& u : updates) u->kept.emplace_back(kept.id, &section);
      listeners.push_back(std::move(kept));
      continue;
    }
    auto opened = open_everywhere(section, c.path, state);
    if (!opened) {
      refuse_reload({opened.error()});
      return false;  // the acceptors opened so far close here
    }
    added.push_back(std::make_unique<NewListener>(std::move(*opened)));
  }
  std::vector<LiveListener> removed;
  for (const LiveListener& l : state.listeners) {
    const bool still = std::any_of(listeners.begin(), listeners.end(),
                                   [&](const LiveListener& k) { return k.id == l.id; });
    if (still) continue;
    removed.push_back(l);
    for (auto& u : updates) u->removed.push_back(l.id);
  }
  for (auto& a : added) {
    for (std::size_t i = 0; i < n; ++i)
      updates[i]->added.push_back(WorkerUpdate::Added{a->live.id, std::move(a->acceptors[i]),
                                                      a->live.bound.section,
                                                      a->live.bound.unix_fd >= 0});
    listeners.push_back(a->live);
  }

  // Threads the new snapshot brings (what it carried over is running already), before any
  // request can reach them.
  start_background_threads(*next);
  std::unique_ptr<ranges::RangesService> old_ranges;
  if (next->cloudflare_store != state.current->cloudflare_store ||
      next->fastly_store != state.current->fastly_store) {
    old_ranges = std::move(state.ranges);
    state.ranges = ranges::start_ranges(*next);
  }

  update_acme(state, c);
  apply_everywhere(state, std::move(updates));
  state.retired.push_back(std::move(state.current));
  state.current = std::move(next);
  state.listeners = std::move(listeners);
  old_ranges.reset();  // its stores belong to the retired snapshot only

  for (const auto& a : added)
    std::printf("doorman: listening on %s\n", a->live.bound.display.c_str());
  std::fflush(stdout);
  for (const LiveListener& l : removed) {
    std::fprintf(stderr, "doorman: stopped listening on %s\n", l.bound.display.c_str());
    if (l.bound.unix_fd >= 0) ::unlink(l.bound.section->address.path.c_str());
  }
  std::fprintf(stderr, "doorman: reloaded %s: %zu route%s, %zu listener%s\n", c.path.c_str(),
               c.routes.size(), c.routes.size() == 1 ? "" : "s", state.listeners.size(),
               state.listeners.size() == 1 ? "" : "s");
  release_retired(state);
  return true;
}

void release_retired(ServerState& state) {
  std::erase_if(state.retired, [](std::shared_ptr<const Snapshot>& s) {
    if (s.use_count() != 1) return false;
    // Pairs with the workers' last release of it: what they did with it happened before.
    std::atomic_thread_fence(std::memory_order_acquire);
    s.reset();  // stops the Redis backend / diagnostics writer nothing else shares
    return true;
  });
}

}  // namespace doorman::runtime

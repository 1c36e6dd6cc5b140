#include "ranges/refresher.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include <unistd.h>

#include "doorman/ranges_body.h"
#include "ranges/cache_file.h"
#include "ranges/cache_watch.h"
#include "ranges/fetch.h"
#include "ranges/ranges_validate.h"

namespace doorman::ranges {
namespace {

void log(const ProviderSetup& setup, const std::string& message) {
  std::fprintf(stderr, "doorman: %s ranges: %s\n", setup.name.c_str(), message.c_str());
}

RangesState base_state(const ProviderSetup& setup) {
  RangesState s;
  s.provider = setup.name;
  s.url = setup.config.refresh_url;
  return s;
}

}  // namespace

void save_state(const ProviderSetup& setup, const RangesState& state) {
  if (setup.config.cache_file.empty()) return;
  auto ok = write_file_atomic(state_file_path(setup.config.cache_file),
                              to_json(state, unix_now()).dump(2) + "\n");
  if (!ok) log(setup, "cannot save the state: " + ok.error());
}

InitialList initial_list(const ProviderSetup& setup) {
  InitialList out;
  out.state = base_state(setup);
  if (!setup.static_ranges.empty()) {
    std::vector<Cidr> cidrs;
    for (const std::string& text : setup.static_ranges)
      if (auto c = parse_cidr(text)) cidrs.push_back(*c);
    out.set = std::make_shared<const CidrSet>(cidrs);
    out.state.source = RangesSource::kStatic;
    out.state.url = setup.static_file;
  } else {
    out.set = std::make_shared<const CidrSet>(*setup.bundled);
    out.state.source = RangesSource::kBundled;
    // No cache yet (first run) is normal, not an error.
    if (!setup.config.cache_file.empty() && ::access(setup.config.cache_file.c_str(), F_OK) == 0) {
      auto cache = read_cache(setup.config.cache_file);
      if (cache) {
        out.set = std::make_shared<const CidrSet>(std::move(cache->set));
        out.state.source = RangesSource::kCache;
        out.state.list_time = cache->fetched_unix;
        out.state.etag = cache->etag;
      } else {
        out.state.last_error = "cache ignored: " + cache.error();
      }
    }
  }
  count_blocks(*out.set, out.state);
  return out;
}

std::shared_ptr<RangesStore> load_initial(const ProviderSetup& setup) {
  InitialList initial = initial_list(setup);
  const RangesState& state = initial.state;
  if (state.source == RangesSource::kStatic) {
    log(setup, "using the static ranges_file " + setup.static_file + " (no refresh)");
  } else {
    if (!state.last_error.empty()) log(setup, state.last_error + "; using the bundled list");
    log(setup, "starting with the " + std::string(ranges_source_name(state.source)) + " list (" +
                   std::to_string(state.v4_blocks) + " IPv4, " + std::to_string(state.v6_blocks) +
                   " IPv6 blocks)");
  }
  return std::make_shared<RangesStore>(std::move(initial.set), std::move(initial.state));
}

RefreshResult refresh_once(const ProviderSetup& setup, RangesStore& store, bool force) {
  RangesState state = store.state();
  state.url = setup.config.refresh_url;
  state.last_attempt = unix_now();
  auto fail = [&](const std::string& why) {
    state.last_error = why;
    ++state.consecutive_failures;
    store.set_state(state);
    save_state(setup, state);
    log(setup, "refresh from " + setup.config.refresh_url + " failed, keeping the " +
                   std::string(ranges_source_name(state.source)) + " list: " + why);
    return RefreshResult{false, false, why, "", {}};
  };
  FetchOptions options;
  options.url = setup.config.refresh_url;
  options.etag = force ? "" : state.etag;
  options.timeout = setup.config.timeout;
  auto response = fetch_ranges(options);
  if (!response) return fail(response.error());
  if (response->not_modified) {
    state.last_success = state.last_attempt;
    state.last_error.clear();
    state.consecutive_failures = 0;
    store.set_state(state);
    save_state(setup, state);
    return {true, false, "not modified (304), keeping the list", "", {}};
  }
  auto body = parse_ranges_body(response->body);
  if (!body) return fail("refused: " + body.error());
  const std::shared_ptr<const CidrSet> current = store.load();
  if (auto ok = validate_update(*current, body->set, force); !ok)
    return fail("refused: " + ok.error());
  CacheRecord record{setup.config.refresh_url, state.last_attempt, response->etag, body->set};
  std::string cache_error;
  FileIdentity written;
  if (!setup.config.cache_file.empty()) {
    // A list we cannot persist is still good to use; the error is reported.
    if (auto ok = write_cache(setup.config.cache_file, record, &written); !ok) {
      cache_error = "cannot write the cache: " + ok.error();
      log(setup, cache_error);
    }
  }
  state.source = RangesSource::kLive;
  state.list_time = state.last_attempt;
  state.last_success = state.last_attempt;
  state.last_error.clear();
  state.consecutive_failures = 0;
  state.etag = response->etag;
  count_blocks(body->set, state);
  const bool changed = current->cidrs().size() != body->set.cidrs().size() ||
                       !std::equal(current->begin(), current->end(), body->set.begin());
  store.publish(std::make_shared<const CidrSet>(std::move(body->set)), state);
  save_state(setup, state);
  const std::string message = std::string(changed ? "updated" : "confirmed") + " from " +
                              setup.config.refresh_url + " (" + std::to_string(state.v4_blocks) +
                              " IPv4, " + std::to_string(state.v6_blocks) + " IPv6 blocks)";
  if (changed) log(setup, message);
  return {true, changed, message, cache_error, written};
}

void RangesService::start(std::vector<WatchedProvider> providers) {
  if (providers.empty()) return;
  providers_ = std::move(providers);
  thread_ = std::thread([this] { run(); });
}

void RangesService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RangesService::run() {
  using Clock = std::chrono::steady_clock;
  constexpr auto kNever = Clock::time_point::max();
  std::mt19937_64 random(std::random_device{}());
  // A list loaded from the cache or the bundle is refreshed at once; one from a recent cache
  // could wait, but a refresh is cheap and the answer may be a 304.
  std::vector<Clock::time_point> refresh_due(providers_.size(), kNever);
  std::vector<Clock::time_point> check_due(providers_.size(), kNever);
  for (std::size_t i = 0; i < providers_.size(); ++i) {
    const config::RangesProvider& c = providers_[i].setup.config;
    if (c.refresh) refresh_due[i] = Clock::now();
    if (!c.cache_file.empty() && c.cache_check_interval.count() > 0)
      check_due[i] = Clock::now() + c.cache_check_interval;
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto next = std::min(*std::min_element(refresh_due.begin(), refresh_due.end()),
                               *std::min_element(check_due.begin(), check_due.end()));
    if (next == kNever) {
      wake_.wait(lock, [&] { return stopping_; });
      break;
    }
    if (wake_.wait_until(lock, next, [&] { return stopping_; })) break;
    for (std::size_t i = 0; i < providers_.size(); ++i) {
      auto& [setup, store, cache_seen] = providers_[i];
      if (Clock::now() >= check_due[i]) {
        lock.unlock();
        check_cache(setup, *store, cache_seen);
        lock.lock();
        check_due[i] = Clock::now() + setup.config.cache_check_interval;
      }
      if (Clock::now() < refresh_due[i]) continue;
      lock.unlock();
      const RefreshResult result = refresh_once(setup, *store);
      lock.lock();
      // Our own write is not news to the cache check.
      if (result.cache_written.exists) cache_seen = result.cache_written;
      const auto interval = setup.config.refresh_interval;
      const uint32_t failures = store->state().consecutive_failures;
      std::chrono::milliseconds wait = interval;
      if (failures > 0) {
        // Back off: interval/16, doubling per failure, capped at the interval.
        const auto shift = std::min<uint32_t>(failures - 1, 4);
        wait = std::min(interval, std::max(std::chrono::milliseconds(1000),
                                           interval / 16 * (int64_t{1} << shift)));
      }
      // +-10% jitter so a fleet does not refresh in step.
      std::uniform_real_distribution<double> jitter(0.9, 1.1);
      refresh_due[i] = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(
                                          static_cast<double>(wait.count()) * jitter(random)));
    }
  }
}

}  // namespace doorman::ranges

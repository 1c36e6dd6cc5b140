#include "ranges/ranges_state.h"

#include <chrono>

#include "ranges/cache_file.h"

namespace doorman::ranges {
namespace {

constexpr std::pair<RangesSource, std::string_view> kSources[] = {
    {RangesSource::kBundled, "bundled"},
    {RangesSource::kCache, "cache"},
    {RangesSource::kLive, "live"},
    {RangesSource::kStatic, "static"},
};

nlohmann::json time_or_null(int64_t t) {
  return t == 0 ? nlohmann::json(nullptr) : nlohmann::json(format_utc(t));
}

template <typename T>
void take(const nlohmann::json& doc, const char* key, T& out) {
  auto it = doc.find(key);
  if (it == doc.end()) return;
  if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) out = it->template get<std::string>();
  } else {
    if (it->is_number_integer()) out = it->template get<T>();
  }
}

}  // namespace

std::string_view ranges_source_name(RangesSource source) {
  for (const auto& [s, name] : kSources)
    if (s == source) return name;
  return "unknown";
}

void count_blocks(const CidrSet& set, RangesState& state) {
  state.v4_blocks = state.v6_blocks = 0;
  for (const Cidr& c : set) ++(c.is_v4() ? state.v4_blocks : state.v6_blocks);
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string state_file_path(const std::string& cache_file) {
  return cache_file + ".state.json";
}

nlohmann::json to_json(const RangesState& s, int64_t now) {
  nlohmann::json j;
  j["provider"] = s.provider;
  j["source"] = std::string(ranges_source_name(s.source));
  j["list_time"] = time_or_null(s.list_time);
  j["list_time_unix"] = s.list_time;
  j["age_seconds"] = s.list_time == 0 ? nlohmann::json(nullptr) : nlohmann::json(now - s.list_time);
  j["last_attempt"] = time_or_null(s.last_attempt);
  j["last_attempt_unix"] = s.last_attempt;
  j["last_success"] = time_or_null(s.last_success);
  j["last_success_unix"] = s.last_success;
  j["last_error"] = s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error);
  j["etag"] = s.etag;
  j["url"] = s.url;
  j["ipv4_blocks"] = s.v4_blocks;
  j["ipv6_blocks"] = s.v6_blocks;
  j["consecutive_failures"] = s.consecutive_failures;
  return j;
}

std::expected<RangesState, std::string> state_from_json(std::string_view text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::unexpected(std::string("state file is not a JSON object"));
  RangesState s;
  take(doc, "provider", s.provider);
  std::string source;
  take(doc, "source", source);
  for (const auto& [value, name] : kSources)
    if (name == source) s.source = value;
  take(doc, "list_time_unix", s.list_time);
  take(doc, "last_attempt_unix", s.last_attempt);
  take(doc, "last_success_unix", s.last_success);
  take(doc, "last_error", s.last_error);
  take(doc, "etag", s.etag);
  take(doc, "url", s.url);
  take(doc, "ipv4_blocks", s.v4_blocks);
  take(doc, "ipv6_blocks", s.v6_blocks);
  take(doc, "consecutive_failures", s.consecutive_failures);
  return s;
}

}  // namespace doorman::ranges

#include "doorman/http_header_table.h"

#include <array>
#include <cstddef>

namespace doorman {
namespace {

constexpr uint8_t kHop = kHopByHop;

// Indexed by HeaderId. Names are the canonical spellings doorman writes.
constexpr std::array<HeaderInfo, static_cast<std::size_t>(HeaderId::kCount)> kTable = {{
    {"", 0},
    {"Host", kSingleValued},
    {"Content-Length", kFraming | kSingleValued},
    {"Transfer-Encoding", kHop | kFraming},
    {"Connection", kHop},
    {"Keep-Alive", kHop},
    {"Proxy-Connection", kHop},
    {"TE", kHop},
    {"Trailer", kHop},
    {"Upgrade", kHop},
    {"HTTP2-Settings", kHop},
    {"Proxy-Authorization", kHop},
    {"Proxy-Authenticate", kHop},
    {"Expect", 0},
    {"X-Forwarded-For", kDoormanSet},
    {"Forwarded", kDoormanSet},
    {"X-Forwarded-Proto", kDoormanSet},
    {"X-Request-ID", kDoormanSet},
    {"X-Forwarded-Host", kIdentity},
    {"CF-Connecting-IP", kIdentity | kSingleValued},
    {"CF-Connecting-IPv6", kIdentity | kSingleValued},
    {"True-Client-IP", kIdentity | kSingleValued},
    {"X-Real-IP", kIdentity | kSingleValued},
    {"Fastly-Client-IP", kIdentity | kSingleValued},
    {"X-Client-IP", kIdentity | kSingleValued},
    {"X-Cluster-Client-IP", kIdentity | kSingleValued},
    {"CloudFront-Viewer-Address", kIdentity | kSingleValued},
    {"CF-Visitor", kIdentity | kSingleValued},
}};

constexpr std::size_t kMaxNameLength = 25;  // "CloudFront-Viewer-Address"

// Ids bucketed by name length, so a lookup compares against at most a handful of names.
struct LengthIndex {
  std::array<std::array<HeaderId, 6>, kMaxNameLength + 1> ids{};
  std::array<uint8_t, kMaxNameLength + 1> counts{};
};

constexpr LengthIndex build_index() {
  LengthIndex index;
  for (std::size_t i = 1; i < kTable.size(); ++i) {
    const std::size_t n = kTable[i].name.size();
    index.ids[n][index.counts[n]++] = static_cast<HeaderId>(i);
  }
  return index;
}
constexpr LengthIndex kIndex = build_index();

// Names whose alias spellings are removed: identity and doorman-set headers, and the framing
// headers (a "Content_Length" or "Transfer_Encoding" that the app folds into the real name would
// frame the body differently from doorman: Kettle, "HTTP Desync Attacks").
constexpr uint8_t kAliasFlags = kIdentity | kDoormanSet | kFraming;

// Name lengths that some identity, doorman-set or framing header has, and their first letters: most
// ordinary names are ruled out as aliases without looking at their characters.
constexpr std::array<bool, kMaxNameLength + 1> build_alias_lengths() {
  std::array<bool, kMaxNameLength + 1> lengths{};
  for (const HeaderInfo& info : kTable)
    if ((info.flags & kAliasFlags) != 0) lengths[info.name.size()] = true;
  return lengths;
}
constexpr std::array<bool, kMaxNameLength + 1> kAliasLengths = build_alias_lengths();

constexpr std::array<bool, 256> build_alias_initials() {
  std::array<bool, 256> initials{};
  for (const HeaderInfo& info : kTable) {
    if ((info.flags & kAliasFlags) == 0) continue;
    initials[static_cast<unsigned char>(ascii_lower(info.name[0]))] = true;
    initials[static_cast<unsigned char>(info.name[0] & ~0x20)] = true;  // upper case
  }
  return initials;
}
constexpr std::array<bool, 256> kAliasInitials = build_alias_initials();

// Case-insensitive, with '_' and '.' in `name` read as '-'.
bool equals_folded(std::string_view name, std::string_view target) {
  if (name.size() != target.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = ascii_lower(name[i]);
    if (c == '_' || c == '.') c = '-';
    if (c != ascii_lower(target[i])) return false;
  }
  return true;
}

}  // namespace

const HeaderInfo& header_info(HeaderId id) {
  return kTable[static_cast<std::size_t>(id)];
}

HeaderId lookup_header(std::string_view name) {
  if (name.size() > kMaxNameLength) return HeaderId::kOther;
  const auto& bucket = kIndex.ids[name.size()];
  for (uint8_t i = 0; i < kIndex.counts[name.size()]; ++i) {
    if (header_name_equals(name, kTable[static_cast<std::size_t>(bucket[i])].name))
      return bucket[i];
  }
  return HeaderId::kOther;
}

bool is_identity_alias(std::string_view name) {
  // Called for every ordinary header on every request: cheap exits first.
  if (name.size() > kMaxNameLength || !kAliasLengths[name.size()] ||
      !kAliasInitials[static_cast<unsigned char>(name[0])])
    return false;
  bool separator = false;
  for (char c : name) separator |= (c == '_') | (c == '.');
  if (!separator) return false;
  const auto& bucket = kIndex.ids[name.size()];
  for (uint8_t i = 0; i < kIndex.counts[name.size()]; ++i) {
    const HeaderInfo& info = kTable[static_cast<std::size_t>(bucket[i])];
    if ((info.flags & kAliasFlags) != 0 && equals_folded(name, info.name)) return true;
  }
  return false;
}

bool is_alias_of(std::string_view name, std::string_view target) {
  return !target.empty() && equals_folded(name, target) && !header_name_equals(name, target);
}

bool is_valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!is_tchar(c)) return false;
  return true;
}

}  // namespace doorman

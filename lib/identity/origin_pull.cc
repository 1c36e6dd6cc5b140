// check_origin_pull and the origin-pull names (doorman/origin_pull.h).
#include "doorman/origin_pull.h"

#include <algorithm>
#include <utility>

#include "doorman/header_field.h"

namespace doorman {
namespace {

constexpr std::pair<ClientCertState, std::string_view> kStates[] = {
    {ClientCertState::kAbsent, "absent"},
    {ClientCertState::kVerified, "verified"},
    {ClientCertState::kUnverified, "unverified"},
};

constexpr std::pair<OriginPullCheck, std::string_view> kChecks[] = {
    {OriginPullCheck::kNotRequired, "not-required"},
    {OriginPullCheck::kVerified, "verified"},
    {OriginPullCheck::kAbsent, "absent"},
    {OriginPullCheck::kUnverified, "unverified"},
    {OriginPullCheck::kSubjectMismatch, "subject-mismatch"},
};

// DNS names compare ASCII case-insensitively (RFC 4343); the header-name comparison is exactly
// that rule.
bool names_subject(std::span<const std::string> names, std::string_view pin) {
  const std::size_t n = std::min(names.size(), kMaxOriginPullNames);
  for (std::size_t i = 0; i < n; ++i)
    if (header_name_equals(names[i], pin)) return true;
  return false;
}

}  // namespace

std::string_view client_cert_state_name(ClientCertState state) {
  for (const auto& [value, text] : kStates)
    if (value == state) return text;
  return "unknown";
}

std::optional<ClientCertState> parse_client_cert_state(std::string_view name) {
  for (const auto& [value, text] : kStates)
    if (text == name) return value;
  return std::nullopt;
}

std::string_view origin_pull_check_name(OriginPullCheck check) {
  for (const auto& [value, text] : kChecks)
    if (value == check) return text;
  return "unknown";
}

OriginPullCheck check_origin_pull(const OriginPull& pull) {
  if (!pull.required) return OriginPullCheck::kNotRequired;
  switch (pull.certificate) {
    case ClientCertState::kAbsent:
      return OriginPullCheck::kAbsent;
    case ClientCertState::kUnverified:
      return OriginPullCheck::kUnverified;
    case ClientCertState::kVerified:
      break;
  }
  if (!pull.subject.empty() && !names_subject(pull.names, pull.subject))
    return OriginPullCheck::kSubjectMismatch;
  return OriginPullCheck::kVerified;
}

}  // namespace doorman

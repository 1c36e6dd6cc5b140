// RateLimitNote: what the rate_limit stage decided for one request, kept in the Exchange so the
// reply writers can add the RateLimit fields to the response and the diagnostics log can print
// the outcome. A plain value with a fixed buffer (no allocation per request).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "doorman/rate_limit.h"

namespace doorman::request_path {

enum class RateLimitOutcome : uint8_t {
  kNone,                  // the route is not limited (or the request never reached the stage)
  kAllowed,               // within the budget
  kLimited,               // over it: 429
  kFallbackAllow,         // the shared backend failed; on_backend_error = "allow" let it through
  kFallbackDeny,          // the shared backend failed; on_backend_error = "deny": 503
  kFallbackLocal,         // the shared backend failed; the local table decided (allowed)
  kFallbackLocalLimited,  // the shared backend failed; the local table refused (429)
};

// "allowed", "limited", "fallback-allow", ... ("-" for kNone): the diagnostics log's value.
std::string_view rate_limit_outcome_name(RateLimitOutcome outcome);

struct RateLimitNote {
  RateLimitOutcome outcome = RateLimitOutcome::kNone;
  uint16_t fields_size = 0;
  // "RateLimit-Policy: ...\r\nRateLimit: ...\r\n[Retry-After: N\r\n]"
  std::array<char, kRateLimitFieldsMaxSize> fields;
  std::string_view fields_view() const { return {fields.data(), fields_size}; }
};

}  // namespace doorman::request_path

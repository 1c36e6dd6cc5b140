#include "request_path/access.h"

#include <ctime>

#include "access/jwks_service.h"
#include "doorman/access_token.h"
#include "doorman/header_field.h"
#include "doorman/http_rewrite.h"

namespace doorman::request_path {
namespace {

constexpr std::string_view kAssertionHeader = "Cf-Access-Jwt-Assertion";
constexpr std::string_view kCookieHeader = "Cookie";
constexpr std::string_view kCookieName = "CF_Authorization";

struct Token {
  std::string_view value;
  bool ambiguous = false;  // more than one header line
};

// The value of cookie `name` in the Cookie lines (RFC 6265 §4.2.1: "a=b; c=d"); the first wins.
std::string_view find_cookie(std::span<const HeaderField> fields, std::string_view name) {
  for (const HeaderField& f : fields) {
    if (!header_name_equals(f.name, kCookieHeader)) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      const std::size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
        return pair.substr(name.size() + 1);
    }
  }
  return {};
}

Token find_token(std::span<const HeaderField> fields, bool cookie) {
  Token t;
  std::size_t lines = 0;
  for (const HeaderField& f : fields) {
    if (!header_name_equals(f.name, kAssertionHeader)) continue;
    if (++lines == 1) t.value = f.value;
  }
  t.ambiguous = lines > 1;
  if (lines == 0 && cookie) t.value = find_cookie(fields, kCookieName);
  return t;
}

AccessReason verify(const runtime::RouteRuntime& rt, const config::RouteAccess& a, Token token,
                    AccessIdentity& out) {
  if (token.ambiguous) return AccessReason::kInvalid;
  if (token.value.empty()) return AccessReason::kMissing;
  auto parsed = parse_access_token(token.value);
  if (!parsed) return AccessReason::kInvalid;
  if (check_access_header(parsed->header) != AccessReason::kOk) return AccessReason::kInvalid;
  const std::shared_ptr<const access::Jwks> keys = rt.access_keys->current();
  if (!keys) {
    rt.access_keys->request_refresh();
    return AccessReason::kInvalid;  // no keys known yet: nothing can verify (fail closed)
  }
  switch (keys->verify(token.value, parsed->header.kid)) {
    case access::Jwks::Check::kOk:
      break;
    case access::Jwks::Check::kUnknownKid:
      rt.access_keys->request_refresh();  // a rotation: the next requests get the new key
      return AccessReason::kInvalid;
    case access::Jwks::Check::kBad:
      return AccessReason::kInvalid;
  }
  const AccessPolicy policy{a.issuer, a.aud, a.skew.count()};
  const AccessReason reason =
      check_access_claims(parsed->claims, policy, static_cast<int64_t>(std::time(nullptr)));
  if (reason != AccessReason::kOk) return reason;
  out.email = !parsed->claims.email.empty() ? parsed->claims.email : parsed->claims.common_name;
  out.subject = parsed->claims.sub;
  // Values that cannot be header values are not the identity Cloudflare writes.
  if (!is_valid_field_value(out.email) || !is_valid_field_value(out.subject) ||
      out.email.size() > 512 || out.subject.size() > 512) {
    out.email.clear();
    out.subject.clear();
    return AccessReason::kInvalid;
  }
  return AccessReason::kOk;
}

}  // namespace

bool check_access(const runtime::Session&, Exchange& x) {
  const config::RouteAccess& a = x.route->access;
  if (!a.enabled || x.route_runtime->access_keys == nullptr) return true;
  x.access.checked = true;
  const AccessReason reason =
      verify(*x.route_runtime, a, find_token(x.head->headers(), a.cookie), x.access);
  x.access.reason = access_reason_name(reason);
  if (reason == AccessReason::kOk) return true;
  x.reason = Reason::kForbidden;
  x.reason_detail = x.access.reason;
  return false;
}

}  // namespace doorman::request_path

// Cloudflare Access tokens (doorman/access_token.h) from untrusted Cf-Access-Jwt-Assertion bytes.
// Properties: decode_base64url accepts only the url alphabet with a length an unpadded encoding
// can have, and yields exactly len*6/8 bytes; an accepted token has three dot-separated parts, its
// signing input is the token up to the last dot and its signature is that last part decoded; the
// header and claim checks give a defined reason for whatever the parser accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "doorman/access_token.h"

using namespace doorman;

namespace {

bool is_url_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

void check_decoder(std::string_view text) {
  const auto decoded = decode_base64url(text);
  if (!decoded) return;
  if (text.size() % 4 == 1) std::abort();
  for (char c : text)
    if (!is_url_alphabet(c)) std::abort();
  if (decoded->size() != text.size() * 6 / 8) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  check_decoder(token);
  const auto parsed = parse_access_token(token);
  if (!parsed) return 0;
  if (token.size() > kMaxAccessTokenSize) std::abort();
  const std::size_t first = token.find('.'), last = token.rfind('.');
  if (first == std::string_view::npos || first == last) std::abort();
  if (token.find('.', first + 1) != last) std::abort();
  if (parsed->signing_input.data() != token.data() || parsed->signing_input.size() != last)
    std::abort();
  const auto signature = decode_base64url(token.substr(last + 1));
  if (!signature || *signature != parsed->signature || signature->empty()) std::abort();
  const AccessReason header = check_access_header(parsed->header);
  if (header != AccessReason::kOk && header != AccessReason::kInvalid) std::abort();
  if (header == AccessReason::kOk && (parsed->header.alg != "RS256" || parsed->header.kid.empty()))
    std::abort();
  const std::string audiences[] = {"aud-1"};
  const AccessPolicy policy{"https://team.cloudflareaccess.com", audiences, 60};
  const AccessReason claims = check_access_claims(parsed->claims, policy, 1'700'000'000);
  if (access_reason_name(claims).empty() || claims == AccessReason::kMissing) std::abort();
  if (claims == AccessReason::kOk && (parsed->claims.iss != policy.issuer || !parsed->claims.exp))
    std::abort();
  return 0;
}

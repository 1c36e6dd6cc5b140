// The Access token policy (doorman/access_token.h): shape, header algorithm, claims at a time.
#include "doorman/access_token.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace doorman {
namespace {

std::string b64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

std::string token(std::string_view header, std::string_view payload, std::string_view sig = "s") {
  return b64url(header) + "." + b64url(payload) + "." + b64url(sig);
}

TEST(DecodeBase64Url, RoundTripsAndRefusesJunk) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"})
    EXPECT_EQ(decode_base64url(b64url(s)), s);
  EXPECT_FALSE(decode_base64url("ab=").has_value());   // padding is not base64url here
  EXPECT_FALSE(decode_base64url("a+b/").has_value());  // the other alphabet
  EXPECT_FALSE(decode_base64url("a").has_value());     // a length no encoding has
  EXPECT_FALSE(decode_base64url("QR").has_value());    // non-zero leftover bits
}

TEST(ParseAccessToken, Shapes) {
  const std::string good = token(R"({"alg":"RS256","kid":"k1"})", R"({"iss":"x"})", "sig");
  auto parsed = parse_access_token(good);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->header.alg, "RS256");
  EXPECT_EQ(parsed->header.kid, "k1");
  EXPECT_EQ(parsed->signature, "sig");
  EXPECT_EQ(parsed->signing_input, good.substr(0, good.rfind('.')));
  const std::vector<std::string> bad = {
      "",
      "a.b",
      good + ".x",                                  // four segments (JWE has five)
      token(R"({"alg":"RS256"})", "{}", ""),        // empty signature
      token("[1]", "{}"),                           // header not an object
      token(R"({"alg":"RS256"})", "not json"),      // payload not JSON
      token(R"({"alg":5})", "{}"),                  // alg of the wrong type
      b64url(R"({"alg":"RS256"})") + ".e30=.c2ln",  // padded payload
      std::string(kMaxAccessTokenSize + 1, 'a'),
  };
  for (const std::string& t : bad) EXPECT_FALSE(parse_access_token(t).has_value()) << t;
}

struct HeaderCase {
  const char* alg;
  const char* kid;
  AccessReason expected;
};

TEST(CheckAccessHeader, OnlyRs256WithAKid) {
  const HeaderCase cases[] = {
      {"RS256", "k1", AccessReason::kOk},      {"none", "k1", AccessReason::kInvalid},
      {"None", "k1", AccessReason::kInvalid},  {"HS256", "k1", AccessReason::kInvalid},
      {"HS512", "k1", AccessReason::kInvalid}, {"RS512", "k1", AccessReason::kInvalid},
      {"ES256", "k1", AccessReason::kInvalid}, {"PS256", "k1", AccessReason::kInvalid},
      {"rs256", "k1", AccessReason::kInvalid}, {"", "k1", AccessReason::kInvalid},
      {"RS256", "", AccessReason::kInvalid},
  };
  for (const HeaderCase& c : cases)
    EXPECT_EQ(check_access_header({c.alg, c.kid}), c.expected) << c.alg << " " << c.kid;
}

struct ClaimsCase {
  std::string name;
  std::string payload;
  AccessReason expected;
};

class CheckAccessClaims : public ::testing::TestWithParam<ClaimsCase> {};

constexpr int64_t kNow = 1'800'000'000;

TEST_P(CheckAccessClaims, FollowsTheRule) {
  const ClaimsCase& c = GetParam();
  auto parsed = parse_access_token(token(R"({"alg":"RS256","kid":"k"})", c.payload));
  ASSERT_TRUE(parsed.has_value());
  const std::vector<std::string> audiences = {"aud-1", "aud-2"};
  AccessPolicy policy{"https://team.cloudflareaccess.com", audiences, 60};
  EXPECT_EQ(access_reason_name(check_access_claims(parsed->claims, policy, kNow)),
            access_reason_name(c.expected));
}

#define ISS R"("iss":"https://team.cloudflareaccess.com")"
INSTANTIATE_TEST_SUITE_P(
    Table, CheckAccessClaims,
    ::testing::Values(
        ClaimsCase{"Valid", "{" ISS R"(,"aud":["aud-1"],"exp":1800000100,"iat":1799999900})",
                   AccessReason::kOk},
        ClaimsCase{"AudString", "{" ISS R"(,"aud":"aud-2","exp":1800000100})", AccessReason::kOk},
        ClaimsCase{"AudSecondOfMany", "{" ISS R"(,"aud":["x","aud-2"],"exp":1800000100})",
                   AccessReason::kOk},
        ClaimsCase{"WrongAud", "{" ISS R"(,"aud":["aud-3"],"exp":1800000100})",
                   AccessReason::kAudience},
        ClaimsCase{"NoAud", "{" ISS R"(,"exp":1800000100})", AccessReason::kAudience},
        ClaimsCase{"AudNotStrings", "{" ISS R"(,"aud":[1],"exp":1800000100})",
                   AccessReason::kInvalid},
        ClaimsCase{"WrongIssuer",
                   R"({"iss":"https://evil.cloudflareaccess.com","aud":"aud-1","exp":1800000100})",
                   AccessReason::kInvalid},
        ClaimsCase{"IssuerWithoutScheme",
                   R"({"iss":"team.cloudflareaccess.com","aud":"aud-1","exp":1800000100})",
                   AccessReason::kInvalid},
        ClaimsCase{"NoIssuer", R"({"aud":"aud-1","exp":1800000100})", AccessReason::kInvalid},
        ClaimsCase{"NoExp", "{" ISS R"(,"aud":"aud-1"})", AccessReason::kInvalid},
        ClaimsCase{"ExpString", "{" ISS R"(,"aud":"aud-1","exp":"1800000100"})",
                   AccessReason::kInvalid},
        ClaimsCase{"Expired", "{" ISS R"(,"aud":"aud-1","exp":1799999000})",
                   AccessReason::kExpired},
        ClaimsCase{"ExpiredWithinSkew", "{" ISS R"(,"aud":"aud-1","exp":1799999950})",
                   AccessReason::kOk},
        ClaimsCase{"ExpiredJustPastSkew", "{" ISS R"(,"aud":"aud-1","exp":1799999939})",
                   AccessReason::kExpired},
        ClaimsCase{"NotYetValid", "{" ISS R"(,"aud":"aud-1","exp":1800009999,"nbf":1800000500})",
                   AccessReason::kInvalid},
        ClaimsCase{"NbfWithinSkew", "{" ISS R"(,"aud":"aud-1","exp":1800009999,"nbf":1800000030})",
                   AccessReason::kOk},
        ClaimsCase{"IssuedInTheFuture",
                   "{" ISS R"(,"aud":"aud-1","exp":1800009999,"iat":1800000500})",
                   AccessReason::kInvalid},
        ClaimsCase{"FractionalExp", "{" ISS R"(,"aud":"aud-1","exp":1800000100.5})",
                   AccessReason::kOk}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace doorman

// The team's keys and the RS256 check (access/jwks.h), with RSA keys and signatures made here by
// OpenSSL: one case per way a token or a key set can be wrong.
#include "access/jwks.h"

#include "acme/crypto.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doorman::access {
namespace {

// The ACME client's encoder (RFC 4648 §5, no padding) builds the test tokens.
std::string b64url(std::string_view bytes) {
  return acme::base64url(bytes);
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

struct Key {
  PkeyPtr pkey{nullptr, EVP_PKEY_free};
  nlohmann::json jwk;  // public members only
};

Key make_key(const std::string& kid) {
  Key k;
  k.pkey.reset(EVP_RSA_gen(2048));
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e);
  auto bytes = [](const BIGNUM* bn) {
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    return b64url(out);
  };
  k.jwk = {{"kty", "RSA"}, {"kid", kid},    {"alg", "RS256"},
           {"use", "sig"}, {"n", bytes(n)}, {"e", bytes(e)}};
  BN_free(n);
  BN_free(e);
  return k;
}

std::string rs256(const Key& key, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.pkey.get());
  std::size_t size = 0;
  EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(size, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(size);
  return sig;
}

std::string signing_input(const nlohmann::json& header, const nlohmann::json& claims) {
  return b64url(header.dump()) + "." + b64url(claims.dump());
}

const nlohmann::json kClaims = {{"iss", "https://team.example"}, {"aud", "a"}, {"exp", 2000000000}};

class JwksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    k1_ = new Key(make_key("k1"));
    k2_ = new Key(make_key("k2"));
  }
  static void TearDownTestSuite() {
    delete k1_;
    delete k2_;
  }
  static std::shared_ptr<const Jwks> set_of(std::vector<nlohmann::json> keys) {
    auto parsed = Jwks::parse(nlohmann::json{{"keys", keys}}.dump());
    EXPECT_TRUE(parsed.has_value()) << parsed.error();
    return parsed ? *parsed : nullptr;
  }
  static std::string token(const Key& key, nlohmann::json header) {
    const std::string input = signing_input(header, kClaims);
    return input + "." + b64url(rs256(key, input));
  }
  static Key* k1_;
  static Key* k2_;
};
Key* JwksTest::k1_ = nullptr;
Key* JwksTest::k2_ = nullptr;

TEST_F(JwksTest, ValidTokenVerifies) {
  auto keys = set_of({k1_->jwk, k2_->jwk});
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->verify(token(*k1_, {{"alg", "RS256"}, {"kid", "k1"}}), "k1"), Jwks::Check::kOk);
  EXPECT_EQ(keys->verify(token(*k2_, {{"alg", "RS256"}, {"kid", "k2"}}), "k2"), Jwks::Check::kOk);
}

TEST_F(JwksTest, UnknownKidAsksForARefresh) {
  auto keys = set_of({k1_->jwk});
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->verify(token(*k2_, {{"alg", "RS256"}, {"kid", "k2"}}), "k2"),
            Jwks::Check::kUnknownKid);
}

TEST_F(JwksTest, WrongKeyTamperedPayloadAndOtherAlgorithmsFail) {
  auto keys = set_of({k1_->jwk});
  ASSERT_TRUE(keys);
  const nlohmann::json header = {{"alg", "RS256"}, {"kid", "k1"}};
  // Signed by another key under k1's kid.
  EXPECT_EQ(keys->verify(token(*k2_, header), "k1"), Jwks::Check::kBad);
  // A valid signature over other claims.
  const std::string good = token(*k1_, header);
  nlohmann::json forged = kClaims;
  forged["aud"] = "b";
  const std::string tampered =
      b64url(header.dump()) + "." + b64url(forged.dump()) + good.substr(good.rfind('.'));
  EXPECT_EQ(keys->verify(tampered, "k1"), Jwks::Check::kBad);
  // HS256 keyed with the public key's bytes (the confusion attack).
  const nlohmann::json hs = {{"alg", "HS256"}, {"kid", "k1"}};
  const std::string input = signing_input(hs, kClaims);
  const std::string secret = k1_->jwk.dump();
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  EXPECT_EQ(keys->verify(input + "." + b64url({reinterpret_cast<char*>(mac), mac_len}), "k1"),
            Jwks::Check::kBad);
  // alg none, with and without a signature segment.
  const std::string none = signing_input({{"alg", "none"}, {"kid", "k1"}}, kClaims);
  EXPECT_EQ(keys->verify(none + ".", "k1"), Jwks::Check::kBad);
  EXPECT_EQ(keys->verify(none + ".eA", "k1"), Jwks::Check::kBad);
}

TEST_F(JwksTest, KeysInTheTokenHeaderAreNeverUsed) {
  auto keys = set_of({k1_->jwk});
  ASSERT_TRUE(keys);
  nlohmann::json attacker = k2_->jwk;
  attacker["kid"] = "k1";
  // The attacker's key embedded in the header, and URLs naming it (jku, x5u): signed by k2.
  EXPECT_EQ(keys->verify(token(*k2_, {{"alg", "RS256"}, {"kid", "k1"}, {"jwk", attacker}}), "k1"),
            Jwks::Check::kBad);
  EXPECT_EQ(keys->verify(token(*k2_, {{"alg", "RS256"},
                                      {"kid", "k1"},
                                      {"jku", "http://127.0.0.1:9/keys"},
                                      {"x5u", "http://127.0.0.1:9/cert"}}),
                         "k1"),
            Jwks::Check::kBad);
}

TEST_F(JwksTest, ParseSkipsKeysItCannotUse) {
  nlohmann::json ec = {{"kty", "EC"}, {"kid", "e1"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}};
  nlohmann::json enc = k2_->jwk;
  enc["use"] = "enc";
  nlohmann::json ps = k2_->jwk;
  ps["alg"] = "PS256";
  ps["kid"] = "p1";
  nlohmann::json no_kid = k2_->jwk;
  no_kid.erase("kid");
  auto keys = set_of({ec, enc, ps, no_kid, "junk", k1_->jwk});
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->skipped(), 5u);
  EXPECT_TRUE(keys->has("k1"));
  EXPECT_FALSE(keys->has("k2"));
}

TEST_F(JwksTest, ParseErrors) {
  EXPECT_FALSE(Jwks::parse("not json").has_value());
  EXPECT_FALSE(Jwks::parse("[]").has_value());
  EXPECT_FALSE(Jwks::parse(R"({"keys": {}})").has_value());
  EXPECT_FALSE(Jwks::parse(R"({"keys": []})").has_value());
  // Only the first kMaxKeys entries are read: a usable key after them does not count.
  std::vector<nlohmann::json> many(kMaxKeys, nlohmann::json("junk"));
  many.push_back(k1_->jwk);
  EXPECT_FALSE(Jwks::parse(nlohmann::json{{"keys", many}}.dump()).has_value());
}

}  // namespace
}  // namespace doorman::access

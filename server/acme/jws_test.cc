#include "acme/jws.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>

#include <nlohmann/json.hpp>

namespace doorman::acme {
namespace {

using json = nlohmann::json;

std::string unbase64url(std::string_view text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const auto v = kAlphabet.find(c);
    EXPECT_NE(v, std::string::npos) << "not base64url: " << c;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

AccountKey make_key() {
  auto key = generate_key(KeyType::kEcdsaP256);
  EXPECT_TRUE(key.has_value());
  auto account = AccountKey::from_key(std::move(*key));
  EXPECT_TRUE(account.has_value());
  return std::move(*account);
}

// Verifies an ES256 JWS signature (R || S) over `input` with OpenSSL.
bool verify(const AccountKey& key, std::string_view input, std::string_view signature64) {
  const std::string raw = unbase64url(signature64);
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key.key()) == 1 &&
      EVP_DigestVerify(md, der, static_cast<std::size_t>(der_size),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  return ok;
}

TEST(Base64Url, NoPaddingUrlAlphabet) {
  EXPECT_EQ(base64url(std::string_view("")), "");
  EXPECT_EQ(base64url(std::string_view("f")), "Zg");
  EXPECT_EQ(base64url(std::string_view("fo")), "Zm8");
  EXPECT_EQ(base64url(std::string_view("foo")), "Zm9v");
  const uint8_t bytes[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64url(bytes), "-_-_");
}

TEST(Jws, JwkIsCanonicalAndThumbprintIsItsDigest) {
  const AccountKey key = make_key();
  const json jwk = json::parse(key.jwk_json());
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(unbase64url(jwk["x"].get<std::string>()).size(), 32u);
  EXPECT_EQ(unbase64url(jwk["y"].get<std::string>()).size(), 32u);
  // RFC 7638 §3.3: members in lexicographic order, no whitespace.
  EXPECT_TRUE(key.jwk_json().starts_with(R"({"crv":"P-256","kty":"EC","x":")"));
  EXPECT_EQ(key.thumbprint(), base64url(sha256(key.jwk_json())));
  EXPECT_EQ(key_authorization("tok", key), "tok." + key.thumbprint());
}

TEST(Jws, NewAccountCarriesTheJwkAndVerifies) {
  const AccountKey key = make_key();
  auto body = sign_request(key, "", "nonce-1", "https://ca/new-acct", R"({"a":1})");
  ASSERT_TRUE(body.has_value());
  const json jws = json::parse(*body);
  ASSERT_EQ(jws.size(), 3u);  // flattened JSON: protected, payload, signature
  const json header = json::parse(unbase64url(jws["protected"].get<std::string>()));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["nonce"], "nonce-1");
  EXPECT_EQ(header["url"], "https://ca/new-acct");
  EXPECT_EQ(header["jwk"], json::parse(key.jwk_json()));
  EXPECT_FALSE(header.contains("kid"));
  EXPECT_EQ(unbase64url(jws["payload"].get<std::string>()), R"({"a":1})");
  EXPECT_TRUE(verify(key,
                     jws["protected"].get<std::string>() + "." + jws["payload"].get<std::string>(),
                     jws["signature"].get<std::string>()));
}

TEST(Jws, LaterRequestsCarryTheKidAndPostAsGetHasAnEmptyPayload) {
  const AccountKey key = make_key();
  auto body = sign_request(key, "https://ca/acct/7", "n2", "https://ca/order/1", "");
  ASSERT_TRUE(body.has_value());
  const json jws = json::parse(*body);
  const json header = json::parse(unbase64url(jws["protected"].get<std::string>()));
  EXPECT_EQ(header["kid"], "https://ca/acct/7");
  EXPECT_FALSE(header.contains("jwk"));
  EXPECT_EQ(jws["payload"], "");
  const std::string input = jws["protected"].get<std::string>() + ".";
  EXPECT_TRUE(verify(key, input, jws["signature"].get<std::string>()));
  EXPECT_FALSE(verify(key, input + "x", jws["signature"].get<std::string>()));
}

TEST(Jws, RsaAccountKeyIsRefused) {
  auto rsa = generate_key(KeyType::kRsa2048);
  ASSERT_TRUE(rsa.has_value());
  EXPECT_FALSE(AccountKey::from_key(std::move(*rsa)).has_value());
}

}  // namespace
}  // namespace doorman::acme

#include "acme/jws.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>

#include <nlohmann/json.hpp>

namespace doorman::acme {
namespace {

// A coordinate as exactly 32 big-endian bytes (RFC 7518 §6.2.1.2: full length, leading zeros).
std::expected<std::string, std::string> coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
    return std::unexpected("the account key is not an EC key: " + openssl_error());
  uint8_t bytes[32];
  const int n = BN_bn2binpad(bn, bytes, sizeof bytes);
  BN_free(bn);
  if (n != 32) return std::unexpected("the account key's point does not fit P-256");
  return base64url(bytes);
}

}  // namespace

std::expected<AccountKey, std::string> AccountKey::from_key(PkeyPtr key) {
  char group[32] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &length) != 1 ||
      std::string_view(group) != "prime256v1")
    return std::unexpected("the account key must be ECDSA P-256");
  auto x = coordinate(key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  if (!x) return std::unexpected(x.error());
  auto y = coordinate(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!y) return std::unexpected(y.error());
  AccountKey account;
  // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
  account.jwk_ = R"({"crv":"P-256","kty":"EC","x":")" + *x + R"(","y":")" + *y + R"("})";
  account.thumbprint_ = base64url(sha256(account.jwk_));
  account.key_ = std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
  return account;
}

std::expected<std::string, std::string> AccountKey::sign(std::string_view input) const {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t length = 0;
  bool ok = md != nullptr &&
            EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
            EVP_DigestSign(md, nullptr, &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  std::vector<unsigned char> der(length);
  ok =
      ok && EVP_DigestSign(md, der.data(), &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) return std::unexpected("cannot sign: " + openssl_error());
  // DER ECDSA-Sig-Value -> R || S (RFC 7518 §3.4).
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length));
  if (sig == nullptr) return std::unexpected("cannot decode the signature: " + openssl_error());
  uint8_t raw[64];
  const bool fits = BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32) == 32 &&
                    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  if (!fits) return std::unexpected("the signature does not fit P-256");
  return base64url(raw);
}

std::expected<std::string, std::string> sign_request(const AccountKey& key, std::string_view kid,
                                                     std::string_view nonce, std::string_view url,
                                                     std::string_view payload) {
  nlohmann::json header = {{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
  if (kid.empty())
    header["jwk"] = nlohmann::json::parse(key.jwk_json());
  else
    header["kid"] = kid;
  const std::string protected64 = base64url(header.dump());
  const std::string payload64 = payload.empty() ? std::string() : base64url(payload);
  auto signature = key.sign(protected64 + "." + payload64);
  if (!signature) return std::unexpected(signature.error());
  return nlohmann::json{
      {"protected", protected64}, {"payload", payload64}, {"signature", *signature}}
      .dump();
}

std::string key_authorization(std::string_view token, const AccountKey& key) {
  return std::string(token) + "." + key.thumbprint();
}

}  // namespace doorman::acme

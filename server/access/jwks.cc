#include "access/jwks.h"

#include <rhonabwy.h>

#include <mutex>
#include <nlohmann/json.hpp>

namespace doorman::access {
namespace {

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] { r_global_init(); });
}

// RAII for rhonabwy's handles.
struct JwkHandle {
  jwk_t* jwk = nullptr;
  JwkHandle() { r_jwk_init(&jwk); }
  ~JwkHandle() { r_jwk_free(jwk); }
  JwkHandle(const JwkHandle&) = delete;
  JwkHandle& operator=(const JwkHandle&) = delete;
};
struct JwtHandle {
  jwt_t* jwt = nullptr;
  JwtHandle() { r_jwt_init(&jwt); }
  ~JwtHandle() { r_jwt_free(jwt); }
  JwtHandle(const JwtHandle&) = delete;
  JwtHandle& operator=(const JwtHandle&) = delete;
};

// An RSA public key rhonabwy can use, from one JWK's JSON text.
bool import_rsa_public(const std::string& text, JwkHandle& key) {
  if (key.jwk == nullptr || r_jwk_import_from_json_str(key.jwk, text.c_str()) != RHN_OK)
    return false;
  const int type = r_jwk_key_type(key.jwk, nullptr, R_FLAG_IGNORE_REMOTE);
  return (type & R_KEY_TYPE_RSA) && (type & R_KEY_TYPE_PUBLIC);
}

std::string string_member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::expected<std::shared_ptr<const Jwks>, std::string> Jwks::parse(std::string_view json) {
  init_once();
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::unexpected("not a JSON object");
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) return std::unexpected("no \"keys\" array");
  auto out = std::make_shared<Jwks>();
  std::size_t seen = 0;
  for (const nlohmann::json& key : *keys) {
    if (++seen > kMaxKeys) break;
    if (!key.is_object()) {
      ++out->skipped_;
      continue;
    }
    const std::string kid = string_member(key, "kid");
    const std::string alg = string_member(key, "alg");
    const std::string use = string_member(key, "use");
    const bool usable = !kid.empty() && string_member(key, "kty") == "RSA" &&
                        (alg.empty() || alg == "RS256") && (use.empty() || use == "sig");
    // Only the public members go to rhonabwy: a JWKS that (wrongly) carried private parts must
    // not turn into a private key here.
    nlohmann::json pub = {{"kty", "RSA"},
                          {"kid", kid},
                          {"n", key.value("n", nlohmann::json())},
                          {"e", key.value("e", nlohmann::json())}};
    JwkHandle handle;
    if (!usable || !import_rsa_public(pub.dump(), handle)) {
      ++out->skipped_;
      continue;
    }
    out->keys_[kid] = pub.dump();
  }
  if (out->keys_.empty()) return std::unexpected("no usable RS256 key");
  return std::shared_ptr<const Jwks>(std::move(out));
}

Jwks::Check Jwks::verify(std::string_view token, std::string_view kid) const {
  auto it = keys_.find(kid);
  if (it == keys_.end()) return Check::kUnknownKid;
  JwkHandle key;
  if (!import_rsa_public(it->second, key)) return Check::kBad;
  JwtHandle jwt;
  // R_PARSE_NONE: no unsigned tokens, and no key taken from the token's own header (jwk, x5c)
  // nor fetched from a URL it names (jku, x5u: a request from the worker to wherever the token
  // says). r_jwt_parsen() would parse all of those (R_PARSE_HEADER_ALL); R_FLAG_IGNORE_REMOTE
  // keeps rhonabwy off the network whatever it parses.
  if (jwt.jwt == nullptr || r_jwt_advanced_parsen(jwt.jwt, token.data(), token.size(), R_PARSE_NONE,
                                                  R_FLAG_IGNORE_REMOTE) != RHN_OK)
    return Check::kBad;
  if (r_jwt_get_sign_alg(jwt.jwt) != R_JWA_ALG_RS256) return Check::kBad;
  if (r_jwt_verify_signature(jwt.jwt, key.jwk, R_FLAG_IGNORE_REMOTE) != RHN_OK) return Check::kBad;
  return Check::kOk;
}

}  // namespace doorman::access

#include "acme/crypto.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace doorman::acme {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
struct ReqDeleter {
  void operator()(X509_REQ* req) const { X509_REQ_free(req); }
};
struct ExtDeleter {
  void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};
using ExtPtr = std::unique_ptr<X509_EXTENSION, ExtDeleter>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// "DNS:a.example,DNS:b.example" for X509V3_EXT_conf_nid.
std::string san_value(const std::vector<std::string>& names) {
  std::string value;
  for (const std::string& name : names) value += (value.empty() ? "DNS:" : ",DNS:") + name;
  return value;
}

ExtPtr san_extension(const std::vector<std::string>& names) {
  return ExtPtr(
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san_value(names).c_str()));
}

// id-pe-acmeIdentifier (RFC 8737 §6.1), registered once per process.
int acme_identifier_nid() {
  static const int nid = [] {
    const int existing = OBJ_txt2nid("1.3.6.1.5.5.7.1.31");
    if (existing != NID_undef) return existing;
    return OBJ_create("1.3.6.1.5.5.7.1.31", "acmeIdentifier", "ACME Identifier");
  }();
  return nid;
}

}  // namespace

std::string base64url(std::span<const uint8_t> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= uint32_t{bytes[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::vector<uint8_t> sha256(std::string_view bytes) {
  std::vector<uint8_t> digest(32);
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &n, EVP_sha256(), nullptr);
  return digest;
}

std::expected<PkeyPtr, std::string> generate_key(KeyType type) {
  PkeyPtr key(type == KeyType::kRsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  if (!key) return std::unexpected("cannot generate a key: " + openssl_error());
  return key;
}

std::string key_type_name(const EVP_PKEY* key) {
  if (key == nullptr) return "other";
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
    return "rsa" + std::to_string(EVP_PKEY_get_bits(key));
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) != 1)
      return "ecdsa";
    const std::string_view name(group, length);
    // OpenSSL names P-256 "prime256v1" (its X9.62 name) and P-384 "secp384r1".
    if (name == "prime256v1" || name == "P-256") return "ecdsa-p256";
    if (name == "secp384r1" || name == "P-384") return "ecdsa-p384";
    return "ecdsa-" + std::string(name);
  }
  return "other";
}

std::string_view key_type_name(KeyType type) {
  return type == KeyType::kRsa2048 ? "rsa2048" : "ecdsa-p256";
}

std::expected<std::string, std::string> key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return std::unexpected("cannot write the key as PEM: " + openssl_error());
  return bio_text(bio.get());
}

std::expected<PkeyPtr, std::string> key_from_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return std::unexpected("not a PEM private key: " + openssl_error());
  return key;
}

std::expected<std::vector<uint8_t>, std::string> make_csr(EVP_PKEY* key,
                                                          const std::vector<std::string>& names) {
  std::unique_ptr<X509_REQ, ReqDeleter> req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 || X509_REQ_set_pubkey(req.get(), key) != 1)
    return std::unexpected("cannot build the CSR: " + openssl_error());
  X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1,
                             0);
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  ExtPtr san = san_extension(names);
  bool ok = san && sk_X509_EXTENSION_push(extensions, san.get()) > 0 &&
            X509_REQ_add_extensions(req.get(), extensions) == 1;
  sk_X509_EXTENSION_free(extensions);  // the extension itself is freed by `san`
  if (!ok || X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0)
    return std::unexpected("cannot sign the CSR: " + openssl_error());
  const int n = i2d_X509_REQ(req.get(), nullptr);
  if (n <= 0) return std::unexpected("cannot encode the CSR: " + openssl_error());
  std::vector<uint8_t> der(static_cast<std::size_t>(n));
  unsigned char* p = der.data();
  i2d_X509_REQ(req.get(), &p);
  return der;
}

std::expected<X509Ptr, std::string> first_certificate(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return std::unexpected("not a PEM certificate: " + openssl_error());
  return cert;
}

std::expected<std::string, std::string> ari_certificate_id(X509* leaf) {
  auto* aki = static_cast<AUTHORITY_KEYID*>(
      X509_get_ext_d2i(leaf, NID_authority_key_identifier, nullptr, nullptr));
  if (aki == nullptr || aki->keyid == nullptr) {
    AUTHORITY_KEYID_free(aki);
    return std::unexpected("the certificate has no authority key identifier");
  }
  std::string id = base64url({ASN1_STRING_get0_data(aki->keyid),
                              static_cast<std::size_t>(ASN1_STRING_length(aki->keyid))});
  AUTHORITY_KEYID_free(aki);
  // OpenSSL keeps an INTEGER's magnitude without DER's sign padding (0x87654321 is held as
  // 87 65 43 21; its DER content is 00 87 65 43 21): encode it, then drop tag and length.
  const ASN1_INTEGER* serial = X509_get0_serialNumber(leaf);
  const int n = i2d_ASN1_INTEGER(serial, nullptr);
  if (n < 3) return std::unexpected("cannot encode the serial number: " + openssl_error());
  std::vector<uint8_t> der(static_cast<std::size_t>(n));
  unsigned char* p = der.data();
  i2d_ASN1_INTEGER(serial, &p);
  const std::size_t header = der[1] < 0x80 ? 2 : 2 + (der[1] & 0x7f);
  if (header >= der.size()) return std::unexpected("a malformed serial number");
  return id + "." + base64url(std::span<const uint8_t>(der).subspan(header));
}

std::expected<X509Ptr, std::string> make_alpn_challenge_certificate(
    EVP_PKEY* key, std::string_view name, std::string_view key_authorization) {
  X509Ptr cert(X509_new());
  if (!cert) return std::unexpected("cannot build the challenge certificate");
  X509_set_version(cert.get(), 2);
  uint8_t serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive INTEGER
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7 * 86400);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string cn(name);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509_set_pubkey(cert.get(), key);
  ExtPtr san = san_extension({cn});
  // The extension's value is the DER of an OCTET STRING holding the 32-byte digest.
  const std::vector<uint8_t> digest = sha256(key_authorization);
  std::vector<uint8_t> der = {0x04, 0x20};
  der.insert(der.end(), digest.begin(), digest.end());
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(value, der.data(), static_cast<int>(der.size()));
  ExtPtr acme(X509_EXTENSION_create_by_NID(nullptr, acme_identifier_nid(), 1, value));
  ASN1_OCTET_STRING_free(value);
  if (!san || !acme || X509_add_ext(cert.get(), san.get(), -1) != 1 ||
      X509_add_ext(cert.get(), acme.get(), -1) != 1 ||
      X509_sign(cert.get(), key, EVP_sha256()) <= 0)
    return std::unexpected("cannot build the challenge certificate: " + openssl_error());
  return cert;
}

}  // namespace doorman::acme

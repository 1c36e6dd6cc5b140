#include "acme/crypto.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "tls/certificate_store.h"

namespace doorman::acme {
namespace {

struct ReqDeleter {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};

std::unique_ptr<X509_REQ, ReqDeleter> parse_csr(const std::vector<uint8_t>& der) {
  const unsigned char* p = der.data();
  return std::unique_ptr<X509_REQ, ReqDeleter>(
      d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
}

std::vector<std::string> csr_names(X509_REQ* req) {
  std::vector<std::string> names;
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    auto* sans = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext));
    for (int j = 0; j < sk_GENERAL_NAME_num(sans); ++j) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, j);
      if (n->type == GEN_DNS)
        names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)));
    }
    GENERAL_NAMES_free(sans);
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  return names;
}

TEST(Csr, EcdsaCsrListsEveryNameAndIsSelfSigned) {
  auto key = generate_key(KeyType::kEcdsaP256);
  ASSERT_TRUE(key.has_value());
  auto der = make_csr(key->get(), {"a.example.com", "b.example.com"});
  ASSERT_TRUE(der.has_value()) << der.error();
  auto req = parse_csr(*der);
  ASSERT_TRUE(req);
  EXPECT_EQ(csr_names(req.get()), (std::vector<std::string>{"a.example.com", "b.example.com"}));
  EXPECT_EQ(X509_REQ_verify(req.get(), key->get()), 1);
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(req.get());
  EXPECT_EQ(EVP_PKEY_get_base_id(public_key), EVP_PKEY_EC);
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), NID_ecdsa_with_SHA256);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "a.example.com");
}

TEST(Csr, Rsa2048KeyAndSha256) {
  auto key = generate_key(KeyType::kRsa2048);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(EVP_PKEY_get_bits(key->get()), 2048);
  auto der = make_csr(key->get(), {"rsa.example.com"});
  ASSERT_TRUE(der.has_value());
  auto req = parse_csr(*der);
  ASSERT_TRUE(req);
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), NID_sha256WithRSAEncryption);
  EXPECT_EQ(csr_names(req.get()), (std::vector<std::string>{"rsa.example.com"}));
}

TEST(Keys, PemRoundTrip) {
  auto key = generate_key(KeyType::kEcdsaP256);
  ASSERT_TRUE(key.has_value());
  auto pem = key_to_pem(key->get());
  ASSERT_TRUE(pem.has_value());
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----"));
  auto back = key_from_pem(*pem);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(EVP_PKEY_eq(key->get(), back->get()), 1);
  EXPECT_FALSE(key_from_pem("not a key").has_value());
}

TEST(Keys, KeyTypeNameUsesTheKeyTypeSpelling) {
  auto ec = generate_key(KeyType::kEcdsaP256);
  auto rsa = generate_key(KeyType::kRsa2048);
  ASSERT_TRUE(ec.has_value() && rsa.has_value());
  EXPECT_EQ(key_type_name(ec->get()), key_type_name(KeyType::kEcdsaP256));
  EXPECT_EQ(key_type_name(ec->get()), "ecdsa-p256");
  EXPECT_EQ(key_type_name(rsa->get()), key_type_name(KeyType::kRsa2048));
  EXPECT_EQ(key_type_name(rsa->get()), "rsa2048");
  // Keys of no configurable type are named, never mistaken for one.
  PkeyPtr p384(EVP_EC_gen("P-384"));
  PkeyPtr rsa1024(EVP_RSA_gen(1024));
  PkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  EXPECT_EQ(key_type_name(p384.get()), "ecdsa-p384");
  EXPECT_EQ(key_type_name(rsa1024.get()), "rsa1024");
  EXPECT_EQ(key_type_name(ed25519.get()), "other");
  EXPECT_EQ(key_type_name(nullptr), "other");
}

// A certificate with this serial and, when `key_id` is not empty, an Authority Key Identifier
// holding it (signed by a throwaway key: only the fields matter).
X509Ptr certificate_with(uint64_t serial, const std::vector<uint8_t>& key_id) {
  auto key = generate_key(KeyType::kEcdsaP256);
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key->get());
  if (!key_id.empty()) {
    AUTHORITY_KEYID* aki = AUTHORITY_KEYID_new();
    aki->keyid = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(aki->keyid, key_id.data(), static_cast<int>(key_id.size()));
    X509_add1_ext_i2d(cert.get(), NID_authority_key_identifier, aki, 0, X509V3_ADD_DEFAULT);
    AUTHORITY_KEYID_free(aki);
  }
  X509_sign(cert.get(), key->get(), EVP_sha256());
  return cert;
}

TEST(AriCertificateId, Rfc9773Example) {
  // RFC 9773 §4.1: keyIdentifier 69:88:5B:...:C8:D4 and serial 0x87654321, whose DER content
  // is 00 87 65 43 21 (the leading zero keeps it positive).
  const std::vector<uint8_t> key_id = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
                                       0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
  auto id = ari_certificate_id(certificate_with(0x87654321, key_id).get());
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_EQ(*id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST(AriCertificateId, SerialWithoutTheTopBitHasNoPadding) {
  const std::vector<uint8_t> key_id = {0xfb, 0xff, 0xbf};  // base64 "+/+/": url-safe "-_-_"
  auto id = ari_certificate_id(certificate_with(0x01, key_id).get());
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_EQ(*id, "-_-_.AQ");
  id = ari_certificate_id(certificate_with(0x7f65, key_id).get());
  ASSERT_TRUE(id.has_value()) << id.error();
  EXPECT_EQ(*id, "-_-_.f2U");
}

TEST(AriCertificateId, NoAuthorityKeyIdentifierIsAnError) {
  auto id = ari_certificate_id(certificate_with(0x87654321, {}).get());
  EXPECT_FALSE(id.has_value());
}

TEST(AlpnChallenge, CertificateCarriesTheCriticalAcmeIdentifier) {
  auto key = generate_key(KeyType::kEcdsaP256);
  ASSERT_TRUE(key.has_value());
  auto cert = make_alpn_challenge_certificate(key->get(), "x.example.com", "token.thumb");
  ASSERT_TRUE(cert.has_value()) << cert.error();
  EXPECT_EQ(tls::certificate_names(cert->get()), (std::vector<std::string>{"x.example.com"}));
  const int index = X509_get_ext_by_OBJ(cert->get(), OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1), -1);
  ASSERT_GE(index, 0);
  X509_EXTENSION* ext = X509_get_ext(cert->get(), index);
  EXPECT_EQ(X509_EXTENSION_get_critical(ext), 1);
  // RFC 8737 §3: the value is the DER OCTET STRING of SHA-256(key authorization).
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  std::vector<uint8_t> expected = {0x04, 0x20};
  const std::vector<uint8_t> digest = sha256("token.thumb");
  expected.insert(expected.end(), digest.begin(), digest.end());
  EXPECT_EQ(std::vector<uint8_t>(ASN1_STRING_get0_data(value),
                                 ASN1_STRING_get0_data(value) + ASN1_STRING_length(value)),
            expected);
  EXPECT_EQ(X509_verify(cert->get(), key->get()), 1);  // self-signed
}

}  // namespace
}  // namespace doorman::acme

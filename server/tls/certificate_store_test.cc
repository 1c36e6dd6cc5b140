// CertificateStore: names from SAN (CN only without a DNS SAN), SNI selection (exact, one-label
// wildcard, case and trailing dot, the marked default, unknown names), and load errors and
// warnings naming the file (missing, not PEM, key mismatch, expired, not yet valid).
#include "tls/certificate_store.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "tls/tls_context.h"

namespace doorman::tls {
namespace {

// A self-signed P-256 certificate written as PEM files into `dir`.
CertificateFiles make_cert(const std::string& dir, const std::string& name, const std::string& cn,
                           const std::string& sans, long not_before_s = -60,
                           long not_after_s = 86400) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(cert), not_after_s);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  if (!sans.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, sans.c_str());
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  CertificateFiles files{dir + "/" + name + ".crt", dir + "/" + name + ".key", false};
  std::FILE* f = std::fopen(files.cert.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(files.key.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

class CertificateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/doorman-tls-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  CertificateStore::LoadResult load(const std::vector<CertificateFiles>& files) {
    return CertificateStore::load(files, [](SSL_CTX* ctx) { return configure_server_ctx(ctx); });
  }
  std::string dir_;
};

TEST_F(CertificateStoreTest, NamesComeFromSanThenCn) {
  auto both = make_cert(dir_, "both", "cn.test", "DNS:A.Example.com,DNS:*.b.test,IP:192.0.2.1");
  auto cn_only = make_cert(dir_, "cn", "Only.CN.test", "");
  auto r = load({both, cn_only});
  ASSERT_TRUE(r.store) << r.errors[0];
  EXPECT_EQ(r.store->certificates()[0].names,
            (std::vector<std::string>{"a.example.com", "*.b.test"}));
  EXPECT_EQ(r.store->certificates()[1].names, (std::vector<std::string>{"only.cn.test"}));
}

TEST_F(CertificateStoreTest, SelectsBySni) {
  auto exact = make_cert(dir_, "exact", "x", "DNS:www.example.com");
  auto wild = make_cert(dir_, "wild", "x", "DNS:*.example.com");
  auto other = make_cert(dir_, "other", "x", "DNS:other.test");
  struct Case {
    const char* sni;
    int expected;  // index, or -1 for none
  };
  {
    auto r = load({exact, wild, other});
    ASSERT_TRUE(r.store);
    const Case cases[] = {{"www.example.com", 0}, {"WWW.Example.COM.", 0},
                          {"a.example.com", 1},   {"a.b.example.com", -1},
                          {"example.com", -1},    {"other.test", 2},
                          {"unknown.test", -1},   {"", 0}};
    for (const Case& c : cases) {
      const LoadedCertificate* got = r.store->select(c.sni);
      const int index = got ? static_cast<int>(got - r.store->certificates().data()) : -1;
      EXPECT_EQ(index, c.expected) << c.sni;
    }
  }
  other.is_default = true;
  auto r = load({exact, wild, other});
  ASSERT_TRUE(r.store);
  const Case cases[] = {
      {"", 2}, {"unknown.test", 2}, {"a.b.example.com", 2}, {"www.example.com", 0}};
  for (const Case& c : cases) {
    const LoadedCertificate* got = r.store->select(c.sni);
    EXPECT_EQ(got - r.store->certificates().data(), c.expected) << c.sni;
  }
}

TEST_F(CertificateStoreTest, ErrorsAndWarningsNameTheFile) {
  auto good = make_cert(dir_, "good", "good.test", "DNS:good.test");
  auto other = make_cert(dir_, "other", "other.test", "DNS:other.test");
  auto expired = make_cert(dir_, "expired", "old.test", "DNS:old.test", -7200, -3600);
  auto future = make_cert(dir_, "future", "new.test", "DNS:new.test", 3600, 7200);

  auto r = load({{dir_ + "/missing.crt", good.key, false}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "'" + dir_ + "/missing.crt': cannot read the file");
  r = load({{good.cert, other.key, false}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.errors[0].starts_with("'" + other.key + "': ")) << r.errors[0];
  r = load({{good.key, good.key, false}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.errors[0].starts_with("'" + good.key + "': not a PEM certificate chain"))
      << r.errors[0];
  r = load({});
  EXPECT_EQ(r.errors.size(), 1u);
  auto second_default = good;
  second_default.is_default = true;
  auto third = other;
  third.is_default = true;
  EXPECT_EQ(load({second_default, third}).errors.size(), 1u);

  r = load({expired, future});
  ASSERT_TRUE(r.store);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0], "'" + expired.cert + "': the certificate has expired");
  EXPECT_EQ(r.warnings[1], "'" + future.cert + "': the certificate is not valid yet");
}

TEST_F(CertificateStoreTest, TlsContextBuilds) {
  auto good = make_cert(dir_, "good", "good.test", "DNS:good.test");
  auto built = TlsContext::build({good});
  ASSERT_TRUE(built.context) << built.errors[0];
  EXPECT_EQ(SSL_CTX_get_min_proto_version(built.context->context().native_handle()),
            TLS1_2_VERSION);
  EXPECT_FALSE(TlsContext::build({{good.cert, dir_ + "/nope.key", false}}).context);
}

}  // namespace
}  // namespace doorman::tls

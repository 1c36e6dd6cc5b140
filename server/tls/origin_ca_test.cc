// Origin CA recognition (tls/origin_ca.h): issuer units, parsed certificates, issuer text.
#include "tls/origin_ca.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace doorman::tls {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// A certificate whose issuer name has these OUs (nothing else is needed to read the issuer).
X509Ptr with_issuer_units(std::initializer_list<std::string> units) {
  X509Ptr cert(X509_new(), X509_free);
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("CloudFlare, Inc."), -1, -1, 0);
  for (const std::string& u : units)
    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(u.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_NAME_free(name);
  return cert;
}

TEST(OriginCa, UnitsOfBothRoots) {
  EXPECT_TRUE(is_origin_ca_unit("CloudFlare Origin SSL Certificate Authority"));
  EXPECT_TRUE(is_origin_ca_unit("CloudFlare Origin SSL ECC Certificate Authority"));
  EXPECT_FALSE(is_origin_ca_unit("CloudFlare Origin SSL Fake Certificate Authority"));
  EXPECT_FALSE(is_origin_ca_unit("cloudflare origin ssl certificate authority"));
  EXPECT_FALSE(is_origin_ca_unit("Let's Encrypt"));
  EXPECT_FALSE(is_origin_ca_unit(""));
}

TEST(OriginCa, IssuerOfACertificate) {
  EXPECT_TRUE(issued_by_origin_ca(
      with_issuer_units({"CloudFlare Origin SSL Certificate Authority"}).get()));
  EXPECT_TRUE(issued_by_origin_ca(
      with_issuer_units({"Other", "CloudFlare Origin SSL ECC Certificate Authority"}).get()));
  EXPECT_FALSE(issued_by_origin_ca(with_issuer_units({}).get()));
  EXPECT_FALSE(issued_by_origin_ca(with_issuer_units({"Origin"}).get()));
  EXPECT_FALSE(issued_by_origin_ca(nullptr));
}

TEST(OriginCa, IssuerText) {
  EXPECT_TRUE(names_origin_ca(
      "C = US, O = \"CloudFlare, Inc.\", OU = CloudFlare Origin SSL Certificate Authority, "
      "L = San Francisco, ST = California"));
  EXPECT_TRUE(names_origin_ca("OU=CloudFlare Origin SSL ECC Certificate Authority"));
  EXPECT_FALSE(names_origin_ca("C = US, O = Let's Encrypt, CN = R11"));
}

}  // namespace
}  // namespace doorman::tls

#include "tls/origin_ca.h"

namespace doorman::tls {
namespace {

constexpr std::string_view kPrefix = "CloudFlare Origin SSL ";
constexpr std::string_view kSuffix = "Certificate Authority";

}  // namespace

bool is_origin_ca_unit(std::string_view ou) {
  if (!ou.starts_with(kPrefix) || !ou.ends_with(kSuffix)) return false;
  // Between the two: nothing (RSA root) or "ECC " (ECDSA root).
  const std::string_view middle =
      ou.substr(kPrefix.size(), ou.size() - kPrefix.size() - kSuffix.size());
  return middle.empty() || middle == "ECC ";
}

bool issued_by_origin_ca(const X509* cert) {
  if (cert == nullptr) return false;
  const X509_NAME* issuer = X509_get_issuer_name(cert);
  for (int i = X509_NAME_get_index_by_NID(issuer, NID_organizationalUnitName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(issuer, NID_organizationalUnitName, i)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(issuer, i));
    const std::string_view ou(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                              static_cast<std::size_t>(ASN1_STRING_length(data)));
    if (is_origin_ca_unit(ou)) return true;
  }
  return false;
}

bool names_origin_ca(std::string_view issuer_text) {
  for (std::string_view unit : {"CloudFlare Origin SSL Certificate Authority",
                                "CloudFlare Origin SSL ECC Certificate Authority"})
    if (issuer_text.find(unit) != std::string_view::npos) return true;
  return false;
}

}  // namespace doorman::tls

#include "tls/certificate_store.h"

#include "tls/openssl_text.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace doorman::tls {
namespace {

bool readable(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  std::fclose(f);
  return true;
}

}  // namespace

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.push_back(lowercase_dns_name({reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                          static_cast<std::size_t>(ASN1_STRING_length(dns))}));
    }
    GENERAL_NAMES_free(sans);
  }
  if (!names.empty()) return names;
  // RFC 6125 §6.4.4: the CN only when there is no DNS SAN.
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    names.push_back(lowercase_dns_name({reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                                        static_cast<std::size_t>(ASN1_STRING_length(cn))}));
  }
  return names;
}

CertificateStore::LoadResult CertificateStore::load(
    const std::vector<CertificateFiles>& files,
    const std::function<std::string(SSL_CTX*)>& configure) {
  LoadResult result;
  auto store = std::make_unique<CertificateStore>();
  for (const CertificateFiles& f : files) {
    for (const std::string* path : {&f.cert, &f.key}) {
      if (!readable(*path)) result.errors.push_back("'" + *path + "': cannot read the file");
    }
    if (!result.errors.empty()) continue;
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
      result.errors.push_back("'" + f.cert + "': " + openssl_error());
      continue;
    }
    if (const std::string e = configure(ctx.get()); !e.empty()) {
      result.errors.push_back("'" + f.cert + "': " + e);
      continue;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), f.cert.c_str()) != 1) {
      result.errors.push_back("'" + f.cert + "': not a PEM certificate chain (" + openssl_error() +
                              ")");
      continue;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), f.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      result.errors.push_back("'" + f.key + "': not a PEM private key matching '" + f.cert + "' (" +
                              openssl_error() + ")");
      continue;
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      result.errors.push_back("'" + f.key + "': the key does not match '" + f.cert + "'");
      ERR_clear_error();
      continue;
    }
    X509* leaf = SSL_CTX_get0_certificate(ctx.get());
    if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0)
      result.warnings.push_back("'" + f.cert + "': the certificate has expired");
    else if (X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0)
      result.warnings.push_back("'" + f.cert + "': the certificate is not valid yet");
    LoadedCertificate loaded{f, certificate_names(leaf), std::move(ctx)};
    if (loaded.names.empty())
      result.warnings.push_back("'" + f.cert + "': no DNS name (SAN or CN): only a default");
    const std::size_t index = store->certificates_.size();
    for (const std::string& name : loaded.names) {
      // The first certificate listed for a name wins; later duplicates are ignored.
      if (name.starts_with("*."))
        store->wildcard_.try_emplace(name.substr(2), index);
      else
        store->exact_.try_emplace(name, index);
    }
    if (f.is_default) {
      if (store->has_marked_default_)
        result.errors.push_back("'" + f.cert + "': a second default certificate");
      store->has_marked_default_ = true;
      store->no_sni_ = index;
    }
    store->certificates_.push_back(std::move(loaded));
  }
  if (files.empty()) result.errors.push_back("a TLS listener needs at least one certificate");
  if (result.errors.empty()) result.store = std::move(store);
  return result;
}

const LoadedCertificate* CertificateStore::select(std::string_view sni) const {
  if (sni.empty()) return &certificates_[no_sni_];
  if (sni.size() >= 256) return nullptr;  // no DNS name is that long (RFC 1035 §2.3.4)
  if (const LoadedCertificate* c = covering(sni)) return c;
  return fallback(sni);
}

const LoadedCertificate* CertificateStore::covering(std::string_view sni) const {
  char buffer[256];
  if (sni.empty() || sni.size() >= sizeof buffer) return nullptr;
  std::size_t n = 0;
  for (char c : sni) buffer[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  std::string_view name(buffer, n);
  if (name.ends_with('.')) name.remove_suffix(1);
  if (auto it = exact_.find(name); it != exact_.end()) return &certificates_[it->second];
  // A wildcard covers exactly one label (RFC 6125 §6.4.3).
  if (const auto dot = name.find('.'); dot != std::string_view::npos && dot > 0)
    if (auto it = wildcard_.find(name.substr(dot + 1)); it != wildcard_.end())
      return &certificates_[it->second];
  return nullptr;
}

const LoadedCertificate* CertificateStore::fallback(std::string_view sni) const {
  if (sni.empty()) return &certificates_[no_sni_];
  return has_marked_default_ ? &certificates_[no_sni_] : nullptr;
}

}  // namespace doorman::tls

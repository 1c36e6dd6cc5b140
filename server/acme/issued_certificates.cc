#include "acme/issued_certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "acme/crypto.h"
#include "tls/tls_context.h"

namespace doorman::acme {
namespace {

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t) {
  struct tm parts {};
  ASN1_TIME_to_tm(t, &parts);
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

std::expected<std::vector<X509Ptr>, std::string> read_chain(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::vector<X509Ptr> chain;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    chain.emplace_back(cert);
  ERR_clear_error();  // the end of the input reads as an error
  if (chain.empty()) return std::unexpected("no PEM certificate in the chain");
  return chain;
}

std::expected<std::shared_ptr<SSL_CTX>, std::string> make_ctx(const std::vector<X509Ptr>& chain,
                                                              EVP_PKEY* key, bool http2) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return std::unexpected("cannot create a TLS context: " + openssl_error());
  if (const std::string e = tls::configure_server_ctx(ctx.get(), http2); !e.empty())
    return std::unexpected(e);
  bool ok = SSL_CTX_use_certificate(ctx.get(), chain.front().get()) == 1;
  for (std::size_t i = 1; ok && i < chain.size(); ++i)
    ok = SSL_CTX_add1_chain_cert(ctx.get(), chain[i].get()) == 1;
  ok = ok && SSL_CTX_use_PrivateKey(ctx.get(), key) == 1 &&
       SSL_CTX_check_private_key(ctx.get()) == 1;
  if (!ok) return std::unexpected("the key does not match the certificate: " + openssl_error());
  return ctx;
}

}  // namespace

std::expected<CertificateSummary, std::string> summarize_chain(std::string_view chain_pem) {
  auto chain = read_chain(chain_pem);
  if (!chain) return std::unexpected(chain.error());
  X509* leaf = chain->front().get();
  CertificateSummary s;
  s.not_before = to_time_point(X509_get0_notBefore(leaf));
  s.not_after = to_time_point(X509_get0_notAfter(leaf));
  char issuer[256];
  X509_NAME_oneline(X509_get_issuer_name(leaf), issuer, sizeof issuer);
  s.issuer = issuer;
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr);
  char* hex = BN_bn2hex(serial);
  s.serial = hex;
  OPENSSL_free(hex);
  BN_free(serial);
  s.key_type = key_type_name(X509_get0_pubkey(leaf));
  return s;
}

IssuedCertificates& IssuedCertificates::shared() {
  static IssuedCertificates* instance = new IssuedCertificates();  // handshakes may still look
  return *instance;
}

std::expected<void, std::string> IssuedCertificates::publish(const std::string& name,
                                                             std::string_view chain_pem,
                                                             std::string_view key_pem) {
  auto chain = read_chain(chain_pem);
  if (!chain) return std::unexpected(chain.error());
  auto key = key_from_pem(key_pem);
  if (!key) return std::unexpected(key.error());
  auto summary = summarize_chain(chain_pem);
  if (!summary) return std::unexpected(summary.error());
  auto h2 = make_ctx(*chain, key->get(), true);
  if (!h2) return std::unexpected(h2.error());
  auto http11 = make_ctx(*chain, key->get(), false);
  if (!http11) return std::unexpected(http11.error());
  summary->name = name;
  std::lock_guard lock(mutex_);
  entries_[name] = Entry{std::move(*h2), std::move(*http11), std::move(*summary)};
  return {};
}

std::shared_ptr<SSL_CTX> IssuedCertificates::find(std::string_view name, bool http2) const {
  char buffer[256];
  if (name.size() >= sizeof buffer) return nullptr;
  std::size_t n = 0;
  for (char c : name) buffer[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  std::string_view lower(buffer, n);
  if (lower.ends_with('.')) lower.remove_suffix(1);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(lower);
  // A wildcard certificate (DNS-01) covers exactly one more label (RFC 6125 §6.4.3).
  if (it == entries_.end())
    if (const auto dot = lower.find('.'); dot != std::string_view::npos && dot > 0)
      it = entries_.find("*" + std::string(lower.substr(dot)));
  if (it == entries_.end()) return nullptr;
  return http2 ? it->second.h2 : it->second.http11;
}

std::vector<CertificateSummary> IssuedCertificates::list() const {
  std::lock_guard lock(mutex_);
  std::vector<CertificateSummary> out;
  for (const auto& [name, entry] : entries_) out.push_back(entry.summary);
  return out;
}

}  // namespace doorman::acme

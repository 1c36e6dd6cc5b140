#include "tls/client_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace doorman::tls {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

std::string one_line_subject(X509* cert) {
  char buffer[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buffer, sizeof buffer);
  return buffer;
}

// The subject CN and every SAN DNS name (the pin may name either; doorman/origin_pull.h).
std::vector<std::string> cert_names(X509* cert) {
  std::vector<std::string> names;
  char cn[256];
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                          static_cast<int>(sizeof cn));
  if (n > 0) names.emplace_back(cn, static_cast<std::size_t>(n));
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans) && names.size() < kMaxOriginPullNames; ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                         static_cast<std::size_t>(ASN1_STRING_length(dns)));
    }
    GENERAL_NAMES_free(sans);
  }
  return names;
}

}  // namespace

std::shared_ptr<const ClientCertificate> read_client_certificate(SSL* ssl) {
  auto out = std::make_shared<ClientCertificate>();
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return out;
  out->names = cert_names(cert);
  out->subject = one_line_subject(cert);
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) {
    out->state = ClientCertState::kVerified;
  } else {
    out->state = ClientCertState::kUnverified;
    out->error = X509_verify_cert_error_string(result);
  }
  return out;
}

ClientCertificate verify_certificate_file(const std::string& path, const ClientCa& ca) {
  ClientCertificate out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    out.error = "'" + path + "': cannot read";
    return out;
  }
  X509Ptr leaf(PEM_read_X509(f, nullptr, nullptr, nullptr));
  STACK_OF(X509)* chain = sk_X509_new_null();
  while (X509* more = PEM_read_X509(f, nullptr, nullptr, nullptr)) sk_X509_push(chain, more);
  std::fclose(f);
  ERR_clear_error();
  if (!leaf) {
    sk_X509_pop_free(chain, X509_free);
    out.error = "'" + path + "': no PEM certificate in it";
    return out;
  }
  out.names = cert_names(leaf.get());
  out.subject = one_line_subject(leaf.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  // The purpose a TLS server checks a client certificate for (as the handshake does).
  if (ctx != nullptr && X509_STORE_CTX_init(ctx, ca.store(), leaf.get(), chain) == 1) {
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    if (X509_verify_cert(ctx) == 1) {
      out.state = ClientCertState::kVerified;
    } else {
      out.state = ClientCertState::kUnverified;
      out.error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    }
  } else {
    out.state = ClientCertState::kUnverified;
    out.error = "cannot set up the verification";
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_pop_free(chain, X509_free);
  ERR_clear_error();
  return out;
}

}  // namespace doorman::tls

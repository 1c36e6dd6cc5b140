#include "tls/tls_context.h"

#include "tls/openssl_text.h"

#include <openssl/err.h>

#include "acme/challenges.h"
#include "acme/issued_certificates.h"

#include <cstdio>
#include <cstring>

namespace doorman::tls {
namespace {

// RFC 7301 wire format: length-prefixed protocol names.
// The server's preference order: h2 first when the listener allows it (RFC 7301 §3.2: the
// server chooses; SSL_select_next_proto walks the server's list).
constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kH2AndHttp11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kSessionIdContext[] = "doorman";

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void* arg) {
  const bool http2 = arg != nullptr;
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, http2 ? kH2AndHttp11 : kHttp11,
                            http2 ? sizeof kH2AndHttp11 : sizeof kHttp11, in,
                            in_len) == OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol (RFC 7301 §3.2)
}

constexpr std::string_view kAcmeTls = "acme-tls/1";

// The ex_data slot where the ClientHello callback notes an offer of acme-tls/1.
int acme_tls_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// ACME listeners: notes whether the client offers acme-tls/1 (RFC 8737 §3), which the
// servername callback needs and cannot see itself.
int note_acme_tls(SSL* ssl, int*, void*) {
  const unsigned char* ext = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
                                &length) != 1 ||
      length < 2)
    return SSL_CLIENT_HELLO_SUCCESS;
  // RFC 7301 §3.1: a 2-byte list length, then 1-byte-length-prefixed names.
  std::size_t at = 2;
  while (at < length) {
    const std::size_t n = ext[at];
    if (at + 1 + n > length) break;
    if (std::string_view(reinterpret_cast<const char*>(ext + at + 1), n) == kAcmeTls) {
      SSL_set_ex_data(ssl, acme_tls_index(), reinterpret_cast<void*>(1));
      break;
    }
    at += 1 + n;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int fail_unrecognized(int* alert, const char* sni, const char* why) {
  std::fprintf(stderr, "doorman: tls: no certificate for server name '%.255s'%s\n", sni ? sni : "",
               why);
  *alert = SSL_AD_UNRECOGNIZED_NAME;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int select_certificate(SSL* ssl, int* alert, void* arg) {
  const auto* tls = static_cast<const TlsContext*>(arg);
  const CertificateStore* store = tls->store();
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const std::string_view name = sni ? std::string_view(sni) : std::string_view();
  SSL_CTX* chosen = nullptr;
  std::shared_ptr<SSL_CTX> acme_ctx;  // keeps an ACME context alive until SSL_set_SSL_CTX
  if (tls->acme() && SSL_get_ex_data(ssl, acme_tls_index()) != nullptr) {
    // A TLS-ALPN-01 validation: only the pending challenge's certificate will do.
    acme_ctx = acme::Challenges::shared().alpn(lowercase_dns_name(name.substr(0, 255)));
    if (!acme_ctx) return fail_unrecognized(alert, sni, " (acme-tls/1: no pending challenge)");
    chosen = acme_ctx.get();
  }
  if (chosen == nullptr && store != nullptr)
    if (const LoadedCertificate* c = store->covering(name)) chosen = c->ctx.get();
  if (chosen == nullptr && tls->acme() && !name.empty()) {
    acme_ctx = acme::IssuedCertificates::shared().find(name, tls->http2());
    chosen = acme_ctx.get();
  }
  if (chosen == nullptr && store != nullptr)
    if (const LoadedCertificate* c = store->fallback(name)) chosen = c->ctx.get();
  if (chosen == nullptr)
    return fail_unrecognized(alert, sni, tls->acme() ? " (ACME has not obtained one yet)" : "");
  if (SSL_get_SSL_CTX(ssl) != chosen) SSL_set_SSL_CTX(ssl, chosen);
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::string configure_server_ctx(SSL_CTX* ctx, bool http2) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return "cannot require TLS 1.2";
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // The callback's argument only says whether h2 is offered (non-null = yes).
  static int offer_h2 = 1;
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, http2 ? &offer_h2 : nullptr);
  // TLS 1.2 session ids need a cache and a context id; tickets are on by default.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_sess_set_cache_size(ctx, 20480);
  return "";
}

TlsContext::BuildResult TlsContext::build(const std::vector<CertificateFiles>& files, bool http2,
                                          bool acme, const config::ClientAuth& client_auth) {
  BuildResult result;
  std::shared_ptr<const ClientCa> client_ca;
  if (client_auth.enabled()) {
    // ACME contexts are shared by every listener (acme::IssuedCertificates) and carry no
    // client CA, and OpenSSL verifies against the context the servername callback switched to.
    if (acme) {
      result.errors.push_back(
          "client_ca / client_auth cannot be combined with certificates = \"acme\" (use the "
          "certificate the front proxy trusts, e.g. a Cloudflare Origin CA certificate)");
      return result;
    }
    ClientCa::LoadResult ca = ClientCa::load(client_auth);
    if (!ca.error.empty()) {
      result.errors.push_back(ca.error);
      return result;
    }
    client_ca = std::move(ca.ca);
  }
  // The same settings on every context: the servername callback may switch to any of them.
  const auto configure = [&](SSL_CTX* ctx) {
    std::string e = configure_server_ctx(ctx, http2);
    if (e.empty() && client_ca) e = client_ca->apply(ctx, client_auth.required);
    return e;
  };
  auto tls = std::make_shared<TlsContext>();
  tls->acme_ = acme;
  tls->http2_ = http2;
  if (!files.empty() || !acme) {
    CertificateStore::LoadResult loaded = CertificateStore::load(files, configure);
    result.errors = std::move(loaded.errors);
    result.warnings = std::move(loaded.warnings);
    if (!result.errors.empty()) return result;
    tls->store_ = std::move(loaded.store);
  }
  tls->context_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* base = tls->context_->native_handle();
  tls->client_ca_ = client_ca;
  if (const std::string e = configure(base); !e.empty()) {
    result.errors.push_back(e);
    return result;
  }
  // The handshake starts on the base context; it needs a certificate of its own for clients
  // the callback switches nothing for, so it gets the no-SNI one (an ACME-only listener has
  // none: every handshake is switched, or refused).
  if (tls->store_) {
    const LoadedCertificate* first = tls->store_->select("");
    X509* leaf = SSL_CTX_get0_certificate(first->ctx.get());
    EVP_PKEY* key = SSL_CTX_get0_privatekey(first->ctx.get());
    STACK_OF(X509)* chain = nullptr;
    SSL_CTX_get0_chain_certs(first->ctx.get(), &chain);
    if (SSL_CTX_use_certificate(base, leaf) != 1 || SSL_CTX_use_PrivateKey(base, key) != 1 ||
        (chain != nullptr && SSL_CTX_set1_chain(base, chain) != 1)) {
      result.errors.push_back("'" + first->files.cert + "': cannot install the certificate");
      ERR_clear_error();
      return result;
    }
  }
  if (acme) SSL_CTX_set_client_hello_cb(base, note_acme_tls, nullptr);
  // OpenSSL calls the servername callback with or without SNI (1.1.1+).
  SSL_CTX_set_tlsext_servername_callback(base, select_certificate);
  SSL_CTX_set_tlsext_servername_arg(base, tls.get());
  result.context = std::move(tls);
  return result;
}

bool is_acme_tls_alpn(SSL* ssl) {
  const unsigned char* selected = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl, &selected, &length);
  return std::string_view(reinterpret_cast<const char*>(selected), length) == kAcmeTls;
}

}  // namespace doorman::tls

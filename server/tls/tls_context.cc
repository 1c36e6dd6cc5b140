#include "tls/tls_context.h"

#include <openssl/err.h>

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

int select_certificate(SSL* ssl, int* alert, void* arg) {
  const auto* store = static_cast<const CertificateStore*>(arg);
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const LoadedCertificate* chosen = store->select(sni ? std::string_view(sni) : std::string_view());
  if (chosen == nullptr) {
    std::fprintf(stderr, "doorman: tls: no certificate for server name '%.255s'\n", sni ? sni : "");
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (SSL_get_SSL_CTX(ssl) != chosen->ctx.get()) SSL_set_SSL_CTX(ssl, chosen->ctx.get());
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

TlsContext::BuildResult TlsContext::build(const std::vector<CertificateFiles>& files, bool http2) {
  BuildResult result;
  CertificateStore::LoadResult loaded = CertificateStore::load(
      files, [http2](SSL_CTX* ctx) { return configure_server_ctx(ctx, http2); });
  result.errors = std::move(loaded.errors);
  result.warnings = std::move(loaded.warnings);
  if (!result.errors.empty()) return result;
  auto tls = std::make_shared<TlsContext>();
  tls->store_ = std::move(loaded.store);
  tls->context_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* base = tls->context_->native_handle();
  if (const std::string e = configure_server_ctx(base, http2); !e.empty()) {
    result.errors.push_back(e);
    return result;
  }
  // The handshake starts on the base context; it needs a certificate of its own for clients
  // the callback switches nothing for, so it gets the no-SNI one.
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
  // OpenSSL calls the servername callback with or without SNI (1.1.1+).
  SSL_CTX_set_tlsext_servername_callback(base, select_certificate);
  SSL_CTX_set_tlsext_servername_arg(base, tls->store_.get());
  result.context = std::move(tls);
  return result;
}

}  // namespace doorman::tls

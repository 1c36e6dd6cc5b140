#include "tls/client_ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

namespace doorman::tls {
namespace generated {
extern const std::string_view kOriginPullCaPem;  // origin_pull_ca_data.cc (generated)
}

std::string_view bundled_origin_pull_ca_pem() {
  return generated::kOriginPullCaPem;
}

namespace {

// The optional mode's verdict: go on whatever the chain says. OpenSSL keeps the first error in
// the connection's verify result (SSL_get_verify_result), which is what the request path reads.
int accept_any_chain(int, X509_STORE_CTX*) {
  return 1;
}

}  // namespace

ClientCa::LoadResult ClientCa::load(const config::ClientAuth& auth) {
  if (auth.ca == config::ClientAuth::Ca::kCloudflare)
    return from_pem(bundled_origin_pull_ca_pem(), "the bundled Cloudflare origin-pull CA");
  std::ifstream in(auth.ca_file, std::ios::binary);
  if (!in) return {nullptr, "'" + auth.ca_file + "': cannot read"};
  std::stringstream text;
  text << in.rdbuf();
  return from_pem(text.str(), "'" + auth.ca_file + "'");
}

ClientCa::LoadResult ClientCa::from_pem(std::string_view pem, const std::string& source) {
  std::shared_ptr<ClientCa> ca(new ClientCa());
  ca->store_ = X509_STORE_new();
  ca->names_ = sk_X509_NAME_new_null();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (ca->store_ == nullptr || ca->names_ == nullptr || bio == nullptr) {
    BIO_free(bio);
    return {nullptr, source + ": out of memory"};
  }
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(ca->store_, cert);
    if (X509_NAME* name = X509_NAME_dup(X509_get_subject_name(cert)))
      sk_X509_NAME_push(ca->names_, name);
    X509_free(cert);
    ++ca->count_;
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  if (ca->count_ == 0) return {nullptr, source + ": no PEM certificate in it"};
  return {std::move(ca), ""};
}

ClientCa::~ClientCa() {
  X509_STORE_free(store_);
  sk_X509_NAME_pop_free(names_, X509_NAME_free);
}

std::string ClientCa::apply(SSL_CTX* ctx, bool required) const {
  // set1: the store's reference count is taken, every context of the listener shares it.
  SSL_CTX_set1_cert_store(ctx, store_);
  STACK_OF(X509_NAME)* names = SSL_dup_CA_list(names_);
  if (names == nullptr) return "cannot copy the client CA names";
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  if (required)
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  else
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_chain);
  // Zone CA -> leaf is one step; room for an intermediate or two of a per-zone CA.
  SSL_CTX_set_verify_depth(ctx, 4);
  return "";
}

}  // namespace doorman::tls

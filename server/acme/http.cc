#include "acme/http.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <mutex>

namespace doorman::acme {
namespace {

constexpr std::size_t kMaxBody = 1024 * 1024;

struct Transfer {
  HttpResponse response;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response.body.size() + n > kMaxBody) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->response.body.append(data, n);
  return n;
}

std::string trimmed(std::string_view v) {
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
    v.remove_suffix(1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return std::string(v);
}

bool name_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  const auto value = [&](std::string_view name) { return trimmed(line.substr(name.size() + 1)); };
  if (name_is(line, "location")) t->response.location = value("location");
  if (name_is(line, "replay-nonce")) t->response.replay_nonce = value("replay-nonce");
  if (name_is(line, "retry-after")) t->response.retry_after = value("retry-after");
  if (name_is(line, "content-type")) t->response.content_type = value("content-type");
  if (name_is(line, "link"))
    t->response.links += (t->response.links.empty() ? "" : ", ") + value("link");
  return n;
}

// Adds the PEM certificates of `arg` (a file path) to the verification store: extra trust, the
// system roots stay.
CURLcode add_roots(CURL*, void* ssl_ctx, void* arg) {
  const auto* path = static_cast<const std::string*>(arg);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  if (X509_STORE_load_file(store, path->c_str()) != 1) return CURLE_SSL_CACERT_BADFILE;
  return CURLE_OK;
}

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::expected<HttpResponse, std::string> HttpClient::perform(
    const std::string& method, const std::string& url, std::string_view body,
    const std::vector<std::string>& headers) const {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  if (!handle) return std::unexpected("cannot start a transfer");
  CURL* h = handle.get();
  Transfer t;
  char error[CURL_ERROR_SIZE] = {};
  std::unique_ptr<curl_slist, ListDeleter> list;
  for (const std::string& header : headers)
    list.reset(curl_slist_append(list.release(), header.c_str()));
  const long timeout_ms = static_cast<long>(timeout_.count());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "doorman/" DOORMAN_VERSION " (acme)");
  if (!ca_roots_.empty()) {
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, add_roots);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, &ca_roots_);
  }
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (list) curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
  const CURLcode code = curl_easy_perform(h);
  if (t.too_large) return std::unexpected(url + ": the answer is over 1 MiB");
  if (code != CURLE_OK)
    return std::unexpected(url + ": " + (error[0] ? error : curl_easy_strerror(code)));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t.response.status);
  return std::move(t.response);
}

std::expected<HttpResponse, std::string> HttpClient::get(const std::string& url) const {
  return perform("GET", url, {}, {});
}

std::expected<HttpResponse, std::string> HttpClient::head(const std::string& url) const {
  return perform("HEAD", url, {}, {});
}

std::expected<HttpResponse, std::string> HttpClient::post_jose(const std::string& url,
                                                               std::string_view body,
                                                               std::string_view accept) const {
  std::vector<std::string> headers = {"Content-Type: application/jose+json"};
  if (!accept.empty()) headers.push_back("Accept: " + std::string(accept));
  return perform("POST", url, body, headers);
}

std::expected<HttpResponse, std::string> HttpClient::send_json(
    const std::string& method, const std::string& url, std::string_view body,
    const std::vector<std::string>& headers) const {
  std::vector<std::string> all = headers;
  if (!body.empty()) all.push_back("Content-Type: application/json");
  return perform(method, url, body, all);
}

}  // namespace doorman::acme

#include "ranges/fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "doorman/header_field.h"

namespace doorman::ranges {
namespace {

struct Transfer {
  std::string body;
  std::string etag;
  std::size_t max_bytes = 0;
  bool too_big = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->body.size() + n > t->max_bytes) {
    t->too_big = true;
    return 0;  // curl aborts with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (const auto etag = header_line_value(std::string_view(data, n), "etag")) t->etag = *etag;
  return n;
}

}  // namespace

std::expected<FetchResponse, std::string> fetch_ranges(const FetchOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return std::unexpected(std::string("curl_easy_init failed"));
  Transfer t;
  t.max_bytes = options.max_bytes;
  char error[CURL_ERROR_SIZE] = {};
  const long timeout_ms = static_cast<long>(options.timeout.count());
  curl_slist* headers = nullptr;
  if (!options.etag.empty())
    headers = curl_slist_append(headers, ("If-None-Match: " + options.etag).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                          curl_slist_free_all);
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "doorman/" DOORMAN_VERSION);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
  if (header_list) curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  const CURLcode rc = curl_easy_perform(h);
  if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED)
    return std::unexpected("response larger than " + std::to_string(options.max_bytes) +
                           " bytes (aborted)");
  if (rc != CURLE_OK)
    return std::unexpected(std::string(curl_easy_strerror(rc)) + (error[0] ? ": " : "") + error);
  FetchResponse r;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  r.etag = t.etag;
  if (r.status == 304) {
    r.not_modified = true;
    return r;
  }
  if (r.status != 200) return std::unexpected("HTTP " + std::to_string(r.status));
  r.body = std::move(t.body);
  return r;
}

}  // namespace doorman::ranges

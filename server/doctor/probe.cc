#include "doctor/probe.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string_view>

#include "doorman/header_field.h"

namespace doorman::doctor {
namespace {

struct Transfer {
  std::string body;  // up to 200 bytes: enough for the first line
  std::size_t received = 0;
  std::string cf_ray;
  std::string server;
  bool cut = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->body.size() < 200) t->body.append(data, std::min(n, 200 - t->body.size()));
  t->received += n;
  if (t->received > kMaxBody) {
    t->cut = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR; the status is known already
  }
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  // Kept for the report: at most 200 bytes of each.
  if (const auto v = header_line_value(line, "cf-ray")) t->cf_ray = std::string(v->substr(0, 200));
  if (const auto v = header_line_value(line, "server")) t->server = std::string(v->substr(0, 200));
  return n;
}

// OpenSSL's alert texts for a server that wanted a client certificate: TLS 1.3 sends
// certificate_required (RFC 8446 §4.4.2.4), TLS 1.2 servers handshake_failure or bad_certificate.
bool names_client_certificate_alert(std::string_view error) {
  for (std::string_view text : {"certificate required", "handshake failure", "bad certificate"})
    if (error.find(text) != std::string_view::npos) return true;
  return false;
}

struct Attempt {
  CURLcode rc = CURLE_OK;
  std::string error;
  Transfer transfer;
  long status = 0;
  std::string peer;
  bool handshake_done = false;
  std::string subject, issuer;
};

Attempt attempt(const ProbeRequest& r, bool verify) {
  Attempt a;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    a.rc = CURLE_FAILED_INIT;
    a.error = "curl_easy_init failed";
    return a;
  }
  curl_slist* resolve = nullptr;
  for (const std::string& entry : r.resolve) resolve = curl_slist_append(resolve, entry.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve_list(resolve,
                                                                           curl_slist_free_all);
  curl_slist* connect = nullptr;
  if (!r.connect_to.empty()) connect = curl_slist_append(connect, r.connect_to.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> connect_list(connect,
                                                                           curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {};
  const long timeout_ms = static_cast<long>(r.timeout.count());
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &a.transfer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "doorman-doctor/" DOORMAN_VERSION);
  curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  if (!r.cacert.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, r.cacert.c_str());
  if (resolve_list) curl_easy_setopt(h, CURLOPT_RESOLVE, resolve_list.get());
  if (connect_list) curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_list.get());
  a.rc = curl_easy_perform(h);
  if (a.rc != CURLE_OK)
    a.error = std::string(curl_easy_strerror(a.rc)) + (error[0] ? ": " : "") + error;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
  char* ip = nullptr;
  long port = 0;
  if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr && *ip) {
    curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port);
    const std::string_view addr(ip);
    a.peer = (addr.find(':') != std::string_view::npos ? "[" + std::string(addr) + "]"
                                                       : std::string(addr)) +
             ":" + std::to_string(port);
  }
  curl_off_t appconnect = 0;
  curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &appconnect);
  a.handshake_done = appconnect > 0;
  curl_certinfo* certs = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &certs) == CURLE_OK && certs != nullptr &&
      certs->num_of_certs > 0) {
    for (curl_slist* l = certs->certinfo[0]; l != nullptr; l = l->next) {
      const std::string_view line(l->data);
      if (line.starts_with("Subject:")) a.subject = line.substr(8);
      if (line.starts_with("Issuer:")) a.issuer = line.substr(7);
    }
  }
  return a;
}

}  // namespace

ProbeResult probe(const ProbeRequest& request) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  ProbeResult out;
  Attempt a = attempt(request, /*verify=*/true);
  if (a.rc == CURLE_PEER_FAILED_VERIFICATION) {
    out.certificate_seen = true;
    out.trust_error = a.error;
    a = attempt(request, /*verify=*/false);  // the rest of the answer, unverified
  } else {
    // Verification happens in the handshake: one that completed was verified.
    out.certificate_seen = a.handshake_done;
    out.trusted = a.handshake_done;
  }
  out.answered = a.status > 0;
  out.status = a.status;
  if (!out.answered || a.transfer.cut || a.rc != CURLE_OK)
    out.error =
        a.transfer.cut ? "body over " + std::to_string(kMaxBody) + " bytes (not read)" : a.error;
  // TLS 1.3 checks the client certificate after the client's side of the handshake is done:
  // the alert may come as curl writes the request, and then it reports only the broken send.
  out.tls_refused = !out.answered &&
                    (names_client_certificate_alert(a.error) ||
                     (a.handshake_done && (a.rc == CURLE_SEND_ERROR || a.rc == CURLE_RECV_ERROR)));
  out.peer = a.peer;
  out.cf_ray = a.transfer.cf_ray;
  out.server = a.transfer.server;
  const std::string& body = a.transfer.body;
  out.first_line = body.substr(0, body.find('\n'));
  if (!a.subject.empty() || !a.issuer.empty()) out.certificate_seen = true;
  out.subject = a.subject;
  out.issuer = a.issuer;
  return out;
}

}  // namespace doorman::doctor

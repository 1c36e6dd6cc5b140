#include "request_path/client_ip.h"

#include "tls/client_certificate.h"

namespace doorman::request_path {

bool resolve_identity(const runtime::Session& s, Exchange& x) {
  ResolveRequest request;
  request.peer = s.peer;
  request.peer_from_proxy_protocol = s.peer_from_proxy_protocol;
  request.tls_terminated = s.client.is_tls();
  request.mode = x.route_runtime->source_ip;
  request.trusted = &s.snapshot->trusted;
  // One snapshot of each live list per request (ranges_store.h): one consistent decision.
  request.cloudflare = &s.snapshot->cloudflare_store->current();
  if (runtime::consults_fastly(request.mode, s.snapshot->fastly_in_auto))
    request.fastly = &s.snapshot->fastly_store->current();
  request.headers = x.head->headers();
  request.options.forwarded_header = s.snapshot->forwarded_header;
  request.options.trusted_hops = static_cast<uint32_t>(x.route->trusted_hops);
  // Authenticated Origin Pulls: the route's requirement and the connection's certificate.
  request.origin_pull.required = x.route->edge.require_origin_pull;
  request.origin_pull.subject = x.route->edge.origin_pull_subject;
  if (const tls::ClientCertificate* cert = s.client_certificate.get()) {
    request.origin_pull.certificate = cert->state;
    request.origin_pull.names = cert->names;
  }
  x.identity = resolve_client_ip(request);
  if (x.identity.accepted()) return true;
  x.reason = Reason::kForbidden;
  x.reason_detail = client_ip_reason_name(x.identity.reason);
  return false;
}

}  // namespace doorman::request_path

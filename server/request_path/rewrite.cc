#include "request_path/rewrite.h"

#include <random>

namespace doorman::request_path {
namespace {

XffAction to_action(config::XffMode mode) {
  switch (mode) {
    case config::XffMode::kSet:
      return XffAction::kSet;
    case config::XffMode::kChain:
      return XffAction::kChain;
    case config::XffMode::kRemove:
      return XffAction::kRemove;
  }
  return XffAction::kSet;
}

// xoshiro256** (Blackman & Vigna): fast, good statistics; ids need uniqueness, not secrecy.
class RequestIdGenerator {
 public:
  RequestIdGenerator() {
    std::random_device device;
    for (auto& word : state_) word = (uint64_t{device()} << 32) | device();
  }
  void fill(std::array<char, 32>& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int half = 0; half < 2; ++half) {
      uint64_t v = next();
      for (int i = 0; i < 16; ++i, v >>= 4) out[half * 16 + i] = kHex[v & 15];
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  uint64_t state_[4];
};

}  // namespace

HeaderIdSet identity_headers_to_pass(const ClientIpDecision& decision) {
  HeaderIdSet set;
  if (!decision.accepted()) return set;
  set.add(HeaderId::kXForwardedHost);
  if (decision.source == ClientIpSource::kCfConnectingIp) set.add(HeaderId::kCfConnectingIp);
  if (decision.source == ClientIpSource::kFastlyClientIp) set.add(HeaderId::kFastlyClientIp);
  if (decision.proto.source == ProtoSource::kCfVisitor) set.add(HeaderId::kCfVisitor);
  return set;
}

bool rewrite_request(runtime::Session& s, Exchange& x) {
  const RequestHead& head = *x.head;
  // A declared length over the limit is refused before anything reaches the app (RFC 9110
  // §15.5.14); chunked bodies are counted while streaming (request_path/upstream.cc).
  const uint64_t limit = x.route_runtime->max_body_size;
  if (limit != 0 && head.framing.kind == BodyKind::kContentLength &&
      head.framing.content_length > limit) {
    x.reason = Reason::kBodyTooLarge;
    x.keep_alive = false;
    return false;
  }
  thread_local RequestIdGenerator ids;
  ids.fill(x.request_id);

  RewriteInputs inputs;
  inputs.client_ip = x.identity.client_ip;
  inputs.trusted_hops = x.identity.hops.addresses();
  inputs.peer_trusted = x.identity.peer_trusted;
  inputs.cloudflare_matched = x.identity.cloudflare_matched;
  inputs.https = x.identity.proto.scheme == Scheme::kHttps;
  inputs.request_id = std::string_view(x.request_id.data(), x.request_id.size());
  inputs.host = head.host;
  RewriteOptions options;
  options.x_forwarded_for = to_action(x.route->x_forwarded_for);
  options.forwarded = x.route->forwarded == config::ForwardedMode::kSet ? ForwardedAction::kSet
                                                                        : ForwardedAction::kRemove;
  options.client_ip_header = x.route->client_ip_header;
  options.pass_identity = identity_headers_to_pass(x.identity);
  // [route.access]: the verified identity in the headers doorman owns; the client's copies of
  // them are removed whatever it sent.
  OwnedHeader owned[2];
  if (x.route->access.enabled) {
    owned[0] = {x.route->access.email_header, x.access.email};
    owned[1] = {x.route->access.subject_header, x.access.subject};
    options.owned_headers = owned;
  }
  auto planned = plan_request_rewrite(head, inputs, options, s.ws->scratch, s.ws->request_pieces);
  if (!planned) {
    x.reason = reason_for_parse_error(planned.error().code);
    x.reason_detail = error_code_name(planned.error().code);
    x.keep_alive = false;
    return false;
  }
  return true;
}

}  // namespace doorman::request_path

#include "doorman/http_rewrite.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>

#include "head_scan.h"

namespace doorman {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// Appends text to the caller's scratch buffer; pieces written back to back stay contiguous, so
// HeadPieces merges them into one.
class ScratchWriter {
 public:
  explicit ScratchWriter(std::span<char> scratch) : scratch_(scratch) {}
  void put(std::string_view text) {
    if (text.size() > scratch_.size() - used_) {
      overflow_ = true;
      return;
    }
    std::copy(text.begin(), text.end(), scratch_.data() + used_);
    used_ += text.size();
  }
  void put_ip(const IpAddress& ip) {
    char text[IpAddress::kMaxTextLength];
    put(std::string_view(text, ip.format_to(text)));
  }
  void put_number(uint64_t n) {
    char text[20];
    const auto r = std::to_chars(text, text + sizeof text, n);
    put(std::string_view(text, static_cast<std::size_t>(r.ptr - text)));
  }
  // The bytes written since `mark`.
  std::string_view since(std::size_t mark) const {
    return std::string_view(scratch_.data() + mark, used_ - mark);
  }
  std::size_t used() const { return used_; }
  bool overflow() const { return overflow_; }

 private:
  std::span<char> scratch_;
  std::size_t used_ = 0;
  bool overflow_ = false;
};

// The header names listed in Connection (RFC 9110 §7.6.1); the parser caps them at 32.
struct ConnectionOptions {
  std::array<std::string_view, 32> names;
  std::size_t count = 0;

  bool lists(std::string_view name) const {
    for (std::size_t i = 0; i < count; ++i)
      if (header_name_equals(names[i], name)) return true;
    return false;
  }
};

template <typename Head>
ConnectionOptions connection_options(const Head& head) {
  ConnectionOptions options;
  for (std::size_t i = 0; i < head.header_count; ++i) {
    if (head.ids[i] != HeaderId::kConnection) continue;
    http_internal::ListSplitter list(head.fields[i].value);
    std::string_view token;
    while (list.next(token) && options.count < options.names.size()) {
      // close / keep-alive / upgrade name no header doorman would otherwise keep.
      if (token.empty() || lookup_header(token) != HeaderId::kOther) continue;
      options.names[options.count++] = token;
    }
  }
  return options;
}

// What the rewrite decided once per request, before walking the lines.
struct RequestPlan {
  bool identity_trusted = false;  // the peer may pass identity headers
  bool keep_request_id = false;   // the client's X-Request-ID line is forwarded
  ConnectionOptions connection;
};

bool keep_client_request_id(const RequestHead& head, const RewriteInputs& inputs) {
  if (!inputs.peer_trusted) return false;
  std::size_t lines = 0;
  std::string_view value;
  for (std::size_t i = 0; i < head.header_count; ++i) {
    if (head.ids[i] != HeaderId::kXRequestId) continue;
    ++lines;
    value = head.fields[i].value;
  }
  return lines == 1 && is_valid_request_id(value);
}

// Whether header line i of the request goes to the upstream unchanged.
bool keep_request_line(const RequestHead& head, std::size_t i, const RequestPlan& plan,
                       const RewriteOptions& options) {
  const HeaderId id = head.ids[i];
  const std::string_view name = head.fields[i].name;
  if (!options.client_ip_header.empty() && header_name_equals(name, options.client_ip_header))
    return false;  // doorman writes its own
  for (const OwnedHeader& owned : options.owned_headers)
    if (header_name_equals(name, owned.name) || is_alias_of(name, owned.name)) return false;
  switch (id) {
    case HeaderId::kOther:
      if (is_identity_alias(name) || is_alias_of(name, options.client_ip_header)) return false;
      return !plan.connection.lists(name);
    case HeaderId::kHost:
      // Absolute-form: the received Host is replaced by the target's authority (RFC 9112
      // §3.2.2), written with doorman's lines.
      return head.target_form != TargetForm::kAbsolute;
    case HeaderId::kContentLength:
      return !head.content_length_repeated;  // else one normalized line is written
    case HeaderId::kTransferEncoding:
      return true;  // the chunked body is forwarded unchanged, framing included
    case HeaderId::kUpgrade:
      return head.upgrade;
    case HeaderId::kExpect:
      return head.expect_continue;
    case HeaderId::kXRequestId:
      return plan.keep_request_id;
    default:
      break;
  }
  const uint8_t flags = header_info(id).flags;
  if ((flags & (kHopByHop | kDoormanSet)) != 0) return false;
  if ((flags & kIdentity) != 0 && !(plan.identity_trusted && options.pass_identity.contains(id)))
    return false;
  return !plan.connection.lists(name);
}

// RFC 7239 §6: an IPv6 node is quoted and bracketed; IPv4 is a token.
void put_forwarded_node(ScratchWriter& w, const IpAddress& ip) {
  if (ip.is_v4()) {
    w.put_ip(ip);
    return;
  }
  w.put("\"[");
  w.put_ip(ip);
  w.put("]\"");
}

// Each header doorman sets is its own small step (STYLE.md habit 6), written after removal.
void put_x_forwarded_for(ScratchWriter& w, const RewriteInputs& inputs, XffAction action) {
  if (action == XffAction::kRemove || !inputs.client_ip) return;
  w.put("X-Forwarded-For: ");
  w.put_ip(*inputs.client_ip);
  if (action == XffAction::kChain) {
    for (const IpAddress& hop : inputs.trusted_hops) {
      w.put(", ");
      w.put_ip(hop);
    }
  }
  w.put(kCrlf);
}

void put_forwarded(ScratchWriter& w, const RewriteInputs& inputs, std::string_view host,
                   ForwardedAction action) {
  if (action == ForwardedAction::kRemove || !inputs.client_ip) return;
  w.put("Forwarded: for=");
  put_forwarded_node(w, *inputs.client_ip);
  w.put(inputs.https ? ";proto=https" : ";proto=http");
  if (!host.empty()) {
    // RFC 7239 §4: a value is a token or a quoted-string; the Host characters need no escape.
    const bool token = is_valid_header_name(host);
    w.put(token ? ";host=" : ";host=\"");
    w.put(host);
    if (!token) w.put("\"");
  }
  w.put(kCrlf);
}

void put_header(ScratchWriter& w, std::string_view name, std::string_view value) {
  w.put(name);
  w.put(": ");
  w.put(value);
  w.put(kCrlf);
}

}  // namespace

void HeadPieces::drop_suffix(std::size_t n) {
  while (n > 0 && count_ > 0) {
    std::string_view& last = pieces_[count_ - 1];
    const std::size_t k = std::min(n, last.size());
    last.remove_suffix(k);
    bytes_ -= k;
    n -= k;
    if (last.empty()) --count_;
  }
}

void HeadPieces::append(std::string_view piece) {
  if (piece.empty()) return;
  bytes_ += piece.size();
  if (count_ > 0) {
    std::string_view& last = pieces_[count_ - 1];
    if (last.data() + last.size() == piece.data()) {
      last = std::string_view(last.data(), last.size() + piece.size());
      return;
    }
  }
  // The planners stay far below kMaxPieces (see the header); anything else is a programming
  // error, and writing past the array would be worse than stopping.
  if (count_ == kMaxPieces) std::abort();
  pieces_[count_++] = piece;
}

HeaderIdSet all_identity_headers() {
  HeaderIdSet set;
  for (std::size_t i = 0; i < static_cast<std::size_t>(HeaderId::kCount); ++i)
    if ((header_info(static_cast<HeaderId>(i)).flags & kIdentity) != 0)
      set.add(static_cast<HeaderId>(i));
  return set;
}

namespace {

// The bytes a request id may hold: letters, digits and . _ : - (one table lookup per byte; the
// rewrite checks doorman's own id on every request).
constexpr std::array<bool, 256> build_request_id_bytes() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  return t;
}
constexpr std::array<bool, 256> kRequestIdBytes = build_request_id_bytes();

}  // namespace

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  bool ok = true;
  for (char c : id) ok &= kRequestIdBytes[static_cast<unsigned char>(c)];
  return ok;
}

bool is_valid_field_value(std::string_view value) {
  for (unsigned char c : value)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  return value.empty() || (!space(value.front()) && !space(value.back()));
}

std::size_t rewrite_scratch_size(const RequestHead& head, const RewriteInputs& inputs,
                                 const RewriteOptions& options) {
  const std::size_t ip = IpAddress::kMaxTextLength + 4;
  std::size_t owned = 0;
  for (const OwnedHeader& h : options.owned_headers) owned += h.name.size() + h.value.size() + 4;
  return 256 + inputs.host.size() + 2 * head.host.size() + inputs.request_id.size() +
         options.client_ip_header.size() + (inputs.trusted_hops.size() + 3) * ip + owned;
}

Result<void> plan_request_rewrite(const RequestHead& head, const RewriteInputs& inputs,
                                  const RewriteOptions& options, std::span<char> scratch,
                                  HeadPieces& out) {
  out.clear();
  // Values the caller passes end up in header lines: refuse any that could inject one.
  if ((!inputs.request_id.empty() && !is_valid_request_id(inputs.request_id)) ||
      !http_internal::is_valid_host_value(inputs.host) ||
      (!options.client_ip_header.empty() && !is_valid_header_name(options.client_ip_header)) ||
      options.owned_headers.size() > kMaxOwnedHeaders)
    return fail(ErrorCode::kInvalidValue);
  for (const OwnedHeader& h : options.owned_headers)
    if (!is_valid_header_name(h.name) || !is_valid_field_value(h.value))
      return fail(ErrorCode::kInvalidValue);

  RequestPlan plan;
  plan.identity_trusted = inputs.peer_trusted || inputs.cloudflare_matched;
  plan.keep_request_id = keep_client_request_id(head, inputs);
  plan.connection = connection_options(head);
  ScratchWriter w(scratch);

  // Request line, always as HTTP/1.1 (persistent to the upstream without a Connection header).
  const std::string_view line = head.buffer.substr(head.head_begin, head.request_line.size() + 2);
  if (head.target_form == TargetForm::kAbsolute) {
    // In origin-form, as a proxy sends it to an origin (RFC 9112 §3.2.1): the app sees one
    // authority, the Host line doorman writes below, never a target and a Host that disagree.
    out.append(line.substr(0, head.method.size() + 1));
    if (!head.absolute_path.starts_with('/')) w.put("/");
    out.append(w.since(0));
    out.append(head.absolute_path);
    const std::size_t version_mark = w.used();
    w.put(" HTTP/1.1\r\n");
    out.append(w.since(version_mark));
  } else if (head.version == HttpVersion::k11) {
    out.append(line);
  } else {
    out.append(line.substr(0, head.request_line.size() - 8));
    w.put("HTTP/1.1\r\n");
    out.append(w.since(0));
  }

  for (std::size_t i = 0; i < head.header_count; ++i)
    if (keep_request_line(head, i, plan, options)) out.append(head.line(i));

  const std::size_t mark = w.used();
  if (head.target_form == TargetForm::kAbsolute)
    put_header(w, "Host", head.host);  // the target's authority (RFC 9112 §3.2.2)
  else if (!head.has_host)
    put_header(w, "Host", inputs.host);  // RFC 9112 §3.2 (HTTP/1.0 clients)
  if (head.content_length_repeated) {
    w.put("Content-Length: ");
    w.put_number(head.framing.content_length);
    w.put(kCrlf);
  }
  if (head.upgrade) w.put("Connection: upgrade\r\n");
  put_x_forwarded_for(w, inputs, options.x_forwarded_for);
  put_forwarded(w, inputs, head.has_host ? head.host : inputs.host, options.forwarded);
  w.put(inputs.https ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
  if (!plan.keep_request_id && !inputs.request_id.empty())
    put_header(w, "X-Request-ID", inputs.request_id);
  if (!options.client_ip_header.empty() && inputs.client_ip) {
    char ip[IpAddress::kMaxTextLength];
    put_header(w, options.client_ip_header, std::string_view(ip, inputs.client_ip->format_to(ip)));
  }
  for (const OwnedHeader& h : options.owned_headers)
    if (!h.value.empty()) put_header(w, h.name, h.value);
  w.put(kCrlf);
  if (w.overflow()) {
    out.clear();
    return fail(ErrorCode::kHttpHeadersTooLarge);
  }
  out.append(w.since(mark));
  return {};
}

ResponseFieldMask response_fields_kept(const ResponseHead& head,
                                       const ResponseRewriteOptions& options) {
  const ConnectionOptions connection = connection_options(head);
  const bool tunnel = head.switching_protocols;
  ResponseFieldMask kept;
  for (std::size_t i = 0; i < head.header_count; ++i) {
    const HeaderId id = head.ids[i];
    bool keep;
    switch (id) {
      case HeaderId::kTransferEncoding:
        keep = !options.drop_transfer_encoding;
        break;
      case HeaderId::kContentLength:
        keep = !head.content_length_repeated;
        break;
      case HeaderId::kConnection:
      case HeaderId::kUpgrade:
        keep = tunnel;  // RFC 9110 §7.8: a 101 names the protocol switched to
        break;
      default:
        keep = !has_flag(id, kHopByHop) && !connection.lists(head.fields[i].name);
        break;
    }
    kept[i] = keep;
  }
  return kept;
}

Result<void> plan_response_rewrite(const ResponseHead& head, const ResponseRewriteOptions& options,
                                   std::span<char> scratch, HeadPieces& out) {
  out.clear();
  out.append(head.buffer.substr(0, head.status_line.size() + 2));
  const bool tunnel = head.switching_protocols;
  const ResponseFieldMask kept = response_fields_kept(head, options);
  for (std::size_t i = 0; i < head.header_count; ++i)
    if (kept[i]) out.append(head.line(i));
  ScratchWriter w(scratch);
  if (head.content_length_repeated) {
    w.put("Content-Length: ");
    w.put_number(head.framing.content_length);
    w.put(kCrlf);
  }
  if (!tunnel && options.close) w.put("Connection: close\r\n");
  if (!tunnel && !options.close && options.keep_alive_http10) w.put("Connection: keep-alive\r\n");
  if (w.overflow()) {
    out.clear();
    return fail(ErrorCode::kHttpHeadersTooLarge);
  }
  out.append(w.since(0));
  out.append(head.buffer.substr(head.buffer.size() - 2));  // the blank line, as received
  return {};
}

}  // namespace doorman

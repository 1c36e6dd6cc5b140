#include "doorman/h2_request_head.h"

#include "doorman/header_field.h"

namespace doorman::h2 {
namespace {

void append_line(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// The authority without userinfo (which :authority must not carry, RFC 9113 §8.3.1) compared
// case-insensitively, as hosts are.
bool same_authority(std::string_view a, std::string_view b) {
  return header_name_equals(a, b);
}

}  // namespace

bool RequestHeadBuilder::charge(std::size_t n) {
  used_ += n + 4;  // ": " and CRLF, as the HTTP/1.1 head will hold them
  return used_ <= max_bytes_;
}

FieldOutcome RequestHeadBuilder::add(std::string_view name, std::string_view value) {
  if (!charge(name.size() + value.size())) return FieldOutcome::kTooLarge;
  if (!name.empty() && name[0] == ':') {
    if (name == ":method")
      method_ = value;
    else if (name == ":path")
      path_ = value;
    else if (name == ":authority")
      authority_ = value;
    // :scheme is not carried: X-Forwarded-Proto comes from how the client connected (TLS or
    // not), never from what it claims (DESIGN.md "What the app receives").
    return FieldOutcome::kOk;
  }
  if (name == "host") {
    if (has_host_) return FieldOutcome::kMalformed;  // one Host, as in HTTP/1.1
    has_host_ = true;
    host_ = value;
    return FieldOutcome::kOk;
  }
  if (name == "cookie") {
    if (!cookie_.empty()) cookie_.append("; ");
    cookie_.append(value);
    return FieldOutcome::kOk;
  }
  if (name == "content-length") has_content_length_ = true;
  if (fields_.empty()) fields_.reserve(256);  // a browser's fields: one allocation, no regrowth
  append_line(fields_, name, value);
  return FieldOutcome::kOk;
}

FieldOutcome RequestHeadBuilder::add_trailer(std::string_view name, std::string_view value) {
  if (!charge(name.size() + value.size())) return FieldOutcome::kTooLarge;
  // Pseudo-headers in trailers are malformed (RFC 9113 §8.1); nghttp2 already refuses them.
  if (!name.empty() && name[0] == ':') return FieldOutcome::kMalformed;
  append_line(trailers_, name, value);
  return FieldOutcome::kOk;
}

FieldOutcome RequestHeadBuilder::build(bool end_stream, std::string& out) {
  std::string_view host = authority_;
  if (!authority_.empty() && has_host_ && !same_authority(authority_, host_))
    return FieldOutcome::kMalformed;  // RFC 9113 §8.3.1
  if (authority_.empty()) host = host_;
  out.clear();
  out.reserve(used_ + method_.size() + path_.size() + 64);
  // CONNECT has no :path; "CONNECT host:port" then gets the HTTP/1.1 answer (501).
  out.append(method_)
      .append(" ")
      .append(path_.empty() ? authority_ : path_)
      .append(" HTTP/1.1\r\n");
  if (!host.empty()) append_line(out, "host", host);
  out.append(fields_);
  if (!cookie_.empty()) append_line(out, "cookie", cookie_);
  chunked_ = !end_stream && !has_content_length_;
  if (chunked_) out.append("transfer-encoding: chunked\r\n");
  out.append("\r\n");
  return FieldOutcome::kOk;
}

}  // namespace doorman::h2

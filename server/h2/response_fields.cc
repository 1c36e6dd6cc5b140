#include "h2/response_fields.h"

#include <charconv>

#include "doorman/http_header_table.h"

namespace doorman::h2 {
namespace {

bool connection_specific(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "proxy-connection" || lower_name == "transfer-encoding" ||
         lower_name == "upgrade" || lower_name == "te" || lower_name == "http2-settings";
}

// Appends fields to `out`. reserve() first with the bytes every name (and the status) needs:
// the nv entries point into storage, which must not move once the first one is taken.
class Writer {
 public:
  Writer(Fields& out, std::size_t name_bytes, std::size_t fields) : out_(out) {
    out_.clear();
    out_.storage.reserve(name_bytes + 4);  // + the status digits
    out_.nv.reserve(fields + 1);
  }
  void status(int code) {
    const std::size_t at = out_.storage.size();
    out_.storage.resize(at + 3);
    std::to_chars(out_.storage.data() + at, out_.storage.data() + at + 3, code);
    push(":status", std::string_view(out_.storage).substr(at, 3));
  }
  // A value that would not outlive the call (a number formatted on the stack), copied into
  // storage. REQUIRES: its bytes were part of the reservation.
  std::string_view keep(std::string_view value) {
    const std::size_t at = out_.storage.size();
    if (at + value.size() > out_.storage.capacity()) return {};  // never: reserved
    out_.storage.append(value);
    return std::string_view(out_.storage).substr(at, value.size());
  }
  // The name is lowercased into storage; the value stays where it is.
  void field(std::string_view name, std::string_view value) {
    if (const std::string_view lower = lowered(name); !lower.empty()) push(lower, value);
  }
  // The same, dropping the connection-specific fields (for fields nothing has filtered yet).
  void field_unless_connection_specific(std::string_view name, std::string_view value) {
    const std::string_view lower = lowered(name);
    if (connection_specific(lower)) return out_.storage.resize(out_.storage.size() - lower.size());
    if (!lower.empty()) push(lower, value);
  }

 private:
  void push(std::string_view name, std::string_view value) {
    out_.nv.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                                 reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
                                 name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  std::string_view lowered(std::string_view name) {
    const std::size_t at = out_.storage.size();
    if (at + name.size() > out_.storage.capacity()) return {};  // never: reserved for every name
    for (char c : name) out_.storage.push_back(ascii_lower(c));
    return std::string_view(out_.storage).substr(at, name.size());
  }
  Fields& out_;
};

// Calls f(name, value) for each "name: value\r\n" line of `lines` (optional whitespace around
// the value trimmed), up to a blank line or the end.
template <typename F>
void for_each_line(std::string_view lines, F&& f) {
  while (!lines.empty() && !lines.starts_with("\r\n")) {
    const std::size_t end = lines.find("\r\n");
    if (end == std::string_view::npos) break;
    const std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // never in what the stages or decoder pass
    f(line.substr(0, colon), trim_ows(line.substr(colon + 1)));
  }
}

}  // namespace

void convert_final_head(const ResponseHead& head, const ResponseFieldMask& kept,
                        std::string_view extra, Fields& out) {
  // Names are shorter than the head's bytes and the extra lines; "content-length" and its
  // value at most 14 + 20.
  Writer w(out, head.buffer.size() + extra.size() + 34, head.header_count + 8);
  w.status(head.status);
  // One content-length at most: h2 peers refuse a repeated one (a HEAD response keeps the
  // upstream's repeated lines in HTTP/1.1, where the parser checked they agree).
  bool length_sent = false;
  for (std::size_t i = 0; i < head.header_count; ++i) {
    // `kept` has dropped every connection-specific field but Transfer-Encoding (HTTP/1.1 keeps
    // it to frame the body; h2 frames it with DATA).
    if (!kept[i] || head.ids[i] == HeaderId::kTransferEncoding) continue;
    std::string_view value = head.fields[i].value;
    if (head.ids[i] == HeaderId::kContentLength) {
      if (length_sent) continue;
      length_sent = true;
      value = trim_ows(value.substr(0, value.find(',')));  // "5, 5": the scan checked they agree
    }
    w.field(head.fields[i].name, value);
  }
  char length[24];
  if (head.content_length_repeated) {
    const auto r = std::to_chars(length, length + sizeof length, head.framing.content_length);
    w.field("content-length",
            w.keep(std::string_view(length, static_cast<std::size_t>(r.ptr - length))));
  }
  for_each_line(extra,
                [&](std::string_view name, std::string_view value) { w.field(name, value); });
}

void convert_response_head(const ResponseHead& head, Fields& out) {
  Writer w(out, head.buffer.size(), head.header_count);
  w.status(head.status);
  for (const HeaderField& f : head.headers()) w.field_unless_connection_specific(f.name, f.value);
}

void parse_trailer_section(std::string_view tail, Fields& out) {
  // Find the last-chunk line: the first line that starts with '0' after optional CRLFs.
  while (tail.starts_with("\r\n")) tail.remove_prefix(2);
  const std::size_t line_end = tail.find("\r\n");
  if (line_end == std::string_view::npos) return out.clear();
  tail.remove_prefix(line_end + 2);
  std::size_t lines = 0;
  for (char c : tail) lines += c == '\n';
  Writer w(out, tail.size(), lines);
  for_each_line(tail, [&](std::string_view name, std::string_view value) {
    w.field_unless_connection_specific(name, value);
  });
}

}  // namespace doorman::h2

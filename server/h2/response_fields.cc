#include "h2/response_fields.h"

#include <utility>

#include "doorman/http_header_table.h"

namespace doorman::h2 {
namespace {

bool connection_specific(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "proxy-connection" || lower_name == "transfer-encoding" ||
         lower_name == "upgrade" || lower_name == "te" || lower_name == "http2-settings";
}

// Appends name (lowercased) and value to storage; records offsets for finish().
struct Pending {
  std::size_t name, name_len, value, value_len;
};

void append(Fields& out, std::vector<Pending>& pending, std::string_view name,
            std::string_view value) {
  Pending p{out.storage.size(), name.size(), 0, value.size()};
  for (char c : name) out.storage.push_back(ascii_lower(c));
  if (connection_specific(std::string_view(out.storage).substr(p.name, p.name_len))) {
    out.storage.resize(p.name);
    return;
  }
  p.value = out.storage.size();
  out.storage.append(value);
  pending.push_back(p);
}

// Builds the nv array once storage no longer grows (its pointers stay valid from here on).
void finish(Fields& out, const std::vector<Pending>& pending) {
  auto* base = reinterpret_cast<uint8_t*>(out.storage.data());
  for (const Pending& p : pending)
    out.nv.push_back(
        nghttp2_nv{base + p.name, base + p.value, p.name_len, p.value_len, NGHTTP2_NV_FLAG_NONE});
}

}  // namespace

void convert_response_head(const ResponseHead& head, Fields& out) {
  out.clear();
  std::vector<Pending> pending;
  const std::string status = std::to_string(head.status);
  append(out, pending, ":status", status);
  for (const HeaderField& f : head.headers()) append(out, pending, f.name, f.value);
  finish(out, pending);
}

void parse_trailer_section(std::string_view tail, Fields& out) {
  out.clear();
  std::vector<Pending> pending;
  // Find the last-chunk line: the first line that starts with '0' after optional CRLFs.
  while (tail.starts_with("\r\n")) tail.remove_prefix(2);
  const std::size_t line_end = tail.find("\r\n");
  if (line_end == std::string_view::npos) return;
  tail.remove_prefix(line_end + 2);
  while (!tail.empty() && !tail.starts_with("\r\n")) {
    const std::size_t end = tail.find("\r\n");
    if (end == std::string_view::npos) break;
    const std::string_view line = tail.substr(0, end);
    tail.remove_prefix(end + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the decoder refused such lines already
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    append(out, pending, line.substr(0, colon), value);
  }
  finish(out, pending);
}

}  // namespace doorman::h2

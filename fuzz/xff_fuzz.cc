// X-Forwarded-For: lines split on '\n' are one header's lines. Properties: every element is a
// non-empty view into the input with no comma and no surrounding spaces/tabs; its node is what
// parse_xff_element says; the reader yields exactly the non-empty comma-separated pieces (a
// naive forward split, the slow oracle), right to left; an accepted element re-formatted in the
// same form parses back to the same endpoint.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/forwarded_headers.h"
#include "doorman/header_field.h"

using namespace doorman;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  std::vector<std::string_view> oracle;  // forward order
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    lines.push_back(line);
    std::size_t piece_start = 0;
    while (piece_start <= line.size()) {
      std::size_t comma = line.find(',', piece_start);
      if (comma == std::string_view::npos) comma = line.size();
      const std::string_view piece = trim_ows(line.substr(piece_start, comma - piece_start));
      if (!piece.empty()) oracle.push_back(piece);
      piece_start = comma + 1;
    }
    start = end + 1;
  }
  XffReverseReader reader{HeaderLines(std::span<const std::string_view>(lines))};
  std::size_t index = oracle.size();
  while (auto e = reader.next()) {
    if (index == 0) std::abort();
    const std::string_view expected = oracle[--index];
    if (e->text.data() != expected.data() || e->text.size() != expected.size()) std::abort();
    if (e->text.empty() || e->text.find(',') != std::string_view::npos) std::abort();
    if (is_ows(e->text.front()) || is_ows(e->text.back())) std::abort();
    if (e->proto.has_value()) std::abort();
    const auto again = parse_xff_element(e->text);
    if (again.has_value() != e->node.has_value()) std::abort();
    // Without brackets or colons an element is a bare IPv4 address: it must agree with
    // IpAddress::parse (the XFF fast path duplicates the dotted-quad grammar).
    if (e->text.find_first_of(":[") == std::string_view::npos) {
      auto bare = IpAddress::parse(e->text);
      const bool usable = bare.has_value() && !bare->is_unspecified();
      if (usable != e->node.has_value()) std::abort();
      if (usable && e->node->address != *bare) std::abort();
    }
    if (!e->node) continue;
    if (*again != *e->node || e->node->address.is_unspecified()) std::abort();
    // Re-format: IPv4 or IPv4:port, [IPv6] or [IPv6]:port.
    const Endpoint& node = *e->node;
    std::string formatted = node.address.to_string();
    if (!node.address.is_v4()) formatted = "[" + formatted + "]";
    if (node.port != 0) formatted += ":" + std::to_string(node.port);
    const auto reparsed = parse_xff_element(formatted);
    if (!reparsed || *reparsed != node) std::abort();
  }
  if (index != 0) std::abort();
  return 0;
}

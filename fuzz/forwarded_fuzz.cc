// RFC 7239 Forwarded: lines split on '\n'. Properties: the reader yields views into the input;
// the number of elements per line agrees with count_forwarded_elements (a line that does not
// tokenize is one kForwardedSyntax element); an accepted for= re-written in canonical form
// (for=IPv4, for="IPv4:port", for="[IPv6]:port") parses back to the same endpoint.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/forwarded_headers.h"

using namespace doorman;

namespace {

bool within(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::size_t expected = 0;
  for (std::string_view line : lines) {
    auto count = count_forwarded_elements(line);
    if (!count) {
      if (count.error().code != ErrorCode::kForwardedSyntax) std::abort();
      if (count.error().offset > line.size()) std::abort();
      expected += 1;
    } else {
      // Past the cap the reader folds the rest of the line into one kTooManyElements element.
      expected += *count > kMaxForwardingElements ? kMaxForwardingElements + 1 : *count;
    }
  }
  ForwardedReverseReader reader{HeaderLines(std::span<const std::string_view>(lines))};
  std::size_t yielded = 0;
  while (auto e = reader.next()) {
    ++yielded;
    if (!within(e->text, text)) std::abort();
    if (!e->node) continue;
    const Endpoint& node = *e->node;
    if (node.address.is_unspecified()) std::abort();
    std::string value = node.address.to_string();
    if (!node.address.is_v4()) value = "[" + value + "]";
    if (node.port != 0) value += ":" + std::to_string(node.port);
    const std::string element = "for=\"" + value + "\";proto=https";
    const ForwardingElement again = parse_forwarded_element(element);
    if (!again.node || *again.node != node || again.proto != Scheme::kHttps) std::abort();
  }
  if (yielded != expected) std::abort();
  return 0;
}

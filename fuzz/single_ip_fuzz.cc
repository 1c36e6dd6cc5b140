// Single-IP headers (CF-Connecting-IP) and the scheme headers. Properties: an accepted value is
// exactly one bare address — the trimmed input parses with IpAddress::parse to the same value,
// it is not unspecified, and its canonical text is accepted again; the scheme parsers never
// crash and CF-Visitor only accepts objects with a "scheme" member.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "doorman/forwarded_headers.h"

using namespace doorman;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = parse_single_ip(text)) {
    std::string_view trimmed = text;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t'))
      trimmed.remove_prefix(1);
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t'))
      trimmed.remove_suffix(1);
    auto direct = IpAddress::parse(trimmed);
    if (!direct || *direct != *a || a->is_unspecified()) std::abort();
    if (trimmed.find_first_of(",[]") != std::string_view::npos) std::abort();
    auto again = parse_single_ip(a->to_string());
    if (!again || *again != *a) std::abort();
  }
  // Two lines are never accepted.
  const std::string_view two[] = {text, text};
  auto twice = read_single_ip_header(HeaderLines(std::span<const std::string_view>(two)));
  if (!twice || twice->has_value()) std::abort();
  if (auto v = parse_cf_visitor(text)) {
    if (text.find("\"scheme\"") == std::string_view::npos) std::abort();
  }
  if (auto s = parse_scheme(text)) {
    if (text.find(*s == Scheme::kHttps ? "s" : "p") == std::string_view::npos &&
        text.find(*s == Scheme::kHttps ? "S" : "P") == std::string_view::npos)
      std::abort();
  }
  return 0;
}

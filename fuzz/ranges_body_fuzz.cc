// parse_ranges_body (doorman/ranges_body.h) on arbitrary bytes: the body of a fetched CDN range
// list, or a cache file, is untrusted. Properties:
// - it never crashes, throws or leaks (the sanitizers and libFuzzer check that);
// - a failure carries a non-empty message; a success names one of the three formats, and the
//   format follows the first non-blank byte ('{' means JSON, anything else text);
// - only the Cloudflare envelope yields a body etag;
// - the text path is exactly parse_cidr_list (same verdict, same set);
// - leading blank bytes change nothing;
// - every block of an accepted set is in the set (its network and its last address);
// - the set round-trips: its CIDRs formatted as a text list, as Fastly's JSON and as Cloudflare's
//   envelope each parse back to the same blocks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/cidr_set.h"
#include "doorman/ranges_body.h"

using namespace doorman;

namespace {

std::vector<Cidr> blocks(const CidrSet& set) {
  return {set.begin(), set.end()};
}

// The last address of a block (all host bits set).
IpAddress last_address(const Cidr& cidr) {
  if (cidr.is_v4()) {
    const uint32_t host = cidr.prefix == 0 ? ~0u : (uint32_t{1} << (32 - cidr.prefix)) - 1;
    return IpAddress::from_v4(cidr.network.v4() | host);
  }
  auto bytes = cidr.network.bytes();
  for (int bit = cidr.prefix; bit < 128; ++bit)
    bytes[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
  return IpAddress::from_v6(bytes);
}

// "a", "b" (JSON strings; a formatted CIDR never needs escaping).
std::string json_list(const std::vector<Cidr>& cidrs, bool v4) {
  std::string out;
  for (const Cidr& cidr : cidrs) {
    if (cidr.is_v4() != v4) continue;
    if (!out.empty()) out += ',';
    out += '"' + cidr.to_string() + '"';
  }
  return out;
}

void expect_same(const std::string& body, const char* format, const std::vector<Cidr>& want) {
  auto again = parse_ranges_body(body);
  if (!again || again->format != format || blocks(again->set) != want) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_ranges_body(body);

  const std::size_t first = body.find_first_not_of(" \t\r\n");
  const bool json = first != std::string_view::npos && body[first] == '{';
  if (!json) {
    auto text = parse_cidr_list(body);
    if (text.has_value() != parsed.has_value()) std::abort();
    if (text && blocks(*text) != blocks(parsed->set)) std::abort();
  }

  auto padded = parse_ranges_body(" \r\n\t" + std::string(body));
  if (padded.has_value() != parsed.has_value()) std::abort();
  if (padded && (padded->format != parsed->format || blocks(padded->set) != blocks(parsed->set)))
    std::abort();

  if (!parsed) {
    if (parsed.error().empty()) std::abort();
    return 0;
  }
  const std::string& format = parsed->format;
  if (json ? (format != "cloudflare-json" && format != "fastly-json") : format != "text")
    std::abort();
  if (format != "cloudflare-json" && !parsed->body_etag.empty()) std::abort();

  const std::vector<Cidr> cidrs = blocks(parsed->set);
  for (const Cidr& cidr : cidrs) {
    if (cidr.prefix > (cidr.is_v4() ? 32 : 128)) std::abort();
    if (!parsed->set.contains(cidr.network)) std::abort();
    // An IPv6 block such as ::/64 ends among the IPv4-mapped addresses, which count as IPv4 and
    // so are outside every IPv6 block (cidr.h): check the last address only within the family.
    const IpAddress last = last_address(cidr);
    if (last.is_v4() == cidr.is_v4() && !parsed->set.contains(last)) std::abort();
  }

  std::string text;
  for (const Cidr& cidr : cidrs) text += cidr.to_string() + '\n';
  expect_same(text, "text", cidrs);
  expect_same(R"({"addresses":[)" + json_list(cidrs, true) + R"(],"ipv6_addresses":[)" +
                  json_list(cidrs, false) + "]}",
              "fastly-json", cidrs);
  expect_same(R"({"result":{"ipv4_cidrs":[)" + json_list(cidrs, true) + R"(],"ipv6_cidrs":[)" +
                  json_list(cidrs, false) + R"(]},"success":true})",
              "cloudflare-json", cidrs);
  return 0;
}

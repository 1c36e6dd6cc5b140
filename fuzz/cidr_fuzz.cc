// Cidr and CidrSet: parse(format(x)) == x for every accepted CIDR; a block contains its own
// network; and CidrSet::contains (merged intervals + binary search) agrees with a linear scan
// of the blocks (the slow oracle) for probes taken from the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "doorman/cidr_set.h"

using doorman::Cidr;
using doorman::CidrSet;
using doorman::HostBits;
using doorman::IpAddress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Cidr> cidrs;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    auto cidr = doorman::parse_cidr(line);
    if (!cidr) continue;
    const std::string formatted = cidr->to_string();
    auto again = doorman::parse_cidr(formatted, HostBits::kReject);
    if (!again || *again != *cidr) std::abort();
    if (!cidr->contains(cidr->network)) std::abort();
    if (cidr->prefix > (cidr->is_v4() ? 32 : 128)) std::abort();
    // A strict parse accepts exactly the inputs that normalising leaves unchanged.
    auto strict = doorman::parse_cidr(line, HostBits::kReject);
    if (strict.has_value() && *strict != *cidr) std::abort();
    cidrs.push_back(*cidr);
  }
  // Raw bytes as (address, prefix) blocks too, so the set sees arbitrary shapes.
  for (std::size_t i = 0; i + 17 <= size && cidrs.size() < 64; i += 17) {
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), data + i, 16);
    const IpAddress a = IpAddress::from_v6(bytes);
    const uint8_t prefix = static_cast<uint8_t>(data[i + 16] % (a.is_v4() ? 33 : 129));
    cidrs.push_back(Cidr::from(a, prefix));
  }
  const CidrSet set(cidrs);
  auto probe = [&](const IpAddress& a) {
    bool expected = false;
    for (const Cidr& c : cidrs) expected = expected || c.contains(a);
    if (set.contains(a) != expected) std::abort();
  };
  for (const Cidr& c : cidrs) {
    probe(c.network);
    if (c.is_v4()) {
      probe(IpAddress::from_v4(c.network.v4() - 1));
      const uint32_t host = c.prefix == 0 ? ~0u : (uint32_t{1} << (32 - c.prefix)) - 1;
      probe(IpAddress::from_v4(c.network.v4() | host));
      probe(IpAddress::from_v4((c.network.v4() | host) + 1));
    }
  }
  for (std::size_t i = 0; i + 16 <= size; i += 7) {
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), data + i, 16);
    probe(IpAddress::from_v6(bytes));
  }
  return 0;
}

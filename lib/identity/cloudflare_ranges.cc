#include "doorman/cloudflare_ranges.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace doorman {
namespace generated {
extern const std::string_view kCloudflareV4Text;  // cloudflare_ranges_data.cc (generated)
extern const std::string_view kCloudflareV6Text;
}  // namespace generated

std::string_view bundled_cloudflare_ranges_v4_text() {
  return generated::kCloudflareV4Text;
}
std::string_view bundled_cloudflare_ranges_v6_text() {
  return generated::kCloudflareV6Text;
}

const CidrSet& bundled_cloudflare_ranges() {
  static const CidrSet set = [] {
    const std::string text = std::string(generated::kCloudflareV4Text) + "\n" +
                             std::string(generated::kCloudflareV6Text);
    auto parsed = parse_cidr_list(text);
    if (!parsed) {
      // The lists are part of the build and tested (cloudflare_ranges_test); a bad edit must not
      // silently give an empty Cloudflare set.
      std::fprintf(stderr, "doorman: bundled Cloudflare ranges: %s\n",
                   parsed.error().to_string().c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return set;
}

}  // namespace doorman

#include "doorman/fastly_ranges.h"

#include <cstdio>
#include <cstdlib>

namespace doorman {
namespace generated {
extern const std::string_view kFastlyText;  // fastly_ranges_data.cc (generated)
}  // namespace generated

std::string_view bundled_fastly_ranges_text() {
  return generated::kFastlyText;
}

const CidrSet& bundled_fastly_ranges() {
  static const CidrSet set = [] {
    auto parsed = parse_cidr_list(generated::kFastlyText);
    if (!parsed) {
      // The list is part of the build and tested (client_ip_fastly_test); a bad edit must not
      // silently give an empty Fastly set.
      std::fprintf(stderr, "doorman: bundled Fastly ranges: %s\n",
                   parsed.error().to_string().c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return set;
}

}  // namespace doorman

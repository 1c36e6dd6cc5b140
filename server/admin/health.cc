#include "admin/health.h"

#include "ranges/ranges_runtime.h"

namespace doorman::admin {

Readiness check_ready(const runtime::Snapshot& snapshot, bool listening, bool draining) {
  Readiness r;
  r.ready = true;
  const auto check = [&](const char* name, bool ok, const char* why) {
    r.text += name;
    r.text += ok ? ": ok\n" : std::string(": ") + why + "\n";
    r.ready = r.ready && ok;
  };
  check("listeners", listening && !draining, draining ? "draining" : "not open yet");
  check("config", true, "");
  const config::Config& c = snapshot.config;
  if (ranges::needs_cloudflare(c))
    check("ranges cloudflare",
          snapshot.cloudflare_store && !snapshot.cloudflare_store->load()->empty(), "empty list");
  if (ranges::needs_fastly(c))
    check("ranges fastly", snapshot.fastly_store && !snapshot.fastly_store->load()->empty(),
          "empty list");
  return r;
}

}  // namespace doorman::admin

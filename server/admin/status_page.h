// The status page of the admin listener: GET / is a small self-contained HTML page (inline CSS
// and script, no external resource: it works offline and under a strict Content-Security-Policy)
// that fetches GET /status.json every few seconds and renders it: traffic per route, the mix of
// client-IP sources, refusals (403/429/... reasons), the top resolved client IPs of the last
// minutes, range-list freshness, upstream latency and the recent requests with their request
// ids. Values from clients (targets, request ids) are inserted as text, never as markup.
// Thread safety: the admin thread.
#pragma once

#include <string>
#include <string_view>

#include "admin/collect.h"
#include "admin/exposition.h"

namespace doorman::admin {

std::string_view status_page_html();
std::string status_json(const Collected& collected, const ServerView& view);

}  // namespace doorman::admin

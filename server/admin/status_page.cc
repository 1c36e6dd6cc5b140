// status_page_html(): the page itself (status_page.h). Everything inline; the script renders
// /status.json with textContent only (client-sent targets and ids cannot inject markup).
#include "admin/status_page.h"

namespace doorman::admin {

std::string_view status_page_html() {
  return R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>doorman status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d232a;background:#f6f7f9}
h1{font-size:20px;margin:0 0 .2em} h2{font-size:15px;margin:1.2em 0 .4em}
#meta{color:#5b6470;margin-bottom:1em} .ok{color:#17803d} .bad{color:#b42318}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.6em 1em;margin:.6em 0;
overflow-x:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:.6em}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:2px 8px 2px 0;
white-space:nowrap} th{color:#5b6470;font-weight:600;border-bottom:1px solid #dde1e6}
td.n{text-align:right;font-variant-numeric:tabular-nums} .mono{font-family:ui-monospace,monospace}
.big{font-size:26px;font-weight:600}
</style></head><body>
<h1>doorman</h1>
<div id="meta">loading /status.json&hellip;</div>
<div class="grid">
<section><h2>Requests</h2><div class="big" id="total-requests">-</div>
<table id="routes"><thead><tr><th>route</th><th>requests</th><th>2xx</th><th>3xx</th><th>4xx</th>
<th>5xx</th></tr></thead><tbody></tbody></table></section>
<section><h2>Client IP sources</h2><table id="sources"><thead><tr><th>source</th><th>requests</th>
<th>share</th></tr></thead><tbody></tbody></table></section>
<section><h2>Refusals (403, 429, 400, ...)</h2><table id="refusals"><thead><tr><th>reason</th>
<th>detail</th><th>count</th></tr></thead><tbody></tbody></table></section>
<section><h2 id="top-title">Top client IPs</h2><table id="top-clients"><thead><tr><th>client IP</th>
<th>requests</th></tr></thead><tbody></tbody></table></section>
<section><h2>CDN ranges</h2><table id="ranges"><thead><tr><th>provider</th><th>source</th>
<th>blocks</th><th>refreshed</th><th>failures</th></tr></thead><tbody></tbody></table></section>
<section><h2>Upstream latency</h2><table id="latency"><thead><tr><th></th><th>count</th>
<th>mean</th><th>p50 &le;</th><th>p90 &le;</th><th>p99 &le;</th></tr></thead><tbody></tbody></table>
<div id="reuse"></div></section>
</div>
<section><h2>Recent requests</h2><table id="recent"><thead><tr><th>time</th><th>request id</th>
<th>route</th><th>client IP</th><th>source</th><th>request</th><th>status</th><th>reason</th>
<th>ms</th></tr></thead><tbody></tbody></table></section>
<script>
"use strict";
function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "-" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
}
function fill(id, rows, make) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement("tr");
    make(tr, row);
    body.appendChild(tr);
  }
}
function ms(v) { return v < 1 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0); }
function render(s) {
  const up = Math.max(0, s.now_unix - s.started_unix);
  const meta = document.getElementById("meta");
  meta.replaceChildren();
  meta.append("version " + s.version + " (" + s.commit + "), up " + up + " s, " + s.workers +
              " worker(s), ");
  const ready = document.createElement("span");
  ready.id = "ready";
  ready.className = s.ready ? "ok" : "bad";
  ready.textContent = s.ready ? "ready" : "not ready";
  meta.append(ready);
  document.getElementById("total-requests").textContent = s.requests;
  fill("routes", s.routes, (tr, r) => {
    tr.dataset.route = r.route;
    cell(tr, r.route, "mono"); cell(tr, r.requests, "n");
    for (const k of ["2xx", "3xx", "4xx", "5xx"]) cell(tr, r.classes[k], "n");
  });
  fill("sources", s.sources, (tr, r) => {
    tr.dataset.source = r.source;
    cell(tr, r.source, "mono"); cell(tr, r.count, "n");
    cell(tr, s.requests ? (100 * r.count / s.requests).toFixed(1) + " %" : "-", "n");
  });
  fill("refusals", s.refusals, (tr, r) => {
    cell(tr, r.reason, "mono"); cell(tr, r.detail || "", "mono"); cell(tr, r.count, "n");
  });
  document.getElementById("top-title").textContent =
      "Top client IPs (last " + s.top_clients_minutes + " minutes)";
  fill("top-clients", s.top_clients, (tr, r) => {
    tr.dataset.client = r.client_ip;
    cell(tr, r.client_ip, "mono"); cell(tr, r.count, "n");
  });
  fill("ranges", s.ranges, (tr, r) => {
    cell(tr, r.provider); cell(tr, r.source);
    cell(tr, r.v4_blocks + " + " + r.v6_blocks, "n");
    cell(tr, r.last_success_age_seconds === null ? "never" : r.last_success_age_seconds + " s ago");
    cell(tr, r.failures + (r.last_error ? " (" + r.last_error + ")" : ""), "n");
  });
  fill("latency", [["connect", s.upstream.connect], ["first byte", s.upstream.ttfb],
                   ["whole request", s.upstream.request]], (tr, [name, h]) => {
    cell(tr, name); cell(tr, h.count, "n"); cell(tr, ms(h.mean_ms) + " ms", "n");
    cell(tr, ms(h.p50_ms) + " ms", "n"); cell(tr, ms(h.p90_ms) + " ms", "n");
    cell(tr, ms(h.p99_ms) + " ms", "n");
  });
  document.getElementById("reuse").textContent = "upstream connections: " + s.upstream.new +
      " new, " + s.upstream.reused + " reused";
  fill("recent", s.recent, (tr, r) => {
    cell(tr, new Date(r.unix_ms).toISOString().substring(11, 23));
    cell(tr, r.request_id, "mono"); cell(tr, r.route || "-", "mono");
    cell(tr, r.client_ip, "mono"); cell(tr, r.client_ip_source || "-");
    cell(tr, r.method + " " + r.target, "mono"); cell(tr, r.status, "n");
    cell(tr, r.reason ? r.reason + (r.detail ? " (" + r.detail + ")" : "") : "");
    cell(tr, ms(r.duration_ms), "n");
  });
}
async function refresh() {
  try {
    const response = await fetch("status.json", {cache: "no-store"});
    render(await response.json());
  } catch (e) {
    document.getElementById("meta").textContent = "cannot reach doorman: " + e;
  }
}
refresh();
setInterval(refresh, 5000);
</script></body></html>
)HTML";
}

}  // namespace doorman::admin

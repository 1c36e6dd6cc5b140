// The limits an HTTP/2 connection runs under, and why each value. Untrusted clients choose the
// frame sequence, so every per-connection cost has a cap (STYLE.md: work on untrusted input is
// capped); nghttp2 enforces most of them once told.
#pragma once

#include <cstddef>
#include <cstdint>

namespace doorman::h2 {

// SETTINGS_MAX_CONCURRENT_STREAMS: each running stream holds one request-path session (two
// buffers of max_head_size + 16 KiB) and maybe an upstream connection. 100 is what RFC 9113
// §6.5.2 recommends as the floor and what nginx and HAProxy advertise (128 and 100).
inline constexpr uint32_t kMaxConcurrentStreams = 100;
// SETTINGS_INITIAL_WINDOW_SIZE for request bodies: the most a stream buffers before its
// session forwards the bytes upstream (the window reopens only as the upstream takes them).
inline constexpr uint32_t kStreamWindow = 65535;
// The connection window: room for several streams' windows at once.
inline constexpr int32_t kConnectionWindow = 1 << 20;
// SETTINGS_HEADER_TABLE_SIZE: the HPACK table a client may make us keep (the RFC default).
inline constexpr uint32_t kHeaderTableSize = 4096;
// Rapid reset (CVE-2023-44487): RST_STREAMs a client may send, as a token bucket (burst,
// per second); past it the connection gets GOAWAY. Browsers cancel streams when a page
// navigates away, a few dozen at a time, so the burst is generous and the rate is low.
inline constexpr uint64_t kResetBurst = 200;
inline constexpr uint64_t kResetRate = 33;
// CONTINUATION flood (CVE-2024-27316 class; nghttp2's CVE-2024-28182): CONTINUATION frames
// after one HEADERS frame. Real header blocks fit in a few frames of 16 KiB.
inline constexpr std::size_t kMaxContinuations = 8;
// SETTINGS/PING floods: queued SETTINGS ACKs and PING ACKs a client may make us owe while not
// reading (nghttp2 default 1000), and the entries one SETTINGS frame may carry.
inline constexpr std::size_t kMaxOutboundAck = 1000;
inline constexpr std::size_t kMaxSettingsEntries = 32;
// Bytes of response kept per stream between the session and nghttp2's DATA frames.
inline constexpr std::size_t kResponseBuffer = 65536;
// How much output is gathered into one write (TLS record batching).
inline constexpr std::size_t kWriteBatch = 16384;

}  // namespace doorman::h2

// The last-known-good range list on disk, and atomic file replacement.
//
// Contract:
// - The cache is a plain-text CIDR list (usable as a ranges_file too) preceded by a header of
//   '#' lines:
//     # doorman ranges cache v1
//     # source: https://api.cloudflare.com/client/v4/ips
//     # fetched: 1763900000 2025-11-23T12:13:20Z
//     # etag: "38f79d05..."
//   then one CIDR a line (normalised, sorted, IPv4 first). parse_cache() requires the first
//   line exactly, a numeric fetched time, and at least one CIDR; anything else is "corrupt" and
//   the caller reports it and ignores the file (never a crash).
// - write_file_atomic(): a temp file in the same directory (mkstemp), write, fsync, rename over
//   the target, fsync the directory: a reader sees the old bytes or the new bytes, never a torn
//   file, and a crash leaves at most a stray ".tmp" file. On any failure the target is untouched.
//   When `written` is given it receives the identity of the file it wrote (fstat of the temp
//   file, whose inode the rename keeps), so the writer can tell its own write from another's.
// - file_identity(): what stat(2) says about a path (device, inode, size, mtime). A replacement by
//   rename changes the inode (the new file exists beside the old one until the rename, so the
//   two never share one); an in-place rewrite changes the size or the mtime.
// Thread safety: no shared state; concurrent writers to one path each replace it whole.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "doorman/cidr_set.h"

namespace doorman::ranges {

inline constexpr std::string_view kCacheMagic = "# doorman ranges cache v1";

struct FileIdentity {
  bool exists = false;
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// A missing or unreadable path gives exists = false.
FileIdentity file_identity(const std::string& path);

struct CacheRecord {
  std::string source_url;
  int64_t fetched_unix = 0;  // when the list was fetched (or last confirmed by a 304)
  std::string etag;          // the HTTP ETag to send as If-None-Match, "" = none
  CidrSet set;
};

std::string format_cache(const CacheRecord& record);
std::expected<CacheRecord, std::string> parse_cache(std::string_view text);

// Reads and parses `path`; errors say "cannot read" or what is corrupt.
std::expected<CacheRecord, std::string> read_cache(const std::string& path);
std::expected<void, std::string> write_cache(const std::string& path, const CacheRecord& record,
                                             FileIdentity* written = nullptr);

std::expected<std::string, std::string> read_whole_file(const std::string& path);
std::expected<void, std::string> write_file_atomic(const std::string& path, std::string_view bytes,
                                                   FileIdentity* written = nullptr);

// "2025-11-23T12:13:20Z".
std::string format_utc(int64_t unix_seconds);

}  // namespace doorman::ranges

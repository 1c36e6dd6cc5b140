// The ACME state directory ([acme] state_dir): the account key and URL, and each host's
// certificate chain, key and status, kept across restarts.
//
// Contract:
// - Layout: account-<directory slug>.key / .json (one account per ACME directory URL, reused),
//   certificates/<host>.pem (chain, leaf first), certificates/<host>.key,
//   certificates/<host>.json (last attempt and last error), and `lock`.
// - write_file() writes a whole file atomically: a new file (mode 0600) under a temporary name,
//   fsync, then rename over the old one, so a reader or a crash never sees half a key.
// - StateLock takes an exclusive flock on `lock`: only the instance holding it talks to the
//   ACME server and writes; another instance sharing the directory only reads what the holder
//   wrote (no duplicate orders, no torn files). The lock goes with the process (fd closed).
// Errors are sentences naming the path.
// Thread safety: free functions are reentrant; a StateLock is owned by one thread.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace doorman::acme {

// mkdir -p with mode 0700 for what it creates.
std::expected<void, std::string> make_directories(const std::string& path);
std::expected<void, std::string> write_file(const std::string& path, std::string_view content);
// std::nullopt when the file does not exist; an error when it exists but cannot be read.
std::expected<std::optional<std::string>, std::string> read_file(const std::string& path);

// "acme-v02.api.letsencrypt.org-directory" for "https://acme-v02.api.letsencrypt.org/directory":
// letters, digits, '.', '-' only.
std::string directory_slug(std::string_view directory_url);

struct StatePaths {
  std::string root;
  std::string account_key(std::string_view directory_url) const;
  std::string account_json(std::string_view directory_url) const;
  std::string certificates() const { return root + "/certificates"; }
  std::string chain(std::string_view host) const;
  std::string key(std::string_view host) const;
  std::string status(std::string_view host) const;
  std::string lock() const { return root + "/lock"; }
};

class StateLock {
 public:
  // Non-blocking: std::nullopt (no error) when another process holds it.
  static std::expected<std::optional<StateLock>, std::string> try_acquire(const std::string& path);
  StateLock(StateLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StateLock& operator=(StateLock&&) = delete;
  ~StateLock();

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace doorman::acme

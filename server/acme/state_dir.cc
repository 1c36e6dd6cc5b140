#include "acme/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace doorman::acme {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::expected<void, std::string> make_directories(const std::string& path) {
  std::string partial;
  std::size_t from = 0;
  while (from <= path.size()) {
    const std::size_t slash = path.find('/', from);
    partial = path.substr(0, slash);
    from = slash == std::string::npos ? path.size() + 1 : slash + 1;
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
      return std::unexpected("'" + partial + "': cannot create the directory: " + errno_text());
  }
  return {};
}

std::expected<void, std::string> write_file(const std::string& path, std::string_view content) {
  std::random_device random;
  const std::string temporary = path + ".tmp" + std::to_string(random());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("'" + temporary + "': cannot create: " + errno_text());
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == content.size() && ::fsync(fd) == 0;
  const std::string failure = ok ? "" : errno_text();
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = ok ? errno_text() : failure;
    ::unlink(temporary.c_str());
    return std::unexpected("'" + path + "': cannot write: " + why);
  }
  return {};
}

std::expected<std::optional<std::string>, std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return std::unexpected("'" + path + "': cannot read: " + errno_text());
  }
  std::string content;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      return std::unexpected("'" + path + "': cannot read: " + why);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(content));
}

std::string directory_slug(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos)
    url.remove_prefix(scheme + 3);
  std::string slug;
  for (char c : url) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-';
    slug += keep ? c : '-';
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

std::string StatePaths::account_key(std::string_view url) const {
  return root + "/account-" + directory_slug(url) + ".key";
}
std::string StatePaths::account_json(std::string_view url) const {
  return root + "/account-" + directory_slug(url) + ".json";
}
std::string StatePaths::chain(std::string_view host) const {
  return certificates() + "/" + std::string(host) + ".pem";
}
std::string StatePaths::key(std::string_view host) const {
  return certificates() + "/" + std::string(host) + ".key";
}
std::string StatePaths::status(std::string_view host) const {
  return certificates() + "/" + std::string(host) + ".json";
}

std::expected<std::optional<StateLock>, std::string> StateLock::try_acquire(
    const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("'" + path + "': cannot open the lock file: " + errno_text());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) return std::optional<StateLock>();
    return std::unexpected("'" + path + "': cannot lock: " + std::strerror(error));
  }
  return std::optional<StateLock>(StateLock(fd));
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace doorman::acme

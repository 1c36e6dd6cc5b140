#include "ranges/cache_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace doorman::ranges {
namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

FileIdentity identity_of(const struct stat& st) {
  return FileIdentity{true, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                      static_cast<uint64_t>(st.st_size),
                      static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

bool header_value(std::string_view line, std::string_view key, std::string_view& value) {
  const std::string prefix = "# " + std::string(key) + ":";
  if (!line.starts_with(prefix)) return false;
  value = line.substr(prefix.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
  return true;
}

}  // namespace

FileIdentity file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return identity_of(st);
}

std::string format_utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string format_cache(const CacheRecord& r) {
  std::string out(kCacheMagic);
  out += "\n# source: " + r.source_url + "\n# fetched: " + std::to_string(r.fetched_unix) + " " +
         format_utc(r.fetched_unix) + "\n# etag: " + r.etag + "\n";
  for (const Cidr& c : r.set) out += c.to_string() + "\n";
  return out;
}

std::expected<CacheRecord, std::string> parse_cache(std::string_view text) {
  CacheRecord r;
  std::size_t pos = 0;
  bool fetched = false;
  int line_number = 0;
  // The header: every leading '#' line; the first must be the magic line.
  while (pos < text.size() && text[pos] == '#') {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (++line_number == 1 && line != kCacheMagic) break;
    std::string_view value;
    if (header_value(line, "source", value)) {
      r.source_url = value;
    } else if (header_value(line, "etag", value)) {
      r.etag = value;
    } else if (header_value(line, "fetched", value)) {
      const std::string_view number = value.substr(0, value.find(' '));
      auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), r.fetched_unix);
      if (ec != std::errc() || p != number.data() + number.size() || number.empty())
        return std::unexpected("corrupt cache: bad fetched time '" + std::string(value) + "'");
      fetched = true;
    }
    pos = end + 1;
  }
  if (line_number == 0 || !text.starts_with(kCacheMagic))
    return std::unexpected("corrupt cache: the first line is not '" + std::string(kCacheMagic) +
                           "'");
  if (!fetched) return std::unexpected(std::string("corrupt cache: no '# fetched:' line"));
  auto set = parse_cidr_list(text);  // header lines are comments to the list parser
  if (!set) return std::unexpected("corrupt cache: " + set.error().to_string());
  if (set->empty()) return std::unexpected(std::string("corrupt cache: no CIDR"));
  r.set = std::move(*set);
  return r;
}

std::expected<std::string, std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(errno_text("cannot read '" + path + "'"));
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::unexpected(errno_text("cannot read '" + path + "'"));
  return s.str();
}

std::expected<CacheRecord, std::string> read_cache(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return std::unexpected(text.error());
  auto record = parse_cache(*text);
  if (!record) return std::unexpected("'" + path + "': " + record.error());
  return record;
}

std::expected<void, std::string> write_cache(const std::string& path, const CacheRecord& record,
                                             FileIdentity* written) {
  return write_file_atomic(path, format_cache(record), written);
}

std::expected<void, std::string> write_file_atomic(const std::string& path, std::string_view bytes,
                                                   FileIdentity* written) {
  const std::size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string temp = path + ".XXXXXX.tmp";
  const int fd = mkstemps(temp.data(), 4);
  if (fd < 0) return std::unexpected(errno_text("cannot create a temp file beside '" + path + "'"));
  auto fail = [&](const std::string& what) {
    const std::string message = errno_text(what);
    ::close(fd);
    ::unlink(temp.c_str());
    return std::unexpected(message);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write '" + temp + "'");
    done += static_cast<std::size_t>(n);
  }
  // mkstemp creates 0600; the cache is not secret and `doorman ranges show` may run as another
  // user.
  if (::fchmod(fd, 0644) != 0) return fail("cannot chmod '" + temp + "'");
  if (::fsync(fd) != 0) return fail("cannot fsync '" + temp + "'");
  // After the last write (fchmod moves only the ctime): these are the final file's size and mtime.
  struct stat st {};
  if (written != nullptr && ::fstat(fd, &st) != 0) return fail("cannot stat '" + temp + "'");
  if (::close(fd) != 0) {
    const std::string message = errno_text("cannot close '" + temp + "'");
    ::unlink(temp.c_str());
    return std::unexpected(message);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string message = errno_text("cannot rename '" + temp + "' to '" + path + "'");
    ::unlink(temp.c_str());
    return std::unexpected(message);
  }
  // The rename is durable only once the directory entry is (rename(2), fsync(2) NOTES).
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  if (written != nullptr) *written = identity_of(st);
  return {};
}

}  // namespace doorman::ranges

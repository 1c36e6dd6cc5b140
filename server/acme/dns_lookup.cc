#include "acme/dns_lookup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "doorman/dns_message.h"

namespace doorman::acme {
namespace {

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string rcode_name(uint8_t rcode) {
  static constexpr const char* kNames[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                           "NXDOMAIN", "NOTIMP",  "REFUSED"};  // RFC 1035 §4.1.1
  return rcode < std::size(kNames) ? kNames[rcode] : "rcode " + std::to_string(rcode);
}

// The resolver's socket address; false when it is not "IP:PORT" / "[IPv6]:PORT".
bool socket_address(const std::string& resolver, sockaddr_storage& out, socklen_t& length) {
  auto parsed = config::parse_socket_address(resolver, false);
  if (!parsed || parsed->kind != config::SocketAddress::Kind::kTcp || parsed->port == 0)
    return false;
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET, parsed->host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(parsed->port);
    length = sizeof(sockaddr_in);
    return true;
  }
  if (::inet_pton(AF_INET6, parsed->host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(parsed->port);
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

std::expected<std::vector<std::string>, std::string> lookup_txt(const std::string& resolver,
                                                                const std::string& name,
                                                                std::chrono::milliseconds timeout) {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  if (!socket_address(resolver, address, address_length))
    return std::unexpected("'" + resolver + "' is not IP:PORT");
  uint16_t id = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1)
    return std::unexpected("no random query ID");
  auto query = dns::encode_txt_query(name, id);
  if (!query)
    return std::unexpected(
        "'" + name + "' cannot be asked: " + std::string(error_code_name(query.error().code)));
  const Socket socket(::socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  // connect(): replies from any other address or port never reach us.
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), address_length) != 0)
    return std::unexpected(std::string("connect: ") + std::strerror(errno));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  const auto resend_at = start + timeout / 2;
  bool resent = false;
  if (::send(socket.fd(), query->data(), query->size(), 0) < 0)
    return std::unexpected(std::string("send: ") + std::strerror(errno));
  std::string last_problem = "no answer";
  std::array<uint8_t, 4096> buffer{};
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    if (!resent && now >= resend_at) {
      resent = true;
      (void)::send(socket.fd(), query->data(), query->size(), 0);
    }
    const auto until = resent ? deadline : resend_at;
    pollfd p{socket.fd(), POLLIN, 0};
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    if (::poll(&p, 1, static_cast<int>(std::max<long long>(wait, 1))) <= 0) continue;
    const ssize_t n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      // ECONNREFUSED: an ICMP port unreachable for our query; say so, keep waiting for the resend.
      last_problem = std::string("recv: ") + std::strerror(errno);
      continue;
    }
    auto answer = dns::decode_txt_answer({buffer.data(), static_cast<std::size_t>(n)}, name, id);
    if (!answer) {
      if (answer.error().code == ErrorCode::kDnsNotTheAnswer) continue;  // stray or spoofed
      return std::unexpected("a " + std::string(error_code_name(answer.error().code)) + " answer");
    }
    if (answer->rcode != 0 && answer->rcode != dns::kRcodeNxDomain)
      return std::unexpected("answered " + rcode_name(answer->rcode));
    return std::move(answer->texts);
  }
  return std::unexpected(last_problem + " within " + std::to_string(timeout.count()) + " ms");
}

std::vector<std::string> system_resolvers(const std::string& resolv_conf) {
  std::vector<std::string> out;
  std::ifstream in(resolv_conf);
  std::string line;
  while (out.size() < 3 && std::getline(in, line)) {
    std::istringstream words(line);
    std::string keyword, address;
    if (!(words >> keyword >> address) || keyword != "nameserver") continue;
    const std::string resolver =
        address.find(':') != std::string::npos ? "[" + address + "]:53" : address + ":53";
    sockaddr_storage unused{};
    socklen_t length = 0;
    if (socket_address(resolver, unused, length)) out.push_back(resolver);  // skips "fe80::1%eth0"
  }
  if (out.empty()) out.push_back("127.0.0.1:53");
  return out;
}

}  // namespace doorman::acme

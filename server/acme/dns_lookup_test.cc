// lookup_txt() against loopback UDP peers, and system_resolvers() reading resolv.conf.
#include "acme/dns_lookup.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <thread>

namespace doorman::acme {
namespace {

using std::chrono::milliseconds;

// A UDP socket on 127.0.0.1 and an ephemeral port; `answer` (if set) turns each query into the
// datagrams sent back, in order.
class Responder {
 public:
  using Answer = std::function<std::vector<std::vector<uint8_t>>(const std::vector<uint8_t>&)>;
  explicit Responder(Answer answer = nullptr) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t n = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
    if (answer_) thread_ = std::thread([this] { serve(); });
  }
  ~Responder() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    std::vector<uint8_t> buffer(512);
    sockaddr_in peer{};
    socklen_t n = sizeof peer;
    const ssize_t got =
        ::recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&peer), &n);
    if (got <= 0) return;
    buffer.resize(static_cast<std::size_t>(got));
    for (const auto& reply : answer_(buffer))
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), n);
  }

  Answer answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// The query turned into an answer: QR set, ANCOUNT 1, one TXT record pointing at the question.
std::vector<uint8_t> txt_answer(std::vector<uint8_t> query, std::string_view text) {
  query[2] |= 0x80;
  query[7] = 1;
  const std::vector<uint8_t> rr = {0xC0,
                                   12,
                                   0,
                                   16,
                                   0,
                                   1,
                                   0,
                                   0,
                                   0,
                                   60,
                                   0,
                                   static_cast<uint8_t>(text.size() + 1),
                                   static_cast<uint8_t>(text.size())};
  query.insert(query.end(), rr.begin(), rr.end());
  query.insert(query.end(), text.begin(), text.end());
  return query;
}

TEST(LookupTxt, ReadsTheAnswerAndIgnoresOneWithAnotherId) {
  Responder r([](const std::vector<uint8_t>& q) {
    std::vector<uint8_t> spoofed = txt_answer(q, "spoofed");
    spoofed[0] ^= 0xFF;  // another ID: must be ignored, not believed
    return std::vector<std::vector<uint8_t>>{spoofed, txt_answer(q, "the-value")};
  });
  auto texts = lookup_txt(r.address(), "_acme-challenge.example.com", milliseconds(2000));
  ASSERT_TRUE(texts.has_value()) << texts.error();
  EXPECT_EQ(*texts, (std::vector<std::string>{"the-value"}));
}

TEST(LookupTxt, AnErrorRcodeIsAnError) {
  Responder r([](const std::vector<uint8_t>& q) {
    std::vector<uint8_t> a = q;
    a[2] |= 0x80;
    a[3] = 0x82;  // RA, SERVFAIL
    return std::vector<std::vector<uint8_t>>{a};
  });
  auto texts = lookup_txt(r.address(), "_acme-challenge.example.com", milliseconds(2000));
  ASSERT_FALSE(texts.has_value());
  EXPECT_EQ(texts.error(), "answered SERVFAIL");
}

TEST(LookupTxt, SilenceTimesOut) {
  Responder silent;
  const auto start = std::chrono::steady_clock::now();
  auto texts = lookup_txt(silent.address(), "_acme-challenge.example.com", milliseconds(300));
  ASSERT_FALSE(texts.has_value());
  EXPECT_EQ(texts.error(), "no answer within 300 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(LookupTxt, NotAnAddressIsAnError) {
  auto texts = lookup_txt("ns.example.com:53", "_acme-challenge.example.com", milliseconds(10));
  ASSERT_FALSE(texts.has_value());
  EXPECT_EQ(texts.error(), "'ns.example.com:53' is not IP:PORT");
}

TEST(SystemResolvers, ReadsAtMostThreeNameserverLines) {
  char path[] = "/tmp/doorman-resolv-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << "# comment\nsearch example.com\nnameserver 10.0.0.2\n"
                         "nameserver fe80::1%eth0\nnameserver 2001:db8::53\n"
                         "nameserver 10.0.0.3\nnameserver 10.0.0.4\n";
  EXPECT_EQ(system_resolvers(path),
            (std::vector<std::string>{"10.0.0.2:53", "[2001:db8::53]:53", "10.0.0.3:53"}));
  std::ofstream(path) << "search example.com\n";
  EXPECT_EQ(system_resolvers(path), (std::vector<std::string>{"127.0.0.1:53"}));
  ::unlink(path);
}

}  // namespace
}  // namespace doorman::acme

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace doorman::config {
namespace {

const std::string kBase =
    "[[listener]]\naddress = \"127.0.0.1:0\"\n[[route]]\nupstream = \"builtin:echo\"\n";

TEST(RangesConfig, Defaults) {
  auto r = load_config_text(kBase, "t.toml");
  ASSERT_TRUE(r.config) << r.errors.front();
  const RangesSection& s = r.config->ranges;
  EXPECT_EQ(s.cloudflare.refresh_url, "https://api.cloudflare.com/client/v4/ips");
  EXPECT_EQ(s.cloudflare.refresh_interval, std::chrono::hours(6));
  EXPECT_EQ(s.cloudflare.cache_file, "/var/lib/doorman/cloudflare-ranges.txt");
  EXPECT_TRUE(s.cloudflare.refresh);
  EXPECT_EQ(s.fastly.refresh_url, "https://api.fastly.com/public-ip-list");
  EXPECT_FALSE(s.fastly.use_in_auto);
  EXPECT_EQ(s.cloudflare.cache_check_interval, std::chrono::seconds(5));
  EXPECT_EQ(s.fastly.cache_check_interval, std::chrono::seconds(5));
}

TEST(RangesConfig, CacheCheckInterval) {
  auto r = load_config_text(kBase +
                                "[cloudflare]\ncache_check_interval = \"250ms\"\n"
                                "[fastly]\ncache_check_interval = 0\n",
                            "t.toml");
  ASSERT_TRUE(r.config) << r.errors.front();
  EXPECT_EQ(r.config->ranges.cloudflare.cache_check_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(r.config->ranges.fastly.cache_check_interval, std::chrono::milliseconds(0));
}

TEST(RangesConfig, AllKeys) {
  auto r = load_config_text(kBase +
                                "source_ip = \"fastly-proxy\"\n[cloudflare]\nrefresh_url = "
                                "\"http://127.0.0.1:9/ips\"\nrefresh_interval = \"1s\"\n"
                                "cache_file = \"/tmp/cf.txt\"\nrefresh = false\ntimeout = \"2s\"\n"
                                "[fastly]\nauto = true\nrefresh_interval = 60\n",
                            "t.toml");
  ASSERT_TRUE(r.config) << r.errors.front();
  const Config& c = *r.config;
  EXPECT_EQ(c.routes[0].source_ip, SourceIpMode::kFastlyProxy);
  EXPECT_EQ(c.ranges.cloudflare.refresh_url, "http://127.0.0.1:9/ips");
  EXPECT_EQ(c.ranges.cloudflare.refresh_interval, std::chrono::seconds(1));
  EXPECT_EQ(c.ranges.cloudflare.cache_file, "/tmp/cf.txt");
  EXPECT_FALSE(c.ranges.cloudflare.refresh);
  EXPECT_EQ(c.ranges.cloudflare.timeout, std::chrono::seconds(2));
  EXPECT_TRUE(c.ranges.fastly.use_in_auto);
  EXPECT_EQ(c.ranges.fastly.refresh_interval, std::chrono::seconds(60));
}

struct BadCase {
  std::string name;
  std::string toml;
  std::string error;
};

class RangesConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(RangesConfigErrors, Reported) {
  auto r = load_config_text(kBase + GetParam().toml, "t.toml");
  ASSERT_FALSE(r.config);
  bool found = false;
  for (const std::string& e : r.errors)
    found = found || e.find(GetParam().error) != std::string::npos;
  EXPECT_TRUE(found) << r.errors.front();
}

INSTANTIATE_TEST_SUITE_P(
    Table, RangesConfigErrors,
    ::testing::Values(
        BadCase{"IntervalBelowMinimum", "[cloudflare]\nrefresh_interval = \"500ms\"\n",
                "cloudflare.refresh_interval"},
        BadCase{"NotAUrl", "[cloudflare]\nrefresh_url = \"ftp://x\"\n", "cloudflare.refresh_url"},
        BadCase{"EmptyCache", "[cloudflare]\ncache_file = \"\"\n", "cloudflare.cache_file"},
        BadCase{"RefreshNotBool", "[cloudflare]\nrefresh = \"yes\"\n", "cloudflare.refresh"},
        BadCase{"UnknownCloudflareKey", "[cloudflare]\nrefresh_urls = \"http://x\"\n",
                "cloudflare.refresh_urls: unknown key"},
        BadCase{"UnknownFastlyKey", "[fastly]\nautomatic = true\n",
                "fastly.automatic: unknown key"},
        BadCase{"FastlyMissingRangesFile", "[fastly]\nranges_file = \"/nonexistent/x\"\n",
                "fastly.ranges_file: cannot read"},
        BadCase{"TimeoutTooShort", "[fastly]\ntimeout = \"10ms\"\n", "fastly.timeout"},
        BadCase{"CacheCheckTooShort", "[cloudflare]\ncache_check_interval = \"10ms\"\n",
                "cloudflare.cache_check_interval"},
        BadCase{"CacheCheckNotADuration", "[fastly]\ncache_check_interval = \"soon\"\n",
                "fastly.cache_check_interval"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace doorman::config

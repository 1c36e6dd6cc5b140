#include "ranges/cache_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "ranges/ranges_state.h"

namespace doorman::ranges {
namespace {

CidrSet set_of(std::string_view text) {
  auto parsed = parse_cidr_list(text);
  EXPECT_TRUE(parsed);
  return parsed ? std::move(*parsed) : CidrSet();
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/doorman-cache-test-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST(CacheFormat, RoundTrips) {
  CacheRecord r{"https://api.cloudflare.com/client/v4/ips", 1763900000, "\"abc\"",
                set_of("2001:db8::/32\n10.0.0.0/8\n")};
  const std::string text = format_cache(r);
  EXPECT_EQ(text,
            "# doorman ranges cache v1\n"
            "# source: https://api.cloudflare.com/client/v4/ips\n"
            "# fetched: 1763900000 2025-11-23T12:13:20Z\n"
            "# etag: \"abc\"\n"
            "10.0.0.0/8\n"
            "2001:db8::/32\n");
  auto back = parse_cache(text);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->source_url, r.source_url);
  EXPECT_EQ(back->fetched_unix, r.fetched_unix);
  EXPECT_EQ(back->etag, r.etag);
  EXPECT_EQ(back->set.size(), 2u);
}

struct CorruptCase {
  std::string name;
  std::string text;
  std::string error_contains;
};

class CorruptCache : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(CorruptCache, IsRefusedWithAReason) {
  auto r = parse_cache(GetParam().text);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find(GetParam().error_contains), std::string::npos) << r.error();
}

INSTANTIATE_TEST_SUITE_P(
    Table, CorruptCache,
    ::testing::Values(
        CorruptCase{"Empty", "", "first line"},
        CorruptCase{"NoMagic", "10.0.0.0/8\n", "first line"},
        CorruptCase{"WrongVersion", "# doorman ranges cache v2\n# fetched: 1\n10.0.0.0/8\n",
                    "first line"},
        CorruptCase{"NoFetched", "# doorman ranges cache v1\n10.0.0.0/8\n", "no '# fetched:'"},
        CorruptCase{"BadFetched", "# doorman ranges cache v1\n# fetched: soon\n10.0.0.0/8\n",
                    "bad fetched"},
        CorruptCase{"NoCidr", "# doorman ranges cache v1\n# fetched: 1\n", "no CIDR"},
        CorruptCase{"BadCidr", "# doorman ranges cache v1\n# fetched: 1\n10.0.0.0/8\nzzz\n",
                    "line 4"},
        CorruptCase{"Truncated", "# doorman ranges cache v1\n# fetched: 1\n10.0.0.0/", "line 3"},
        CorruptCase{"Binary", std::string("# doorman ranges cache v1\n# fetched: 1\n\0\x01", 41),
                    "corrupt cache"}),
    [](const auto& info) { return info.param.name; });

using CacheFile = TempDir;

TEST_F(CacheFile, WriteThenReadAndNoTempLeft) {
  const std::string path = dir_ + "/ranges.txt";
  CacheRecord r{"http://127.0.0.1/x", 42, "", set_of("192.0.2.0/24\n")};
  ASSERT_TRUE(write_cache(path, r));
  auto back = read_cache(path);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->fetched_unix, 42);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);  // the temp file was renamed, not left behind
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(CacheFile, ReplaceKeepsOldBytesOnFailure) {
  const std::string path = dir_ + "/sub/ranges.txt";  // the directory does not exist
  auto r = write_file_atomic(path, "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("temp file"), std::string::npos) << r.error();
}

TEST_F(CacheFile, MissingFileIsAnError) {
  auto r = read_cache(dir_ + "/absent");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("cannot read"), std::string::npos);
}

TEST_F(CacheFile, DirectoryIsAnErrorNotACrash) {
  auto r = read_cache(dir_);
  ASSERT_FALSE(r);
}

TEST(RangesStateJson, RoundTrips) {
  RangesState s;
  s.provider = "fastly";
  s.source = RangesSource::kLive;
  s.list_time = 100;
  s.last_attempt = 200;
  s.last_success = 150;
  s.last_error = "HTTP 500";
  s.etag = "\"e\"";
  s.url = "http://127.0.0.1:1/";
  s.v4_blocks = 3;
  s.v6_blocks = 1;
  s.consecutive_failures = 2;
  const nlohmann::json j = to_json(s, 160);
  EXPECT_EQ(j["source"], "live");
  EXPECT_EQ(j["age_seconds"], 60);
  EXPECT_EQ(j["last_success"], "1970-01-01T00:02:30Z");
  auto back = state_from_json(j.dump());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->source, RangesSource::kLive);
  EXPECT_EQ(back->last_error, "HTTP 500");
  EXPECT_EQ(back->etag, "\"e\"");
  EXPECT_EQ(back->v4_blocks, 3u);
  EXPECT_EQ(back->consecutive_failures, 2u);
}

TEST(RangesStateJson, GarbageIsAnErrorNotAnException) {
  EXPECT_FALSE(state_from_json("{"));
  EXPECT_FALSE(state_from_json("[1]"));
  auto odd = state_from_json(R"({"source":7,"last_success_unix":"x"})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->source, RangesSource::kBundled);
  EXPECT_EQ(odd->last_success, 0);
}

}  // namespace
}  // namespace doorman::ranges

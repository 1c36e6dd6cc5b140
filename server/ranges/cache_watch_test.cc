#include "ranges/cache_watch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace doorman::ranges {
namespace {

CidrSet set_of(std::string_view text) {
  auto parsed = parse_cidr_list(text);
  EXPECT_TRUE(parsed);
  return parsed ? std::move(*parsed) : CidrSet();
}

std::vector<std::string> texts(const CidrSet& set) {
  std::vector<std::string> out;
  for (const Cidr& c : set) out.push_back(c.to_string());
  return out;
}

// A provider whose store starts with 192.0.2.0/24 and 2001:db8::/32 from the bundled list, its
// cache file in a fresh directory.
class CacheWatch : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/doorman-cache-watch-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    setup_.name = "cloudflare";
    setup_.config.cache_file = dir_ + "/cf.txt";
    setup_.bundled = &bundled_;
    RangesState state;
    state.provider = "cloudflare";
    state.source = RangesSource::kBundled;
    store_ = std::make_shared<RangesStore>(std::make_shared<const CidrSet>(bundled_), state);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes the cache as another process would (its identity is not recorded here).
  void write_other(std::string_view cidrs, const std::string& etag = "\"e2\"") {
    ASSERT_TRUE(
        write_cache(setup_.config.cache_file,
                    CacheRecord{"http://127.0.0.1:1/ips", 1763900000, etag, set_of(cidrs)}));
  }

  std::string dir_;
  const CidrSet bundled_ = set_of("192.0.2.0/24\n2001:db8::/32\n");
  ProviderSetup setup_;
  std::shared_ptr<RangesStore> store_;
  FileIdentity seen_;
};

TEST_F(CacheWatch, NoFileChangesNothing) {
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kUnchanged);
  EXPECT_EQ(store_->generation(), 1u);
}

TEST_F(CacheWatch, AListWrittenByAnotherProcessIsPublishedOnceAsCache) {
  write_other("198.51.100.0/24\n2001:db8:1::/48\n");
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kPickedUp);
  EXPECT_EQ(texts(*store_->load()),
            (std::vector<std::string>{"198.51.100.0/24", "2001:db8:1::/48"}));
  const RangesState state = store_->state();
  EXPECT_EQ(state.source, RangesSource::kCache);
  EXPECT_EQ(state.list_time, 1763900000);
  EXPECT_EQ(state.etag, "\"e2\"");
  EXPECT_EQ(state.v4_blocks, 1u);
  EXPECT_EQ(state.v6_blocks, 1u);
  EXPECT_TRUE(std::filesystem::exists(state_file_path(setup_.config.cache_file)));
  // The same file again: not read, not published.
  const uint64_t generation = store_->generation();
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kUnchanged);
  EXPECT_EQ(store_->generation(), generation);
}

TEST_F(CacheWatch, AShrunkListIsAcceptedAsTheOperatorWroteIt) {
  write_other("203.0.113.7/32\n");
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kPickedUp);
  EXPECT_EQ(texts(*store_->load()), (std::vector<std::string>{"203.0.113.7/32"}));
}

TEST_F(CacheWatch, OwnWriteIsNotReadBack) {
  ASSERT_TRUE(write_cache(setup_.config.cache_file,
                          CacheRecord{"u", 1, "", set_of("198.51.100.0/24\n")}, &seen_));
  EXPECT_TRUE(seen_.exists);
  EXPECT_EQ(seen_, file_identity(setup_.config.cache_file));
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kUnchanged);
  EXPECT_EQ(store_->generation(), 1u);
}

TEST_F(CacheWatch, CorruptFileIsIgnoredOnceAndTheListKept) {
  ASSERT_TRUE(write_file_atomic(setup_.config.cache_file, "# not a cache\n10.0.0.0/8\n"));
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kIgnored);
  EXPECT_EQ(texts(*store_->load()), texts(bundled_));
  EXPECT_EQ(store_->generation(), 1u);
  EXPECT_EQ(store_->state().source, RangesSource::kBundled);
  EXPECT_NE(store_->state().last_error.find("corrupt cache"), std::string::npos)
      << store_->state().last_error;
  // Not re-read (nor re-logged) until it changes; then a valid one is taken.
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kUnchanged);
  write_other("198.51.100.0/24\n");
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kPickedUp);
  EXPECT_EQ(texts(*store_->load()), (std::vector<std::string>{"198.51.100.0/24"}));
}

TEST_F(CacheWatch, RemovedFileKeepsTheList) {
  write_other("198.51.100.0/24\n");
  ASSERT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kPickedUp);
  ASSERT_EQ(::unlink(setup_.config.cache_file.c_str()), 0);
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kUnchanged);
  EXPECT_EQ(texts(*store_->load()), (std::vector<std::string>{"198.51.100.0/24"}));
}

TEST_F(CacheWatch, InPlaceRewriteIsSeen) {
  write_other("198.51.100.0/24\n");
  ASSERT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kPickedUp);
  const uint64_t inode = seen_.inode;
  {
    // Same inode, new bytes (an editor or `cp` over the file).
    std::ofstream out(setup_.config.cache_file, std::ios::trunc);
    out << "# doorman ranges cache v1\n# fetched: 5\n# etag: \n198.51.100.0/24\n2001:db8::/32\n";
  }
  EXPECT_EQ(file_identity(setup_.config.cache_file).inode, inode);
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kPickedUp);
  EXPECT_EQ(texts(*store_->load()), (std::vector<std::string>{"198.51.100.0/24", "2001:db8::/32"}));
  EXPECT_EQ(store_->state().list_time, 5);
}

TEST_F(CacheWatch, StaticProviderIsNeverWatched) {
  setup_.static_ranges = {"192.0.2.0/24"};
  write_other("198.51.100.0/24\n");
  EXPECT_EQ(check_cache(setup_, *store_, seen_), CacheCheck::kUnchanged);
  EXPECT_EQ(store_->generation(), 1u);
}

TEST_F(CacheWatch, ServiceWithRefreshOffPicksUpTheCache) {
  setup_.config.refresh = false;
  setup_.config.cache_check_interval = std::chrono::milliseconds(100);
  RangesService service;
  service.start({WatchedProvider{setup_, store_, file_identity(setup_.config.cache_file)}});
  write_other("198.51.100.0/24\n");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (store_->generation() == 1u && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(texts(*store_->load()), (std::vector<std::string>{"198.51.100.0/24"}));
  EXPECT_EQ(store_->state().source, RangesSource::kCache);
  service.stop();
}

TEST_F(CacheWatch, ServiceWithNothingDueStillStops) {
  setup_.config.refresh = false;
  setup_.config.cache_check_interval = std::chrono::milliseconds(0);
  RangesService service;
  service.start({WatchedProvider{setup_, store_, {}}});
  // Nothing is ever due: the thread waits for stop() alone, and stop() must end it (a hang here
  // fails the test by its CTest timeout).
  service.stop();
}

}  // namespace
}  // namespace doorman::ranges

#include "acme/state_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace doorman::acme {
namespace {

std::string temporary_directory() {
  char pattern[] = "/tmp/doorman-acme-state-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  EXPECT_NE(made, nullptr);
  return made ? made : "";
}

TEST(StateDir, FilesAreWrittenWholeWithMode0600) {
  const std::string dir = temporary_directory();
  const std::string path = dir + "/a/b/key.pem";
  ASSERT_TRUE(make_directories(dir + "/a/b").has_value());
  ASSERT_TRUE(write_file(path, "one").has_value());
  ASSERT_TRUE(write_file(path, "two").has_value());  // replaced, not appended
  auto back = read_file(path);
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(**back, "two");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir + "/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto missing = read_file(dir + "/none");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  std::system(("rm -rf " + dir).c_str());
}

TEST(StateDir, DirectorySlugKeepsHostAndPath) {
  EXPECT_EQ(directory_slug("https://acme-v02.api.letsencrypt.org/directory"),
            "acme-v02.api.letsencrypt.org-directory");
  EXPECT_EQ(directory_slug("https://127.0.0.1:14000/dir"), "127.0.0.1-14000-dir");
}

TEST(StateDir, TheLockIsExclusive) {
  const std::string dir = temporary_directory();
  auto first = StateLock::try_acquire(dir + "/lock");
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_value());
  // flock locks belong to the open file description: a second open conflicts, as another
  // process would.
  auto second = StateLock::try_acquire(dir + "/lock");
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->has_value());
  first->reset();
  auto third = StateLock::try_acquire(dir + "/lock");
  ASSERT_TRUE(third.has_value());
  EXPECT_TRUE(third->has_value());
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace doorman::acme

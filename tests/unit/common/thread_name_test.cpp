// common/thread_name: the name is set on the calling thread only, and cut to the kernel's 15
// characters instead of failing (pthread_setname_np refuses longer names with ERANGE).
#include "common/thread_name.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace {

std::string name_of_this_thread() {
  char buf[32] = {};
  pthread_getname_np(pthread_self(), buf, sizeof(buf));
  return buf;
}

}  // namespace

TEST(ThreadName, NamesTheCallingThreadAndCutsLongNames) {
  std::string before = name_of_this_thread();
  std::string short_name, long_name;
  std::thread([&] {
    dfs::name_this_thread("gcs-disk");
    short_name = name_of_this_thread();
    dfs::name_this_thread("conn-17004-and-much-more");
    long_name = name_of_this_thread();
  }).join();
  EXPECT_EQ(short_name, "gcs-disk");
  EXPECT_EQ(long_name, "conn-17004-and-");
  EXPECT_EQ(name_of_this_thread(), before);
}

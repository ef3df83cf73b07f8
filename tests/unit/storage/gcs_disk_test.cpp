// gcs_disk on real files: group-committed appends reported synced, images that truncate the log,
// recovery of image + log with a torn tail, a damaged image refused, stray logs removed, paced
// syncs under load.
#include "storage/gcs_disk.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "common/temp_dir.hpp"

using namespace dfs;

namespace {

gcs::log_entry entry(uint64_t seq) {
  node_id sender{"127.0.0.1", 7002, 1};
  return gcs::log_entry{seq, gcs::msg_id{sender, seq},
                        gcs::client_op{9, seq, "op" + std::to_string(seq)}};
}

std::vector<gcs::log_entry> entries(uint64_t from, uint64_t to) {
  std::vector<gcs::log_entry> out;
  for (uint64_t s = from; s <= to; ++s) out.push_back(entry(s));
  return out;
}

gcs::durable_image image_at(uint64_t snapshot_seq) {
  gcs::durable_image im;
  im.last_primary.id = gcs::view_id{4, node_id{"127.0.0.1", 7000, 1}};
  im.last_primary.members = {node_id{"127.0.0.1", 7000, 1}, node_id{"127.0.0.1", 7010, 2}};
  im.last_primary.primary = true;
  im.last_primary.base = 3;
  im.max_epoch = 5;
  im.snapshot_seq = snapshot_seq;
  im.snapshot = "state@" + std::to_string(snapshot_seq);
  return im;
}

// What recovery gives after image_at(snapshot_seq) and the entries from..to logged after it.
gcs::durable_image image_then(uint64_t snapshot_seq, uint64_t from, uint64_t to) {
  auto im = image_at(snapshot_seq);
  im.entries = entries(from, to);
  return im;
}

// The writer thread's reports, waited on with a deadline.
struct reports {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t generation = 0, upto = 0;
  std::string failed;

  void wait_for(uint64_t seq) {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return upto >= seq; }))
        << "synced only up to " << upto;
  }
};

void start(gcs_disk& d, reports& r) {
  d.start(
      [&r](uint64_t g, uint64_t upto) {
        std::lock_guard<std::mutex> lock(r.mu);
        r.generation = g;
        r.upto = upto;
        r.cv.notify_all();
      },
      [&r](const std::string& why) {
        std::lock_guard<std::mutex> lock(r.mu);
        r.failed = why;
      });
}

// Recovers `d` (a fresh or recovered directory, never an error here) and starts its writer.
void recover_and_start(gcs_disk& d, reports& r) {
  gcs_recovery rec;
  ASSERT_TRUE(d.recover(rec).ok());
  start(d, r);
}

gcs_recovery recover_ok(const std::string& dir) {
  gcs_disk d(dir);
  gcs_recovery rec;
  auto st = d.recover(rec);
  EXPECT_TRUE(st.ok()) << st.message;
  return rec;
}

}  // namespace

TEST(GcsDisk, AFreshDirectoryHasNoImage) {
  test::temp_dir t;
  auto rec = recover_ok(t.path() + "/gcs");
  EXPECT_FALSE(rec.has_image);
  EXPECT_TRUE(rec.warnings.empty());
}

TEST(GcsDisk, AppendsAreReportedSyncedAndRecoveredAfterTheImage) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  {
    gcs_disk d(dir);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    ASSERT_TRUE(d.write_image(image_at(2)).ok());
    d.append(7, entries(3, 5));
    d.append(7, entries(6, 9));
    r.wait_for(9);
    EXPECT_EQ(r.generation, 7u);
    EXPECT_GE(d.syncs(), 1u);
    EXPECT_LE(d.syncs(), 2u);  // group commit: at most one fsync per queued batch
  }
  auto rec = recover_ok(dir);
  ASSERT_TRUE(rec.has_image);
  EXPECT_EQ(rec.image, image_then(2, 3, 9));
}

TEST(GcsDisk, AnImageReplacesTheLogAndAStrayLogIsRemoved) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  {
    gcs_disk d(dir);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    ASSERT_TRUE(d.write_image(image_at(0)).ok());
    d.append(1, entries(1, 4));
    r.wait_for(4);
    auto im = image_at(4);
    im.entries = entries(5, 6);
    ASSERT_TRUE(d.write_image(im).ok());
    d.append(2, entries(7, 7));
    r.wait_for(7);
    EXPECT_EQ(d.images_written(), 2u);
  }
  // A log of a generation the image does not name: left by a crash during an image switch.
  std::ofstream(dir + "/log-00000000000000000099") << "junk";
  auto rec = recover_ok(dir);
  ASSERT_TRUE(rec.has_image);
  EXPECT_EQ(rec.image.snapshot_seq, 4u);
  EXPECT_EQ(rec.image.entries, entries(5, 7));
  ASSERT_EQ(rec.warnings.size(), 1u);
  EXPECT_NE(rec.warnings[0].find("log-00000000000000000099"), std::string::npos);
}

TEST(GcsDisk, ATornLogTailIsCutAndTheRestKept) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  std::string log;
  {
    gcs_disk d(dir);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    ASSERT_TRUE(d.write_image(image_at(0)).ok());
    d.append(1, entries(1, 3));
    r.wait_for(3);
  }
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(dir, names).ok());
  for (auto& n : names)
    if (n.rfind("log-", 0) == 0) log = dir + "/" + n;
  ASSERT_FALSE(log.empty());
  uint64_t size = 0;
  ASSERT_TRUE(file_size(log, size).ok());
  ASSERT_TRUE(truncate_file(log, size - 3).ok());  // a crash in the middle of the last write
  auto rec = recover_ok(dir);
  ASSERT_TRUE(rec.has_image);
  EXPECT_EQ(rec.image.entries, entries(1, 2));
  ASSERT_EQ(rec.warnings.size(), 1u);
  // Appends go on after the cut.
  {
    gcs_disk d(dir);
    gcs_recovery again;
    ASSERT_TRUE(d.recover(again).ok());
    reports r;
    start(d, r);
    d.append(1, entries(3, 4));
    r.wait_for(4);
  }
  EXPECT_EQ(recover_ok(dir).image.entries, entries(1, 4));
}

TEST(GcsDisk, ADamagedImageIsAnErrorNotAnEmptyStart) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  {
    gcs_disk d(dir);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    ASSERT_TRUE(d.write_image(image_at(3)).ok());
  }
  std::string bytes;
  ASSERT_TRUE(read_file(dir + "/image", bytes).ok());
  bytes[bytes.size() - 1] ^= 0x5a;
  ASSERT_TRUE(write_file_atomic(dir + "/image", bytes).ok());
  gcs_disk d(dir);
  gcs_recovery rec;
  auto st = d.recover(rec);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("not a readable GCS image"), std::string::npos) << st.message;
}

// A view record (what a view change promised: the proposal accepted, a pending INSTALL) is
// recovered with the image it was written after, appends around it included, and is superseded
// by the next image, which holds everything the member knew. A damaged record stops the start
// like a damaged image: ignoring it could let a restarted member accept an older proposal.
TEST(GcsDisk, AViewRecordBelongsToItsImageAndTheNextImageSupersedesIt) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  gcs::view_record vr;
  vr.accepted = gcs::view_id{9, node_id{"127.0.0.1", 7010, 2}};
  vr.max_epoch = 9;
  vr.has_pending = true;
  vr.pending.view.id = vr.accepted;
  vr.pending.view.primary = true;
  vr.pending.entries = entries(5, 6);
  {
    gcs_disk d(dir);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    ASSERT_TRUE(d.write_image(image_at(2)).ok());
    d.append(1, entries(3, 3));
    ASSERT_TRUE(d.write_record(vr).ok());
    d.append(1, entries(4, 4));
    r.wait_for(4);  // the record did not swallow the appends before it
    EXPECT_EQ(d.records_written(), 1u);
  }
  auto rec = recover_ok(dir);
  ASSERT_TRUE(rec.has_image);
  auto want = image_then(2, 3, 4);
  gcs::apply_view_record(want, vr);
  EXPECT_EQ(rec.image, want);
  EXPECT_EQ(rec.image.accepted, vr.accepted);
  EXPECT_TRUE(rec.image.has_pending);
  {
    gcs_disk d(dir);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    auto im = image_at(6);
    im.accepted = vr.accepted;  // committed meanwhile: nothing pending
    ASSERT_TRUE(d.write_image(im).ok());
  }
  rec = recover_ok(dir);
  EXPECT_FALSE(rec.image.has_pending) << "a record older than the image was applied";
  EXPECT_EQ(rec.image.snapshot_seq, 6u);
  std::string bytes;
  ASSERT_TRUE(read_file(dir + "/view", bytes).ok());
  bytes[bytes.size() - 1] ^= 0x5a;
  ASSERT_TRUE(write_file_atomic(dir + "/view", bytes).ok());
  gcs_disk d(dir);
  auto st = d.recover(rec);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("not a readable GCS view record"), std::string::npos) << st.message;
}

// Paced syncs under continuous load: the way the sequencer uses it, batches of two entries back
// to back, an image in the middle, more entries after it. The pacer has just seen the disk stall
// 3 times, so it spaces syncs 5 ms apart for the next second. Everything is reported synced and
// recovers; the image is written although appends kept the writer busy.
TEST(GcsDisk, PacedSyncsUnderContinuousLoadLoseNothingAndDoNotHoldAnImage) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  {
    using us = sync_pacer::us;
    auto now = std::chrono::duration_cast<us>(std::chrono::steady_clock::now().time_since_epoch());
    sync_pacer pacer(std::chrono::milliseconds(5));
    for (int i = 3; i > 0; --i) {  // 3 stalls of 20 ms among normal syncs
      us at = now - us(100000) * i;
      for (int k = 0; k < 20; ++k) pacer.on_sync(at - us(200) * (20 - k), us(200));
      pacer.on_sync(at, us(20000));
    }
    ASSERT_TRUE(pacer.pacing(now));
    gcs_disk d(dir, pacer);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    for (uint64_t s = 1; s <= 200; s += 2) d.append(1, entries(s, s + 1));
    ASSERT_TRUE(d.write_image(image_at(200)).ok());
    for (uint64_t s = 201; s <= 400; s += 2) d.append(2, entries(s, s + 1));
    r.wait_for(400);
    EXPECT_EQ(r.generation, 2u);
    EXPECT_TRUE(r.failed.empty()) << r.failed;
    EXPECT_LT(d.syncs(), 200u);  // group commit: never one fsync per batch of two
  }
  auto rec = recover_ok(dir);
  ASSERT_TRUE(rec.has_image);
  EXPECT_EQ(rec.image, image_then(200, 201, 400));
}

// A spare disk (gcs.spare_sync_us): appends wait, an image does not, and the batch that waits
// goes at once when the member is no longer spare, in one fsync.
TEST(GcsDisk, ASpareDiskHoldsAppendsButNotAnImageAndLetsGoWhenNoLongerSpare) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  {
    gcs_disk d(dir);
    reports r;
    ASSERT_NO_FATAL_FAILURE(recover_and_start(d, r));
    d.set_spare_wait(std::chrono::minutes(10));
    for (uint64_t s = 1; s <= 20; s += 2) d.append(1, entries(s, s + 1));
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(d.write_image(image_at(20)).ok());  // with what is queued before it
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::minutes(1));
    for (uint64_t s = 21; s <= 30; s += 2) d.append(2, entries(s, s + 1));
    EXPECT_EQ(d.syncs(), 0u);  // held for ten minutes
    d.set_spare_wait(std::chrono::microseconds(0));
    r.wait_for(30);
    EXPECT_EQ(r.generation, 2u);
    EXPECT_EQ(d.syncs(), 1u);  // the five batches in one fsync
    EXPECT_TRUE(r.failed.empty()) << r.failed;
  }
  auto rec = recover_ok(dir);
  ASSERT_TRUE(rec.has_image);
  EXPECT_EQ(rec.image, image_then(20, 21, 30));
}

// The room probe a durable fileserver runs before it joins: on a disk with room it succeeds,
// creates the directory, and leaves nothing behind that recovery would have to explain.
TEST(GcsDisk, TheRoomProbeLeavesNothingBehind) {
  test::temp_dir t;
  auto dir = t.path() + "/gcs";
  ASSERT_TRUE(probe_gcs_room(dir, 1 << 20).ok());
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(dir, names).ok());
  EXPECT_TRUE(names.empty());
  auto rec = recover_ok(dir);
  EXPECT_FALSE(rec.has_image);
  EXPECT_TRUE(rec.warnings.empty());
}

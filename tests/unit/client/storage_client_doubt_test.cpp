// When a storage mutation gives up, whether its error says "outcome unknown": only when an
// attempt may have reached the master and no answer to that request number came. A caller who
// reads "failed" as "not applied" runs the command again, and a new process applies it a second
// time (its own client id), so the doubt must be said. The master is a scripted control-port
// fallback (client.request_port off), so each attempt's outcome is chosen by the test.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "client/storage_client.hpp"
#include "proto/plain_wire.hpp"
#include "proto/storage.hpp"

using namespace dfs;
using result = master_fallback::result;

namespace {

// What the scripted master saw and answers: attempt n (from 1) gets script(n).
struct master_script {
  std::function<result(size_t)> answer;
  std::vector<std::string> bodies;
};

class scripted_master : public master_fallback {
 public:
  explicit scripted_master(std::shared_ptr<master_script> s) : s_(std::move(s)) {}
  result call(const endpoint&, proto::request_method, std::string_view body,
              std::chrono::steady_clock::time_point, std::chrono::milliseconds) override {
    s_->bodies.emplace_back(body);
    return s_->answer(s_->bodies.size());
  }
  void reconnect() override {}

 private:
  std::shared_ptr<master_script> s_;
};

result no_answer() {
  return {result::failed, "127.0.0.1:1: no answer in time", {}};
}
result no_connection() {
  return {result::connect_failed, "127.0.0.1:1: connection refused", {}};
}
result answer(ns_status status, const std::string& error = {}) {
  ns_reply r;
  r.status = status;
  r.error = error;
  return {result::answered, {}, plain_wire::encode(r)};
}

struct StorageClientDoubt : ::testing::Test {
  std::shared_ptr<master_script> script = std::make_shared<master_script>();
  config cfg;

  void SetUp() override {
    cfg.master.address = "127.0.0.1:1";
    cfg.client.request_port = false;
    cfg.client.timeout_ms = 600;  // attempts end at once here; the pauses fill the deadline
    cfg.tls.data = false;
  }
  std::unique_ptr<storage_client> client() {
    auto s = script;
    return std::make_unique<storage_client>(
        actor_system_ref([s](const actor_system_ref&, const config&, const token_source&) {
          return std::make_unique<scripted_master>(s);
        }),
        cfg);
  }
  // Runs `f`, which must throw storage_error; returns it.
  template <class F>
  storage_error error_of(F f) {
    try {
      f();
    } catch (const storage_error& e) {
      return e;
    }
    ADD_FAILURE() << "no storage_error";
    return storage_error("none");
  }
  // Neither flagged nor worded as "outcome unknown".
  static void expect_no_doubt(const storage_error& e) {
    EXPECT_FALSE(e.outcome_unknown) << e.what();
    EXPECT_EQ(std::string(e.what()).find("outcome unknown"), std::string::npos) << e.what();
  }
  // The request numbers the attempts carried.
  std::vector<uint64_t> request_numbers() {
    std::vector<uint64_t> out;
    for (auto& b : script->bodies) {
      ns_request q;
      EXPECT_TRUE(plain_wire::decode(b, q));
      out.push_back(q.request_no);
    }
    return out;
  }
};

}  // namespace

TEST_F(StorageClientDoubt, AMutationWhoseAttemptsAllGoUnansweredEndsOutcomeUnknown) {
  script->answer = [](size_t) { return no_answer(); };
  auto c = client();
  auto e = error_of([&] { c->ns(ns_op::mkdir, "/d"); });
  EXPECT_TRUE(e.outcome_unknown) << e.what();
  EXPECT_NE(std::string(e.what()).find("outcome unknown"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("attempts within client.timeout_ms = 600"),
            std::string::npos)
      << e.what();
  // Every attempt was the same request: the master applies it at most once.
  auto numbers = request_numbers();
  ASSERT_GE(numbers.size(), 2u);
  for (auto n : numbers) EXPECT_EQ(n, numbers[0]);
  EXPECT_NE(numbers[0], 0u);
}

TEST_F(StorageClientDoubt, AMutationThatNeverReachedTheMasterIsNotInDoubt) {
  script->answer = [](size_t) { return no_connection(); };
  auto c = client();
  auto e = error_of([&] { c->ns(ns_op::remove, "/f"); });
  expect_no_doubt(e);
}

TEST_F(StorageClientDoubt, AReadIsNeverInDoubt) {
  script->answer = [](size_t) { return no_answer(); };
  auto c = client();
  auto e = error_of([&] { c->versions("/f", 3); });
  expect_no_doubt(e);
}

// The master's answer to the request number is the outcome (the first result, if an earlier
// attempt applied it): no doubt is left, whatever it says.
TEST_F(StorageClientDoubt, AnAnswerAfterAnUnansweredAttemptIsTheOutcome) {
  script->answer = [](size_t n) { return n == 1 ? no_answer() : answer(ns_status::ok); };
  auto c = client();
  EXPECT_EQ(c->ns(ns_op::mkdir, "/d").status, ns_status::ok);
  EXPECT_EQ(script->bodies.size(), 2u);

  script->bodies.clear();
  script->answer = [](size_t n) {
    return n == 1 ? no_answer() : answer(ns_status::already_exists, "exists: /d");
  };
  auto e = error_of([&] { c->ns(ns_op::mkdir, "/d"); });
  EXPECT_FALSE(e.outcome_unknown) << e.what();
  EXPECT_EQ(e.code, master::errc::already_exists);
}

// What comes after an unanswered attempt and is not an answer to it leaves the doubt: a master
// that is busy ("ask again") or cannot be reached, or a refusal of a later attempt.
TEST_F(StorageClientDoubt, NoAnswerToTheRequestAfterAnUnansweredAttemptKeepsTheDoubt) {
  script->answer = [](size_t n) {
    return n == 1 ? no_answer() : n % 2 ? no_connection() : answer(ns_status::unavailable, "busy");
  };
  auto c = client();
  auto e = error_of([&] { c->trash(trash_op::purge, ""); });
  EXPECT_TRUE(e.outcome_unknown) << e.what();
  EXPECT_GE(script->bodies.size(), 3u);

  script->bodies.clear();
  script->answer = [](size_t n) {
    return n == 1 ? no_answer() : result{result::refused, "not authorized", {}};
  };
  e = error_of([&] { c->ns(ns_op::mkdir, "/d"); });
  EXPECT_TRUE(e.outcome_unknown) << e.what();
  EXPECT_NE(std::string(e.what()).find("not authorized; outcome unknown"), std::string::npos)
      << e.what();
}

// Commands that stop part-way keep the flag when they add what they did before.
TEST_F(StorageClientDoubt, AddingToTheMessageKeepsTheDoubtAndTheCode) {
  storage_error e("no answer", master::errc::busy);
  e.outcome_unknown = true;
  auto more = e.with_more(" (rm -r stopped there)");
  EXPECT_TRUE(more.outcome_unknown);
  EXPECT_EQ(more.code, master::errc::busy);
  EXPECT_STREQ(more.what(), "no answer (rm -r stopped there)");
}

#include "actors/master/master_impl.hpp"

namespace dfs {

master_impl::master_impl(caf::actor_config& cfg, std::shared_ptr<master_reads> reads,
                         start_fn start)
    : super(cfg), reads_(std::move(reads)), start_(std::move(start)) {}

master_impl::behavior_type master_impl::make_behavior() {
  state.reads = reads_;  // under the mutex: initialize() holds it
  reads_->st_ = &state;
  reads_->actor_ = address();
  return start_(this);
}

void master_impl::initialize() {
  std::lock_guard<std::recursive_mutex> lock(reads_->mu_);
  super::initialize();
}

caf::invoke_message_result master_impl::consume(caf::mailbox_element& x) {
  std::lock_guard<std::recursive_mutex> lock(reads_->mu_);
  return super::consume(x);
}

}  // namespace dfs

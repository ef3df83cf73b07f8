#include "actors/gcs/sequencer_impl.hpp"

namespace dfs {

sequencer_impl::sequencer_impl(caf::actor_config& cfg, std::shared_ptr<sequencer_inline> fast,
                               start_fn start)
    : super(cfg), fast_(std::move(fast)), start_(std::move(start)) {}

sequencer_impl::behavior_type sequencer_impl::make_behavior() {
  state.fast = fast_;  // under the mutex: initialize() holds it
  state.actor = address();
  fast_->st_ = &state;
  return start_(this);
}

void sequencer_impl::initialize() {
  std::lock_guard<std::recursive_mutex> lock(fast_->mu_);
  super::initialize();
}

caf::invoke_message_result sequencer_impl::consume(caf::mailbox_element& x) {
  std::lock_guard<std::recursive_mutex> lock(fast_->mu_);
  return super::consume(x);
}

}  // namespace dfs

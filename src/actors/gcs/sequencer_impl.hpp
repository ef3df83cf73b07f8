#pragma once
// The sequencer actor's class: sequencer_fn's behaviour, with sequencer_inline's mutex held
// while the actor starts and while it handles each message (responses and timers included:
// CAF 0.17 hands every mailbox element to consume()), so the socket thread may hand the
// member a datagram between two messages. The state detaches itself when it goes.
#include <functional>
#include <memory>

#include <caf/mailbox_element.hpp>

#include "actors/gcs/sequencer.hpp"
#include "actors/gcs/sequencer_inline.hpp"

namespace dfs {

class sequencer_impl : public sequencer_actor::stateful_base<sequencer_state> {
 public:
  using super = sequencer_actor::stateful_base<sequencer_state>;
  using start_fn = std::function<sequencer_actor::behavior_type(sequencer_self)>;

  sequencer_impl(caf::actor_config& cfg, std::shared_ptr<sequencer_inline> fast, start_fn start);

  behavior_type make_behavior() override;
  void initialize() override;
  using super::consume;
  caf::invoke_message_result consume(caf::mailbox_element& x) override;

 private:
  std::shared_ptr<sequencer_inline> fast_;
  start_fn start_;
};

}  // namespace dfs

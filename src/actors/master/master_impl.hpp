#pragma once
// The master actor's class: master_fn's behaviour, with master_reads' mutex held while the
// actor starts and while it handles each message (responses and timers included: CAF 0.17
// hands every mailbox element to consume()), so the request port's threads may read the core
// between two messages. The state detaches itself from master_reads when it goes.
#include <functional>
#include <memory>

#include <caf/mailbox_element.hpp>

#include "actors/master/master_actor.hpp"
#include "actors/master/master_reads.hpp"

namespace dfs {

class master_impl : public master_actor::stateful_base<master_state> {
 public:
  using super = master_actor::stateful_base<master_state>;
  using start_fn = std::function<master_actor::behavior_type(master_self)>;

  master_impl(caf::actor_config& cfg, std::shared_ptr<master_reads> reads, start_fn start);

  behavior_type make_behavior() override;
  void initialize() override;
  using super::consume;
  caf::invoke_message_result consume(caf::mailbox_element& x) override;

 private:
  std::shared_ptr<master_reads> reads_;
  start_fn start_;
};

}  // namespace dfs

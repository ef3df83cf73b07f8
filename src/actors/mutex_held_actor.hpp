#pragma once
// An actor class that holds a mutex while it starts and while it handles each message (CAF 0.17
// hands every mailbox element to consume(), responses and timers included), so that another
// thread may take the mutex and work on the actor's state between two of its messages: the
// master's reads on the request port's threads (master_reads.hpp), the sequencer's datagrams,
// sync reports and client operations on the threads that receive them (sequencer_inline.hpp).
//
// `Shared` owns the mutex (`mu_`) and outlives the actor (the other threads hold it too); under
// the mutex, before the behaviour starts, `Shared::attach(state, shared, actor address)` lets it
// and the state know each other. The state detaches itself when it goes.
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include <caf/mailbox_element.hpp>

namespace dfs {

template <class Handle, class State, class Shared>
class mutex_held_actor : public Handle::template stateful_base<State> {
 public:
  using super = typename Handle::template stateful_base<State>;
  using behavior_type = typename Handle::behavior_type;
  using start_fn = std::function<behavior_type(super*)>;

  mutex_held_actor(caf::actor_config& cfg, std::shared_ptr<Shared> shared, start_fn start)
      : super(cfg), shared_(std::move(shared)), start_(std::move(start)) {}

  behavior_type make_behavior() override {
    shared_->attach(this->state, shared_, this->address());  // under the mutex: initialize()
    return start_(this);
  }

  void initialize() override {
    std::lock_guard<std::recursive_mutex> lock(shared_->mu_);
    super::initialize();
  }

  using super::consume;
  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    std::lock_guard<std::recursive_mutex> lock(shared_->mu_);
    return super::consume(x);
  }

 private:
  std::shared_ptr<Shared> shared_;
  start_fn start_;
};

}  // namespace dfs

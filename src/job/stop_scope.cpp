#include "job/stop_scope.hpp"

#include <algorithm>

namespace secexport::job {

std::uint64_t stop_scope::enter(cancel_fn cancel) {
  std::unique_lock lock(mutex_);
  const auto id = next_++;
  if (!cancelled_.empty()) {
    auto reason = cancelled_;
    lock.unlock();
    cancel(reason);
    lock.lock();
  }
  running_.push_back({id, std::move(cancel)});
  return id;
}

void stop_scope::leave(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(running_, [&](const entry& e) { return e.id == id; });
}

void stop_scope::cancel_all(const std::string& reason) {
  stopping_ = true;
  std::lock_guard lock(mutex_);
  cancelled_ = reason.empty() ? "cancelled" : reason;
  for (auto& r : running_) r.cancel(cancelled_);
}

std::size_t stop_scope::running() const {
  std::lock_guard lock(mutex_);
  return running_.size();
}

} // namespace secexport::job

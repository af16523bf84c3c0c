// The cancellation scope of a daily pass: after stop(), no new export starts; cancel_all()
// cancels every export running now (each through the function it registered, which posts
// the cancel to the export's own executor). Thread-safe: workers enter and leave, the main
// thread stops and cancels.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace secexport::job {

class stop_scope {
public:
  using cancel_fn = std::function<void(const std::string& reason)>;

  void stop() noexcept { stopping_ = true; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }

  /// Registers a running export; `cancel` must be callable from any thread. Returns the id
  /// to leave() with. An export that enters after cancel_all() is cancelled at once.
  std::uint64_t enter(cancel_fn cancel);
  void leave(std::uint64_t id);
  /// Cancels every running export, and every one that enters later.
  void cancel_all(const std::string& reason);
  [[nodiscard]] std::size_t running() const;

private:
  struct entry {
    std::uint64_t id;
    cancel_fn cancel;
  };
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<entry> running_;
  std::uint64_t next_ = 1;
  std::string cancelled_; // non-empty once cancel_all() ran
};

} // namespace secexport::job

// The clock requests are signed with: the host's clock plus an offset learnt from a server
// that answered RequestTimeTooSkewed (taken from its Date header). Shared by every request
// of a process; thread-safe. Tests inject a fake source.
#pragma once

#include "base/time.hpp"

#include <atomic>
#include <chrono>
#include <functional>

namespace secexport::auth {

class signing_clock {
public:
  using source = std::function<sys_s()>;

  signing_clock() : source_([] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }) {}
  explicit signing_clock(source s) : source_(std::move(s)) {}

  [[nodiscard]] sys_s now() const { return source_() + std::chrono::seconds(offset_.load()); }
  [[nodiscard]] sys_s host_now() const { return source_(); }
  /// Adopts the server's notion of now.
  void correct_to(sys_s server_now) { offset_ = (server_now - source_()).count(); }
  [[nodiscard]] std::chrono::seconds offset() const { return std::chrono::seconds(offset_.load()); }

private:
  source source_;
  std::atomic<std::int64_t> offset_{0};
};

} // namespace secexport::auth

// How the daily job stops (`run`, `daemon`): the first SIGINT/SIGTERM stops new exports and
// starts the grace period; exports still running when it ends, or at a second signal, are
// cancelled (their uploads aborted where the policy allows; no manifest). Runs on the main
// thread's io_context, which run_pass() runs while the workers export.
#pragma once

#include "job/stop_scope.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <string>

namespace secexport::job {

class shutdown_handler {
public:
  /// `watch_signals` false: only begin()/cancel_now() stop the job (tests).
  shutdown_handler(boost::asio::io_context& main, stop_scope& scope, std::chrono::duration<double> grace,
                   bool watch_signals = true);

  /// What the first signal does: stop new exports, cancel the running ones after the grace
  /// period. Main thread.
  void begin(const std::string& reason);
  /// What a second signal does: cancel what is running now. Main thread.
  void cancel_now(const std::string& reason);

  /// The first signal received (SIGINT, SIGTERM), 0 if none.
  [[nodiscard]] int signal() const noexcept { return signal_; }
  /// The timer the daemon sleeps on (nullptr when awake): begin() cancels it.
  void set_sleeper(boost::asio::steady_timer* t) noexcept { sleeping_ = t; }

private:
  void arm();

  boost::asio::signal_set signals_;
  boost::asio::steady_timer grace_timer_;
  stop_scope& scope_;
  std::chrono::duration<double> grace_;
  int signal_ = 0;
  bool begun_ = false;
  boost::asio::steady_timer* sleeping_ = nullptr;
};

} // namespace secexport::job

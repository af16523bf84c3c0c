#include "job/daemon.hpp"

#include "base/crypto.hpp"
#include "base/log.hpp"

#include <boost/asio/steady_timer.hpp>

namespace secexport::job {

using namespace std::chrono;

void run_daemon(stop_scope& scope, const wall_clock& clock, const std::function<void(sys_us)>& pass,
                const sleeper& sleep, const std::function<seconds()>& jitter) {
  for (;;) {
    const auto now = clock();
    log_info("daily pass starting", {{"now", format_rfc3339(now)}, {"day", format_iso_day(previous_day(now))}});
    pass(now);
    if (scope.stopping()) break;
    // The next midnight after this pass began: a pass that ran past midnight is followed at
    // once by the pass for the day that just ended.
    const auto wake = next_run_after(now, jitter());
    log_info("sleeping until the next run", {{"wake_at", format_rfc3339(wake)}});
    sleep(wake);
    if (scope.stopping()) break;
  }
}

sleeper timer_sleeper(boost::asio::io_context& main, shutdown_handler& shutdown, stop_scope& scope, wall_clock clock) {
  return [&main, &shutdown, &scope, clock](sys_us wake) {
    boost::asio::steady_timer timer(main);
    shutdown.set_sleeper(&timer);
    // The steady clock drives the timer; the wall clock decides when it is time.
    for (auto left = wake - clock(); !scope.stopping() && left > microseconds::zero(); left = wake - clock()) {
      bool fired = false;
      timer.expires_after(left);
      timer.async_wait([&fired](boost::system::error_code) { fired = true; });
      while (!fired) main.run_one(); // the wake-up, or a signal (which cancels the timer)
    }
    shutdown.set_sleeper(nullptr);
  };
}

seconds random_jitter(unsigned max_seconds) {
  if (!max_seconds) return seconds(0);
  std::uint32_t r = 0;
  random_bytes({reinterpret_cast<std::uint8_t*>(&r), sizeof r});
  return seconds(r % (max_seconds + 1));
}

} // namespace secexport::job

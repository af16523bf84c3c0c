// The daemon's clock loop: a pass at start (catch-up), then one a little after every 00:00
// UTC (plus a random jitter, so a fleet of daemons does not hit the source at the same
// instant), until the stop scope stops. Time comes from a wall clock and sleeping from a
// sleeper, both injected, so the loop is tested across midnights without waiting.
#pragma once

#include "job/schedule.hpp"
#include "job/shutdown.hpp"
#include "job/stop_scope.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>

namespace secexport::job {

/// Returns at `wake` on the wall clock, or earlier when the scope stops.
using sleeper = std::function<void(sys_us wake)>;

/// Runs `pass(now)` at start and after every following 00:00 UTC + `jitter()` (the first
/// midnight after the previous pass began, so a pass that ran past midnight is followed at
/// once), until `scope` stops (checked after every pass and every sleep).
void run_daemon(stop_scope& scope, const wall_clock& clock, const std::function<void(sys_us now)>& pass,
                const sleeper& sleep, const std::function<std::chrono::seconds()>& jitter);

/// The real sleeper: a steady timer on `main` (the shutdown handler's io_context, which a
/// signal wakes), re-checked against the wall clock after each wake-up.
[[nodiscard]] sleeper timer_sleeper(boost::asio::io_context& main, shutdown_handler& shutdown, stop_scope& scope,
                                    wall_clock clock);

/// Uniform in [0, max] seconds from OpenSSL's CSPRNG.
[[nodiscard]] std::chrono::seconds random_jitter(unsigned max_seconds);

} // namespace secexport::job

// The daily job's decisions, as pure functions of a clock reading and what the bucket holds:
// when to wake up next, which days to export (catch-up), and which tenants belong to this
// worker (sharding). Everything is UTC; the host's time zone is never consulted, so DST
// changes and TZ settings cannot move a run.
#pragma once

#include "base/time.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace secexport::job {

using sys_days = std::chrono::sys_days;

/// The first 00:00 UTC strictly after `now`, plus `jitter` (a delay the caller chose, so
/// that a fleet of daemons does not hit the source at the same instant).
[[nodiscard]] sys_us next_run_after(sys_us now, std::chrono::seconds jitter = {}) noexcept;

/// The day a run at `now` exports by default: the UTC day before `now`'s.
[[nodiscard]] sys_days previous_day(sys_us now) noexcept;

/// The last `catch_up_days` complete UTC days before `now`, oldest first (1: only yesterday).
[[nodiscard]] std::vector<sys_days> catch_up_window(sys_us now, unsigned catch_up_days);

/// The days of `window` to export, oldest first: those without a manifest, or every one
/// with `force`.
[[nodiscard]] std::vector<sys_days> days_to_export(const std::vector<sys_days>& window,
                                                   const std::set<sys_days>& with_manifest, bool force);

/// A tenant's shard among `count`: FNV-1a (64-bit) of its ID, modulo count. Stable across
/// runs, machines and versions, so a fleet of workers splits tenants without coordinating.
[[nodiscard]] unsigned shard_of(std::string_view tenant, unsigned count) noexcept;

/// "i/n" with 0 <= i < n; nullopt otherwise.
[[nodiscard]] std::optional<std::pair<unsigned, unsigned>> parse_shard(std::string_view text) noexcept;

/// The wall clock the daily job uses. The system clock, unless SECEXPORT_FAKE_NOW holds an
/// RFC 3339 time: then the clock starts there when the process starts and advances in real
/// time (for tests and rehearsals of a midnight run; logged loudly when used).
using wall_clock = std::function<sys_us()>;
[[nodiscard]] wall_clock process_clock();

} // namespace secexport::job

// The daily job: one pass over the tenants (`secexport run`, and each night of `daemon`).
//
// A pass takes every enabled tenant in this worker's shard (or the tenants named) and, for
// each, the last `catch_up_days` UTC days whose manifest is not in the bucket (the bucket is
// the state: no local state file), oldest first. Tenants run concurrently on worker
// threads, each through its own tenant_backend (its own io_context, credentials and
// connections), so one tenant's failure never touches another: it becomes that tenant's
// line in the outcome. A stop_scope stops the pass: no new export after stop(), running
// ones cancelled by cancel_all().
//
// What a tenant's exports need from the world is behind `tenant_backend`, so the pass is
// tested with a fake (tests/job/daily_job_test.cpp); s3_backend.hpp is the real one.
#pragma once

#include "base/error.hpp"
#include "base/time.hpp"
#include "job/schedule.hpp"
#include "job/stop_scope.hpp"
#include "tenant/tenant_settings.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace secexport::job {

struct job_settings {
  bool all_tenants = false;
  std::vector<std::string> tenants;        // or these (they run even when disabled)
  std::optional<sys_days> date;            // exactly this day instead of the catch-up window
  unsigned catch_up_days = 7;
  std::chrono::seconds late_margin{0};     // a day is complete this long after it ended
  bool force = false;                      // export days that already have a manifest again
  unsigned tenant_concurrency = 4;
  std::optional<std::pair<unsigned, unsigned>> shard; // i of n
};

/// One day a tenant exported (or tried to).
struct day_result {
  sys_days day{};
  bool ok = false;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
};

struct tenant_outcome {
  std::string tenant;
  std::vector<day_result> days; // exported (or attempted) days, oldest first
  std::size_t up_to_date = 0;   // days of the window that already had a manifest
  std::optional<error> failure; // none: every day needed was exported
  bool cancelled = false;       // stopped by a signal (not started, or cancelled)

  [[nodiscard]] bool ok() const noexcept { return !failure; }
};

/// A tenant's exports as the pass sees them. Used from one worker thread.
class tenant_backend {
public:
  virtual ~tenant_backend() = default;
  /// Which of `days` already have a manifest in the tenant's bucket. Throws a failure.
  [[nodiscard]] virtual std::set<sys_days> exported_days(const std::vector<sys_days>& days) = 0;
  /// Exports one day, blocking. While it runs it is cancellable through `scope` (it enters
  /// and leaves it). The result says whether it succeeded and, if not, why.
  [[nodiscard]] virtual std::pair<day_result, std::optional<error>> export_day(sys_days day, stop_scope& scope) = 0;
};

/// Opens a tenant's backend for a pass at `now`. Called on the tenant's worker thread.
/// Throws a failure (credentials, settings, the token variable).
class backend_factory {
public:
  virtual ~backend_factory() = default;
  [[nodiscard]] virtual std::unique_ptr<tenant_backend> open(const tenant::tenant_settings& t, sys_us now) = 0;
};

/// A tenant this pass covers, or the reason its settings could not be read.
struct selected_tenant {
  tenant::tenant_settings settings;
  std::optional<error> load_error;
};

/// The tenants a pass covers: the named ones, or every enabled one (in the shard). A file
/// that cannot be read is that tenant's failure; the others still run. Throws a failure for
/// a named tenant that does not exist, or a store that cannot be listed.
[[nodiscard]] std::vector<selected_tenant> select_tenants(const job_settings& s, const tenant::tenant_store& store);

/// The days of the pass for a tenant: `date`, or the catch-up window before `now`.
[[nodiscard]] std::vector<sys_days> window_of(const job_settings& s, sys_us now);

/// What a pass would do for a tenant, from its bucket's manifests (`run --dry-run`).
struct tenant_plan {
  std::string tenant;
  std::vector<sys_days> window;  // the days the pass covers
  std::vector<sys_days> todo;    // those it would export, oldest first
  std::optional<error> failure;  // settings, credentials or the bucket could not be read
};

/// The plan for one tenant, on the calling thread (opens its backend, probes the manifests).
/// Never throws: a failure is in the plan.
[[nodiscard]] tenant_plan plan_tenant(const job_settings& s, const selected_tenant& t, sys_us now,
                                      backend_factory& backends);

/// plan_tenant for every tenant, up to `tenant_concurrency` at once. Exports nothing.
[[nodiscard]] std::vector<tenant_plan> plan_pass(const job_settings& s, const std::vector<selected_tenant>& tenants,
                                                 sys_us now, backend_factory& backends);

/// One tenant, on the calling thread: which days, then each day in order until one fails or
/// the scope stops. Never throws: every failure is in the outcome.
[[nodiscard]] tenant_outcome run_tenant(const job_settings& s, const tenant::tenant_settings& t, sys_us now,
                                        backend_factory& backends, stop_scope& scope);

/// One pass over `tenants`, up to `tenant_concurrency` at once on worker threads. Blocks
/// until every worker is done. Each day and each failure counts in the process's metrics
/// (secexport_exports_total, secexport_export_failures_total, ...: docs/OPERATIONS.md). Meanwhile the calling thread runs `main` (when given): the
/// io_context of the signals and the grace timer (shutdown.hpp).
[[nodiscard]] std::vector<tenant_outcome> run_pass(const job_settings& s, const std::vector<selected_tenant>& tenants,
                                                   sys_us now, backend_factory& backends, stop_scope& scope,
                                                   boost::asio::io_context* main = nullptr);

} // namespace secexport::job

// A tenant's recent exports as its bucket shows them (the bucket is the state): for each day,
// the manifest beside the report (rows, bytes, finished at) or none; and the (re-)exports the
// API started in the background, each on a worker thread of its own through the daily job's
// real backend.
#pragma once

#include "base/json_writer.hpp"
#include "base/time.hpp"
#include "job/daily_job.hpp"
#include "job/stop_scope.hpp"
#include "s3/s3_client.hpp"
#include "tenant/tenant_settings.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace secexport::web {

using sys_days = std::chrono::sys_days;

struct day_status {
  sys_days day{};
  bool exported = false; // a manifest exists: the report is complete
  std::uint64_t rows = 0, bytes = 0;
  std::string finished_at; // RFC 3339, from the manifest
  std::string key;         // the report's key
  std::string problem;     // the manifest could not be read or parsed (exported stays false)
};

/// rows, bytes and finished_at from a manifest's JSON; nullopt when it is not a manifest.
[[nodiscard]] std::optional<day_status> parse_manifest_summary(std::string_view json);

/// The `count` days before `today` (yesterday first), each with its manifest looked up
/// (GetObject) in the tenant's bucket under `key_template` (empty: the default). A 404 is
/// "missing"; any other failure throws api_error(upstream_failed) naming the key.
[[nodiscard]] boost::asio::awaitable<std::vector<day_status>> recent_days(s3::s3_client& s3,
                                                                        const tenant::tenant_settings& t,
                                                                        std::string key_template, sys_days today,
                                                                        unsigned count);

/// {"date", "status": "exported|missing", "rows", "bytes", "finished_at", "key"}
void write_day_status(json_writer& w, const day_status& d);

struct export_run {
  enum class state { running, succeeded, failed };
  std::uint64_t id = 0;
  std::string tenant;
  sys_days day{};
  state status = state::running;
  std::uint64_t rows = 0, bytes = 0;
  double seconds = 0;
  std::string error; // redacted
  sys_us started_at{}, finished_at{};
};

/// {"id", "tenant", "date", "status": "running|succeeded|failed", "rows", "bytes", "seconds",
///  "started_at", "finished_at"?, "error"?}
void write_export_run(json_writer& w, const export_run& r);

/// The background (re-)exports. Thread-safe: the server's thread starts and reads runs, each
/// run's worker thread finishes it.
class export_runs {
public:
  /// Exports one day of a tenant on the calling (worker) thread, cancellable through the
  /// scope; every failure is in the outcome.
  using runner = std::function<job::tenant_outcome(const tenant::tenant_settings&, sys_days, job::stop_scope&)>;

  explicit export_runs(runner run);
  /// stop()s.
  ~export_runs();
  export_runs(const export_runs&) = delete;
  export_runs& operator=(const export_runs&) = delete;

  /// Starts exporting `day` for `t`; nullopt when that tenant has a run going already.
  [[nodiscard]] std::optional<export_run> start(const tenant::tenant_settings& t, sys_days day);
  [[nodiscard]] std::optional<export_run> find(std::uint64_t id) const;
  /// The tenant's runs, newest first (at most the last 20).
  [[nodiscard]] std::vector<export_run> of_tenant(const std::string& tenant) const;
  /// Cancels the runs going (their uploads aborted where the policy allows, no manifest) and
  /// waits for their threads.
  void stop();

private:
  void reap(); // joins the threads of finished runs

  runner run_;
  job::stop_scope scope_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, export_run> runs_;
  struct worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<worker> workers_;
  std::uint64_t next_id_ = 1;
};

} // namespace secexport::web

// `secexport run` (one pass of the daily job, for cron, systemd timers and Kubernetes
// CronJobs) and `secexport daemon` (stays up and runs the pass every day at 00:00 UTC): the
// flags, and the final table. The job itself is src/job.
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "cli/export_options.hpp"
#include "cli/tenant_options.hpp"
#include "job/daemon.hpp"
#include "job/daily_job.hpp"
#include "job/s3_backend.hpp"
#include "job/shutdown.hpp"

#include <csignal>
#include <cstdio>

namespace secexport::cli {

namespace net = boost::asio;
using namespace std::chrono;

namespace {

struct job_args {
  store_flags tenants_dir;
  bool all_tenants = false;
  std::vector<std::string> tenants;
  std::string date;
  unsigned catch_up_days = 7;
  bool force = false;
  unsigned tenant_concurrency = 4;
  std::string shard;
  unsigned shard_count = 0;
  double grace_period = 30;
  unsigned jitter = 0;
  // per export
  export_flags tuning;
  aws_flags aws;
  transfer_flags transfer;
};

job::job_settings settings_of(const job_args& a) {
  if (a.all_tenants == !a.tenants.empty())
    throw usage_error("name the tenants: --all-tenants or --tenant T (repeatable)");
  job::job_settings s;
  s.all_tenants = a.all_tenants;
  s.tenants = a.tenants;
  if (!a.date.empty()) {
    s.date = parse_iso_day(a.date);
    if (!s.date) throw usage_error("--date '" + a.date + "' is not a date such as 2026-11-22");
  }
  s.catch_up_days = a.catch_up_days;
  s.late_margin = seconds(static_cast<std::int64_t>(a.tuning.late_margin));
  if (s.date && sys_us{*s.date + days(1)} + s.late_margin > job::process_clock()())
    throw usage_error("--date " + a.date + " has not ended yet" +
                      (s.late_margin.count() ? " (with --late-events-margin)" : std::string()) +
                      ": the daily job exports whole days only (`secexport export --allow-partial-day` writes a "
                      "partial report without a manifest)");
  s.force = a.force;
  s.tenant_concurrency = a.tenant_concurrency;
  if (!a.shard.empty()) {
    s.shard = job::parse_shard(a.shard);
    if (!s.shard) throw usage_error("--shard '" + a.shard + "' is not i/n with 0 <= i < n");
  } else if (a.shard_count) {
    const char* index = std::getenv("JOB_COMPLETION_INDEX");
    if (!index) throw usage_error("--shard-count needs JOB_COMPLETION_INDEX (an indexed Kubernetes Job)");
    s.shard = job::parse_shard(std::string(index) + "/" + std::to_string(a.shard_count));
    if (!s.shard) throw usage_error("JOB_COMPLETION_INDEX '" + std::string(index) + "' is not below --shard-count");
  }
  return s;
}

// Prints the final table; returns true if every tenant succeeded.
bool print_table(const std::vector<job::tenant_outcome>& outcomes) {
  bool all_ok = true;
  std::printf("%-24s %-9s %-24s %12s  %s\n", "TENANT", "STATUS", "EXPORTED", "ROWS", "DETAIL");
  for (const auto& o : outcomes) {
    std::uint64_t rows = 0;
    std::string days;
    for (const auto& d : o.days)
      if (d.ok) {
        rows += d.rows;
        days += (days.empty() ? "" : ",") + format_iso_day(d.day);
      }
    if (days.empty()) days = o.ok() ? "(up to date)" : "-";
    all_ok = all_ok && o.ok();
    std::string detail = o.ok() ? (o.up_to_date ? std::to_string(o.up_to_date) + " day(s) already exported" : "")
                                : redact(o.failure->message);
    if (auto nl = detail.find('\n'); nl != std::string::npos) detail = detail.substr(0, nl) + " ...";
    std::printf("%-24s %-9s %-24s %12llu  %s\n", o.tenant.c_str(), o.ok() ? "ok" : o.cancelled ? "STOPPED" : "FAILED",
                days.c_str(), static_cast<unsigned long long>(rows), detail.c_str());
  }
  std::fflush(stdout);
  return all_ok;
}

int signal_exit(int sig) { return sig == SIGINT ? exit_sigint : exit_sigterm; }

int run_once(job_args& a) {
  const auto settings = settings_of(a);
  auto clock = job::process_clock();
  auto store = open_store(a.tenants_dir);
  auto tenants = job::select_tenants(settings, store);
  job::s3_backend_factory backends(a.aws.settings(), a.tuning.settings(a.aws, a.transfer));
  net::io_context main(1);
  job::stop_scope scope;
  job::shutdown_handler shutdown(main, scope, duration<double>(a.grace_period));
  auto outcomes = job::run_pass(settings, tenants, clock(), backends, scope, &main);
  if (tenants.empty()) std::printf("no enabled tenants%s\n", settings.shard ? " in this shard" : "");
  const bool ok = print_table(outcomes);
  if (shutdown.signal()) return signal_exit(shutdown.signal());
  return ok ? exit_ok : exit_failure;
}

int run_daemon(job_args& a) {
  a.all_tenants = a.tenants.empty();
  if (!a.date.empty()) throw usage_error("the daemon exports the previous days; --date is for `run`");
  const auto settings = settings_of(a);
  auto clock = job::process_clock();
  auto store = open_store(a.tenants_dir);
  if (settings.all_tenants) (void)store.list(); // a missing store fails now, not silently every night
  job::s3_backend_factory backends(a.aws.settings(), a.tuning.settings(a.aws, a.transfer));
  net::io_context main(1);
  job::stop_scope scope;
  job::shutdown_handler shutdown(main, scope, duration<double>(a.grace_period));
  log_info("daemon started", {{"catch_up_days", a.catch_up_days}, {"jitter_seconds", a.jitter}});
  job::run_daemon(
      scope, clock,
      [&](sys_us now) {
        auto tenants = job::select_tenants(settings, store);
        (void)print_table(job::run_pass(settings, tenants, now, backends, scope, &main));
      },
      job::timer_sleeper(main, shutdown, scope, clock), [&] { return job::random_jitter(a.jitter) + settings.late_margin; });
  log_info("daemon stopped");
  return exit_ok;
}

void add_job_options(CLI::App& app, job_args& a, bool daemon) {
  add_tenants_dir_option(app, a.tenants_dir);
  auto* w = "Which";
  if (!daemon) app.add_flag("--all-tenants", a.all_tenants, "Every enabled tenant in the store (in this shard)")->group(w);
  app.add_option("--tenant", a.tenants, daemon ? "Only these tenants (repeatable; default: every enabled tenant)"
                                               : "This tenant (repeatable; runs even if disabled), instead of --all-tenants")
      ->group(w);
  if (!daemon) {
    app.add_option("--date", a.date, "Export exactly this UTC day (YYYY-MM-DD) instead of the catch-up window")->group(w);
  }
  app.add_option("--catch-up-days", a.catch_up_days,
                 "The last N UTC days are checked; those without a manifest in the bucket are exported, oldest first")
      ->check(CLI::Range(1u, 366u))
      ->capture_default_str()
      ->group(w);
  app.add_flag("--force", a.force, "Export days that already have a manifest again")->group(w);
  app.add_option("--shard", a.shard,
                 "i/n: only tenants whose stable hash (FNV-1a of the ID) modulo n is i, so n workers split the "
                 "tenants without coordinating")
      ->group(w);
  app.add_option("--shard-count", a.shard_count,
                 "n, with i taken from JOB_COMPLETION_INDEX (an indexed Kubernetes Job with n completions)")
      ->group(w);
  auto* h = "How";
  app.add_option("--tenant-concurrency", a.tenant_concurrency,
                 "Tenants exported at once (each with its own connections and --max-memory budget)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str()
      ->group(h);
  app.add_option("--grace-period", a.grace_period,
                 "Seconds exports in flight may take to finish after SIGTERM/SIGINT before they are cancelled "
                 "(their uploads aborted, no manifest)")
      ->check(seconds_between(0, 86400))
      ->capture_default_str()
      ->group(h);
  if (daemon)
    app.add_option("--jitter", a.jitter, "Wake up a random 0..N seconds after 00:00 UTC")
        ->check(CLI::Range(0u, 3600u))
        ->capture_default_str()
        ->group(h);
  a.tuning.add_source_options(app, h);
  a.tuning.add_report_options(app, h);
  a.aws.add_to(app, false);
  a.transfer.add_to(app);
}

} // namespace

command add_run_command(CLI::App& parent) {
  auto args = std::make_shared<job_args>();
  auto* app = parent.add_subcommand(
      "run",
      "The daily job, once: for every enabled tenant (--all-tenants) or the named ones, export each of the last "
      "--catch-up-days UTC days that has no manifest in the tenant's bucket, oldest first. Tenants run "
      "concurrently; one tenant's failure never stops the others. Prints a table; exit status 1 if any tenant "
      "failed, 130/143 after SIGINT/SIGTERM. The entry point for cron, systemd timers and Kubernetes CronJobs "
      "(docs/OPERATIONS.md). Each tenant's event-source token comes from the environment variable its settings "
      "name.");
  add_job_options(*app, *args, false);
  return {app, [args] { return run_once(*args); }};
}

command add_daemon_command(CLI::App& parent) {
  auto args = std::make_shared<job_args>();
  auto* app = parent.add_subcommand(
      "daemon",
      "Stay up and run the daily job at 00:00 UTC (plus --jitter), with catch-up on start and on every run. "
      "SIGTERM/SIGINT: no new exports; those in flight get --grace-period seconds, then are cancelled and "
      "their uploads aborted; exit status 0.");
  add_job_options(*app, *args, true);
  return {app, [args] { return run_daemon(*args); }};
}

} // namespace secexport::cli

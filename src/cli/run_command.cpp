// `secexport run` (one pass of the daily job, for cron, systemd timers and Kubernetes
// CronJobs) and `secexport daemon` (stays up and runs the pass every day at 00:00 UTC): the
// flags, and the final table. The job itself is src/job.
#include "base/json_writer.hpp"
#include "base/log.hpp"
#include "base/metrics.hpp"
#include "cli/commands.hpp"
#include "cli/export_options.hpp"
#include "cli/metrics_endpoint.hpp"
#include "cli/progress_line.hpp"
#include "cli/tenant_options.hpp"
#include "job/daemon.hpp"
#include "job/daily_job.hpp"
#include "job/s3_backend.hpp"
#include "job/shutdown.hpp"

#include <csignal>
#include <optional>
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
  bool dry_run = false;
  std::string metrics_file;
  std::string metrics_listen; // daemon only
  output_format output = output_format::text;
  progress_flags progress;
  // per export
  export_flags tuning;
  aws_flags aws;
  transfer_flags transfer;
};

metrics::family build_info("secexport_build_info", "Always 1; the version of secexport as a label", "gauge",
                           {"version"});

// --metrics-file: a node_exporter textfile, written when the job starts (so a path that
// cannot be written fails at once) and after every pass.
void write_metrics(const std::string& path) {
  if (path.empty()) return;
  build_info.with({SECEXPORT_VERSION}).set(1);
  if (auto r = metrics::write_textfile(metrics::process_registry(), path); !r)
    throw failure(r.error().code, r.error().message);
}

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

std::string outcomes_json(const std::vector<job::tenant_outcome>& outcomes) {
  json_writer w;
  bool all_ok = true;
  for (const auto& o : outcomes) all_ok = all_ok && o.ok();
  w.begin_object().member("status", all_ok ? "ok" : "failed").key("tenants").begin_array();
  for (const auto& o : outcomes) {
    w.begin_object().member("tenant", o.tenant).member("status", o.ok() ? "ok" : o.cancelled ? "stopped" : "failed");
    w.member("days_already_exported", static_cast<std::uint64_t>(o.up_to_date)).key("days").begin_array();
    for (const auto& d : o.days) {
      w.begin_object().member("day", format_iso_day(d.day)).member("ok", d.ok).member("rows", d.rows);
      w.member("bytes", d.bytes).member("seconds", d.seconds).end_object();
    }
    w.end_array();
    if (o.failure) w.member("error", redact(o.failure->message));
    w.end_object();
  }
  w.end_array().end_object();
  return std::move(w).take() + "\n";
}

// --dry-run: the days each tenant would get, as a table or JSON; true if every plan could be made.
bool print_plans(const std::vector<job::tenant_plan>& plans, output_format output) {
  bool all_ok = true;
  for (const auto& p : plans) all_ok = all_ok && !p.failure;
  auto days_text = [](const std::vector<sys_days>& days) {
    std::string out;
    for (auto d : days) out += (out.empty() ? "" : ",") + format_iso_day(d);
    return out.empty() ? std::string("-") : out;
  };
  if (output == output_format::json) {
    json_writer w;
    w.begin_object().member("dry_run", true).member("status", all_ok ? "ok" : "failed").key("tenants").begin_array();
    for (const auto& p : plans) {
      w.begin_object().member("tenant", p.tenant).key("window").begin_array();
      for (auto d : p.window) w.value(format_iso_day(d));
      w.end_array().key("would_export").begin_array();
      for (auto d : p.todo) w.value(format_iso_day(d));
      w.end_array();
      if (p.failure) w.member("error", p.failure->message);
      w.end_object();
    }
    w.end_array().end_object();
    std::fputs((std::move(w).take() + "\n").c_str(), stdout);
    return all_ok;
  }
  std::printf("%-24s %-36s %s\n", "TENANT", "WOULD EXPORT", "DETAIL");
  for (const auto& p : plans) {
    std::string detail = p.failure ? "cannot tell: " + p.failure->message
                                   : std::to_string(p.window.size() - p.todo.size()) + " of " +
                                         std::to_string(p.window.size()) + " day(s) already exported";
    if (auto nl = detail.find('\n'); nl != std::string::npos) detail = detail.substr(0, nl) + " ...";
    std::printf("%-24s %-36s %s\n", p.tenant.c_str(), p.failure ? "?" : days_text(p.todo).c_str(), detail.c_str());
  }
  std::fflush(stdout);
  return all_ok;
}

int signal_exit(int sig) { return sig == SIGINT ? exit_sigint : exit_sigterm; }

int run_once(job_args& a, const CLI::App& app) {
  const bool draw_progress = a.progress.apply(app);
  const auto settings = settings_of(a);
  if (a.dry_run && !a.metrics_file.empty()) throw usage_error("--dry-run exports nothing, so it writes no --metrics-file");
  auto clock = job::process_clock();
  auto store = open_store(a.tenants_dir);
  auto tenants = job::select_tenants(settings, store);
  job::s3_backend_factory backends(a.aws.settings(), a.tuning.settings(a.aws, a.transfer));
  if (a.dry_run) return print_plans(job::plan_pass(settings, tenants, clock(), backends), a.output) ? exit_ok : exit_failure;
  write_metrics(a.metrics_file);
  net::io_context main(1);
  job::stop_scope scope;
  job::shutdown_handler shutdown(main, scope, duration<double>(a.grace_period));
  std::vector<job::tenant_outcome> outcomes;
  {
    const auto started = steady_clock::now();
    progress_line line(draw_progress, [started] {
      const auto& board = exporter::progress_board::process();
      return run_progress_text(board.finished(), board.finished_rows(), board.finished_bytes(), board.running(),
                               duration<double>(steady_clock::now() - started).count());
    });
    outcomes = job::run_pass(settings, tenants, clock(), backends, scope, &main);
  }
  write_metrics(a.metrics_file);
  bool ok = true;
  if (a.output == output_format::json) {
    std::fputs(outcomes_json(outcomes).c_str(), stdout);
    for (const auto& o : outcomes) ok = ok && o.ok();
  } else {
    if (tenants.empty()) std::printf("no enabled tenants%s\n", settings.shard ? " in this shard" : "");
    ok = print_table(outcomes);
  }
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
  write_metrics(a.metrics_file);
  std::optional<metrics_endpoint> endpoint;
  if (!a.metrics_listen.empty()) endpoint.emplace(a.metrics_listen);
  log_info("daemon started", {{"catch_up_days", a.catch_up_days}, {"jitter_seconds", a.jitter}});
  job::run_daemon(
      scope, clock,
      [&](sys_us now) {
        auto tenants = job::select_tenants(settings, store);
        (void)print_table(job::run_pass(settings, tenants, now, backends, scope, &main));
        try {
          write_metrics(a.metrics_file);
        } catch (const failure& e) { // the next pass tries again; the exports are what matters
          log_error("metrics file not written", {{"error", e.what()}});
        }
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
  auto* o = "Output";
  app.add_option("--metrics-file", a.metrics_file,
                 daemon ? "Write the metrics (Prometheus text format) into this file at start and after every pass, "
                          "for node_exporter's textfile collector (written beside it, then renamed)"
                        : "Write the metrics (Prometheus text format) into this file at the start and at the end, for "
                          "node_exporter's textfile collector (written beside it, then renamed); name it *.prom")
      ->group(o);
  if (daemon)
    app.add_option("--metrics-listen", a.metrics_listen,
                   "Serve /metrics (Prometheus text format) and /healthz over plain HTTP at ADDR:PORT (e.g. :9464, "
                   "or 127.0.0.1:9464 to keep it on the host). The metrics name tenants but hold no secrets")
        ->group(o);
  if (!daemon) {
    app.add_flag("--dry-run", a.dry_run,
                 "Print which days of which tenants would be exported (from the manifests in their buckets) and "
                 "export nothing. Needs the same credentials as a real run; exit status 1 if a tenant's bucket "
                 "could not be read")
        ->group(w);
    add_output_option(app, a.output, "the outcome of every tenant (or, with --dry-run, the days it would export)");
    a.progress.add_to(app);
  }
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
  return {app, [args, app] { return run_once(*args, *app); }};
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

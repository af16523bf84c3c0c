// The daily job: `secexport run` (one pass, for cron, systemd timers and Kubernetes CronJobs)
// and `secexport daemon` (stays up and runs the pass every day at 00:00 UTC).
//
// A pass takes every enabled tenant in this worker's shard and, for each, the last
// --catch-up-days UTC days whose manifest is not in the bucket (the bucket is the state: no
// local state file), oldest first. Tenants run concurrently on worker threads, each tenant
// on its own io_context with its own credentials, so one tenant's failure never touches
// another. SIGTERM/SIGINT: no new export starts; exports in flight get --grace-period
// seconds to finish, then are cancelled (their multipart uploads aborted where the policy
// allows; no manifest is written for them).
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "cli/export_runner.hpp"
#include "cli/tenant_session.hpp"
#include "export/object_key.hpp"
#include "tenant/schedule.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <openssl/rand.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

namespace secexport::cli {

namespace net = boost::asio;
using namespace std::chrono;

namespace {

struct job_args {
  std::string tenants_dir;
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

struct day_result {
  sys_days day;
  bool ok = false;
  std::uint64_t rows = 0;
};

struct tenant_outcome {
  std::string tenant;
  std::vector<day_result> days; // exported (or attempted) days, oldest first
  std::size_t up_to_date = 0;   // days of the window that already had a manifest
  std::string error;            // empty: every day needed was exported
  bool cancelled = false;
};

// Stops a pass: no new export after `stop()`; `cancel_all()` cancels those in flight.
class stop_control {
public:
  void stop() { stopping_ = true; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }

  // Registers the export running on `ioc` (cancelled through a post to it).
  void enter(net::io_context& ioc, exporter::export_job& job) {
    std::lock_guard lock(m_);
    running_.push_back({&ioc, &job});
  }
  void leave(exporter::export_job& job) {
    std::lock_guard lock(m_);
    std::erase_if(running_, [&](const auto& r) { return r.job == &job; });
  }
  void cancel_all(const std::string& reason) {
    std::lock_guard lock(m_);
    for (auto& r : running_) net::post(*r.ioc, [job = r.job, reason] { job->cancel(reason); });
  }

private:
  struct entry {
    net::io_context* ioc;
    exporter::export_job* job;
  };
  std::atomic<bool> stopping_{false};
  std::mutex m_;
  std::vector<entry> running_;
};

// HeadObject of each day's manifest: which days are already exported.
net::awaitable<std::set<sys_days>> days_with_manifest(s3::s3_client& s3, const tenant::tenant_settings& t,
                                                      const job_args& a, const std::vector<sys_days>& window) {
  std::set<sys_days> found;
  for (auto d : window) {
    auto key = exporter::manifest_key(exporter::object_key(t.prefix, a.tuning.key_template, t.id, sys_us{d}, sys_us{d + days(1)}));
    auto r = co_await s3.head_object(t.bucket, key);
    if (r.ok()) {
      found.insert(d);
    } else if (r.error.status != 404) {
      std::string msg = "cannot tell whether " + format_iso_day(d) + " is exported: HeadObject of " + s3::s3_client::url(t.bucket, key) +
                        " failed: " + r.error.describe();
      if (r.error.status == 403) msg += " (the policy must allow s3:GetObject, and s3:ListBucket for absent keys)";
      throw command_error(msg);
    }
  }
  co_return found;
}

tenant_outcome run_tenant(const job_args& a, const tenant::tenant_settings& t, sys_us now, stop_control& stop) {
  tenant_outcome out;
  out.tenant = t.id;
  try {
    auto problems = t.problems();
    if (!problems.empty()) throw command_error("not configured: " + problems.front());
    const char* token = std::getenv(t.source_token_env.c_str());
    if (!token || !*token) throw command_error("no event-source token: " + t.source_token_env + " is not set");

    std::vector<sys_days> window;
    if (!a.date.empty()) window.push_back(*parse_iso_day(a.date));
    else window = tenant::catch_up_window(now, a.catch_up_days);

    net::io_context ioc(1);
    const auto run_name = "secexport-" + t.id + "-" + format_amz_day(time_point_cast<seconds>(now));
    auto session = open_tenant_session(ioc.get_executor(), a.aws, t, run_name);
    auto present = run_to_completion<std::set<sys_days>>(
        ioc, [&]() -> net::awaitable<std::set<sys_days>> { co_return co_await days_with_manifest(*session.s3, t, a, window); });
    auto todo = tenant::days_to_export(window, present, a.force);
    out.up_to_date = window.size() - todo.size();

    for (auto d : todo) {
      if (stop.stopping()) {
        out.cancelled = true;
        out.error = "stopped before " + format_iso_day(d);
        break;
      }
      export_inputs in;
      in.tenant = t.id;
      in.start = sys_us{d};
      in.end = sys_us{d + days(1)};
      in.bucket = t.bucket;
      in.prefix = t.prefix;
      in.source_url = t.source_url;
      in.source_token = secret(token);
      a.tuning.apply(in);
      exporter::export_job job(*session.s3, make_export_request(in, a.aws, a.transfer, session.s3_over_tls()));
      const auto started = steady_clock::now();
      stop.enter(ioc, job);
      auto result = run_to_completion<exporter::export_result>(ioc, [&]() -> net::awaitable<exporter::export_result> {
        co_return co_await job.run();
      });
      stop.leave(job);
      day_result dr{d, result.ok, result.written.rows};
      out.days.push_back(dr);
      if (!result.ok) {
        out.error = export_failure(result);
        out.cancelled = stop.stopping();
        break;
      }
      const double secs = duration<double>(steady_clock::now() - started).count();
      log_info("tenant day exported", {{"tenant", t.id}, {"day", format_iso_day(d)}, {"rows", result.written.rows},
                                       {"bytes", result.written.bytes}, {"seconds", secs}});
    }
    session.context->close_idle();
  } catch (const std::exception& e) {
    out.error = redact(e.what());
  }
  if (!out.error.empty()) log_error("tenant failed", {{"tenant", t.id}, {"error", out.error}});
  return out;
}

// A tenant this pass covers, or the reason its settings could not be read.
struct selected_tenant {
  tenant::tenant_settings settings;
  std::string load_error;
};

// The tenants this pass covers: named or all enabled ones, in this worker's shard.
std::vector<selected_tenant> select_tenants(const job_args& a) {
  auto store = open_store(a.tenants_dir);
  std::vector<std::string> ids = a.tenants;
  if (a.all_tenants) ids = store.list();
  std::optional<std::pair<unsigned, unsigned>> shard;
  if (!a.shard.empty()) {
    shard = tenant::parse_shard(a.shard);
    if (!shard) throw command_error("--shard '" + a.shard + "' is not i/n with 0 <= i < n", exit_usage);
  } else if (a.shard_count) {
    const char* index = std::getenv("JOB_COMPLETION_INDEX");
    if (!index) throw command_error("--shard-count needs JOB_COMPLETION_INDEX (an indexed Kubernetes Job)", exit_usage);
    shard = tenant::parse_shard(std::string(index) + "/" + std::to_string(a.shard_count));
    if (!shard) throw command_error("JOB_COMPLETION_INDEX '" + std::string(index) + "' is not below --shard-count", exit_usage);
  }
  std::vector<selected_tenant> out;
  for (const auto& id : ids) {
    if (shard && tenant::shard_of(id, shard->second) != shard->first) continue;
    std::optional<tenant::tenant_settings> t;
    try {
      t = store.load(id);
    } catch (const tenant::store_error& e) {
      selected_tenant broken; // reported as this tenant's failure; the others still run
      broken.settings.id = id;
      broken.load_error = e.what();
      out.push_back(std::move(broken));
      continue;
    }
    if (!t) throw command_error("no tenant " + id + " in " + store.dir().string(), exit_usage);
    if (!t->enabled && a.all_tenants) continue;
    out.push_back({std::move(*t), {}});
  }
  return out;
}

// One pass over `tenants` with up to --tenant-concurrency at once; `signals` stop it.
std::vector<tenant_outcome> run_pass(const job_args& a, const std::vector<selected_tenant>& tenants, sys_us now,
                                     net::io_context& main, stop_control& stop) {
  std::vector<tenant_outcome> outcomes(tenants.size());
  std::atomic<std::size_t> next{0}, done_workers{0};
  const auto workers = std::min<std::size_t>(std::max(1u, a.tenant_concurrency), tenants.size());
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < tenants.size();) {
        const auto& t = tenants[i].settings;
        if (!tenants[i].load_error.empty()) {
          outcomes[i] = {t.id, {}, 0, tenants[i].load_error};
          continue;
        }
        if (stop.stopping()) {
          outcomes[i] = {t.id, {}, 0, "not started: stopping", true};
          continue;
        }
        outcomes[i] = run_tenant(a, t, now, stop);
      }
      if (++done_workers == workers) net::post(main, [&main] { main.stop(); });
    });
  if (workers) main.run();
  for (auto& th : threads) th.join();
  main.restart();
  return outcomes;
}

// Prints the final table; returns true if every tenant succeeded.
bool print_table(const std::vector<tenant_outcome>& outcomes) {
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
    if (days.empty()) days = o.error.empty() ? "(up to date)" : "-";
    const bool ok = o.error.empty();
    all_ok = all_ok && ok;
    std::string detail =
        ok ? (o.up_to_date ? std::to_string(o.up_to_date) + " day(s) already exported" : "") : redact(o.error);
    if (auto nl = detail.find('\n'); nl != std::string::npos) detail = detail.substr(0, nl) + " ...";
    std::printf("%-24s %-9s %-24s %12llu  %s\n", o.tenant.c_str(), ok ? "ok" : o.cancelled ? "STOPPED" : "FAILED",
                days.c_str(), static_cast<unsigned long long>(rows), detail.c_str());
  }
  std::fflush(stdout);
  return all_ok;
}

// Signals: the first stops new work and starts the grace period; the second (or the end of
// the grace period) cancels what is in flight.
class signal_handler {
public:
  signal_handler(net::io_context& main, stop_control& stop, double grace)
      : signals_(main, SIGINT, SIGTERM), grace_timer_(main), stop_(stop), grace_(grace) {
    arm();
  }
  [[nodiscard]] bool received() const noexcept { return received_ > 0; }
  /// The timer the daemon sleeps on (nullptr when awake): the first signal cancels it.
  void set_sleeper(net::steady_timer* t) noexcept { sleeping_ = t; }

private:
  void arm() {
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      const std::string reason = sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
      if (++received_ == 1) {
        log_warn("stopping: no new exports; exports in flight get the grace period",
                 {{"signal", reason}, {"grace_seconds", grace_}});
        stop_.stop();
        if (sleeping_) sleeping_->cancel();
        grace_timer_.expires_after(duration_cast<steady_clock::duration>(duration<double>(grace_)));
        grace_timer_.async_wait([this, reason](boost::system::error_code tec) {
          if (!tec) stop_.cancel_all(reason + ", grace period over");
        });
      } else {
        stop_.cancel_all(reason);
      }
      arm();
    });
  }

  net::signal_set signals_;
  net::steady_timer grace_timer_;
  stop_control& stop_;
  double grace_;
  int received_ = 0;
  net::steady_timer* sleeping_ = nullptr;
};

void validate(const job_args& a) {
  if (a.all_tenants == !a.tenants.empty())
    throw command_error("name the tenants: --all-tenants or --tenant T (repeatable)", exit_usage);
  if (!a.date.empty() && !parse_iso_day(a.date))
    throw command_error("--date '" + a.date + "' is not a date such as 2026-11-22", exit_usage);
}

int run_once(job_args& a) {
  validate(a);
  auto clock = tenant::process_clock();
  auto tenants = select_tenants(a);
  net::io_context main(1);
  stop_control stop;
  signal_handler signals(main, stop, a.grace_period);
  auto outcomes = run_pass(a, tenants, clock(), main, stop);
  if (tenants.empty()) std::printf("no enabled tenants%s\n", a.shard.empty() && !a.shard_count ? "" : " in this shard");
  bool ok = print_table(outcomes);
  return ok && !signals.received() ? exit_ok : exit_failure;
}

int run_daemon(job_args& a) {
  a.all_tenants = a.tenants.empty();
  validate(a);
  if (!a.date.empty()) throw command_error("the daemon exports the previous days; --date is for `run`", exit_usage);
  auto clock = tenant::process_clock();
  net::io_context main(1);
  stop_control stop;
  signal_handler signals(main, stop, a.grace_period);
  log_info("daemon started", {{"catch_up_days", a.catch_up_days}, {"jitter_seconds", a.jitter}});
  for (;;) {
    const auto now = clock();
    log_info("daily pass starting", {{"now", format_rfc3339(now)}, {"day", format_iso_day(tenant::previous_day(now))}});
    auto tenants = select_tenants(a);
    auto outcomes = run_pass(a, tenants, now, main, stop);
    (void)print_table(outcomes);
    if (stop.stopping()) break;

    unsigned jitter = 0;
    if (a.jitter) {
      unsigned r = 0;
      RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
      jitter = r % (a.jitter + 1);
    }
    const auto wake = tenant::next_run_after(clock(), seconds(jitter));
    log_info("sleeping until the next run", {{"wake_at", format_rfc3339(wake)}});
    net::steady_timer sleep(main);
    signals.set_sleeper(&sleep);
    // The steady clock drives the timer; re-check against the wall clock after each wake-up.
    for (auto left = wake - clock(); !stop.stopping() && left > microseconds::zero(); left = wake - clock()) {
      bool fired = false;
      sleep.expires_after(left);
      sleep.async_wait([&fired](boost::system::error_code) { fired = true; });
      while (!fired) main.run_one(); // the wake-up, or a signal (which cancels the sleep)
    }
    signals.set_sleeper(nullptr);
    if (stop.stopping()) break;
  }
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
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(h);
  if (daemon)
    app.add_option("--jitter", a.jitter, "Wake up a random 0..N seconds after 00:00 UTC")
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
      "failed. The entry point for cron, systemd timers and Kubernetes CronJobs (docs/OPERATIONS.md). Each "
      "tenant's event-source token comes from the environment variable its settings name.");
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

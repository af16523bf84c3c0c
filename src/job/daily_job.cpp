#include "job/daily_job.hpp"

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "export/error.hpp"
#include "tenant/error.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

namespace secexport::job {

namespace net = boost::asio;
using namespace std::chrono;

namespace {

metrics::family exports_total("secexport_exports_total", "UTC days exported, by tenant and result (ok, failed, cancelled)",
                              "counter", {"tenant", "result"});
metrics::family rows_total("secexport_rows_exported_total", "Rows in reports that were completed (manifest written)",
                           "counter", {"tenant"});
metrics::family bytes_total("secexport_bytes_exported_total",
                            "Bytes of reports that were completed (manifest written)", "counter", {"tenant"});
metrics::histogram duration("secexport_export_duration_seconds", "Time to export one UTC day, failed days included",
                            {1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400}, {"tenant"});
metrics::family failures_total("secexport_export_failures_total",
                               "Tenants that failed in a pass, by tenant and reason (the error's condition)", "counter",
                               {"tenant", "reason"});
metrics::family last_day("secexport_last_exported_day_timestamp_seconds",
                         "Start (Unix time) of the latest UTC day whose report is complete, by tenant", "gauge",
                         {"tenant"});
metrics::family pass_end("secexport_pass_end_timestamp_seconds", "When the last pass over the tenants ended (Unix time)",
                         "gauge");

// The metrics label of a failure: the condition its code maps to.
std::string_view reason_of(const error& e) {
  static constexpr std::pair<condition, std::string_view> names[] = {
      {condition::cancelled, "cancelled"},       {condition::denied, "denied"},
      {condition::not_found, "not_found"},       {condition::bad_input, "bad_input"},
      {condition::integrity, "integrity"},       {condition::credentials_expired, "credentials_expired"},
      {condition::clock_skewed, "clock_skewed"}, {condition::wrong_region, "wrong_region"},
      {condition::transient, "transient"},
  };
  for (const auto& [c, name] : names)
    if (e.is(c)) return name;
  return "other";
}

double unix_seconds(sys_days d) { return static_cast<double>(duration_cast<seconds>(d.time_since_epoch()).count()); }

void count_day(const std::string& tenant, const day_result& d, bool cancelled) {
  exports_total.with({tenant, d.ok ? "ok" : cancelled ? "cancelled" : "failed"}).add(1);
  duration.observe({tenant}, d.seconds);
  if (!d.ok) return;
  rows_total.with({tenant}).add(static_cast<double>(d.rows));
  bytes_total.with({tenant}).add(static_cast<double>(d.bytes));
  last_day.with({tenant}).set_max(unix_seconds(d.day));
}

// Runs `work(i)` for i in [0, n) on up to `concurrency` worker threads; the calling thread
// runs `main` meanwhile (when given) and returns when every worker is done.
void for_each_tenant(std::size_t n, unsigned concurrency, net::io_context* main,
                     const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0}, done_workers{0};
  const auto workers = std::min<std::size_t>(std::max(1u, concurrency), n);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < n;) work(i);
      if (++done_workers == workers && main) net::post(*main, [main] { main->stop(); });
    });
  if (workers && main) main->run();
  for (auto& th : threads) th.join();
  if (main) main->restart();
}

} // namespace

std::vector<selected_tenant> select_tenants(const job_settings& s, const tenant::tenant_store& store) {
  std::vector<std::string> ids = s.tenants;
  if (s.all_tenants) {
    ids = store.list(); // a store that does not exist is an error, not a quiet night
    if (ids.empty()) log_warn("the tenant store has no tenants", {{"dir", store.dir().string()}});
  }
  std::vector<selected_tenant> out;
  for (const auto& id : ids) {
    if (s.shard && shard_of(id, s.shard->second) != s.shard->first) continue;
    std::optional<tenant::tenant_settings> t;
    try {
      t = store.load(id);
    } catch (const failure& e) {
      selected_tenant broken; // reported as this tenant's failure; the others still run
      broken.settings.id = id;
      broken.load_error = e.to_error();
      out.push_back(std::move(broken));
      continue;
    }
    if (!t) throw failure(tenant::errc::no_such_tenant, "no tenant " + id + " in " + store.dir().string());
    if (!t->enabled && s.all_tenants) continue;
    out.push_back({std::move(*t), std::nullopt});
  }
  return out;
}

std::vector<sys_days> window_of(const job_settings& s, sys_us now) {
  if (s.date) return {*s.date};
  return catch_up_window(now - s.late_margin, s.catch_up_days);
}

tenant_outcome run_tenant(const job_settings& s, const tenant::tenant_settings& t, sys_us now,
                          backend_factory& backends, stop_scope& scope) {
  tenant_outcome out;
  out.tenant = t.id;
  try {
    auto problems = t.problems();
    if (!problems.empty())
      throw failure(tenant::errc::not_configured, "not configured: " + problems.front().message);
    const auto window = window_of(s, now);
    auto backend = backends.open(t, now);
    const auto present = backend->exported_days(window);
    if (!present.empty()) last_day.with({t.id}).set_max(unix_seconds(*present.rbegin()));
    const auto todo = days_to_export(window, present, s.force);
    out.up_to_date = window.size() - todo.size();
    for (auto d : todo) {
      if (scope.stopping()) {
        out.cancelled = true;
        out.failure = error{errc::interrupted, "stopped before " + format_iso_day(d)};
        break;
      }
      auto [result, failed] = backend->export_day(d, scope);
      out.days.push_back(result);
      count_day(t.id, result, failed && scope.stopping());
      if (failed) {
        out.failure = std::move(failed);
        out.cancelled = scope.stopping();
        break;
      }
      log_info("tenant day exported", {{"tenant", t.id}, {"day", format_iso_day(d)}, {"rows", result.rows},
                                       {"bytes", result.bytes}, {"seconds", result.seconds}});
    }
  } catch (const failure& e) {
    out.failure = e.to_error();
  } catch (const std::exception& e) {
    out.failure = error{make_error_code(exporter::errc::failed), e.what()};
  }
  if (out.failure) {
    out.failure->message = redact(out.failure->message);
    failures_total.with({t.id, reason_of(*out.failure)}).add(1);
    log_error("tenant failed", {{"tenant", t.id}, {"error", out.failure->message}});
  }
  return out;
}

tenant_plan plan_tenant(const job_settings& s, const selected_tenant& selected, sys_us now, backend_factory& backends) {
  const auto& t = selected.settings;
  tenant_plan plan;
  plan.tenant = t.id;
  plan.window = window_of(s, now);
  if (selected.load_error) {
    plan.failure = selected.load_error;
    return plan;
  }
  try {
    auto problems = t.problems();
    if (!problems.empty())
      throw failure(tenant::errc::not_configured, "not configured: " + problems.front().message);
    auto backend = backends.open(t, now);
    plan.todo = days_to_export(plan.window, backend->exported_days(plan.window), s.force);
  } catch (const failure& e) {
    plan.failure = e.to_error();
  } catch (const std::exception& e) {
    plan.failure = error{make_error_code(exporter::errc::failed), e.what()};
  }
  if (plan.failure) plan.failure->message = redact(plan.failure->message);
  return plan;
}

std::vector<tenant_plan> plan_pass(const job_settings& s, const std::vector<selected_tenant>& tenants, sys_us now,
                                   backend_factory& backends) {
  std::vector<tenant_plan> plans(tenants.size());
  for_each_tenant(tenants.size(), s.tenant_concurrency, nullptr,
                  [&](std::size_t i) { plans[i] = plan_tenant(s, tenants[i], now, backends); });
  return plans;
}

std::vector<tenant_outcome> run_pass(const job_settings& s, const std::vector<selected_tenant>& tenants, sys_us now,
                                     backend_factory& backends, stop_scope& scope, net::io_context* main) {
  std::vector<tenant_outcome> outcomes(tenants.size());
  for_each_tenant(tenants.size(), s.tenant_concurrency, main, [&](std::size_t i) {
    const auto& t = tenants[i].settings;
    if (tenants[i].load_error) {
      outcomes[i].tenant = t.id;
      outcomes[i].failure = tenants[i].load_error;
      failures_total.with({t.id, reason_of(*tenants[i].load_error)}).add(1);
    } else if (scope.stopping()) {
      outcomes[i].tenant = t.id;
      outcomes[i].failure = error{errc::interrupted, "not started: stopping"};
      outcomes[i].cancelled = true;
    } else {
      outcomes[i] = run_tenant(s, t, now, backends, scope);
    }
  });
  pass_end.with().set(static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()) / 1e3);
  return outcomes;
}

} // namespace secexport::job

#include "job/daily_job.hpp"

#include "base/log.hpp"
#include "export/error.hpp"
#include "tenant/error.hpp"

#include <boost/asio/post.hpp>

#include <atomic>
#include <thread>

namespace secexport::job {

namespace net = boost::asio;
using namespace std::chrono;

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
    log_error("tenant failed", {{"tenant", t.id}, {"error", out.failure->message}});
  }
  return out;
}

std::vector<tenant_outcome> run_pass(const job_settings& s, const std::vector<selected_tenant>& tenants, sys_us now,
                                     backend_factory& backends, stop_scope& scope, net::io_context* main) {
  std::vector<tenant_outcome> outcomes(tenants.size());
  std::atomic<std::size_t> next{0}, done_workers{0};
  const auto workers = std::min<std::size_t>(std::max(1u, s.tenant_concurrency), tenants.size());
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < tenants.size();) {
        const auto& t = tenants[i].settings;
        if (tenants[i].load_error) {
          outcomes[i].tenant = t.id;
          outcomes[i].failure = tenants[i].load_error;
          continue;
        }
        if (scope.stopping()) {
          outcomes[i].tenant = t.id;
          outcomes[i].failure = error{errc::interrupted, "not started: stopping"};
          outcomes[i].cancelled = true;
          continue;
        }
        outcomes[i] = run_tenant(s, t, now, backends, scope);
      }
      if (++done_workers == workers && main) net::post(*main, [main] { main->stop(); });
    });
  if (workers && main) main->run();
  for (auto& th : threads) th.join();
  if (main) main->restart();
  return outcomes;
}

} // namespace secexport::job

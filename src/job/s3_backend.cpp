#include "job/s3_backend.hpp"

#include "export/error.hpp"
#include "export/object_key.hpp"
#include "io/run_coroutine.hpp"
#include "tenant/error.hpp"
#include "tenant/tenant_session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace secexport::job {

namespace net = boost::asio;
using namespace std::chrono;

namespace {

class s3_backend final : public tenant_backend {
public:
  s3_backend(const s3::connection_settings& exporter, exporter::export_settings tuning, const tenant::tenant_settings& t,
             secret token, sys_us now)
      : tenant_(t), tuning_(std::move(tuning)),
        session_(tenant::open_tenant_session(ioc_.get_executor(), exporter, t,
                                             "secexport-" + t.id + "-" + format_amz_day(time_point_cast<seconds>(now)))) {
    tuning_.tenant = t.id;
    tuning_.bucket = t.bucket;
    tuning_.prefix = t.prefix;
    tuning_.source_url = t.source_url;
    tuning_.source_file.clear();
    tuning_.source_token = std::move(token);
    if (!tuning_.codec) tuning_.codec = t.compress; // an explicit --compress wins over the tenant's
  }
  ~s3_backend() override { session_.context->close_idle(); }

  std::set<sys_days> exported_days(const std::vector<sys_days>& window) override {
    return io::run_to_completion<std::set<sys_days>>(ioc_, [&] { return probe(window); });
  }

  std::pair<day_result, std::optional<error>> export_day(sys_days day, stop_scope& scope) override {
    auto settings = tuning_;
    settings.start = sys_us{day};
    settings.end = sys_us{day + days(1)};
    auto request = exporter::make_export_request(settings, session_.s3_over_tls());
    day_result r{day};
    if (!request) return {r, request.error()};
    exporter::export_job job(*session_.s3, std::move(*request));
    const auto started = steady_clock::now();
    const auto id = scope.enter([this, &job](const std::string& reason) {
      net::post(ioc_, [&job, reason] { job.cancel(reason); });
    });
    auto result = io::run_to_completion<exporter::export_result>(ioc_, [&] { return job.run(); });
    scope.leave(id);
    r.ok = result.ok;
    r.rows = result.written.rows;
    r.bytes = result.written.bytes;
    r.seconds = duration<double>(steady_clock::now() - started).count();
    if (result.ok) return {r, std::nullopt};
    auto e = result.error;
    if (!result.cleanup.empty()) e.message += "\n  " + result.cleanup;
    return {r, std::move(e)};
  }

private:
  // HeadObject of each day's manifest: which days are already exported.
  net::awaitable<std::set<sys_days>> probe(std::vector<sys_days> window) {
    std::set<sys_days> found;
    for (auto d : window) {
      auto key = exporter::object_key(tenant_.prefix, tuning_.key_template, tenant_.id, sys_us{d}, sys_us{d + days(1)});
      if (!key) throw failure(key.error());
      auto mkey = exporter::manifest_key(*key);
      auto r = co_await session_.s3->head_object(tenant_.bucket, mkey);
      if (r.ok()) {
        found.insert(d);
      } else if (r.error.status != 404) {
        std::string msg = "cannot tell whether " + format_iso_day(d) + " is exported: HeadObject of " +
                          s3::s3_client::url(tenant_.bucket, mkey) + " failed: " + r.error.describe();
        if (r.error.status == 403) msg += " (the policy must allow s3:GetObject, and s3:ListBucket for absent keys)";
        throw failure(r.error.code ? r.error.code : make_error_code(exporter::errc::failed), msg);
      }
    }
    co_return found;
  }

  net::io_context ioc_{1};
  tenant::tenant_settings tenant_;
  exporter::export_settings tuning_;
  s3::session session_;
};

} // namespace

s3_backend_factory::s3_backend_factory(s3::connection_settings exporter, exporter::export_settings tuning,
                                       const auth::environment& env)
    : exporter_(std::move(exporter)), tuning_(std::move(tuning)), env_(env) {}

std::unique_ptr<tenant_backend> s3_backend_factory::open(const tenant::tenant_settings& t, sys_us now) {
  auto token = env_.get(t.source_token_env);
  if (!token || token->empty())
    throw failure(tenant::errc::not_configured, "no event-source token: " + t.source_token_env + " is not set");
  return std::make_unique<s3_backend>(exporter_, tuning_, t, secret(std::move(*token)), now);
}

} // namespace secexport::job

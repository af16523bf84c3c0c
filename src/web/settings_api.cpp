#include "web/settings_api.hpp"

#include "base/json_writer.hpp"
#include "base/log.hpp"
#include "export/object_key.hpp"
#include "job/schedule.hpp"
#include "s3/addressing.hpp"
#include "tenant/error.hpp"
#include "tenant/external_id.hpp"
#include "tenant/policies.hpp"
#include "tenant/tenant_json.hpp"
#include "tenant/tenant_session.hpp"
#include "web/admin_token.hpp"
#include "web/error.hpp"
#include "web/page.hpp"
#include "web/request_body.hpp"

#include <boost/beast/http/field.hpp>

#include <charconv>
#include <filesystem>

namespace secexport::web {

namespace net = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono;

namespace {

constexpr std::string_view json_type = "application/json";
constexpr std::string_view ndjson_type = "application/x-ndjson";

io::server_reply json_reply(const io::server_request& request, unsigned status, std::string body) {
  body += '\n';
  return io::make_reply(request, status, json_type, std::move(body));
}

io::server_reply json_reply(const io::server_request& request, unsigned status, const json_writer& w) {
  return json_reply(request, status, w.str());
}

// Which API error a failure from a lower layer is. Problems of the store itself (a broken or
// readable file, a missing key) are the operator's, not the client's: 500 with the message.
errc classify(const failure& f) {
  if (f.code() == tenant::errc::no_such_tenant) return errc::not_found;
  if (f.code().category() == tenant::tenant_category() && f.code() != tenant::errc::invalid_setting &&
      f.code() != tenant::errc::not_configured)
    return errc::internal;
  if (f.is(condition::bad_input)) return errc::bad_request;
  return errc::upstream_failed;
}

tenant::tenant_settings load_existing(const tenant::tenant_store& store, const std::string& id) {
  auto t = store.load(id);
  if (!t) throw api_error(errc::not_found, "no tenant " + id, "tenant");
  return std::move(*t);
}

tenant::tenant_settings load_or_new(const tenant::tenant_store& store, const std::string& id) {
  auto t = store.load(id);
  if (t) return std::move(*t);
  tenant::tenant_settings fresh;
  fresh.id = id;
  return fresh;
}

tenant::tenant_store::lock lock_or_conflict(const tenant::tenant_store& store, const std::string& id) {
  auto held = store.try_lock_tenant(id);
  if (!held)
    throw api_error(errc::conflict, "tenant " + id + " is being changed by another request (a save, or the CLI); "
                                                     "try again when it has finished");
  return std::move(*held);
}

// The first problem as the error (naming its field), every problem in the message.
[[noreturn]] void refuse(errc code, const std::string& what, const std::vector<tenant::problem>& problems) {
  std::string msg = what;
  for (const auto& p : problems) msg += (&p == &problems.front() ? ": " : "; ") + p.message;
  throw api_error(code, msg, std::string(tenant::json_name(problems.front().field)));
}

bool wants_ndjson(const io::server_request& request) {
  return request[http::field::accept].find(ndjson_type) != std::string_view::npos;
}

sys_days today() { return floor<days>(job::process_clock()()); }

} // namespace

tenant::tenant_settings settings_for_test(const tenant::tenant_store& store, const std::string& id,
                                          std::string_view body) {
  auto change = parse_settings_request(body, false);
  auto t = load_or_new(store, id);
  tenant::apply(t, change.change);
  if (auto problems = t.check_problems(); !problems.empty()) refuse(errc::bad_request, "cannot test tenant " + id, problems);
  return t;
}

settings_api::settings_api(net::any_io_executor executor, const tenant::tenant_store& store, api_settings settings,
                           export_runs& runs)
    : executor_(std::move(executor)), store_(store), settings_(std::move(settings)), runs_(runs) {}

io::error_body settings_api::json_error(unsigned, std::string_view code, std::string_view message) {
  // The server's own refusals of a body are about the field "body".
  const bool about_body = code == "body_too_large" || code == "malformed_request";
  return {std::string(json_type), error_json(code, message, about_body ? "body" : "") + "\n"};
}

std::vector<std::pair<std::string, std::string>> settings_api::security_headers(bool tls) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                 "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cache-Control", "no-store"},
  };
  if (tls) h.emplace_back("Strict-Transport-Security", "max-age=31536000");
  return h;
}

io::route_handler settings_api::guarded(handler_fn fn, bool needs_token) {
  return [this, fn, needs_token](io::server_request& request, const io::route_params& params,
                                 const io::peer_info&) -> net::awaitable<io::server_reply> {
    std::optional<io::server_reply> reply;
    std::optional<api_error> refused;
    try {
      if (needs_token && !bearer_matches(request[http::field::authorization], settings_.admin_token))
        throw api_error(errc::unauthorized, "this needs the admin token: Authorization: Bearer TOKEN");
      if (const auto& t = params.get("tenant"); !t.empty()) check_tenant_param(t);
      reply = co_await (this->*fn)(request, params);
    } catch (const api_error& e) {
      refused = e;
    } catch (const failure& e) {
      refused = api_error(classify(e), e.what());
    }
    if (refused) {
      const auto code = refused->code_enum();
      reply = json_reply(request, http_status(code), error_json(code_name(code), refused->what(), refused->field()));
      reply->log_note = std::string(code_name(code)) + (refused->field().empty() ? "" : " field=" + refused->field());
      if (code == errc::unauthorized) reply->response.set(http::field::www_authenticate, "Bearer");
    }
    co_return std::move(*reply);
  };
}

void settings_api::add_routes(io::http_router& r) {
  using v = http::verb;
  r.add(v::get, "/v1/tenants", guarded(&settings_api::list, true));
  r.add(v::get, "/v1/tenants/{tenant}", guarded(&settings_api::get, true));
  r.add(v::put, "/v1/tenants/{tenant}", guarded(&settings_api::save, true));
  r.add(v::delete_, "/v1/tenants/{tenant}", guarded(&settings_api::remove, true));
  r.add(v::post, "/v1/tenants/{tenant}/enable", guarded(&settings_api::enable, true));
  r.add(v::post, "/v1/tenants/{tenant}/disable", guarded(&settings_api::disable, true));
  r.add(v::post, "/v1/tenants/{tenant}/external-id", guarded(&settings_api::external_id, true));
  r.add(v::get, "/v1/tenants/{tenant}/policy", guarded(&settings_api::policy, true));
  r.add(v::post, "/v1/tenants/{tenant}/test", guarded(&settings_api::test, true));
  r.add(v::get, "/v1/tenants/{tenant}/exports", guarded(&settings_api::exports, true));
  r.add(v::post, "/v1/tenants/{tenant}/exports", guarded(&settings_api::start_export, true));
  r.add(v::get, "/v1/tenants/{tenant}/exports/{run}", guarded(&settings_api::export_status, true));
  r.add(v::get, "/healthz", guarded(&settings_api::healthz, false));
  r.add(v::get, "/metrics", guarded(&settings_api::metrics, true));
  for (const auto& a : page_assets()) {
    auto serve = [&a](io::server_request& request, const io::route_params&,
                      const io::peer_info&) -> net::awaitable<io::server_reply> {
      co_return io::make_reply(request, 200, a.content_type, std::string(a.body));
    };
    r.add(v::get, std::string(a.path), serve);
  }
}

// ------------------------------------------------------------------------------ tenants

net::awaitable<io::server_reply> settings_api::list(io::server_request& request, const io::route_params&) {
  json_writer w;
  if (!std::filesystem::exists(store_.dir())) w.begin_object().key("tenants").begin_array().end_array().end_object();
  else (void)tenant::write_tenant_list(w, store_);
  co_return json_reply(request, 200, w);
}

net::awaitable<io::server_reply> settings_api::get(io::server_request& request, const io::route_params& p) {
  json_writer w;
  tenant::write_settings(w, load_existing(store_, p.get("tenant")));
  co_return json_reply(request, 200, w);
}

net::awaitable<io::server_reply> settings_api::save(io::server_request& request, const io::route_params& p) {
  const auto& id = p.get("tenant");
  const auto verify = io::query_param(request.target(), "verify");
  if (verify && *verify != "true" && *verify != "false") throw api_error(errc::bad_request, "verify: must be true or false", "verify");
  const bool verified = !verify || *verify == "true";
  const auto held = lock_or_conflict(store_, id); // a racing save gets 409, not a lost write
  auto change = parse_settings_request(request.body(), true);
  auto t = load_or_new(store_, id);
  tenant::apply(t, change.change);
  t.enabled = change.enabled.value_or(true);
  if (auto problems = t.problems(); !problems.empty()) refuse(errc::bad_request, "not saved: tenant " + id, problems);
  std::optional<tenant::check_report> report;
  if (verified) {
    report = co_await tenant::test_credentials(executor_, settings_.exporter, t);
    if (!report->passed()) {
      const auto* f = report->first_failure();
      std::string msg = "not saved: the credential check failed for tenant " + id;
      if (f) msg += " at " + f->name + (f->denied ? ": " + f->action + " is needed" : ": " + f->code);
      json_writer w;
      w.begin_object().key("error").begin_object();
      w.member("code", code_name(errc::check_failed)).member("message", redact(msg));
      w.end_object().key("check");
      tenant::write_check_report(w, *report);
      w.end_object();
      auto reply = json_reply(request, http_status(errc::check_failed), w);
      reply.log_note = "not saved: check failed" + (f ? " at " + f->name : std::string());
      co_return reply;
    }
  } else {
    log_warn("saving without testing the credentials (verify=false)", {{"tenant", id}});
  }
  store_.save(t);
  json_writer w;
  w.begin_object().member("saved", true).member("verified", verified).key("tenant");
  tenant::write_settings(w, t);
  w.key("check");
  if (report) tenant::write_check_report(w, *report);
  else w.null();
  w.end_object();
  auto reply = json_reply(request, 200, w);
  reply.log_note = verified ? "saved, check passed" : "saved WITHOUT a credential check (verify=false)";
  co_return reply;
}

net::awaitable<io::server_reply> settings_api::remove(io::server_request& request, const io::route_params& p) {
  const auto& id = p.get("tenant");
  const auto held = lock_or_conflict(store_, id);
  if (!store_.remove(id)) throw api_error(errc::not_found, "no tenant " + id, "tenant");
  json_writer w;
  w.begin_object().member("removed", id).end_object();
  co_return json_reply(request, 200, w);
}

io::server_reply settings_api::set_enabled(io::server_request& request, const std::string& id, bool enabled) {
  const auto held = lock_or_conflict(store_, id);
  auto t = load_existing(store_, id);
  if (enabled)
    if (auto problems = t.problems(); !problems.empty()) refuse(errc::not_ready, "cannot enable tenant " + id, problems);
  t.enabled = enabled;
  store_.save(t);
  json_writer w;
  tenant::write_settings(w, t);
  return json_reply(request, 200, w);
}

net::awaitable<io::server_reply> settings_api::enable(io::server_request& request, const io::route_params& p) {
  co_return set_enabled(request, p.get("tenant"), true);
}

net::awaitable<io::server_reply> settings_api::disable(io::server_request& request, const io::route_params& p) {
  co_return set_enabled(request, p.get("tenant"), false);
}

net::awaitable<io::server_reply> settings_api::external_id(io::server_request& request, const io::route_params& p) {
  const auto& id = p.get("tenant");
  auto session = s3::open_session(executor_, settings_.exporter);
  const auto identity = co_await tenant::exporter_identity(session);
  session.context->close_idle();
  auto principal = tenant::principal_for(identity, settings_.trust_account);
  if (!principal) throw api_error(errc::upstream_failed, principal.error().message);
  const auto held = lock_or_conflict(store_, id);
  const auto info = tenant::issue_external_id(store_, id, *principal, held);
  json_writer w;
  tenant::write_external_id(w, info);
  auto reply = json_reply(request, 200, w);
  if (info.issued_now) reply.log_note = "external ID issued";
  co_return reply;
}

net::awaitable<io::server_reply> settings_api::policy(io::server_request& request, const io::route_params& p) {
  auto t = load_or_new(store_, p.get("tenant"));
  if (auto bucket = io::query_param(request.target(), "bucket")) t.bucket = *bucket;
  if (auto prefix = io::query_param(request.target(), "prefix")) {
    auto normal = exporter::normalize_prefix(*prefix);
    if (!normal) throw api_error(errc::bad_request, "prefix: " + normal.error().message, "prefix");
    t.prefix = *normal;
  }
  if (t.bucket.empty())
    throw api_error(errc::bad_request, "bucket: the tenant has no bucket yet; pass ?bucket=NAME", "bucket");
  if (auto ok = s3::check_bucket_name(t.bucket); !ok) throw api_error(errc::bad_request, "bucket: " + ok.error().message, "bucket");
  json_writer w;
  w.begin_object().member("tenant", t.id).member("bucket", t.bucket).member("prefix", t.prefix);
  w.member("attach_to", t.method == tenant::auth_method::access_key ? "IAM user" : "IAM role");
  w.key("policy").raw(tenant::permissions_policy(t.bucket, t.prefix));
  w.key("cleanup_policy").raw(tenant::cleanup_policy(t.bucket, t.prefix));
  w.end_object();
  co_return json_reply(request, 200, w);
}

net::awaitable<io::server_reply> settings_api::test(io::server_request& request, const io::route_params& p) {
  auto t = settings_for_test(store_, p.get("tenant"), request.body());
  if (!wants_ndjson(request)) {
    const auto report = co_await tenant::test_credentials(executor_, settings_.exporter, t);
    json_writer w;
    tenant::write_check_report(w, report);
    auto reply = json_reply(request, 200, w);
    reply.log_note = report.passed() ? "check passed" : "check failed at " + report.first_failure()->name;
    co_return reply;
  }
  // One line per step as it finishes, then the whole report: the page shows them as they come.
  auto reply = io::make_reply(request, 200, ndjson_type, std::string());
  reply.log_note = "check streamed";
  reply.stream = [this, t](io::chunk_writer& out) -> net::awaitable<void> {
    auto report = co_await tenant::test_credentials(executor_, settings_.exporter, t,
                                                    [&out](const tenant::check_step& s) -> net::awaitable<void> {
                                                      json_writer w;
                                                      w.begin_object().key("step");
                                                      tenant::write_check_step(w, s);
                                                      w.end_object();
                                                      co_await out.write(w.str() + "\n");
                                                    });
    json_writer w;
    w.begin_object().key("report");
    tenant::write_check_report(w, report);
    w.end_object();
    co_await out.write(w.str() + "\n");
  };
  co_return reply;
}

// ------------------------------------------------------------------------------ exports

net::awaitable<io::server_reply> settings_api::exports(io::server_request& request, const io::route_params& p) {
  const auto t = load_existing(store_, p.get("tenant"));
  const auto n = parse_days(io::query_param(request.target(), "days"));
  if (auto problems = t.check_problems(); !problems.empty())
    refuse(errc::not_ready, "tenant " + t.id + " has no bucket to look in", problems);
  auto session = tenant::open_tenant_session(executor_, settings_.exporter, t, "secexport-" + t.id + "-status");
  const auto listing = co_await recent_days(*session.s3, t, settings_.key_template, today(), n);
  session.context->close_idle();
  json_writer w;
  w.begin_object().member("tenant", t.id).key("days").begin_array();
  for (const auto& d : listing) write_day_status(w, d);
  w.end_array().key("runs").begin_array();
  for (const auto& run : runs_.of_tenant(t.id)) write_export_run(w, run);
  w.end_array().end_object();
  co_return json_reply(request, 200, w);
}

net::awaitable<io::server_reply> settings_api::start_export(io::server_request& request, const io::route_params& p) {
  const auto t = load_existing(store_, p.get("tenant"));
  const auto day = parse_export_request(request.body());
  if (day >= today())
    throw api_error(errc::bad_request, "date: " + format_iso_day(day) + " has not ended yet; the API exports whole "
                                                                        "UTC days only",
                    "date");
  if (auto problems = t.problems(); !problems.empty()) refuse(errc::not_ready, "cannot export tenant " + t.id, problems);
  auto run = runs_.start(t, day);
  if (!run) throw api_error(errc::conflict, "tenant " + t.id + " has an export running; wait for it to finish");
  json_writer w;
  write_export_run(w, *run);
  auto reply = json_reply(request, 202, w);
  reply.response.set(http::field::location, "/v1/tenants/" + t.id + "/exports/" + std::to_string(run->id));
  reply.log_note = "export of " + format_iso_day(day) + " started";
  co_return reply;
}

net::awaitable<io::server_reply> settings_api::export_status(io::server_request& request, const io::route_params& p) {
  const auto& text = p.get("run");
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  auto run = ec == std::errc() && end == text.data() + text.size() ? runs_.find(id) : std::nullopt;
  if (!run || run->tenant != p.get("tenant"))
    throw api_error(errc::not_found, "no export run " + text.substr(0, 24) + " of tenant " + p.get("tenant"), "run");
  json_writer w;
  write_export_run(w, *run);
  co_return json_reply(request, 200, w);
}

// ------------------------------------------------------------------------------ operations

net::awaitable<io::server_reply> settings_api::healthz(io::server_request& request, const io::route_params&) {
  co_return json_reply(request, 200, std::string(R"({"status":"ok"})"));
}

net::awaitable<io::server_reply> settings_api::metrics(io::server_request& request, const io::route_params&) {
  if (!settings_.metrics) throw api_error(errc::not_found, "no metrics in this build yet");
  co_return io::make_reply(request, 200, "text/plain; version=0.0.4; charset=utf-8", settings_.metrics());
}

} // namespace secexport::web

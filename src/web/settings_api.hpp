// The settings API and page that `secexport serve` offers (docs/API.md): what the CLI's
// `tenant` commands do, over HTTP, for a platform's web front end and for the page at `/`.
//
//   GET    /v1/tenants                          every tenant's settings (secrets as set / not set)
//   GET    /v1/tenants/{t}                      one tenant's
//   PUT    /v1/tenants/{t}[?verify=false]       Save changes: refused unless the credential check passes
//   DELETE /v1/tenants/{t}
//   POST   /v1/tenants/{t}/enable | /disable
//   POST   /v1/tenants/{t}/external-id          issues (once) or returns the external ID, with the trust policy
//   GET    /v1/tenants/{t}/policy[?bucket=B&prefix=P]
//   POST   /v1/tenants/{t}/test                 Test credentials on the posted settings (NDJSON stream on request)
//   GET    /v1/tenants/{t}/exports[?days=N]     the last N days as the bucket's manifests show them
//   POST   /v1/tenants/{t}/exports              {"date"}: a (re-)export in the background
//   GET    /v1/tenants/{t}/exports/{run}        its status
//   GET    /healthz, /metrics; GET /, /app.js, /app.css (the page)
//
// Every /v1 call and /metrics need the admin token; errors are {"error": {"code", "message",
// "field"}} with the status of web::errc. Handlers run on the server's executor (one thread);
// the credential check and the S3 reads are coroutines on it; background exports run on
// threads of their own (export_runs). The tenant store is the CLI's (same files, same lock
// per tenant): a save that finds the tenant locked by another save answers 409 at once.
#pragma once

#include "base/secret.hpp"
#include "io/http_server.hpp"
#include "s3/session.hpp"
#include "tenant/tenant_settings.hpp"
#include "web/export_days.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <string>

namespace secexport::web {

struct api_settings {
  s3::connection_settings exporter; // the exporter's own AWS identity and endpoints
  std::string key_template;         // where reports are (empty: the default), for the exports list
  bool trust_account = false;       // external-id: trust the exporter's account, not its identity
  secret admin_token;
  std::function<std::string()> metrics; // the Prometheus exposition text; empty: /metrics is 404
};

class settings_api {
public:
  /// `store`, `runs` and the router this registers on must outlive the server.
  settings_api(boost::asio::any_io_executor executor, const tenant::tenant_store& store, api_settings settings,
               export_runs& runs);

  /// Registers every route (API, health, metrics, the page).
  void add_routes(io::http_router& router);

  /// The JSON error body for errors the server answers by itself (413, 431, 404, ...).
  [[nodiscard]] static io::error_body json_error(unsigned status, std::string_view code, std::string_view message);
  /// Headers for every response: a strict Content-Security-Policy (scripts and styles from
  /// this origin only, no inline script), X-Content-Type-Options, Referrer-Policy,
  /// X-Frame-Options, Cache-Control: no-store; and HSTS over TLS.
  [[nodiscard]] static std::vector<std::pair<std::string, std::string>> security_headers(bool tls);

private:
  using handler_fn = boost::asio::awaitable<io::server_reply> (settings_api::*)(io::server_request&,
                                                                                const io::route_params&);
  [[nodiscard]] io::route_handler guarded(handler_fn fn, bool needs_token);

  boost::asio::awaitable<io::server_reply> list(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> get(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> save(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> remove(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> enable(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> disable(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> external_id(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> policy(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> test(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> exports(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> start_export(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> export_status(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> healthz(io::server_request&, const io::route_params&);
  boost::asio::awaitable<io::server_reply> metrics(io::server_request&, const io::route_params&);

  io::server_reply set_enabled(io::server_request& request, const std::string& id, bool enabled);

  boost::asio::any_io_executor executor_;
  const tenant::tenant_store& store_;
  api_settings settings_;
  export_runs& runs_;
};

/// The tenant's settings with the posted change applied, for `test`: the saved ones (or a new
/// tenant) plus `body`. Throws api_error(bad_request) naming the field at fault. Pure but for
/// reading the store.
[[nodiscard]] tenant::tenant_settings settings_for_test(const tenant::tenant_store& store, const std::string& id,
                                                        std::string_view body);

} // namespace secexport::web

// `secexport serve`: the settings API and page (src/web) on the HTTP server of src/io, over
// the same tenant store as the CLI. TLS unless --insecure-http on a loopback address; every API
// call needs the admin token from --admin-token-file. SIGTERM/SIGINT: stop accepting, let
// requests in flight finish (--grace-period), cancel background exports, exit 0.
#include "base/byte_size.hpp"
#include "base/log.hpp"
#include "base/metrics.hpp"
#include "cli/commands.hpp"
#include "cli/export_options.hpp"
#include "cli/tenant_options.hpp"
#include "io/http_server.hpp"
#include "job/daily_job.hpp"
#include "job/s3_backend.hpp"
#include "job/schedule.hpp"
#include "web/admin_token.hpp"
#include "web/settings_api.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace secexport::cli {

namespace net = boost::asio;
using namespace std::chrono;

namespace {

constexpr const char* token_env = "SECEXPORT_ADMIN_TOKEN_FILE";

struct serve_args {
  std::string listen = "127.0.0.1:8443";
  std::string tls_cert, tls_key;
  bool insecure_http = false;
  std::string admin_token_file;
  bool trust_account = false;
  std::string max_body = "64KiB";
  double grace_period = 10;
  store_flags store;
  export_flags tuning;
  aws_flags aws;
  transfer_flags transfer;
};

secret read_admin_token(const serve_args& a) {
  std::string file = a.admin_token_file;
  if (file.empty())
    if (const char* f = std::getenv(token_env); f && *f) file = f;
  if (file.empty())
    throw usage_error("serve needs the admin token: --admin-token-file FILE (mode 0600; make one with "
                      "`openssl rand -hex 32 > FILE`) or " + std::string(token_env));
  secret token(read_private_file(file, "--admin-token-file")); // registered for redaction at once
  if (!web::acceptable_token(token.reveal()))
    throw usage_error("the admin token in " + file +
                      " is too weak: use at least 16 printable characters without spaces (`openssl rand -hex 32`)");
  return token;
}

int run_serve(serve_args& a) {
  auto listen = io::parse_listen_address(a.listen);
  if (!listen) throw usage_error("--listen: " + listen.error().message);
  std::shared_ptr<net::ssl::context> tls;
  if (a.insecure_http) {
    if (!listen->address().is_loopback())
      throw usage_error("--insecure-http serves plain HTTP, so only on a loopback address (127.0.0.1, [::1]); "
                        "--listen " + a.listen + " is not one: give --tls-cert and --tls-key instead");
    if (!a.tls_cert.empty() || !a.tls_key.empty()) throw usage_error("--insecure-http and --tls-cert/--tls-key exclude each other");
  } else {
    if (a.tls_cert.empty() || a.tls_key.empty())
      throw usage_error("serve speaks HTTPS: give --tls-cert and --tls-key (PEM files), or --insecure-http on a "
                        "loopback address for local use");
    tls = io::make_tls_server_context(a.tls_cert, a.tls_key);
  }
  auto max_body = parse_byte_size(a.max_body);
  if (!max_body || *max_body < 1024 || *max_body > (16u << 20))
    throw usage_error("--max-body '" + a.max_body + "' must be a size from 1KiB to 16MiB");

  auto token = read_admin_token(a);
  auto store = open_store(a.store);
  const auto exporter = a.aws.settings();
  auto tuning = a.tuning.settings(a.aws, a.transfer);

  // Background (re-)exports: the daily job's own path for one tenant and one day.
  job::s3_backend_factory backends(exporter, tuning);
  web::export_runs runs([&backends](const tenant::tenant_settings& t, std::chrono::sys_days day, job::stop_scope& scope) {
    job::job_settings s;
    s.tenants.push_back(t.id);
    s.date = day;
    s.force = true; // a re-export: the day may have a manifest already
    return job::run_tenant(s, t, job::process_clock()(), backends, scope);
  });

  net::io_context ioc(1);
  web::api_settings settings;
  settings.exporter = exporter;
  settings.key_template = tuning.key_template;
  settings.trust_account = a.trust_account;
  settings.admin_token = std::move(token);
  // /metrics (with the admin token): the process's metrics, the background exports' among them.
  settings.metrics = [] { return metrics::process_registry().render(); };
  web::settings_api api(ioc.get_executor(), store, std::move(settings), runs);
  io::http_router router;
  api.add_routes(router);

  io::http_server_options options;
  options.listen = *listen;
  options.tls = tls;
  options.body_limit = *max_body;
  options.errors = &web::settings_api::json_error;
  options.headers = web::settings_api::security_headers(tls != nullptr);
  io::http_server server(ioc.get_executor(), options, router.handler(options.errors));
  server.start();

  const auto ep = server.local_endpoint();
  const auto host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  const auto url = std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(ep.port()) + "/";
  std::printf("serving %s\n", url.c_str()); // the first line: tests and scripts read the port here
  std::fflush(stdout);
  log_info("serve started", {{"url", url}, {"store", store.dir().string()}, {"encrypted", store.encrypted()},
                             {"tls", tls != nullptr}});
  if (!store.encrypted())
    log_warn("the tenant store has no store key: secret access keys saved through the API are kept in clear",
             {{"hint", "--store-key-file or SECEXPORT_STORE_KEY_FILE"}});

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  int stopped_by = 0;
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    stopped_by = sig;
    log_info("serve stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}, {"grace_seconds", a.grace_period}});
    server.stop(duration_cast<milliseconds>(duration<double>(a.grace_period)));
  });
  ioc.run();
  runs.stop(); // cancels background exports still running (no manifest for them) and joins them
  log_info("serve stopped", {{"signal", stopped_by}});
  return exit_ok;
}

} // namespace

command add_serve_command(CLI::App& parent) {
  auto a = std::make_shared<serve_args>();
  auto* app = parent.add_subcommand(
      "serve",
      "Serve the settings API (docs/API.md) and the settings page at / over HTTPS, on the same tenant store as "
      "the `tenant` commands: test credentials, save changes only after a passing test, issue external IDs, "
      "enable and disable tenants, see and start exports. Every API call needs the admin token (Authorization: "
      "Bearer TOKEN). SIGTERM/SIGINT: requests in flight get --grace-period seconds, background exports are "
      "cancelled; exit status 0.");
  auto* g = "Server";
  app->add_option("--listen", a->listen, "ADDR:PORT to listen on (port 0: any free port, printed on stdout)")
      ->capture_default_str()
      ->group(g);
  app->add_option("--tls-cert", a->tls_cert, "PEM certificate chain of the server")->group(g);
  app->add_option("--tls-key", a->tls_key, "PEM private key of the server")->group(g);
  app->add_flag("--insecure-http", a->insecure_http,
                "Plain HTTP instead of TLS; only with a loopback --listen address (local use, tests)")
      ->group(g);
  app->add_option("--admin-token-file", a->admin_token_file,
                  std::string("File holding the admin bearer token (mode 0600, at least 16 characters; make one with "
                              "`openssl rand -hex 32`); else ") +
                      token_env)
      ->group(g);
  app->add_option("--max-body", a->max_body, "Largest request body accepted (larger: 413)")
      ->capture_default_str()
      ->group(g);
  app->add_option("--grace-period", a->grace_period,
                  "Seconds requests in flight may take to finish after SIGTERM/SIGINT")
      ->check(seconds_between(0, 3600))
      ->capture_default_str()
      ->group(g);
  app->add_flag("--trust-account", a->trust_account,
                "external-id: trust the exporter's whole account (arn:aws:iam::ACCOUNT:root) instead of its identity")
      ->group(g);
  add_tenants_dir_option(*app, a->store);
  a->tuning.add_source_options(*app, "Background exports");
  a->tuning.add_report_options(*app, "Background exports");
  a->aws.add_to(*app, false);
  a->transfer.add_to(*app);
  return {app, [a] { return run_serve(*a); }};
}

} // namespace secexport::cli

// `secexport export`: one tenant's security events for one UTC day (or a range), from the
// paged event API or an NDJSON file, into one CSV report plus its manifest in S3.
#include "base/byte_size.hpp"
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/export_options.hpp"
#include "cli/progress_line.hpp"
#include "cli/settings_layers.hpp"
#include "export/export_job.hpp"
#include "export/object_key.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <fstream>

namespace secexport::cli {

namespace net = boost::asio;

namespace {

struct export_args {
  std::string tenant, date, since, until;
  std::string source_url, source_file, source_token_file;
  export_flags tuning;
  bool no_size_check = false;
  bool allow_partial_day = false;
  std::string bucket, prefix;
  std::string config;
  aws_flags aws;
  transfer_flags transfer;
  output_format output = output_format::text;
  progress_flags progress;
};

secret source_token(const export_args& a, const config_file& config) {
  if (!a.source_token_file.empty()) return secret(read_private_file(a.source_token_file, "--source-token-file"));
  if (const char* t = std::getenv("SECEXPORT_SOURCE_TOKEN"); t && *t) return secret(t);
  if (auto t = config.get("source-token")) {
    if (!config.private_to_owner)
      throw usage_error("the config file " + config.path + " holds source-token but others can read it; chmod 600 " +
                        config.path);
    return secret(*t);
  }
  throw usage_error("no token for the event source: set SECEXPORT_SOURCE_TOKEN, --source-token-file, or "
                    "source-token in the config file");
}

std::pair<sys_us, sys_us> window_of(const export_args& a) {
  using namespace std::chrono;
  if (!a.since.empty() || !a.until.empty()) {
    if (!a.date.empty()) throw usage_error("--date and --since/--until are alternatives");
    if (a.since.empty() || a.until.empty()) throw usage_error("--since and --until go together");
    auto s = parse_rfc3339(a.since), u = parse_rfc3339(a.until);
    if (!s) throw usage_error("--since '" + a.since + "' is not an RFC 3339 time");
    if (!u) throw usage_error("--until '" + a.until + "' is not an RFC 3339 time");
    if (*u <= *s) throw usage_error("--until must be after --since");
    return {*s, *u};
  }
  sys_days day;
  if (a.date.empty()) {
    day = floor<days>(system_clock::now()) - days(1); // the previous UTC day
  } else {
    auto d = parse_iso_day(a.date);
    if (!d) throw usage_error("--date '" + a.date + "' is not a date such as 2026-11-22");
    day = *d;
  }
  return {sys_us{day}, sys_us{day + days(1)}};
}

int run_export(export_args& a, CLI::App& app) {
  if (a.config.empty())
    if (const char* c = std::getenv("SECEXPORT_CONFIG")) a.config = c;
  auto config = load_config_file(a.config);
  layer_settings(app, config);
  const bool draw_progress = a.progress.apply(app);

  if (a.tenant.empty()) throw usage_error("--tenant is required (or SECEXPORT_TENANT, or tenant in the config file)");
  exporter::check_tenant_id(a.tenant).value();
  if (a.bucket.empty()) throw usage_error("--bucket is required (or SECEXPORT_BUCKET, or bucket in the config file)");
  if (a.source_url.empty() == a.source_file.empty())
    throw usage_error("name exactly one event source: --source-url URL or --source-file PATH|-");
  auto [start, end] = window_of(a);

  auto settings = a.tuning.settings(a.aws, a.transfer);
  settings.tenant = a.tenant;
  settings.start = start;
  settings.end = end;
  settings.bucket = a.bucket;
  settings.prefix = a.prefix;
  settings.source_url = a.source_url;
  settings.source_file = a.source_file;
  if (!a.source_url.empty()) settings.source_token = source_token(a, config);
  settings.check_size = !a.no_size_check;
  settings.allow_partial_day = a.allow_partial_day;

  net::io_context ioc(1);
  auto session = open_session(ioc.get_executor(), a.aws);
  auto req = exporter::make_export_request(settings, session.s3_over_tls()).value();
  const auto object_url = s3::s3_client::url(req.bucket, req.key);

  exporter::export_job job(*session.s3, std::move(req));
  log_info("export starting", {{"export", job.describe()}, {"source", a.source_url.empty() ? a.source_file : io::printable_url(a.source_url)},
                               {"object", object_url}});
  exporter::export_result result;
  std::exception_ptr crashed;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  int signalled = 0;
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (!ec) signalled = sig;
    if (!ec) job.cancel(sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
  });
  const auto started = std::chrono::steady_clock::now();
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        result = co_await job.run();
        signals.cancel();
        session.context->close_idle();
      },
      [&](std::exception_ptr e) { crashed = e; });
  {
    progress_line line(draw_progress, [] {
      auto running = exporter::progress_board::process().running();
      return running.empty() ? std::string("starting") : export_progress_text(running.front());
    });
    ioc.run();
  }
  if (crashed) std::rethrow_exception(crashed);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!result.ok && signalled) throw interrupted(signalled, export_failure(result));
  if (!result.ok) throw failure(result.error.code, export_failure(result));
  const auto summary = a.output == output_format::json ? export_summary_json(result, job.describe(), seconds)
                                                      : export_summary(result, job.describe(), seconds);
  std::fputs(summary.c_str(), stdout);
  if (a.output == output_format::json && result.stats.leftovers.left)
    log_warn("multipart uploads left behind", {{"detail", result.stats.leftovers.advice()}});
  return exit_ok;
}

} // namespace

command add_export_command(CLI::App& parent) {
  auto args = std::make_shared<export_args>();
  auto* app = parent.add_subcommand(
      "export",
      "Export one tenant's security events for one UTC day (default: yesterday) as a CSV report into "
      "S3, then a manifest beside it as the commit marker. Every option can also be set as "
      "SECEXPORT_<OPTION> (e.g. SECEXPORT_BUCKET) or in the [secexport] section of --config; the "
      "command line wins, then the environment, then the file. The event source's token comes from "
      "SECEXPORT_SOURCE_TOKEN, --source-token-file or source-token in the config file, never the "
      "command line.");
  auto* a = args.get();
  app->add_option("--config", a->config, "INI file with a [secexport] section of option = value lines (or SECEXPORT_CONFIG)");
  auto* w = "What";
  app->add_option("--tenant", a->tenant, "Tenant (customer company) ID")->group(w);
  app->add_option("--date", a->date, "UTC day to export, YYYY-MM-DD (default: the previous UTC day)")->group(w);
  app->add_option("--since", a->since, "Start of an arbitrary window (RFC 3339, inclusive), with --until")->group(w);
  app->add_option("--until", a->until, "End of the window (RFC 3339, exclusive)")->group(w);
  app->add_flag("--allow-partial-day", a->allow_partial_day,
                "Export a window that has not ended yet (today, or --until in the future): the report is written "
                "without a manifest, so the daily job still exports the whole day later")
      ->group(w);
  auto* s = "Event source";
  app->add_option("--source-url", a->source_url, "Base URL of the security-event API, e.g. https://events.internal")->group(s);
  app->add_option("--source-file", a->source_file, "Read events from NDJSON instead (a path, or - for stdin)")->group(s);
  app->add_option("--source-token-file", a->source_token_file, "File holding the API's bearer token (mode 0600)")->group(s);
  a->tuning.add_source_options(*app, s);
  auto* d = "Destination";
  app->add_option("--bucket", a->bucket, "S3 bucket")->group(d);
  app->add_option("--prefix", a->prefix, "Key prefix, e.g. exports/security")->group(d);
  a->tuning.add_report_options(*app, d);
  app->add_flag("--no-size-check", a->no_size_check,
                "Skip the HeadObject that checks the report's size in S3 before the manifest is written "
                "(only for stores that keep nothing, such as benchmark sinks)")
      ->group(d);
  a->aws.add_to(*app);
  a->transfer.add_to(*app);
  add_output_option(*app, a->output, "the summary: object, manifest, rows, bytes, sha256, retries, seconds");
  a->progress.add_to(*app);
  return {app, [args, app] { return run_export(*args, *app); }};
}

} // namespace secexport::cli

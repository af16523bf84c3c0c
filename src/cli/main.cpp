// secexport: exports a tenant's security events, one UTC day at a time, as a CSV report into
// the customer's S3 bucket. This file wires the subcommands together.
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  using namespace secexport;
  CLI::App app{"secexport " SECEXPORT_VERSION
               ": exports security events as CSV reports into S3 buckets.\n"
               "Logs go to stderr; results and summaries to stdout. Exit status: 0 success, 1 failure, "
               "2 bad usage or configuration, 130 interrupted (SIGINT), 143 terminated (SIGTERM)."};
  app.require_subcommand(1);
  app.set_version_flag("--version", SECEXPORT_VERSION);
  std::string level = "info", format = "text";
  app.add_option("--log-level", level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", format, "text (for people) or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  std::vector<cli::command> commands;
  commands.push_back(cli::add_export_command(app));
  commands.push_back(cli::add_upload_command(app));
  commands.push_back(cli::add_tenant_command(app));
  commands.push_back(cli::add_run_command(app));
  commands.push_back(cli::add_daemon_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : cli::exit_usage;
  }
  log_level parsed_level{};
  (void)parse_log_level(level, parsed_level); // CLI11 already checked the value
  set_log_level(parsed_level);
  set_log_format(format == "json" ? log_format::json : log_format::text);

  for (auto& c : commands) {
    if (!c.app->parsed()) continue;
    try {
      return c.run();
    } catch (const cli::interrupted& e) {
      std::fprintf(stderr, "error: %s\n", redact(e.what()).c_str());
      return e.exit_status();
    } catch (const failure& e) {
      std::fprintf(stderr, "error: %s\n", redact(e.what()).c_str());
      return cli::exit_status_of(e);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", redact(e.what()).c_str());
      return cli::exit_failure;
    }
  }
  return cli::exit_usage;
}

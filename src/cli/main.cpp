// secexport: exports a tenant's security events, one UTC day at a time, as a CSV report into
// the customer's S3 bucket. This file wires the subcommands together.
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "secexport_build_info.hpp" // generated at build time: SECEXPORT_GIT_COMMIT, SECEXPORT_BUILD_TYPE

#include <cstdio>
#include <optional>
#include <string_view>
#include <vector>

namespace {

// The first word of the command line that is no option: a subcommand CLI11 did not know.
std::optional<std::string> unknown_subcommand(int argc, char** argv, const CLI::App& app) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--log-level" || a == "--log-format") {
      ++i;
      continue;
    }
    if (a.starts_with('-')) continue;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == a) return std::nullopt;
    return std::string(a);
  }
  return std::nullopt;
}

// --log-format json anywhere on the line: even a usage error is then a JSON line.
bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--log-format=json" || (a == "--log-format" && i + 1 < argc && std::string_view(argv[i + 1]) == "json"))
      return true;
  }
  return false;
}

} // namespace

int main(int argc, char** argv) {
  using namespace secexport;
  CLI::App app{"secexport " SECEXPORT_VERSION
               ": exports security events as CSV reports into S3 buckets.\n"
               "Logs go to stderr; results and summaries to stdout. Exit status: 0 success, 1 failure, "
               "2 bad usage or configuration, 130 interrupted (SIGINT), 143 terminated (SIGTERM)."};
  app.require_subcommand(1);
  app.fallthrough(); // inherited: global flags work after the subcommand too (`export --log-level debug`)
  // One line, three parts: which release, which commit (`-dirty` when built from uncommitted
  // changes, `unknown` outside git), which build type. Bug reports quote it.
  app.set_version_flag("--version", "secexport " SECEXPORT_VERSION " (commit " SECEXPORT_GIT_COMMIT
                                    ", " SECEXPORT_BUILD_TYPE " build)",
                       "Print the version, the git commit and the build type, and exit");
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
  commands.push_back(cli::add_whoami_command(app));
  commands.push_back(cli::add_serve_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
    std::string message = e.what();
    if (auto word = unknown_subcommand(argc, argv, app))
      message = "unknown subcommand '" + *word + "' (expected export, upload, tenant, run, daemon, whoami or serve)";
    if (wants_json(argc, argv)) set_log_format(log_format::json);
    report_error(message + "; run with --help for more information");
    return cli::exit_usage;
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
      report_error(e.what());
      return e.exit_status();
    } catch (const failure& e) {
      report_error(e.what());
      return cli::exit_status_of(e);
    } catch (const std::exception& e) {
      report_error(e.what());
      return cli::exit_failure;
    }
  }
  return cli::exit_usage;
}

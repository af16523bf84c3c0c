// The subcommands of the secexport binary. Each `add_*` registers its options on the app and
// returns the function that runs it once parsed (returning the exit status).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace secexport::cli {

using command_runner = std::function<int()>;

struct command {
  CLI::App* app;
  command_runner run;
};

[[nodiscard]] command add_upload_command(CLI::App& parent);
[[nodiscard]] command add_export_command(CLI::App& parent);
[[nodiscard]] command add_tenant_command(CLI::App& parent);
[[nodiscard]] command add_run_command(CLI::App& parent);
[[nodiscard]] command add_daemon_command(CLI::App& parent);
[[nodiscard]] command add_whoami_command(CLI::App& parent);
[[nodiscard]] command add_serve_command(CLI::App& parent);

} // namespace secexport::cli

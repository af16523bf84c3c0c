// Reaching a tenant's bucket: the exporter's own AWS identity (the usual credential chain:
// flags, environment, profiles) and, on top of it, the tenant's method: its access keys, or
// AssumeRole of its role with its external ID. Shared by `tenant test|save` and the daily job.
#pragma once

#include "cli/common_options.hpp"
#include "tenant/tenant_settings.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <CLI/CLI.hpp>

#include <exception>

namespace secexport::cli {

/// `session_name` identifies tenant and run in CloudTrail ("secexport-acme-20261124").
[[nodiscard]] aws_session open_tenant_session(boost::asio::any_io_executor executor, const aws_flags& exporter,
                                              const tenant::tenant_settings& t, const std::string& session_name);

/// --tenants-dir, with SECEXPORT_TENANTS_DIR and the default documented in --help.
void add_tenants_dir_option(CLI::App& app, std::string& dir);
[[nodiscard]] tenant::tenant_store open_store(const std::string& dir);

/// Runs `make()`'s coroutine on `ioc` to completion and returns its value (rethrows).
template <class T, class F>
T run_to_completion(boost::asio::io_context& ioc, F make) {
  std::optional<T> value;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, make(), [&](std::exception_ptr e, T v) {
    if (e) error = e;
    else value = std::move(v);
  });
  ioc.run();
  ioc.restart();
  if (error) std::rethrow_exception(error);
  return std::move(*value);
}

} // namespace secexport::cli

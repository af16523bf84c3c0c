// Credentials from a profile's `credential_process`: a program whose standard output is JSON
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//    "SessionToken": "...", "Expiration": "RFC 3339"}
// (SessionToken and Expiration optional; without Expiration the credentials never expire
// and the program runs once). With an Expiration they are refreshed before it like any
// temporary credentials (credentials_provider.hpp): the program runs again.
//
// How the command line is run: split into words the way the AWS CLI splits it (Python's
// shlex.split, POSIX rules: white space separates words, '...' is literal, "..." keeps
// spaces and honours \" and \\, a backslash outside quotes escapes the next character),
// then executed directly, never through /bin/sh: no variables, globs, pipes or redirections
// are expanded (write a script for those). stdin is /dev/null; stderr is the operator's;
// stdout is read up to 64 KiB and the program gets 60 seconds (io/child_process.hpp).
// Errors name the profile and how the program ended, never its output (it holds secrets).
#pragma once

#include "auth/aws_client.hpp"
#include "auth/aws_config.hpp"
#include "auth/credentials_provider.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secexport::auth {

/// shlex.split(command) (POSIX mode, no comments); nullopt for an unclosed quote or a
/// trailing backslash.
[[nodiscard]] std::optional<std::vector<std::string>> split_command_line(std::string_view command);

/// The program's output; an error (errc::bad_response) saying which field is wrong, never a
/// value.
[[nodiscard]] result<credentials> parse_process_output(std::string_view json);

struct process_limits {
  std::size_t max_output = 64 << 10;
  std::chrono::milliseconds timeout{60'000};
};

/// Throws config_error when the command line does not split.
[[nodiscard]] std::shared_ptr<refreshing_provider>
process_credentials(aws_context& context, process_spec spec, refresh_options options = {}, process_limits limits = {});

} // namespace secexport::auth

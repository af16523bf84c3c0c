// Secret values (secret access keys, session tokens, source tokens) and the last line of
// defence that keeps them out of anything printed.
//
// A `secret` has no stream operator and no implicit conversion: the only way to the bytes is
// `reveal()`, which code calls where the value goes on the wire or into a signature.
// Every non-trivial secret is also remembered in a process-wide registry, so text that came
// from outside (a server's error body, an exception message) can be scrubbed by `redact()`
// before it reaches a log line or an error message.
#pragma once

#include "base/error.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

namespace secexport {

class secret {
public:
  secret() = default;
  explicit secret(std::string value);
  secret(const secret&) = default;
  secret(secret&&) noexcept = default;
  secret& operator=(const secret&) = default;
  secret& operator=(secret&&) noexcept = default;
  ~secret();

  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  friend bool operator==(const secret& a, const secret& b) noexcept { return a.value_ == b.value_; }

private:
  std::string value_;
};

/// Remembers `value` (if at least 6 bytes long) so `redact` masks it. Thread-safe.
void register_secret(std::string_view value);

/// Returns `text` with every registered secret replaced by "***". Thread-safe.
[[nodiscard]] std::string redact(std::string_view text);

/// Shows the first 4 characters of an access key ID or similar identifier and masks the
/// rest ("AKIA****************"); for `show` commands.
[[nodiscard]] std::string mask_identifier(std::string_view id);

/// The first line of `in` without its trailing CR and spaces: how a secret is read from a
/// file or from standard input.
[[nodiscard]] std::string read_secret_line(std::istream& in);

/// The first line of `file` (read_secret_line), read only when the file's owner alone may read
/// it (a pipe, as from `<(command)`, is read as it is). `what` names the file in errors
/// ("the store key /etc/k", "--admin-token-file /run/t").
/// Errors: errc::unreadable_file (with the system's reason), errc::not_a_file (a directory),
/// errc::file_not_private (saying `chmod 600`), errc::empty_secret. Never shows the contents.
[[nodiscard]] result<std::string> read_private_line(const std::filesystem::path& file, std::string_view what);

} // namespace secexport

// Secret values (secret access keys, session tokens, source tokens) and the last line of
// defence that keeps them out of anything printed.
//
// A `secret` has no stream operator and no implicit conversion: the only way to the bytes is
// `reveal()`, which code calls where the value goes on the wire or into a signature.
// Every non-trivial secret is also remembered in a process-wide registry, so text that came
// from outside (a server's error body, an exception message) can be scrubbed by `redact()`
// before it reaches a log line or an error message.
#pragma once

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

} // namespace secexport

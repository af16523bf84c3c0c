// The error model every layer shares, after Boost.Beast's error.hpp files.
//
// An error is two things: a code, for decisions (retry or not, exit status 1 or 2, which
// step failed), and a message, for people (it names what and where: file and line, tenant
// and day, bucket and key, page cursor, and the next step). Code never decides anything on
// the text of a message.
//
// - Each layer has its own `errc` enum and error category (base here, io/error.hpp,
//   auth/error.hpp, s3/error.hpp, source/error.hpp, export/error.hpp, tenant/error.hpp).
// - Codes of every layer map onto the few `condition`s below, so a caller can ask "was this
//   bad input?" without knowing which layer failed.
// - An expected failure is a value: `result<T>` (boost::system::result with `error`).
// - A failure that ends a whole operation (a command, an export) is thrown as `failure`,
//   which carries the same code and message.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace secexport {

/// What kind of failure, across layers (boost::system::error_condition).
enum class condition {
  bad_input = 1, // the operator's input is wrong (a flag, a file, a URL, a setting): exit 2
  transient,     // may succeed when tried again later
  denied,        // a permission is missing (IAM, a file mode)
  not_found,     // the thing named does not exist
  cancelled,     // stopped on purpose (a signal, a caller)
  integrity,     // bytes differ from what they must be (a checksum, a size)
  // What a service's answer asks of the client (see io/retry.hpp):
  credentials_expired, // refresh the credentials, then try again
  clock_skewed,        // the request's time is too far from the server's
  wrong_region,        // the resource lives in another region
};

/// Codes of the base layer (configuration files, secrets, sizes).
enum class errc {
  malformed_file = 1, // a config or settings file that does not parse (FILE:LINE in the message)
  unreadable_file,    // cannot open or read a file
  not_a_file,         // a directory (or other non-file) where a file is expected
  file_not_private,   // a file that may hold a secret is readable by group or others
  empty_secret,       // a secret file or variable with nothing in it
  bad_value,          // a value that does not parse (a size, a time, a number)
  interrupted,        // a blocking read was interrupted (the operation is stopping)
  bad_usage,          // a command line that asks for what cannot work (a missing flag, ...)
};

[[nodiscard]] const boost::system::error_category& condition_category() noexcept;
[[nodiscard]] const boost::system::error_category& base_category() noexcept;

[[nodiscard]] inline boost::system::error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), condition_category()};
}
[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), base_category()};
}

/// A code and the message for people.
struct error {
  boost::system::error_code code;
  std::string message;

  /// Whether the code is equivalent to `c` (through its category).
  [[nodiscard]] bool is(condition c) const noexcept { return code == make_error_condition(c); }
};

template <class T> using result = boost::system::result<T, error>;

/// `result::value()` on an error throws a `failure` carrying it.
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

/// A failure that ends a whole operation; `what()` is the message for people.
class failure : public std::runtime_error {
public:
  explicit failure(error e) : std::runtime_error(std::move(e.message)), code_(e.code) {}
  failure(boost::system::error_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] const boost::system::error_code& code() const noexcept { return code_; }
  [[nodiscard]] bool is(condition c) const noexcept { return code_ == make_error_condition(c); }
  [[nodiscard]] error to_error() const { return {code_, what()}; }

private:
  boost::system::error_code code_;
};

} // namespace secexport

template <> struct boost::system::is_error_condition_enum<secexport::condition> : std::true_type {};
template <> struct boost::system::is_error_code_enum<secexport::errc> : std::true_type {};

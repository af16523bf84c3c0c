// Fuzzes the readers of STS answers (auth/sts_xml.cpp): AssumeRole, AssumeRoleWithWebIdentity
// and GetCallerIdentity response bodies come from the network. Also the session-name rules,
// which turn an operator's or tenant's text into a RoleSessionName.
//
// Input: the whole input is the XML body for the three response parsers, and the name for
// sanitize_session_name.
//
// Checks: no crash, no leak, no undefined behaviour, and
//   - assume-role-fields: an accepted AssumeRole(WithWebIdentity) answer has an access key
//     ID, secret and session token (its header: nullopt "if it lacks any credential field");
//   - caller-identity-arn: an accepted GetCallerIdentity answer has an ARN;
//   - session-name-rules: sanitize_session_name gives 2..64 characters of [A-Za-z0-9+=,.@_-]
//     (sts_xml.hpp), and leaves a name that already follows the rules unchanged.
#include "fuzz_check.hpp"

#include "auth/sts_xml.hpp"

#include <cstddef>
#include <cstdint>

using namespace secexport;

namespace {

bool allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

bool follows_rules(std::string_view s) {
  if (s.size() < 2 || s.size() > 64) return false;
  for (char c : s)
    if (!allowed(c)) return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto role = auth::parse_assume_role_response(input)) {
    FUZZ_CHECK("assume-role-fields",
               !role->session.access_key_id.empty() && !role->session.secret_access_key.empty() &&
                   !role->session.session_token.empty() && role->session.expiration,
               "an accepted AssumeRole answer lacks a credential field");
  }
  if (auto role = auth::parse_assume_role_with_web_identity_response(input)) {
    FUZZ_CHECK("assume-role-fields",
               !role->session.access_key_id.empty() && !role->session.secret_access_key.empty() &&
                   !role->session.session_token.empty() && role->session.expiration,
               "an accepted AssumeRoleWithWebIdentity answer lacks a credential field");
  }
  if (auto id = auth::parse_caller_identity_response(input))
    FUZZ_CHECK("caller-identity-arn", !id->arn.empty(), "an accepted GetCallerIdentity answer has no ARN");

  auto name = auth::sanitize_session_name(input);
  FUZZ_CHECK("session-name-rules", follows_rules(name), "sanitized " + fuzz::quoted(name));
  if (follows_rules(input))
    FUZZ_CHECK("session-name-rules", name == input, "a valid name changed: " + fuzz::quoted(name));
  return 0;
}

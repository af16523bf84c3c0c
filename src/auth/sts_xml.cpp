#include "auth/sts_xml.hpp"

#include <pugixml.hpp>

namespace secexport::auth {

std::string sanitize_session_name(std::string_view name) {
  std::string s;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    s.push_back(ok ? c : '-');
  }
  if (s.size() > 64) s.resize(64);
  while (s.size() < 2) s.push_back('-');
  return s;
}

namespace {

// AssumeRole and AssumeRoleWithWebIdentity answer the same shape under their own names.
std::optional<assumed_role> parse_role_credentials(std::string_view xml, const char* response_name,
                                                   const char* result_name) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto result = doc.child(response_name).child(result_name);
  auto c = result.child("Credentials");
  std::string id = c.child_value("AccessKeyId"), key = c.child_value("SecretAccessKey"),
              token = c.child_value("SessionToken");
  auto expiration = parse_rfc3339(c.child_value("Expiration"));
  if (id.empty() || key.empty() || token.empty() || !expiration) return std::nullopt;
  assumed_role r;
  r.session.access_key_id = std::move(id);
  r.session.secret_access_key = secret(std::move(key));
  r.session.session_token = secret(std::move(token));
  r.session.expiration = std::chrono::floor<std::chrono::seconds>(*expiration);
  r.assumed_role_arn = result.child("AssumedRoleUser").child_value("Arn");
  return r;
}

} // namespace

std::optional<assumed_role> parse_assume_role_response(std::string_view xml) {
  return parse_role_credentials(xml, "AssumeRoleResponse", "AssumeRoleResult");
}

std::optional<assumed_role> parse_assume_role_with_web_identity_response(std::string_view xml) {
  return parse_role_credentials(xml, "AssumeRoleWithWebIdentityResponse", "AssumeRoleWithWebIdentityResult");
}

std::optional<caller_identity> parse_caller_identity_response(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto r = doc.child("GetCallerIdentityResponse").child("GetCallerIdentityResult");
  caller_identity id{r.child_value("Account"), r.child_value("Arn"), r.child_value("UserId")};
  if (id.arn.empty()) return std::nullopt;
  return id;
}

} // namespace secexport::auth

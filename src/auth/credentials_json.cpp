#include "auth/credentials_json.hpp"

#include <simdjson.h>

namespace secexport::auth {

std::optional<credentials_document> read_credentials_document(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return std::nullopt;
  credentials_document d;
  auto field = [&](const char* name) -> std::optional<std::string> {
    std::string_view v;
    if (doc[name].get_string().get(v)) return std::nullopt;
    return std::string(v);
  };
  d.code = field("Code");
  d.access_key_id = field("AccessKeyId");
  d.secret_access_key = field("SecretAccessKey");
  d.token = field("Token");
  d.session_token = field("SessionToken");
  d.expiration = field("Expiration");
  d.role_arn = field("RoleArn");
  std::int64_t version = 0;
  if (!doc["Version"].get_int64().get(version)) d.version = version;
  // Secrets are masked from here on, whatever the caller decides about the document.
  for (const auto* s : {&d.secret_access_key, &d.token, &d.session_token})
    if (*s) register_secret(**s);
  return d;
}

std::optional<credentials> make_credentials(const std::optional<std::string>& access_key_id,
                                            const std::optional<std::string>& secret_access_key,
                                            const std::optional<std::string>& token,
                                            const std::optional<std::string>& expiration, bool expiration_required) {
  if (!access_key_id || access_key_id->empty() || !secret_access_key || secret_access_key->empty()) return std::nullopt;
  if (expiration_required && !expiration) return std::nullopt;
  credentials c;
  if (expiration) {
    auto when = parse_rfc3339(*expiration);
    if (!when) return std::nullopt;
    c.expiration = std::chrono::floor<std::chrono::seconds>(*when);
  }
  c.access_key_id = *access_key_id;
  c.secret_access_key = secret(*secret_access_key);
  if (token) c.session_token = secret(*token);
  return c;
}

} // namespace secexport::auth

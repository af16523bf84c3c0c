#include "auth/aws_config.hpp"

#include <charconv>
#include <set>

namespace secexport::auth {
namespace {

std::optional<std::string> non_empty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

std::optional<std::string> lookup(const ini_section& s, std::string_view key) {
  auto it = s.find(key);
  if (it == s.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<credentials> environment_keys(const environment& env) {
  auto id = non_empty(env.get("AWS_ACCESS_KEY_ID"));
  auto key = non_empty(env.get("AWS_SECRET_ACCESS_KEY"));
  if (!id && !key) return std::nullopt;
  if (!id || !key)
    throw config_error("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only " +
                       std::string(id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is set)");
  credentials c;
  c.access_key_id = *id;
  c.secret_access_key = secret(*key);
  if (auto token = non_empty(env.get("AWS_SESSION_TOKEN"))) c.session_token = secret(*token);
  c.source = "environment (AWS_ACCESS_KEY_ID)";
  return c;
}

std::chrono::seconds parse_duration(const std::string& text, const std::string& where) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < 900 || v > 43200)
    throw config_error(where + ": duration_seconds must be a number of seconds from 900 to 43200");
  return std::chrono::seconds(v);
}

struct profile_resolver {
  const environment& env;
  const shared_config& files;
  std::set<std::string> visiting;

  credential_plan resolve(const std::string& name) {
    if (!visiting.insert(name).second)
      throw config_error(files.where(name) + ": source_profile chain loops back to '" + name + "'");
    auto p = files.profile(name);
    if (!p) throw config_error("the AWS profile '" + name + "' does not exist in " +
                               files.credentials_path() + " or " + files.config_path());
    const auto where = files.where(name);
    auto role_arn = lookup(*p, "role_arn");
    auto key_id = lookup(*p, "aws_access_key_id");
    auto key = lookup(*p, "aws_secret_access_key");
    if (role_arn) {
      credential_plan plan;
      auto source_profile = lookup(*p, "source_profile");
      auto credential_source = lookup(*p, "credential_source");
      if (source_profile && credential_source)
        throw config_error(where + ": set either source_profile or credential_source, not both");
      if (source_profile) {
        if (*source_profile == name) { // a profile may hold the keys that assume its own role
          plan.base = static_keys(*p, name, where);
        } else {
          plan = resolve(*source_profile);
        }
      } else if (credential_source) {
        if (*credential_source != "Environment")
          throw config_error(where + ": credential_source '" + *credential_source +
                             "' is not supported by secexport (use Environment or source_profile)");
        auto e = environment_keys(env);
        if (!e) throw config_error(where + ": credential_source = Environment, but AWS_ACCESS_KEY_ID is not set");
        plan.base = std::move(*e);
      } else {
        throw config_error(where + ": role_arn needs source_profile or credential_source");
      }
      assume_role_spec role;
      role.role_arn = *role_arn;
      role.external_id = lookup(*p, "external_id").value_or("");
      role.session_name = lookup(*p, "role_session_name").value_or("");
      if (auto d = lookup(*p, "duration_seconds")) role.duration = parse_duration(*d, where);
      role.source = where;
      plan.roles.push_back(std::move(role));
      return plan;
    }
    if (key_id || key) {
      credential_plan plan;
      plan.base = static_keys(*p, name, where);
      return plan;
    }
    for (auto unsupported : {"credential_process", "sso_session", "sso_start_url", "web_identity_token_file"})
      if (lookup(*p, unsupported))
        throw config_error(where + ": '" + std::string(unsupported) +
                           "' credentials are not supported by secexport; use access keys or role_arn");
    throw config_error(where + " has no credentials (aws_access_key_id/aws_secret_access_key or role_arn)");
  }

  static credentials static_keys(const ini_section& p, const std::string& name, const std::string& where) {
    auto key_id = lookup(p, "aws_access_key_id");
    auto key = lookup(p, "aws_secret_access_key");
    if (!key_id || !key)
      throw config_error(where + ": aws_access_key_id and aws_secret_access_key must both be set");
    credentials c;
    c.access_key_id = *key_id;
    c.secret_access_key = secret(*key);
    if (auto token = lookup(p, "aws_session_token")) c.session_token = secret(*token);
    c.source = "profile '" + name + "'";
    return c;
  }
};

std::string service_endpoint(const environment& env, const std::optional<ini_section>& profile,
                             std::string_view env_suffix, std::string_view service_key) {
  if (env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("") == "true") return {};
  if (auto v = non_empty(env.get("AWS_ENDPOINT_URL_" + std::string(env_suffix)))) return *v;
  if (auto v = non_empty(env.get("AWS_ENDPOINT_URL"))) return *v;
  if (profile) {
    if (auto v = lookup(*profile, std::string(service_key) + ".endpoint_url")) return *v;
    if (auto v = lookup(*profile, "endpoint_url")) return *v;
  }
  return {};
}

} // namespace

std::string credential_plan::describe() const {
  std::string s = instance_metadata.empty() ? base.source : "instance metadata (" + instance_metadata + ")";
  for (const auto& r : roles) s += ", then role " + r.role_arn;
  return s;
}

aws_settings resolve_aws_settings(const aws_options& options, const environment& env,
                                  const shared_config& files) {
  aws_settings out;
  const bool explicit_profile = options.profile.has_value();
  out.profile_name = options.profile.value_or(non_empty(env.get("AWS_PROFILE")).value_or("default"));
  auto profile = files.profile(out.profile_name);
  if (explicit_profile && !profile)
    throw config_error("the AWS profile '" + out.profile_name + "' (--profile) does not exist in " +
                       files.credentials_path() + " or " + files.config_path());

  out.region = options.region.value_or("");
  if (out.region.empty()) out.region = non_empty(env.get("AWS_REGION")).value_or("");
  if (out.region.empty()) out.region = non_empty(env.get("AWS_DEFAULT_REGION")).value_or("");
  if (out.region.empty() && profile) out.region = lookup(*profile, "region").value_or("");
  if (out.region.empty()) out.region = "us-east-1";

  out.s3_endpoint = options.endpoint_url.value_or("");
  if (out.s3_endpoint.empty()) out.s3_endpoint = service_endpoint(env, profile, "S3", "s3");
  out.sts_endpoint = options.sts_endpoint_url.value_or("");
  if (out.sts_endpoint.empty()) out.sts_endpoint = service_endpoint(env, profile, "STS", "sts");
  if (out.sts_endpoint.empty()) out.sts_endpoint = "https://sts." + out.region + ".amazonaws.com";

  if (options.need_credentials) {
    profile_resolver resolver{env, files, {}};
    if (options.explicit_keys) {
      out.credentials.base = *options.explicit_keys;
    } else if (explicit_profile) {
      out.credentials = resolver.resolve(out.profile_name);
    } else if (auto e = environment_keys(env)) {
      out.credentials.base = std::move(*e);
    } else if (profile) {
      out.credentials = resolver.resolve(out.profile_name);
    } else if (non_empty(env.get("AWS_EC2_METADATA_DISABLED")).value_or("") != "true") {
      out.credentials.instance_metadata =
          non_empty(env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT")).value_or("http://169.254.169.254");
    } else {
      throw config_error(
          "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a "
          "profile with --profile or AWS_PROFILE (looked in " + files.credentials_path() + " and " +
          files.config_path() + "); the instance metadata service is disabled (AWS_EC2_METADATA_DISABLED)");
    }
  }
  if (options.role) out.credentials.roles.push_back(*options.role);
  return out;
}

} // namespace secexport::auth

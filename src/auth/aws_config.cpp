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

bool has_static_keys(const ini_section& p) {
  return lookup(p, "aws_access_key_id") || lookup(p, "aws_secret_access_key");
}

// A profile that assumes a role through AssumeRole (link 2): role_arn without
// web_identity_token_file (that pair is web identity, link 3), as botocore decides.
bool has_assume_role(const ini_section& p) {
  return lookup(p, "role_arn") && !lookup(p, "web_identity_token_file");
}

std::string instance_metadata_endpoint(const environment& env) {
  return non_empty(env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT")).value_or("http://169.254.169.254");
}

std::optional<container_spec> container_settings(const environment& env) {
  container_spec c;
  if (auto relative = non_empty(env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))) {
    c.url = "http://169.254.170.2" + (relative->starts_with('/') ? *relative : "/" + *relative);
    c.variable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
  } else if (auto full = non_empty(env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"))) {
    c.url = *full;
    c.variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  } else {
    return std::nullopt;
  }
  // As botocore: the token file wins over the token itself.
  if (auto file = non_empty(env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))) c.token_file = *file;
  else if (auto token = non_empty(env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN"))) c.token = secret(*token);
  return c;
}

struct profile_resolver {
  const environment& env;
  const shared_config& files;
  std::set<std::string> visiting;

  // Links 3 to 7 for one profile (which may not exist: web identity can come from the
  // environment alone); nullopt when none of them is configured. `use_env`: whether the
  // AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN / AWS_ROLE_SESSION_NAME variables count
  // (not for an explicit --profile, nor for a source_profile).
  std::optional<credential_plan> profile_links(const std::string& name, bool use_env) {
    auto p = files.profile(name);
    const auto where = files.where(name);
    auto setting = [&](const char* variable, const char* key) -> std::pair<std::optional<std::string>, bool> {
      if (use_env)
        if (auto v = non_empty(env.get(variable))) return {v, true};
      if (p)
        if (auto v = lookup(*p, key)) return {v, false};
      return {std::nullopt, false};
    };
    if (auto [token_file, from_env] = setting("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file"); token_file) {
      auto [role_arn, role_from_env] = setting("AWS_ROLE_ARN", "role_arn");
      const auto named = from_env ? std::string("AWS_WEB_IDENTITY_TOKEN_FILE") : where + " web_identity_token_file";
      if (!role_arn)
        throw config_error(named + " is set but no role ARN is: set AWS_ROLE_ARN or role_arn in the profile");
      credential_plan plan;
      web_identity_spec w;
      w.token_file = *token_file;
      w.role_arn = *role_arn;
      w.session_name = setting("AWS_ROLE_SESSION_NAME", "role_session_name").first.value_or("");
      w.source = from_env ? "AWS_WEB_IDENTITY_TOKEN_FILE=" + *token_file
                          : "profile '" + name + "' web_identity_token_file=" + *token_file;
      plan.web_identity = std::move(w);
      return plan;
    }
    if (!p) return std::nullopt;
    for (auto unsupported : {"sso_session", "sso_start_url"})
      if (lookup(*p, unsupported))
        throw config_error(where + ": '" + std::string(unsupported) +
                           "' (AWS IAM Identity Center) credentials are not supported by secexport; use "
                           "access keys, role_arn, web identity, credential_process or container credentials");
    if (auto in_credentials_file = files.credentials_file_profile(name);
        in_credentials_file && has_static_keys(*in_credentials_file)) {
      credential_plan plan;
      plan.base = static_keys(*in_credentials_file, name, where);
      return plan;
    }
    if (auto command = lookup(*p, "credential_process")) {
      credential_plan plan;
      plan.process = process_spec{*command, name};
      return plan;
    }
    if (has_static_keys(*p)) {
      credential_plan plan;
      plan.base = static_keys(*p, name, where);
      return plan;
    }
    return std::nullopt;
  }

  // The credentials a source_profile names: its own links (never the environment's web
  // identity variables), or its role when it has no keys of its own (botocore's rule).
  credential_plan resolve_source(const std::string& name) {
    if (!visiting.insert(name).second)
      throw config_error(files.where(name) + ": source_profile chain loops back to '" + name + "'");
    auto p = files.profile(name);
    if (!p) throw config_error("the AWS profile '" + name + "' does not exist in " +
                               files.credentials_path() + " or " + files.config_path());
    if (has_static_keys(*p) || !has_assume_role(*p)) {
      auto plan = profile_links(name, false);
      if (!plan) throw config_error(files.where(name) + " has no credentials (aws_access_key_id/aws_secret_access_key, "
                                                        "role_arn, web_identity_token_file or credential_process)");
      return std::move(*plan);
    }
    return resolve_role(name, *p);
  }

  // Link 2: a profile with role_arn (and no web_identity_token_file).
  credential_plan resolve_role(const std::string& name, const ini_section& p) {
    visiting.insert(name);
    const auto where = files.where(name);
    credential_plan plan;
    auto source_profile = lookup(p, "source_profile");
    auto credential_source = lookup(p, "credential_source");
    if (source_profile && credential_source)
      throw config_error(where + ": set either source_profile or credential_source, not both");
    if (source_profile) {
      if (*source_profile == name) { // a profile may hold the keys that assume its own role
        plan.base = static_keys(p, name, where);
      } else {
        plan = resolve_source(*source_profile);
      }
    } else if (credential_source) {
      if (*credential_source == "Environment") {
        auto e = environment_keys(env);
        if (!e) throw config_error(where + ": credential_source = Environment, but AWS_ACCESS_KEY_ID is not set");
        plan.base = std::move(*e);
      } else if (*credential_source == "EcsContainer") {
        plan.container = container_settings(env);
        if (!plan.container)
          throw config_error(where + ": credential_source = EcsContainer, but neither "
                                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
      } else if (*credential_source == "Ec2InstanceMetadata") {
        plan.instance_metadata = instance_metadata_endpoint(env);
      } else {
        throw config_error(where + ": credential_source '" + *credential_source +
                           "' is not one of Environment, EcsContainer, Ec2InstanceMetadata");
      }
    } else {
      throw config_error(where + ": role_arn needs source_profile or credential_source");
    }
    assume_role_spec role;
    role.role_arn = *lookup(p, "role_arn");
    role.external_id = lookup(p, "external_id").value_or("");
    role.session_name = lookup(p, "role_session_name").value_or("");
    if (auto d = lookup(p, "duration_seconds")) role.duration = parse_duration(*d, where);
    role.source = where;
    plan.roles.push_back(std::move(role));
    return plan;
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
  std::string s;
  if (web_identity) s = "web identity (" + web_identity->source + ", role " + web_identity->role_arn + ")";
  else if (container) s = "container credentials (" + container->variable + "=" + container->url + ")";
  else if (process) s = "credential_process of profile '" + process->profile + "'";
  else if (!instance_metadata.empty()) s = "instance metadata (" + instance_metadata + ")";
  else s = base.source;
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
    std::optional<credential_plan> from_profile;
    if (options.explicit_keys) {
      out.credentials.base = *options.explicit_keys;
    } else if (auto e = explicit_profile ? std::nullopt : environment_keys(env)) {
      out.credentials.base = std::move(*e);
    } else if (profile && has_assume_role(*profile)) {
      out.credentials = resolver.resolve_role(out.profile_name, *profile);
    } else if ((from_profile = resolver.profile_links(out.profile_name, !explicit_profile))) {
      out.credentials = std::move(*from_profile);
    } else if (auto container = container_settings(env)) {
      out.credentials.container = std::move(container);
    } else if (non_empty(env.get("AWS_EC2_METADATA_DISABLED")).value_or("") != "true") {
      out.credentials.instance_metadata = instance_metadata_endpoint(env);
    } else {
      throw config_error(
          "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a "
          "profile with --profile or AWS_PROFILE (looked in " + files.credentials_path() + " and " +
          files.config_path() + "), or AWS_WEB_IDENTITY_TOKEN_FILE, or AWS_CONTAINER_CREDENTIALS_*; "
          "the instance metadata service is disabled (AWS_EC2_METADATA_DISABLED)");
    }
  }
  if (options.role) out.credentials.roles.push_back(*options.role);
  return out;
}

} // namespace secexport::auth

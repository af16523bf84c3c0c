#include "auth/sts_client.hpp"

#include "base/log.hpp"


namespace secexport::auth {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

void append_form(std::string& body, std::string_view name, std::string_view value) {
  if (!body.empty()) body.push_back('&');
  body.append(name).push_back('=');
  uri_encode(body, value, false);
}

aws_request form_request(std::string_view operation, const std::string& body) {
  aws_request r;
  r.operation = operation;
  r.method = http::verb::post;
  r.path = "/";
  r.headers.push_back({"content-type", "application/x-www-form-urlencoded; charset=utf-8"});
  r.body = {body.data(), body.size()};
  return r;
}

std::string default_session_name(aws_client& sts) {
  return "secexport-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                           sts.context().clock().now().time_since_epoch())
                                           .count());
}

// The session of a successful answer, or the error of one that carries no credentials.
assumed_role role_session(std::optional<assumed_role> parsed, std::string_view action, const std::string& role_arn,
                          aws_client& sts, const aws_response& response, std::string_view source) {
  if (!parsed)
    throw aws_call_error(std::string(action) + " of " + role_arn + " via " + sts.endpoint().url() +
                             " returned a response without credentials",
                         response.error);
  parsed->session.source = std::string(source) + role_arn;
  return std::move(*parsed);
}

} // namespace

net::awaitable<assumed_role> assume_role(aws_client& sts, const assume_role_spec& role) {
  auto session = role.session_name.empty() ? default_session_name(sts) : sanitize_session_name(role.session_name);
  auto duration = role.duration;
  for (int pass = 0;; ++pass) {
    std::string body;
    append_form(body, "Action", "AssumeRole");
    append_form(body, "Version", "2011-06-15");
    append_form(body, "RoleArn", role.role_arn);
    append_form(body, "RoleSessionName", session);
    append_form(body, "DurationSeconds", std::to_string(duration.count()));
    if (!role.external_id.empty()) append_form(body, "ExternalId", role.external_id);
    auto response = co_await sts.call(form_request("AssumeRole", body));
    if (response.ok())
      co_return role_session(parse_assume_role_response(response.body), "AssumeRole", role.role_arn, sts, response,
                             "assumed role ");
    const auto& e = response.error;
    // A role whose MaxSessionDuration is below the requested duration answers
    // ValidationError: fall back to 3600 s once. (Any other ValidationError fails again
    // with 3600 s and is reported then.)
    if (pass == 0 && e.is(service_errc::validation_error) && duration > std::chrono::seconds(3600)) {
      log_warn("AssumeRole refused the session duration; trying 3600 s (the role's maximum session duration may "
               "be lower than requested)",
               {{"role_arn", role.role_arn}, {"requested_seconds", duration.count()}, {"detail", e.describe()}});
      duration = std::chrono::seconds(3600);
      continue;
    }
    std::string msg = "AssumeRole of " + role.role_arn;
    msg += role.external_id.empty() ? " without an external ID"
                                    : " with external ID '" + role.external_id + "'";
    msg += " failed: " + e.describe();
    if (e.is(service_errc::access_denied))
      msg += ". Check that the role's trust policy allows the calling identity to sts:AssumeRole"
             " and that its sts:ExternalId condition equals the external ID shown above";
    throw aws_call_error(msg, e);
  }
}

net::awaitable<assumed_role> assume_role_with_web_identity(aws_client& sts, const web_identity_spec& spec,
                                                           const secret& token) {
  auto session = spec.session_name.empty() ? default_session_name(sts) : sanitize_session_name(spec.session_name);
  std::string body;
  append_form(body, "Action", "AssumeRoleWithWebIdentity");
  append_form(body, "Version", "2011-06-15");
  append_form(body, "RoleArn", spec.role_arn);
  append_form(body, "RoleSessionName", session);
  append_form(body, "WebIdentityToken", token.reveal());
  auto response = co_await sts.call(form_request("AssumeRoleWithWebIdentity", body));
  if (response.ok())
    co_return role_session(parse_assume_role_with_web_identity_response(response.body), "AssumeRoleWithWebIdentity",
                           spec.role_arn, sts, response, "web identity role ");
  std::string msg = "AssumeRoleWithWebIdentity of " + spec.role_arn + " with the token in " + spec.token_file +
                    " failed: " + response.error.describe();
  if (response.error.is(service_errc::access_denied))
    msg += ". Check that the role's trust policy allows sts:AssumeRoleWithWebIdentity for this identity "
           "provider and the token's subject and audience";
  throw aws_call_error(msg, response.error);
}

net::awaitable<caller_identity> get_caller_identity(aws_client& sts) {
  std::string body;
  append_form(body, "Action", "GetCallerIdentity");
  append_form(body, "Version", "2011-06-15");
  auto response = co_await sts.call(form_request("GetCallerIdentity", body));
  if (!response.ok())
    throw aws_call_error("GetCallerIdentity via " + sts.endpoint().url() + " failed: " +
                             response.error.describe(),
                         response.error);
  auto id = parse_caller_identity_response(response.body);
  if (!id)
    throw aws_call_error("GetCallerIdentity returned an unreadable response", response.error);
  co_return *id;
}

} // namespace secexport::auth

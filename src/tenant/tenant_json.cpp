#include "tenant/tenant_json.hpp"

#include "base/secret.hpp"

namespace secexport::tenant {

std::string_view json_name(field f) noexcept {
  switch (f) {
  case field::method: return "method";
  case field::bucket: return "bucket";
  case field::prefix: return "prefix";
  case field::region: return "region";
  case field::role_arn: return "role_arn";
  case field::external_id: return "external_id";
  case field::session_duration: return "session_duration";
  case field::access_key_id: return "access_key_id";
  case field::secret_access_key: return "secret_access_key";
  case field::source_url: return "source_url";
  case field::source_token_env: return "source_token_env";
  }
  return "unknown";
}

void write_settings(json_writer& w, const tenant_settings& t) {
  const auto problems = t.problems();
  w.begin_object();
  w.member("tenant", t.id);
  w.member("enabled", t.enabled);
  w.member("method", to_string(t.method));
  w.member("bucket", t.bucket);
  w.member("prefix", t.prefix);
  w.member("region", t.region);
  w.member("role_arn", t.role_arn);
  w.member("external_id", t.external_id);
  w.member("session_duration", t.session_duration);
  w.member("access_key_id", t.access_key_id.empty() ? std::string() : mask_identifier(t.access_key_id));
  w.member("secret_access_key_set", !t.secret_access_key.empty());
  w.member("source_url", t.source_url);
  w.member("source_token_env", t.source_token_env);
  w.member("ready", problems.empty());
  w.key("problems").begin_array();
  for (const auto& p : problems) {
    w.begin_object();
    w.member("field", json_name(p.field));
    w.member("message", redact(p.message));
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

std::size_t write_tenant_list(json_writer& w, const tenant_store& store) {
  std::size_t unreadable = 0;
  w.begin_object().key("tenants").begin_array();
  for (const auto& id : store.list()) {
    try {
      write_settings(w, *store.load(id));
    } catch (const failure& e) {
      w.begin_object().member("tenant", id).member("error", redact(e.what())).end_object();
      ++unreadable;
    }
  }
  w.end_array().end_object();
  return unreadable;
}

void write_check_step(json_writer& w, const check_step& s) {
  w.begin_object();
  w.member("action", s.name);
  w.member("permission", s.action);
  w.member("status", s.status == step_status::passed ? "pass" : s.status == step_status::failed ? "fail" : "skip");
  if (s.status == step_status::failed) w.member("code", s.code);
  w.member("denied", s.denied);
  w.member("message", redact(s.detail));
  w.end_object();
}

void write_check_report(json_writer& w, const check_report& r) {
  w.begin_object();
  w.member("passed", r.passed());
  w.key("failed_action");
  if (auto f = r.first_failure()) w.value(f->name);
  else w.null();
  w.key("steps").begin_array();
  for (const auto& s : r.steps) write_check_step(w, s);
  w.end_array();
  w.end_object();
}

void write_external_id(json_writer& w, const external_id_info& info) {
  w.begin_object();
  w.member("tenant", info.tenant);
  w.member("external_id", info.external_id);
  w.member("issued_now", info.issued_now);
  w.member("account_id", info.exporter.account);
  w.member("identity_arn", info.exporter.identity_arn);
  w.member("principal", info.exporter.principal);
  w.key("trust_policy").raw(info.trust_policy());
  w.end_object();
}

} // namespace secexport::tenant

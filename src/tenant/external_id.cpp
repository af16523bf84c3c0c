#include "tenant/external_id.hpp"

#include "auth/error.hpp"
#include "auth/sts_client.hpp"
#include "io/endpoint.hpp"
#include "tenant/policies.hpp"

namespace secexport::tenant {

namespace net = boost::asio;

result<exporter_principal> principal_for(const auth::caller_identity& id, bool trust_account) {
  exporter_principal p{id.account, id.arn, {}};
  if (trust_account) {
    p.principal = account_principal(id.arn, id.account);
    return p;
  }
  auto principal = trust_principal_for(id.arn);
  if (!principal)
    return error{auth::errc::bad_response, "the exporter's identity " + id.arn +
                                               " is not an IAM user or role; trust the account instead "
                                               "(--trust-account)"};
  p.principal = std::move(*principal);
  return p;
}

net::awaitable<auth::caller_identity> exporter_identity(s3::session& session) {
  auto sts_endpoint = io::parse_endpoint(session.settings.sts_endpoint);
  if (!sts_endpoint)
    throw failure(secexport::errc::bad_usage, "the STS endpoint '" + io::printable_url(session.settings.sts_endpoint) +
                                                  "': " + sts_endpoint.error().message);
  auth::aws_client sts(*session.context, *sts_endpoint, "sts", session.settings.region, session.credentials);
  co_return co_await auth::get_caller_identity(sts);
}

std::string external_id_info::trust_policy() const { return tenant::trust_policy(exporter.principal, external_id); }

external_id_info issue_external_id(const tenant_store& store, const std::string& id,
                                   const exporter_principal& exporter, const tenant_store::lock&) {
  auto t = store.load(id);
  tenant_settings fresh;
  if (!t) {
    fresh.id = id;
    t = std::move(fresh);
  }
  external_id_info info{id, t->external_id, false, exporter};
  if (info.external_id.empty()) {
    t->external_id = new_external_id();
    store.save(*t);
    info.external_id = t->external_id;
    info.issued_now = true;
  }
  return info;
}

} // namespace secexport::tenant

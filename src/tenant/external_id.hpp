// The role-arn method's first step: the exporter's AWS identity (STS GetCallerIdentity), the
// principal a customer's role must trust, and the tenant's external ID, issued once and kept.
// Shared by `secexport tenant external-id` and the settings API.
#pragma once

#include "auth/sts_xml.hpp"
#include "base/error.hpp"
#include "s3/session.hpp"
#include "tenant/tenant_settings.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace secexport::tenant {

/// Who customers' roles trust.
struct exporter_principal {
  std::string account;      // the exporter's account ID
  std::string identity_arn; // what GetCallerIdentity answered
  std::string principal;    // the ARN the trust policy names
};

/// The principal for `id`: its IAM user or role (an assumed-role session's role), or the whole
/// account with `trust_account`. auth::errc::bad_response when the identity is neither a user
/// nor a role.
[[nodiscard]] result<exporter_principal> principal_for(const auth::caller_identity& id, bool trust_account);

/// GetCallerIdentity with the session's credentials, at its STS endpoint. Throws a failure.
[[nodiscard]] boost::asio::awaitable<auth::caller_identity> exporter_identity(s3::session& session);

struct external_id_info {
  std::string tenant;
  std::string external_id;
  bool issued_now = false;
  exporter_principal exporter;

  [[nodiscard]] std::string trust_policy() const;
};

/// The tenant's external ID, issued (and the tenant saved, a new tenant with only the ID)
/// when it has none. The caller holds the tenant's lock (`held`), so concurrent callers get
/// the same ID. Throws store_error.
[[nodiscard]] external_id_info issue_external_id(const tenant_store& store, const std::string& id,
                                                 const exporter_principal& exporter, const tenant_store::lock& held);

} // namespace secexport::tenant

// A tenant's export settings (what the customer entered in "Save changes") and the store that
// keeps them: one file per tenant, `DIR/TENANT.conf`, INI with a [tenant] section:
//
//   enabled = true
//   method = role-arn                 # or access-key
//   bucket = acme-security-exports
//   prefix = audit                    # optional
//   region = eu-west-1                # optional (--bucket-region): else the exporter's region
//   role-arn = arn:aws:iam::210987654321:role/secexport   # role-arn method
//   external-id = 3q2-7w...           # issued by `tenant external-id`, kept across saves
//   session-duration = 3600           # role-arn method, seconds
//   access-key-id = AKIA...           # access-key method
//   secret-access-key = ...           # access-key method: the only secret in the file
//   source-url = https://events.internal
//   source-token-env = SECEXPORT_SOURCE_TOKEN   # the token is referenced, never stored
//
// Every file is written 0600 (atomically: a temporary file, fsync, rename) in a 0700
// directory, and a file that group or others can read is refused, because it may hold a
// secret key. Errors name the file and line, never a value.
#pragma once

#include "base/error.hpp"
#include "base/secret.hpp"
#include "tenant/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace secexport::tenant {

enum class auth_method { none, access_key, role_arn };

[[nodiscard]] std::string_view to_string(auth_method m) noexcept;
[[nodiscard]] std::optional<auth_method> parse_auth_method(std::string_view text) noexcept;

/// The settings fields, for problems and changes that concern one of them.
enum class field {
  method, bucket, prefix, region, role_arn, external_id, session_duration, access_key_id, secret_access_key,
  source_url, source_token_env,
};

/// Something missing or invalid in a tenant's settings.
struct problem {
  tenant::field field;
  std::string message; // names the setting and what would be valid
};

struct tenant_settings {
  std::string id;
  bool enabled = false;
  auth_method method = auth_method::none; // none: only an external ID has been issued
  std::string bucket, prefix, region;
  std::string role_arn, external_id;
  unsigned session_duration = 3600;
  std::string access_key_id;
  secret secret_access_key;
  std::string source_url;
  std::string source_token_env = "SECEXPORT_SOURCE_TOKEN";

  /// What is missing or invalid for exporting (empty: ready). Pure; messages name the field.
  [[nodiscard]] std::vector<problem> problems() const;
};

/// What "Save changes" (or `tenant save|test` flags) changes: each set field overrides the
/// saved value.
struct settings_change {
  std::optional<auth_method> method;
  std::optional<std::string> bucket, prefix, region, role_arn, access_key_id, source_url, source_token_env;
  std::optional<unsigned> session_duration;
  std::optional<secret> secret_access_key;
};

/// Applies `change` to `t`. Switching the method drops the other method's credentials (the
/// access key ID and secret when switching to role-arn, the role ARN when switching to
/// access-key; the external ID stays: it was issued for the tenant).
void apply(tenant_settings& t, const settings_change& change);

/// Thrown by the store: a tenant::errc code and a message naming the file (and line), never
/// a value.
class store_error : public failure {
public:
  store_error(errc code, const std::string& message) : failure(make_error_code(code), message) {}
};

class tenant_store {
public:
  explicit tenant_store(std::filesystem::path dir);

  /// SECEXPORT_TENANTS_DIR, else $XDG_CONFIG_HOME/secexport/tenants, else
  /// ~/.config/secexport/tenants.
  [[nodiscard]] static std::filesystem::path default_dir();

  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] std::filesystem::path path_of(std::string_view id) const;

  /// nullopt when the tenant has no file. Throws store_error (file and line) on a malformed
  /// file, an unknown key, or a file that group or others can read.
  [[nodiscard]] std::optional<tenant_settings> load(std::string_view id) const;
  /// Every tenant file's ID, sorted.
  [[nodiscard]] std::vector<std::string> list() const;
  /// Writes atomically with mode 0600; creates the directory (0700) if needed.
  void save(const tenant_settings& t) const;
  /// False if there was nothing to remove.
  bool remove(std::string_view id) const;

private:
  std::filesystem::path dir_;
};

/// The file's text for `t` (what save writes).
[[nodiscard]] std::string serialize(const tenant_settings& t);
/// Parses a file's text; `file_name` is for messages. Throws store_error.
[[nodiscard]] tenant_settings parse_tenant_file(std::string_view text, std::string_view file_name,
                                                std::string id);

// Input checks for `tenant save`: tenant::errc::invalid_setting saying why the value is not
// acceptable. (Bucket names: s3::check_bucket_name.)
[[nodiscard]] result<void> check_role_arn(std::string_view arn);
[[nodiscard]] result<void> check_region(std::string_view region);
[[nodiscard]] result<void> check_access_key_id(std::string_view id);
[[nodiscard]] result<void> check_external_id(std::string_view id);
[[nodiscard]] result<void> check_prefix(std::string_view prefix);

/// A new external ID: 144 random bits (OpenSSL's CSPRNG), base64url without padding, 24
/// characters, prefixed "sx-" so support staff recognise it.
[[nodiscard]] std::string new_external_id();

} // namespace secexport::tenant
